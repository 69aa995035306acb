"""One Bedrock call with its retries: throttling, 5xx and network errors are retried within the
invocation's time (the kernel's ``Retrier``); anything else propagates unchanged. Shared by the job
handler and the serving handler, so both fail with the same reasons when retries run out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ..kernel.retry import Budget, NoTimeLeft, Retrier, RetriesExhausted
from . import errors
from .errors import HandlerError

T = TypeVar("T")


def transient_budget() -> Budget:
    return Budget("transient", total_s=60.0, base_s=1.0, cap_s=16.0)


def is_transient(error: Exception) -> bool:
    if isinstance(error, HTTPClientError | BotocoreConnectionError):
        return True
    return isinstance(error, ClientError) and errors.is_transient(error)


def run(retrier: Retrier, action: str, call: Callable[[], T]) -> T:
    """Run ``call`` retrying only throttling/5xx/network errors; other errors propagate unchanged."""
    transient = transient_budget()
    try:
        return retrier.run(call, lambda e: transient if is_transient(e) else None)
    except RetriesExhausted as exhausted:
        raise exhausted_reason(action, exhausted) from exhausted.error
    except NoTimeLeft as no_time:
        raise errors.no_time_left(action, str(no_time)) from no_time


def exhausted_reason(action: str, exhausted: RetriesExhausted) -> HandlerError:
    error = exhausted.error
    code = errors.error_label(error)
    message = errors.error_message(error) if isinstance(error, ClientError) else str(error)
    if exhausted.out_of_time:
        return errors.out_of_time(action, code, message)
    return errors.still_failing(action, code, message, exhausted.budget.waited_s)

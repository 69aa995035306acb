"""The invocation's time budget: a call starts only while its worst case still fits before the Lambda's timeout.

The kernel's retrier with one budget, throttling, bounded by the invocation's time only. The clock
(``remaining_ms``, the Lambda context's) and ``sleep`` are injected, so tests run a fake clock and never sleep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from ..kernel.errors import error_code
from ..kernel.log import log_event
from ..kernel.retry import Budget as RetryBudget
from ..kernel.retry import NoTimeLeft, Retrier, RetriesExhausted, time_bound

THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 8.0
MARGIN_S = 2.0
"""Left after the last call for the summary log line."""

T = TypeVar("T")


class OutOfTime(Exception):
    """Too little of the invocation is left to start another call; the rest waits for the next invocation."""


def _throttled(error: Exception, _budget: RetryBudget, delay: float) -> None:
    operation = str(getattr(error, "operation_name", ""))
    log_event(logging.WARNING, outcome="throttled", operation=operation, retryInSeconds=delay)


@dataclass(frozen=True)
class Budget:
    """The invocation's time. A call starts only while its worst case (``call_s``: botocore's own retries and
    timeouts, or a PUT's) plus ``margin_s`` and ``reserve_s`` (what must still follow, e.g. the Result's PUT)
    is left, so no call runs into the Lambda's timeout. A call throttled through botocore's retries is tried
    again after a backoff (1, 2, 4, 8 s) under the same rule: the sweep then paces itself to the account's
    rate instead of failing every later handle too."""

    remaining_ms: Callable[[], int]
    sleep: Callable[[float], None]
    call_s: float
    margin_s: float = MARGIN_S
    reserve_s: float = 0.0

    def reserving(self, seconds: float) -> Budget:
        """This budget, keeping ``seconds`` more for what must follow its calls."""
        return replace(self, reserve_s=self.reserve_s + seconds)

    def _retrier(self) -> Retrier:
        return Retrier(
            self.sleep,
            self.remaining_ms,
            margin_s=self.margin_s + self.reserve_s,
            call_limit_s=self.call_s,
            on_retry=_throttled,
        )

    def start(self) -> None:
        """Raise OutOfTime unless one more worst-case call fits."""
        if not self._retrier().fits():
            raise OutOfTime

    def call(self, operation: Callable[..., T], **params: Any) -> T:
        throttling = time_bound("throttling", BACKOFF_BASE_S, BACKOFF_CAP_S)

        def budget_for(error: Exception) -> RetryBudget | None:
            return throttling if isinstance(error, ClientError) and error_code(error) in THROTTLING else None

        try:
            return self._retrier().run(partial(operation, **params), budget_for)
        except (NoTimeLeft, RetriesExhausted):
            pass
        raise OutOfTime  # outside the except block: OutOfTime chains nothing

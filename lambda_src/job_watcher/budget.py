"""The invocation's time budget: a call starts only while its worst case still fits before the Lambda's timeout.

The clock (``remaining_ms``, the Lambda context's) and ``sleep`` are injected, so tests run a fake clock and
never sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from .log import log_event

THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 8.0
MARGIN_S = 2.0
"""Left after the last call for the summary log line."""

T = TypeVar("T")


def error_code(error: Any) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


class OutOfTime(Exception):
    """Too little of the invocation is left to start another call; the rest waits for the next invocation."""


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

    def left_s(self) -> float:
        return self.remaining_ms() / 1000

    def start(self, after_s: float = 0.0) -> None:
        """Raise OutOfTime unless one more worst-case call fits after ``after_s`` seconds."""
        if self.left_s() < after_s + self.call_s + self.margin_s + self.reserve_s:
            raise OutOfTime

    def call(self, operation: Callable[..., T], **params: Any) -> T:
        delay = BACKOFF_BASE_S
        while True:
            self.start()
            try:
                return operation(**params)
            except ClientError as error:
                if error_code(error) not in THROTTLING:
                    raise
                operation_name = str(getattr(error, "operation_name", ""))
            self.start(after_s=delay)  # outside the except block: OutOfTime chains nothing
            log_event(outcome="throttled", operation=operation_name, retryInSeconds=delay)
            self.sleep(delay)
            delay = min(delay * 2, BACKOFF_CAP_S)

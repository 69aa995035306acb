"""Bounded exponential backoff that never outlives the Lambda invocation.

Each kind of retryable error gets its own ``Budget`` of waiting time (the handler: IAM propagation about two
minutes, throttling about one; the watcher: throttling, bounded by time only). The sleep function and the
remaining-time clock are injected, so tests neither sleep nor depend on wall time.

Time accounting: an attempt starts only while the Lambda has ``call_limit_s`` (the longest one client call
can take, timeouts and botocore's own retries included; see ``client.max_call_seconds``) plus ``margin_s``
(what must still follow: answering CloudFormation, a summary line) left; a backoff sleep is taken only if
that still holds after it. So neither the waiting nor a slow call can run the invocation into its hard
timeout, where the outcome of a request would be lost.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import error_label
from .log import log_event

T = TypeVar("T")
Sleep = Callable[[float], None]
RemainingMillis = Callable[[], int]


@dataclass
class Budget:
    """Waiting allowed for one kind of error: delays base, 2*base, ... capped at ``cap_s``, summing to at most
    ``total_s`` (``math.inf``: as long as the invocation's time allows)."""

    kind: str
    total_s: float
    base_s: float
    cap_s: float
    waited_s: float = 0.0
    retries: int = 0

    def next_delay(self) -> float | None:
        if self.waited_s >= self.total_s:
            return None
        return min(self.cap_s, self.base_s * 2.0 ** min(self.retries, 64), self.total_s - self.waited_s)

    def spend(self, delay_s: float) -> None:
        self.waited_s += delay_s
        self.retries += 1


def time_bound(kind: str, base_s: float, cap_s: float) -> Budget:
    """A budget without a limit of its own: the invocation's remaining time is its only bound."""
    return Budget(kind, total_s=math.inf, base_s=base_s, cap_s=cap_s)


class RetriesExhausted(Exception):
    """The error kept coming until its budget (or the Lambda's remaining time) ran out."""

    def __init__(self, error: Exception, budget: Budget, *, out_of_time: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.budget = budget
        self.out_of_time = out_of_time


class NoTimeLeft(Exception):
    """Too little Lambda time is left to make even one more call safely (nothing was attempted)."""


OnRetry = Callable[[Exception, Budget, float], None]
"""Called with the error, its budget and the delay, before the backoff sleep."""


@dataclass(frozen=True)
class Retrier:
    sleep: Sleep
    remaining_ms: RemainingMillis
    margin_s: float = 0.0
    call_limit_s: float = 0.0
    log_fields: Mapping[str, Any] = field(default_factory=dict)
    on_retry: OnRetry | None = None
    """Default: a WARNING line ``{**log_fields, action: retry, kind, error, delay_s}``."""

    def spare_s(self) -> float:
        """Seconds left after reserving one worst-case call and the margin."""
        return self.remaining_ms() / 1000 - self.call_limit_s - self.margin_s

    def fits(self, after_s: float = 0.0) -> bool:
        """Whether one more worst-case call (and the margin) still fits after ``after_s`` seconds."""
        return self.spare_s() >= after_s

    def run(self, call: Callable[[], T], budget_for: Callable[[Exception], Budget | None]) -> T:
        """Call until success; an error without a budget is re-raised at once.

        Raises NoTimeLeft when not even the first attempt fits, RetriesExhausted when the error's budget or
        the invocation's time runs out (``out_of_time``) with the error still coming.
        """
        if not self.fits():
            raise NoTimeLeft(
                f"{self.remaining_ms() / 1000:.0f} s of Lambda time left, less than one worst-case call "
                f"({self.call_limit_s:.0f} s) plus {self.margin_s:.0f} s to answer CloudFormation"
            )
        while True:
            try:
                return call()
            except Exception as error:
                budget = budget_for(error)
                if budget is None:
                    raise
                delay = budget.next_delay()
                if delay is None:
                    raise RetriesExhausted(error, budget, out_of_time=False) from error
                if not self.fits(after_s=delay):
                    raise RetriesExhausted(error, budget, out_of_time=True) from error
                self._retrying(error, budget, delay)
                self.sleep(delay)
                budget.spend(delay)
                if not self.fits():  # the sleep took longer than asked
                    raise RetriesExhausted(error, budget, out_of_time=True) from error

    def _retrying(self, error: Exception, budget: Budget, delay: float) -> None:
        if self.on_retry is not None:
            self.on_retry(error, budget, delay)
            return
        log_event(
            logging.WARNING,
            **self.log_fields,
            action="retry",
            kind=budget.kind,
            error=error_label(error),
            delay_s=delay,
        )

"""Bounded exponential backoff that never outlives the Lambda invocation.

Each kind of retryable error gets its own ``Budget`` of waiting time (IAM propagation: about two
minutes; throttling: about one). The sleep function and the remaining-time clock are injected, so
tests neither sleep nor depend on wall time.

Time accounting: an attempt starts only while the Lambda has ``call_limit_s`` (the longest one
client call can take, timeouts and botocore's own retries included; see client.max_call_seconds)
plus ``margin_s`` (to answer CloudFormation) left; a backoff sleep is taken only if that still holds
after it. So neither our waiting nor a slow call can run the invocation into its hard timeout, where
the outcome of a request would be lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import HandlerError, error_label
from .log import log_event

T = TypeVar("T")
Sleep = Callable[[float], None]
RemainingMillis = Callable[[], int]

SAFETY_MARGIN_S = 20.0


@dataclass
class Budget:
    """Waiting allowed for one kind of error: delays base, 2*base, ... capped, summing to ``total_s``."""

    kind: str
    total_s: float
    base_s: float
    cap_s: float
    waited_s: float = 0.0
    retries: int = 0

    def next_delay(self) -> float | None:
        if self.waited_s >= self.total_s:
            return None
        return min(self.cap_s, self.base_s * (1 << self.retries), self.total_s - self.waited_s)

    def spend(self, delay_s: float) -> None:
        self.waited_s += delay_s
        self.retries += 1


class RetriesExhausted(Exception):
    """The error kept coming until its budget (or the Lambda's remaining time) ran out."""

    def __init__(self, error: Exception, budget: Budget, *, out_of_time: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.budget = budget
        self.out_of_time = out_of_time


class NoTimeLeft(HandlerError):
    """Too little Lambda time is left to make even one more call safely."""


@dataclass(frozen=True)
class Retrier:
    sleep: Sleep
    remaining_ms: RemainingMillis
    margin_s: float = SAFETY_MARGIN_S
    call_limit_s: float = 0.0
    log_fields: Mapping[str, Any] = field(default_factory=dict)

    def spare_s(self) -> float:
        """Seconds left after reserving one worst-case call and the margin to answer CloudFormation."""
        return self.remaining_ms() / 1000 - self.call_limit_s - self.margin_s

    def run(self, call: Callable[[], T], budget_for: Callable[[Exception], Budget | None]) -> T:
        """Call until success; an error without a budget is re-raised at once."""
        if self.spare_s() < 0:
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
                if self.spare_s() - delay < 0:
                    raise RetriesExhausted(error, budget, out_of_time=True) from error
                log_event(
                    **self.log_fields,
                    action="retry",
                    kind=budget.kind,
                    error=error_label(error),
                    delay_s=delay,
                )
                self.sleep(delay)
                budget.spend(delay)

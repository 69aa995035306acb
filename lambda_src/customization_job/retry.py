"""Bounded exponential backoff that never outlives the Lambda invocation.

Each kind of retryable error gets its own ``Budget`` of waiting time (IAM propagation: about two
minutes; throttling: about one). The sleep function and the remaining-time clock are injected, so
tests neither sleep nor depend on wall time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import error_label
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


@dataclass(frozen=True)
class Retrier:
    sleep: Sleep
    remaining_ms: RemainingMillis
    margin_s: float = SAFETY_MARGIN_S
    log_fields: Mapping[str, Any] = field(default_factory=dict)

    def run(self, call: Callable[[], T], budget_for: Callable[[Exception], Budget | None]) -> T:
        """Call until success; an error without a budget is re-raised at once."""
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
                if self.remaining_ms() / 1000 - delay < self.margin_s:
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

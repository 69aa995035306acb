"""Retry time accounting the mutation run (issue 15, docs/mutation.md) found unpinned: sub-second remaining
time at the boundary of one worst-case call plus the margin, and a budget that float steps exhaust."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lambda_src.customization_job import calls
from lambda_src.customization_job.errors import HandlerError
from lambda_src.kernel.retry import Budget, NoTimeLeft, Retrier, RetriesExhausted


def throttled() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "Op")


class Clock:
    """The Lambda's remaining time, which a sleep uses up."""

    def __init__(self, remaining_ms: int) -> None:
        self.ms = remaining_ms
        self.sleeps: list[float] = []

    def remaining(self) -> int:
        return self.ms

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.ms -= round(seconds * 1000)


def test_a_call_is_made_when_half_a_second_beyond_the_worst_case_call_and_margin_is_left() -> None:
    clock = Clock(10_500)
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=0.4, call_limit_s=10.0)

    assert retrier.run(lambda: "started", lambda error: None) == "started"


def test_no_call_is_made_a_millisecond_short_of_the_worst_case_call_and_margin() -> None:
    clock = Clock(10_399)
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=0.4, call_limit_s=10.0)

    with pytest.raises(NoTimeLeft, match="less than one worst-case call"):
        retrier.run(lambda: "started", lambda error: None)


def test_throttling_with_too_little_time_for_the_backoff_ends_out_of_time() -> None:
    """0.1 s spare: the first backoff (0.2 s) does not fit, so the error is reported as out of Lambda time."""
    clock = Clock(10_500)
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=0.4, call_limit_s=10.0)
    budget = Budget("throttling", total_s=60, base_s=0.2, cap_s=5)

    def call() -> str:
        raise throttled()

    with pytest.raises(RetriesExhausted) as raised:
        retrier.run(call, lambda error: budget)

    assert raised.value.out_of_time and clock.sleeps == [] and budget.retries == 0


def test_throttling_with_time_for_one_backoff_retries_once_then_runs_out_of_time() -> None:
    clock = Clock(10_650)  # 0.25 s spare: one 0.2 s backoff fits, the next (0.4 s) does not
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=0.4, call_limit_s=10.0)
    budget = Budget("throttling", total_s=60, base_s=0.2, cap_s=5)

    def call() -> str:
        raise throttled()

    with pytest.raises(RetriesExhausted) as raised:
        retrier.run(call, lambda error: budget)

    assert raised.value.out_of_time and clock.sleeps == [0.2]


def test_a_budget_spent_in_float_steps_ends_after_its_total() -> None:
    """1.1 s, 2.2 s and the 4.4 s left of a 7.7 s budget sum to a little more than 7.7 in floats: the budget
    is spent after those three backoffs, and the error reported, not retried with a negative delay."""
    clock = Clock(900_000)
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=1.0, call_limit_s=10.0)
    budget = Budget("throttling", total_s=7.7, base_s=1.1, cap_s=30)
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= 10:
            raise throttled()
        return "started"

    with pytest.raises(RetriesExhausted) as raised:
        retrier.run(call, lambda error: budget)

    assert not raised.value.out_of_time
    assert len(clock.sleeps) == 3 and min(clock.sleeps) > 0 and len(calls) == 4
    assert clock.sleeps[:2] == [1.1, 2.2] and sum(clock.sleeps) == pytest.approx(7.7)
    assert budget.next_delay() is None


@pytest.mark.parametrize(("remaining_ms", "shown"), [(10_495, "10"), (9_500, "10"), (1_499, "1")])
def test_the_no_time_left_reason_states_the_seconds_left_and_what_they_must_hold(remaining_ms: int, shown: str) -> None:
    clock = Clock(remaining_ms)
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=5.0, call_limit_s=20.0)

    with pytest.raises(NoTimeLeft) as raised:
        retrier.run(lambda: "started", lambda error: None)

    assert str(raised.value) == (
        f"{shown} s of Lambda time left, less than one worst-case call (20 s) plus 5 s to answer CloudFormation"
    )


def test_throttling_until_too_little_lambda_time_is_left_is_the_reason_cloudformation_shows() -> None:
    clock = Clock(10_650)  # one 0.2 s backoff would fit, the transient budget's first (longer) one does not
    retrier = Retrier(clock.sleep, clock.remaining, margin_s=0.4, call_limit_s=10.0)

    def call() -> str:
        raise throttled()

    with pytest.raises(HandlerError) as raised:
        calls.run(retrier, "Stopping model customization job 'supportbot-job'", call)

    assert str(raised.value) == (
        "Stopping model customization job 'supportbot-job' failed: still getting ThrottlingException ('Rate exceeded') "
        "with too little Lambda time left to retry. Retry the deployment; if it persists, check the Bedrock service "
        "health for this Region."
    )
    assert clock.sleeps == []

"""Issue 23: survivors of presigned.py's fresh sample (seed 1769702765 at affbb2a): the scheme and port checks
of the allowlist, and the time one answer PUT is budgeted for."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_src.entry import answer
from lambda_src.job_watcher.presigned import PutFailed, cloudformation_bucket, refusal

HOST = "cloudformation-waitcondition-us-east-1.s3.amazonaws.com"


@pytest.mark.parametrize("scheme", ["wss", "s3", "http", "httpsx"])
def test_a_url_into_cloudformations_bucket_by_another_scheme_is_not_cloudformations(scheme: str) -> None:
    url = f"{scheme}://{HOST}/arn%3Aaws/handle"

    assert cloudformation_bucket(url) is None
    assert refusal(url) == "the presigned URL is not an https URL"


def test_https_s_own_port_given_explicitly_is_allowed_and_another_is_not() -> None:
    assert refusal(f"https://{HOST}:443/arn%3Aaws/handle") is None
    assert refusal(f"https://{HOST}:442/arn%3Aaws/handle") == "the presigned URL carries credentials or a port"


class Clock:
    def __init__(self, remaining_s: float) -> None:
        self.remaining = remaining_s
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.remaining -= seconds


def failing_put(calls: list[str]) -> Any:
    def put(url: str, body: Any) -> None:
        calls.append(url)
        raise PutFailed("the presigned URL answered HTTP 503")

    return put


@pytest.mark.parametrize(("remaining_s", "attempts"), [(16.0, 2), (15.99, 1)])
def test_a_failed_answer_is_retried_only_with_time_for_the_pause_and_one_worst_case_put(
    remaining_s: float, attempts: int
) -> None:
    """One PUT may take three socket timeouts of 5 s (connect, send, read): 15 s, plus the 1 s pause."""
    clock, calls = Clock(remaining_s), []
    response = {"LogicalResourceId": "Job", "Status": "SUCCESS"}

    with pytest.raises(answer.AnswerLost):
        answer.send(failing_put(calls), "url", response, remaining_s=lambda: clock.remaining, sleep=clock.sleep)

    assert len(calls) == attempts

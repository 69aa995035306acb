"""What an ended job means for its wait condition and Result resource, pinned where the mutation run (issue 15,
docs/mutation.md) found no test: statuses parsed from a response (not interned literals), a Failed job
without a message, and the cut of a long failure reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_src.job_watcher import outcome

ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"
MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/z9y8x7w6v5u4"


def described(status: str, **extra: Any) -> dict[str, Any]:
    """A GetModelCustomizationJob description as botocore parses it from the response body."""
    return json.loads(json.dumps({"jobName": "supportbot-job", "jobArn": ARN, "status": status, **extra}))


def test_a_completed_job_gives_its_model_and_losses() -> None:
    job = described(
        "Completed",
        outputModelArn=MODEL,
        outputModelName="supportbot-model",
        trainingMetrics={"trainingLoss": 0.25},
        validationMetrics=[{"validationLoss": 0.5}, {"validationLoss": 0.75}],
    )

    data = outcome.result_data(job)

    assert data == {
        "CustomModelArn": MODEL,
        "CustomModelName": "supportbot-model",
        "JobArn": ARN,
        "JobName": "supportbot-job",
        "TrainingLoss": "0.25",
        "ValidationLoss": "0.5",
    }
    signal = outcome.signal_for(job)
    assert signal is not None and signal.body() == {
        "Status": "SUCCESS",
        "Reason": "Bedrock model customization job supportbot-job Completed",
        "UniqueId": "supportbot-job",
        "Data": MODEL,
    }


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_a_running_job_has_no_signal_and_no_result(status: str) -> None:
    job = described(status)

    assert outcome.signal_for(job) is None
    with pytest.raises(outcome.NotCompleted, match=f"is {status}, not Completed"):
        outcome.result_data(job)


def test_a_failed_job_without_a_message_says_bedrock_gave_none() -> None:
    job = described("Failed")

    assert outcome.failure_text(job) == (
        "Bedrock model customization job supportbot-job Failed: Bedrock gave no failure message"
    )
    signal = outcome.signal_for(job)
    assert signal is not None and signal.status == "FAILURE" and signal.data == ARN


def test_a_stopped_job_without_a_message_says_it_was_stopped() -> None:
    assert outcome.failure_text(described("Stopped", failureMessage="  ")) == (
        "Bedrock model customization job supportbot-job Stopped: stopped before it completed"
    )


def test_a_long_failure_message_is_cut_to_900_bytes_with_an_ellipsis() -> None:
    head = "Bedrock model customization job supportbot-job Failed: "
    fits = described("Failed", failureMessage="x" * (900 - len(head)))
    too_long = described("Failed", failureMessage="y" * (901 - len(head)))

    assert outcome.failure_text(fits) == head + "x" * (900 - len(head))
    cut = outcome.failure_text(too_long)
    assert len(cut.encode()) == 900 and cut.endswith("y..."), cut[-10:]
    with pytest.raises(outcome.NotCompleted) as raised:
        outcome.result_data(too_long)
    assert str(raised.value) == cut


@pytest.mark.parametrize("job", [described("InProgress"), {"jobName": "supportbot-job", "jobArn": ARN}])
def test_a_description_without_an_ended_status_gives_no_signal(job: dict[str, Any]) -> None:
    assert outcome.signal_for(job) is None


def test_a_foreign_job_is_named_by_its_name_and_without_one_by_its_arn() -> None:
    named = outcome.foreign_signal(described("Completed", outputModelArn=MODEL), "arn:aws:cloudformation:other")
    unnamed = outcome.foreign_signal({"jobArn": ARN, "status": "Failed"}, None)

    assert named.reason.startswith("Bedrock model customization job supportbot-job is not this stack's")
    assert ARN not in named.reason and named.data == ARN and named.status == "FAILURE"
    assert unnamed.reason.startswith(f"Bedrock model customization job {ARN} is not this stack's: it carries no ")
    anonymous = outcome.not_this_stacks({}, None)
    assert anonymous.startswith("Bedrock model customization job ? is not this stack's")


def test_a_running_job_without_a_name_is_reported_by_its_arn() -> None:
    with pytest.raises(outcome.NotCompleted) as by_arn:
        outcome.result_data({"jobArn": ARN, "status": "InProgress"})
    with pytest.raises(outcome.NotCompleted) as by_name:
        outcome.result_data(described("Stopping"))

    assert str(by_arn.value).startswith(f"Bedrock model customization job {ARN} is InProgress, not Completed")
    assert str(by_name.value).startswith("Bedrock model customization job supportbot-job is Stopping, not Completed")

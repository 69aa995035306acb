"""Issue 23: the job handler's Bedrock operations on answers as botocore parses them (fresh string objects), with
a Stubber that must be fully consumed (survivors of operations.py's fresh sample, seed 3851829477)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import FakeLambdaTime

from lambda_src.customization_job import operations
from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.operations import FoundJob, FoundModel
from lambda_src.kernel.retry import Retrier

JOB = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"
MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/m1m1m1m1m1m1"


def fresh(text: str) -> str:
    return json.loads(json.dumps(text))  # type: ignore[no-any-return]


def retrier(clock: FakeLambdaTime) -> Retrier:
    return Retrier(clock.sleep, clock.get_remaining_time_in_millis)


def model(**made_by: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "modelArn": MODEL,
        "modelName": "support-bot-v1",
        "baseModelArn": MODEL,
        "creationTime": datetime(2026, 11, 30, tzinfo=UTC),
        **made_by,
    }


@pytest.mark.parametrize(
    ("made_by", "ours"),
    [
        ({"jobArn": JOB}, True),
        ({"jobArn": JOB[:-1] + "0", "jobName": "support-bot-job"}, False),  # another job (sorting before ours)
        ({"jobArn": JOB[:-1] + "z", "jobName": "support-bot-job"}, False),  # another job (sorting after)
        ({"jobName": "support-bot-job"}, True),  # no ARN: the job's name decides
        ({"jobName": "support-bot-jo"}, False),
        ({"jobName": "support-bot-job2"}, False),
        ({}, False),
    ],
)
def test_a_model_is_ours_only_when_bedrock_names_our_job(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, made_by: dict[str, Any], ours: bool
) -> None:
    stubber.add_response("get_custom_model", model(**made_by), {"modelIdentifier": "support-bot-v1"})

    found = operations.find_model(
        bedrock, fresh(JOB), fresh("support-bot-job"), ["support-bot-v1"], retrier(lambda_time)
    )

    assert found == (FoundModel(MODEL, "support-bot-v1") if ours else None)
    stubber.assert_no_pending_responses()


def test_a_model_without_a_job_arn_is_not_ours_when_we_know_no_job_name(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_response("get_custom_model", model(jobName="support-bot-job"), {"modelIdentifier": "support-bot-v1"})

    assert operations.find_model(bedrock, JOB, None, ["support-bot-v1"], retrier(lambda_time)) is None


def test_a_model_in_use_fails_its_delete_saying_what_to_do(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error("delete_custom_model", fresh("ConflictException"), "in use", 409, {"modelIdentifier": "m"})

    with pytest.raises(HandlerError, match="the model is in use"):
        operations.delete_model(bedrock, FoundModel(MODEL, "m"), retrier(lambda_time))


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException", "ServiceQuotaExceededException"])
def test_another_refusal_of_a_model_delete_is_not_taken_for_in_use(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, code: str
) -> None:
    stubber.add_client_error("delete_custom_model", code, "no", 400, {"modelIdentifier": "m"})

    with pytest.raises(HandlerError) as raised:
        operations.delete_model(bedrock, FoundModel(MODEL, "m"), retrier(lambda_time))
    assert "in use" not in str(raised.value) and code in str(raised.value)


def test_a_stop_refused_as_a_conflict_reads_the_job_again(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error(
        "stop_model_customization_job", fresh("ConflictException"), "ending", 409, {"jobIdentifier": JOB}
    )
    ended = {"jobArn": JOB, "jobName": "j", "status": "Completed", "outputModelArn": MODEL}
    stubber.add_response("get_model_customization_job", _described(ended), {"jobIdentifier": JOB})

    outcome, latest = operations.stop_job(bedrock, FoundJob({"status": "InProgress"}, JOB), retrier(lambda_time))

    assert outcome == "already-ending" and latest is not None and latest.status == "Completed"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
def test_another_refusal_of_a_stop_fails_without_reading_the_job(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, code: str
) -> None:
    stubber.add_client_error("stop_model_customization_job", code, "no", 400, {"jobIdentifier": JOB})

    with pytest.raises(HandlerError, match=code):
        operations.stop_job(bedrock, FoundJob({"status": "InProgress"}, JOB), retrier(lambda_time))
    stubber.assert_no_pending_responses()


def test_tags_of_a_resource_bedrock_does_not_know_are_none(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error("list_tags_for_resource", "ResourceNotFoundException", "gone", 404, {"resourceARN": JOB})
    assert operations.read_tags(bedrock, JOB, retrier(lambda_time)) == []

    stubber.add_client_error("list_tags_for_resource", "AccessDeniedException", "no", 403, {"resourceARN": JOB})
    with pytest.raises(HandlerError, match="AccessDeniedException"):
        operations.read_tags(bedrock, JOB, retrier(lambda_time))


def _described(job: dict[str, Any]) -> dict[str, Any]:
    from datetime import UTC, datetime

    base = {
        "jobArn": JOB,
        "jobName": "j",
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "creationTime": datetime(2026, 11, 30, tzinfo=UTC),
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
        "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://b/out/"},
        "validationDataConfig": {"validators": []},
        "outputModelName": "support-bot-v1",
    }
    return {**base, **job}


def test_a_job_is_found_by_its_arn_when_bedrock_answers_with_an_equal_string(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_response("get_model_customization_job", _described({"status": "InProgress"}), {"jobIdentifier": JOB})

    found = operations.find_job(bedrock, fresh(JOB), None, retrier(lambda_time))

    assert found is not None and found.identifier == JOB and found.status == "InProgress"


def test_a_job_bedrock_answers_for_with_another_arn_is_not_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    other = JOB[:-1] + "0"  # sorts before ours
    stubber.add_response(
        "get_model_customization_job", _described({"jobArn": other, "status": "InProgress"}), {"jobIdentifier": JOB}
    )

    assert operations.find_job(bedrock, JOB, None, retrier(lambda_time)) is None

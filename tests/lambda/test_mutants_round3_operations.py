"""Issue 23: survivors of customization_job/operations.py's fresh sample (seed 3091728965 at d076a96): codes and
values as botocore parses them (fresh string objects, not the interned literals of the code), the last look's
token check, the job found by listing, a refused request that names no field, the stack's creation time. A
Stubber that must be fully consumed: a call the code should not make fails the test."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from cfn_support import FakeLambdaTime

from lambda_src.customization_job import operations
from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.operations import FoundJob
from lambda_src.kernel.retry import Retrier

JOB = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"
BASE = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
TOKEN = "m" * 32
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Train/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def fresh(text: str) -> str:
    return json.loads(json.dumps(text))  # type: ignore[no-any-return]


def retrier(clock: FakeLambdaTime) -> Retrier:
    return Retrier(clock.sleep, clock.get_remaining_time_in_millis)


def request(**extra: Any) -> dict[str, Any]:
    return {
        "jobName": "support-bot-job",
        "customModelName": "support-bot-v1",
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "baseModelIdentifier": BASE,
        "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://b/out/"},
        "clientRequestToken": TOKEN,
        **extra,
    }


def described(**job: Any) -> dict[str, Any]:
    return {
        "jobArn": JOB,
        "jobName": "support-bot-job",
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "creationTime": datetime(2026, 11, 30, tzinfo=UTC),
        "baseModelArn": BASE,
        "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://b/out/"},
        "validationDataConfig": {"validators": []},
        "outputModelName": "support-bot-v1",
        "status": "InProgress",
        **job,
    }


def test_a_request_botocore_refuses_without_naming_a_field_points_at_the_request_props(
    bedrock: Any, lambda_time: FakeLambdaTime
) -> None:
    with pytest.raises(HandlerError, match="check the construct props that shape the request"):
        operations.start_job(bedrock, request(customizationConfig="x"), retrier(lambda_time), owner=STACK)


def test_a_quota_refusal_parsed_from_the_answer_says_how_to_raise_the_quota(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    code = "".join(["ServiceQuota", "ExceededException"])
    stubber.add_client_error("create_model_customization_job", code, "too many jobs", 400)

    with pytest.raises(HandlerError, match="Service Quotas console"):
        operations.start_job(bedrock, request(), retrier(lambda_time), owner=STACK)


@pytest.mark.parametrize("their_token", ["a" * 32, "z" * 32])  # sorting before and after ours
def test_the_last_look_does_not_take_a_job_with_another_token(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, their_token: str
) -> None:
    for _ in range(8):  # 1+2+4+8+16+16+13 s: the 60 s transient budget, then the last try
        stubber.add_client_error("create_model_customization_job", "ThrottlingException", "slow down", 400)
    stubber.add_response(
        "get_model_customization_job",
        described(clientRequestToken=their_token),
        {"jobIdentifier": "support-bot-job"},
    )

    with pytest.raises(HandlerError, match="ThrottlingException"):
        operations.start_job(bedrock, request(), retrier(lambda_time), owner=STACK)
    stubber.assert_no_pending_responses()


def test_an_arn_bedrock_refuses_as_invalid_is_a_job_not_found(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    code = "".join(["Validation", "Exception"])
    stubber.add_client_error("get_model_customization_job", code, "not an ARN it knows", 400, {"jobIdentifier": JOB})

    assert operations.find_job(bedrock, JOB, None, retrier(lambda_time)) is None


def _listed(bedrock: Any, stubber: Stubber, by_name: dict[str, Any] | None) -> None:
    stubber.add_client_error(
        "get_model_customization_job", "ResourceNotFoundException", "no", 404, {"jobIdentifier": JOB}
    )
    summary = {
        "jobArn": JOB,
        "baseModelArn": BASE,
        "jobName": "support-bot-job",
        "status": "InProgress",
        "creationTime": datetime(2026, 11, 30, tzinfo=UTC),
    }
    stubber.add_response(
        "list_model_customization_jobs",
        {"modelCustomizationJobSummaries": [summary]},
        {"nameContains": "support-bot", "maxResults": 100},
    )
    if by_name is None:
        stubber.add_client_error(
            "get_model_customization_job",
            "ResourceNotFoundException",
            "gone",
            404,
            {"jobIdentifier": "support-bot-job"},
        )
    else:
        stubber.add_response("get_model_customization_job", by_name, {"jobIdentifier": "support-bot-job"})


def test_a_job_listed_by_name_is_it_when_its_name_answers_with_an_equal_arn(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    _listed(bedrock, stubber, described(jobArn=fresh(JOB)))

    found = operations.find_job(bedrock, JOB, "support-bot", retrier(lambda_time))

    assert found is not None and found.identifier == "support-bot-job"


@pytest.mark.parametrize("other", [JOB[:-1] + "0", JOB[:-1] + "z"])  # sorting before and after
def test_a_name_that_now_answers_with_another_jobs_arn_is_not_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, other: str
) -> None:
    _listed(bedrock, stubber, described(jobArn=other))

    assert operations.find_job(bedrock, JOB, "support-bot", retrier(lambda_time)) is None


def test_a_listed_job_gone_by_the_time_its_name_is_asked_is_not_found(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    _listed(bedrock, stubber, None)

    assert operations.find_job(bedrock, JOB, "support-bot", retrier(lambda_time)) is None


def test_a_stop_conflict_on_a_job_still_in_progress_fails_naming_the_conflict(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "busy", 409, {"jobIdentifier": JOB})
    stubber.add_response("get_model_customization_job", described(status=fresh("InProgress")), {"jobIdentifier": JOB})

    with pytest.raises(HandlerError, match="ConflictException"):
        operations.stop_job(bedrock, FoundJob({"status": "InProgress"}, JOB), retrier(lambda_time))


def test_the_stacks_creation_time_is_read_from_describe_stacks(lambda_time: FakeLambdaTime) -> None:
    created = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "Train",
                        "StackId": STACK,
                        "CreationTime": created,
                        "StackStatus": "UPDATE_IN_PROGRESS",
                    }
                ]
            },
            {"StackName": STACK},
        )
        assert operations.stack_creation_time(cloudformation, STACK, retrier(lambda_time)) == created


# ---- survivors of the next fresh sample (seed 1088169056 at 3b55589) ----


class SlowSleep(FakeLambdaTime):
    """A sleep that takes half a second longer than asked (a busy host): the invocation's time runs out after it."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.remaining_ms -= 500


def test_no_last_look_when_the_invocation_has_no_time_left_for_it(bedrock: Any, stubber: Stubber) -> None:
    clock = SlowSleep(remaining_ms=1_000)  # one 1 s throttling pause fits; after it, -0.5 s are left
    stubber.add_client_error("create_model_customization_job", "ThrottlingException", "slow down", 400)

    with pytest.raises(HandlerError, match="ThrottlingException"):
        operations.start_job(bedrock, request(), retrier(clock), owner=STACK)
    assert clock.sleeps == [1.0]
    stubber.assert_no_pending_responses()


def _pages(stubber: Stubber, pages: int, last: list[dict[str, Any]]) -> None:
    for page in range(1, pages + 1):
        params: dict[str, Any] = {"nameContains": "support-bot", "maxResults": 100}
        if page > 1:
            params["nextToken"] = f"p{page}"
        summaries = last if page == pages else []
        stubber.add_response(
            "list_model_customization_jobs",
            {"modelCustomizationJobSummaries": summaries, "nextToken": f"p{page + 1}"},
            params,
        )


def test_a_job_on_the_twentieth_page_is_found_and_a_twenty_first_is_never_asked(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    summary = {
        "jobArn": JOB,
        "baseModelArn": BASE,
        "jobName": "support-bot-job",
        "status": "InProgress",
        "creationTime": datetime(2026, 11, 30, tzinfo=UTC),
    }
    stubber.add_client_error(
        "get_model_customization_job", "ResourceNotFoundException", "no", 404, {"jobIdentifier": JOB}
    )
    _pages(stubber, 20, [summary])
    stubber.add_response("get_model_customization_job", described(), {"jobIdentifier": "support-bot-job"})
    assert operations.find_job(bedrock, JOB, "support-bot", retrier(lambda_time)) is not None

    stubber.add_client_error(
        "get_model_customization_job", "ResourceNotFoundException", "no", 404, {"jobIdentifier": JOB}
    )
    _pages(stubber, 20, [])
    assert operations.find_job(bedrock, JOB, "support-bot", retrier(lambda_time)) is None
    stubber.assert_no_pending_responses()

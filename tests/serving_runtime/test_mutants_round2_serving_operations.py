"""Issue 23: the serving runtime's Bedrock operations on refusals (survivors of model_serving/operations.py's
fresh sample, seed 3973611675), with a Stubber that must be fully consumed."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import DEPLOYMENT_ARN, JOB_ARN, FakeLambdaTime

from lambda_src.customization_job.errors import HandlerError
from lambda_src.kernel.retry import Retrier
from lambda_src.model_serving import operations
from lambda_src.model_serving.kinds import DEPLOYMENT

DELETE = {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}


def retrier(clock: FakeLambdaTime) -> Retrier:
    return Retrier(clock.sleep, clock.get_remaining_time_in_millis)


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
def test_a_delete_refused_otherwise_than_as_a_conflict_fails_naming_the_code(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, code: str
) -> None:
    stubber.add_client_error("delete_custom_model_deployment", code, "no", 400, DELETE)

    with pytest.raises(HandlerError, match=code):
        operations.delete(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, retrier(lambda_time))
    stubber.assert_no_pending_responses()


def test_a_delete_refused_as_a_conflict_is_busy(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    stubber.add_client_error("delete_custom_model_deployment", "ConflictException", "creating", 409, DELETE)

    assert operations.delete(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, retrier(lambda_time)) == "busy"


def test_tags_of_a_resource_bedrock_does_not_know_are_none_and_a_refusal_fails(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"resourceARN": DEPLOYMENT_ARN}
    stubber.add_client_error("list_tags_for_resource", "ResourceNotFoundException", "gone", 404, params)
    assert operations.read_tags(bedrock, DEPLOYMENT_ARN, retrier(lambda_time)) == []

    stubber.add_client_error("list_tags_for_resource", "AccessDeniedException", "no", 403, params)
    with pytest.raises(HandlerError, match="AccessDeniedException"):
        operations.read_tags(bedrock, DEPLOYMENT_ARN, retrier(lambda_time))


def test_a_refused_tag_change_fails_naming_the_code(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"resourceARN": DEPLOYMENT_ARN, "tags": [{"key": "team", "value": "ml"}]}
    stubber.add_client_error("tag_resource", "TooManyTagsException", "too many", 400, params)

    with pytest.raises(HandlerError, match="TooManyTagsException"):
        operations.apply_tags(bedrock, DEPLOYMENT_ARN, {"team": "ml"}, (), retrier(lambda_time))


def test_the_gates_job_read_is_none_when_gone_and_fails_when_refused(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"jobIdentifier": JOB_ARN}
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "gone", 404, params)
    assert operations.read_job(bedrock, JOB_ARN, retrier(lambda_time)) is None

    stubber.add_client_error("get_model_customization_job", "AccessDeniedException", "no", 403, params)
    with pytest.raises(HandlerError, match="AccessDeniedException"):
        operations.read_job(bedrock, JOB_ARN, retrier(lambda_time))

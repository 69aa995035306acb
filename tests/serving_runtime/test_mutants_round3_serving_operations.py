"""Issue 23: the serving Create's retries that the earlier samples left untested (model_serving/operations.py,
seed 3973611675's survivors): the IAM-propagation wait for AccessDenied, the last look after retries ran out
and its time guard, and the look by name after "name taken". A Stubber that must be fully consumed: any call
the code should not make fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import (
    DEPLOYMENT_ARN,
    NEW_MODEL_ARN,
    STACK_ID,
    THROUGHPUT_ARN,
    FakeLambdaTime,
    deployment_request,
    tags,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.kernel.retry import Retrier
from lambda_src.model_serving import operations
from lambda_src.model_serving.kinds import DEPLOYMENT, THROUGHPUT

TOKEN = "t" * 32
NAME = "Serve-SupportBotOnDemand-3f9a2c-70b597b7"
TOKEN_TAG = "bedrock-customization:request-token"


def request() -> dict[str, Any]:
    return deployment_request(modelDeploymentName=NAME, clientRequestToken=TOKEN, tags=None)


def create(bedrock: Any, clock: Any) -> str:
    retrier = Retrier(clock.sleep, clock.get_remaining_time_in_millis)
    return operations.create(bedrock, DEPLOYMENT, request(), retrier, owner=STACK_ID, names_generated=True)


def test_access_denied_on_create_is_waited_out_for_iam_propagation_then_fails_naming_the_permission(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """2, 4, 8, 16 s, then the 20 s cap, then what is left of 60 s; no last look (a refusal hides no create)."""
    for _ in range(7):
        stubber.add_client_error("create_custom_model_deployment", "AccessDeniedException", "not bedrock:Create", 403)

    with pytest.raises(HandlerError) as raised:
        create(bedrock, lambda_time)

    assert lambda_time.sleeps == [2.0, 4.0, 8.0, 16.0, 20.0, 10.0]
    assert "AccessDeniedException" in str(raised.value)
    assert "lacks the permission the message names" in str(raised.value)
    stubber.assert_no_pending_responses()


def test_access_denied_that_clears_within_the_wait_creates(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error("create_custom_model_deployment", "AccessDeniedException", "not yet", 403)
    stubber.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN})

    assert create(bedrock, lambda_time) == DEPLOYMENT_ARN
    assert lambda_time.sleeps == [2.0]


def test_another_refusal_is_not_retried(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    stubber.add_client_error("create_custom_model_deployment", "ValidationException", "bad model", 400)

    with pytest.raises(HandlerError, match="ValidationException"):
        create(bedrock, lambda_time)
    assert lambda_time.sleeps == []


class SlowSleep(FakeLambdaTime):
    """A sleep that takes half a second longer than asked (a busy host): the invocation's time runs out after it."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.remaining_ms -= 500


def test_no_last_look_when_the_invocation_has_no_time_left_for_it(bedrock: Any, stubber: Stubber) -> None:
    clock = SlowSleep(remaining_ms=1_000)  # one 1 s throttling pause fits; after it, -0.5 s are left
    stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", "slow down", 400)

    with pytest.raises(HandlerError, match="ThrottlingException"):
        create(bedrock, clock)
    assert clock.sleeps == [1.0]
    stubber.assert_no_pending_responses()


def test_the_last_look_after_throttling_finds_the_deployment_this_request_created(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    for _ in range(8):  # 1+2+4+8+16+16+13 s of the 60 s transient budget, then one more try
        stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", "slow down", 400)
    stubber.add_response(
        "get_custom_model_deployment",
        {
            "customModelDeploymentArn": DEPLOYMENT_ARN,
            "modelDeploymentName": NAME,
            "modelArn": request()["modelArn"],
            "createdAt": "2026-11-30T12:00:00Z",
            "status": "Creating",
        },
        {"customModelDeploymentIdentifier": NAME},
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags(token=TOKEN)}, {"resourceARN": DEPLOYMENT_ARN})

    assert create(bedrock, lambda_time) == DEPLOYMENT_ARN


def test_name_taken_looks_the_name_up_with_retries(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    """After "name taken" the look is an ordinary read: a throttled Get is retried, and the deployment this
    request created (owner and token tags) is adopted."""
    stubber.add_client_error("create_custom_model_deployment", "ConflictException", "name in use", 409)
    stubber.add_client_error("get_custom_model_deployment", "ThrottlingException", "slow down", 400)
    stubber.add_response(
        "get_custom_model_deployment",
        {
            "customModelDeploymentArn": DEPLOYMENT_ARN,
            "modelDeploymentName": NAME,
            "modelArn": request()["modelArn"],
            "createdAt": "2026-11-30T12:00:00Z",
            "status": "Creating",
        },
        {"customModelDeploymentIdentifier": NAME},
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags(token=TOKEN)}, {"resourceARN": DEPLOYMENT_ARN})

    assert create(bedrock, lambda_time) == DEPLOYMENT_ARN
    assert lambda_time.sleeps == [1.0]


# ---- survivors of model_serving/operations.py's fresh sample (seed 3895058209 at 8495a52) ----


@pytest.mark.parametrize("remaining_ms", [0, 500])
def test_the_last_look_is_taken_with_no_spare_time_below_zero(
    bedrock: Any, stubber: Stubber, remaining_ms: int
) -> None:
    """Throttled with 0 or 0.5 s left: no pause fits, but the one look (no retries) still does."""
    clock = FakeLambdaTime(remaining_ms=remaining_ms)
    stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", "slow down", 400)
    stubber.add_response("get_custom_model_deployment", _live(), {"customModelDeploymentIdentifier": NAME})
    stubber.add_response("list_tags_for_resource", {"tags": tags(token=TOKEN)}, {"resourceARN": DEPLOYMENT_ARN})

    assert create(bedrock, clock) == DEPLOYMENT_ARN
    assert clock.sleeps == []


def _live(**extra: Any) -> dict[str, Any]:
    return {
        "customModelDeploymentArn": DEPLOYMENT_ARN,
        "modelDeploymentName": NAME,
        "modelArn": request()["modelArn"],
        "createdAt": "2026-11-30T12:00:00Z",
        "status": "Creating",
        **extra,
    }


class Unreachable:
    """A client whose Create is throttled and whose last look cannot connect."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def create_custom_model_deployment(self, **_: Any) -> Any:
        from botocore.exceptions import ClientError

        self.calls.append("create")
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Create")

    def get_custom_model_deployment(self, **_: Any) -> Any:
        from botocore.exceptions import EndpointConnectionError

        self.calls.append("get")
        raise EndpointConnectionError(endpoint_url="https://bedrock.us-east-1.amazonaws.com")


def test_a_last_look_that_cannot_connect_reports_the_original_error() -> None:
    client, clock = Unreachable(), FakeLambdaTime(remaining_ms=0)

    with pytest.raises(HandlerError, match="ThrottlingException"):
        create(client, clock)
    assert client.calls == ["create", "get"]


@pytest.mark.parametrize("their_token", ["a" * 32, "z" * 32])  # sorting before and after ours
def test_the_last_look_does_not_take_a_deployment_with_another_token(
    bedrock: Any, stubber: Stubber, their_token: str
) -> None:
    clock = FakeLambdaTime(remaining_ms=0)
    stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", "slow down", 400)
    stubber.add_response("get_custom_model_deployment", _live(), {"customModelDeploymentIdentifier": NAME})
    stubber.add_response("list_tags_for_resource", {"tags": tags(token=their_token)}, {"resourceARN": DEPLOYMENT_ARN})

    with pytest.raises(HandlerError, match="ThrottlingException"):
        create(bedrock, clock)


def test_a_refused_swap_names_the_swap_and_a_deployment_gone_meanwhile_keeps_the_refusal(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"customModelDeploymentIdentifier": DEPLOYMENT_ARN, "modelArn": NEW_MODEL_ARN}
    stubber.add_client_error("update_custom_model_deployment", "ValidationException", "not that model", 400, params)
    stubber.add_client_error(
        "get_custom_model_deployment",
        "ResourceNotFoundException",
        "gone",
        404,
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    )
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis)

    with pytest.raises(HandlerError) as raised:
        operations.swap(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, NEW_MODEL_ARN, retrier)
    assert f"Swapping custom model deployment {DEPLOYMENT_ARN} to model {NEW_MODEL_ARN}" in str(raised.value)
    assert "ValidationException" in str(raised.value)


def test_a_refused_swap_and_rename_of_a_throughput_is_not_read_again(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {
        "provisionedModelId": THROUGHPUT_ARN,
        "desiredModelId": NEW_MODEL_ARN,
        "desiredProvisionedModelName": "pt2",
    }
    stubber.add_client_error("update_provisioned_model_throughput", "ValidationException", "no", 400, params)
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis)

    with pytest.raises(HandlerError, match="ValidationException"):
        operations.swap(bedrock, THROUGHPUT, THROUGHPUT_ARN, NEW_MODEL_ARN, retrier, rename="pt2")
    stubber.assert_no_pending_responses()


def test_a_delete_refused_with_a_conflict_parsed_from_the_answer_is_busy(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    code = "".join(["Conflict", "Exception"])
    params = {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    stubber.add_client_error("delete_custom_model_deployment", code, "updating", 409, params)
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis)

    assert operations.delete(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, retrier) == "busy"


# ---- survivors of the next fresh sample (seed 391810505 at d4497cc), after its row was recorded ----


def test_throttling_that_outlasts_its_budget_says_it_is_still_failing_and_to_retry_later(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    for _ in range(8):  # 1+2+4+8+16+16+13 s of the 60 s transient budget, then the last try
        stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", "slow down", 400)
    stubber.add_client_error(
        "get_custom_model_deployment",
        "ResourceNotFoundException",
        "none",
        404,
        {"customModelDeploymentIdentifier": NAME},
    )

    with pytest.raises(HandlerError, match=r"still getting ThrottlingException .* after retrying for 60 s"):
        create(bedrock, lambda_time)


def test_a_swap_of_a_deployment_deleted_meanwhile_says_the_swap_cannot_be_made(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"customModelDeploymentIdentifier": DEPLOYMENT_ARN, "modelArn": NEW_MODEL_ARN}
    stubber.add_client_error("update_custom_model_deployment", "ResourceNotFoundException", "gone", 404, params)
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis)

    with pytest.raises(HandlerError, match="Cannot swap the model: custom model deployment"):
        operations.swap(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, NEW_MODEL_ARN, retrier)


def test_a_refused_swap_whose_read_is_refused_too_reports_the_swaps_refusal(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    params = {"customModelDeploymentIdentifier": DEPLOYMENT_ARN, "modelArn": NEW_MODEL_ARN}
    stubber.add_client_error("update_custom_model_deployment", "ValidationException", "not that model", 400, params)
    stubber.add_client_error(
        "get_custom_model_deployment",
        "AccessDeniedException",
        "no",
        403,
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    )
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis)

    with pytest.raises(HandlerError) as raised:
        operations.swap(bedrock, DEPLOYMENT, DEPLOYMENT_ARN, NEW_MODEL_ARN, retrier)
    assert "Swapping" in str(raised.value) and "ValidationException" in str(raised.value)

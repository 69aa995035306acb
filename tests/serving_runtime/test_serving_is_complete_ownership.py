"""``is_complete`` checks ownership before every Delete or Update it makes (issue 19).

Its event is the request with on_event's answer merged in, so its ``Data`` can be forged by whoever can invoke
the function: ``ServingAwaits`` set to ``deletion-when-not-busy`` or ``swap-when-not-busy`` must not make it
delete or update a resource without this stack's owner tag. The Stubber holds no Delete or Update answer, so
any such call would fail the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_TYPE,
    NEW_MODEL_ARN,
    OTHER_STACK_ID,
    THROUGHPUT_ARN,
    THROUGHPUT_TYPE,
    FakeLambdaTime,
    deployment_description,
    deployment_request,
    make_event,
    tags,
    throughput_description,
    throughput_request,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_serving import handler


def check(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.check(event, clock, client=client, sleep=clock.sleep)


CASES = {
    "deployment": (
        DEPLOYMENT_TYPE,
        DEPLOYMENT_ARN,
        "get_custom_model_deployment",
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    ),
    "throughput": (
        THROUGHPUT_TYPE,
        THROUGHPUT_ARN,
        "get_provisioned_model_throughput",
        {"provisionedModelId": THROUGHPUT_ARN},
    ),
}


def live(kind: str) -> dict[str, Any]:
    return deployment_description() if kind == "deployment" else throughput_description()


def request(kind: str, **overrides: Any) -> dict[str, Any]:
    if kind == "deployment":
        return deployment_request(**({"modelArn": overrides["model"]} if "model" in overrides else {}))
    return throughput_request(**({"modelId": overrides["model"]} if "model" in overrides else {}))


@pytest.mark.parametrize("owner", [OTHER_STACK_ID, None])
@pytest.mark.parametrize("kind", CASES)
def test_a_forged_retry_of_a_delete_does_not_delete_another_stacks_resource(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, kind: str, owner: str | None
) -> None:
    resource_type, arn, get, params = CASES[kind]
    event = make_event(
        resource_type, "Delete", request(kind), physical_id=arn, data={"ServingAwaits": "deletion-when-not-busy"}
    )
    stubber.add_response(get, live(kind), params)
    stubber.add_response("list_tags_for_resource", {"tags": tags(owner)}, {"resourceARN": arn})

    with pytest.raises(HandlerError) as refused:
        check(bedrock, lambda_time, event)

    assert "Refusing to delete" in str(refused.value) and arn in str(refused.value)


@pytest.mark.parametrize("owner", [OTHER_STACK_ID, None])
@pytest.mark.parametrize("kind", CASES)
def test_a_forged_swap_does_not_update_another_stacks_resource(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, kind: str, owner: str | None
) -> None:
    resource_type, arn, get, params = CASES[kind]
    event = make_event(
        resource_type,
        "Update",
        request(kind, model=NEW_MODEL_ARN),
        old_request=request(kind),
        physical_id=arn,
        data={"ServingAwaits": "swap-when-not-busy"},
    )
    stubber.add_response(get, live(kind), params)
    stubber.add_response("list_tags_for_resource", {"tags": tags(owner)}, {"resourceARN": arn})

    with pytest.raises(HandlerError) as refused:
        check(bedrock, lambda_time, event)

    assert "Refusing to swap the model of" in str(refused.value) and arn in str(refused.value)


def test_this_stacks_busy_delete_is_still_asked_again(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(
        THROUGHPUT_TYPE,
        "Delete",
        throughput_request(),
        physical_id=THROUGHPUT_ARN,
        data={"ServingAwaits": "deletion-when-not-busy"},
    )
    stubber.add_response(
        "get_provisioned_model_throughput", throughput_description(), {"provisionedModelId": THROUGHPUT_ARN}
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": THROUGHPUT_ARN})
    stubber.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": THROUGHPUT_ARN})

    assert check(bedrock, lambda_time, event) == {"IsComplete": False}

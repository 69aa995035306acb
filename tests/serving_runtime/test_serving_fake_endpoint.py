"""The serving lifecycle over HTTP against the fake Bedrock endpoint on 127.0.0.1, driven the way the Provider
framework drives it: on_event once, then is_complete until it answers IsComplete (or raises).
"""

from __future__ import annotations

from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from serving_support import (
    DEPLOYMENT_TYPE,
    JOB_ARN,
    MODEL_ARN,
    NEW_JOB_ARN,
    NEW_MODEL_ARN,
    OWNER_TAG_KEY,
    STACK_ID,
    THROUGHPUT_TYPE,
    TOKEN_TAG_KEY,
    FakeLambdaTime,
    deployment_request,
    make_event,
    throughput_request,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_serving import handler

GATE = {"MaxValidationLoss": "1.2"}


def provider(client: Any, clock: FakeLambdaTime, event: dict[str, Any], max_polls: int = 10) -> dict[str, Any]:
    """on_event, then is_complete until complete; the answer CloudFormation gets (Data merged, is_complete's wins)."""
    result = handler.handle(event, clock, client=client, sleep=clock.sleep)
    after = {**event, **result}
    for _ in range(max_polls):
        done = handler.check(after, clock, client=client, sleep=clock.sleep)
        if done["IsComplete"]:
            return {**result, "Data": {**result.get("Data", {}), **done.get("Data", {})}}
    raise AssertionError(f"not complete after {max_polls} polls")


def create(
    client: Any, clock: FakeLambdaTime, resource_type: str, request: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    return provider(client, clock, make_event(resource_type, "Create", request, **kw))


def update(
    client: Any,
    clock: FakeLambdaTime,
    resource_type: str,
    physical_id: str,
    new: dict[str, Any],
    old: dict[str, Any],
    **kw: Any,
) -> dict[str, Any]:
    event = make_event(
        resource_type, "Update", new, old_request=old, physical_id=physical_id, request_id="r-update", **kw
    )
    return provider(client, clock, event)


def delete(
    client: Any, clock: FakeLambdaTime, resource_type: str, physical_id: str, request: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    return provider(client, clock, make_event(resource_type, "Delete", request, physical_id=physical_id, **kw))


def test_create_waits_until_active_and_tags_the_deployment_as_this_stacks(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.creating_polls = 3

    result = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())

    arn = result["PhysicalResourceId"]
    assert fake.operations().count("GetCustomModelDeployment") == 3
    assert fake.operations().count("CreateCustomModelDeployment") == 1
    assert result["Data"]["DeploymentArn"] == arn and result["Data"]["ModelArn"] == MODEL_ARN
    assert fake.resources[arn].status == "Active"
    assert fake.tags[arn][OWNER_TAG_KEY] == STACK_ID and fake.tags[arn][TOKEN_TAG_KEY].startswith("cfn-")
    assert fake.tags[arn]["team"] == "support"


def test_a_failed_creation_fails_the_deploy_and_its_delete_removes_it(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.create_failure = "Not enough capacity for 1 model unit in us-east-1"
    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request())
    result = handler.handle(event, lambda_time, client=fake_client, sleep=lambda_time.sleep)

    with pytest.raises(HandlerError, match="Not enough capacity for 1 model unit"):
        provider(fake_client, lambda_time, event)

    delete(fake_client, lambda_time, THROUGHPUT_TYPE, result["PhysicalResourceId"], throughput_request())
    assert fake.of_kind("throughput") == [] or all(r.status == "Failed" for r in fake.of_kind("throughput"))


def test_tags_update_in_place(fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime) -> None:
    arn = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())["PhysicalResourceId"]
    new = deployment_request(tags=[{"key": "team", "value": "bots"}, {"key": "env", "value": "prod"}])

    result = update(fake_client, lambda_time, DEPLOYMENT_TYPE, arn, new, deployment_request())

    assert result["PhysicalResourceId"] == arn
    assert {k: v for k, v in fake.tags[arn].items() if ":" not in k} == {"team": "bots", "env": "prod"}
    assert fake.tags[arn][OWNER_TAG_KEY] == STACK_ID and TOKEN_TAG_KEY in fake.tags[arn]


@pytest.mark.parametrize("resource_type", [DEPLOYMENT_TYPE, THROUGHPUT_TYPE])
def test_retrain_swaps_the_model_in_place_behind_the_gate(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime, resource_type: str
) -> None:
    fake.add_job(JOB_ARN, training_loss=0.5, validation_loss=0.9, model_arn=MODEL_ARN)
    fake.add_job(NEW_JOB_ARN, training_loss=0.4, validation_loss=0.8, model_arn=NEW_MODEL_ARN)
    fake.updating_polls = 2
    requests = deployment_request if resource_type == DEPLOYMENT_TYPE else throughput_request
    model_field = "modelArn" if resource_type == DEPLOYMENT_TYPE else "modelId"
    arn = create(fake_client, lambda_time, resource_type, requests(), gate=GATE)["PhysicalResourceId"]

    result = update(
        fake_client,
        lambda_time,
        resource_type,
        arn,
        requests(**{model_field: NEW_MODEL_ARN}),
        requests(),
        gate=GATE,
        job_arn=NEW_JOB_ARN,
    )

    assert result["PhysicalResourceId"] == arn
    assert result["Data"]["ModelArn"] == NEW_MODEL_ARN
    assert fake.resources[arn].model == NEW_MODEL_ARN
    assert len(fake.resources) == 1


def test_gate_refusal_keeps_the_old_model_and_the_rollback_changes_nothing(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.add_job(JOB_ARN, training_loss=0.5, validation_loss=0.9, model_arn=MODEL_ARN)
    fake.add_job(NEW_JOB_ARN, training_loss=0.4, validation_loss=1.6, model_arn=NEW_MODEL_ARN)
    arn = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request(), gate=GATE)["PhysicalResourceId"]
    worse = deployment_request(modelArn=NEW_MODEL_ARN)

    with pytest.raises(HandlerError, match=r"validation loss 1\.6 > max 1\.2"):
        update(
            fake_client, lambda_time, DEPLOYMENT_TYPE, arn, worse, deployment_request(), gate=GATE, job_arn=NEW_JOB_ARN
        )
    rolled_back = update(fake_client, lambda_time, DEPLOYMENT_TYPE, arn, deployment_request(), worse, gate=GATE)

    assert fake.resources[arn].model == MODEL_ARN and rolled_back["Data"]["ModelArn"] == MODEL_ARN
    assert "UpdateCustomModelDeployment" not in fake.operations()


def test_rollback_after_a_failed_swap_serves_the_old_model(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.swap_failures[NEW_MODEL_ARN] = "The model is not compatible with this deployment"
    arn = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())["PhysicalResourceId"]
    swapped = deployment_request(modelArn=NEW_MODEL_ARN)

    with pytest.raises(HandlerError, match="not compatible"):
        update(fake_client, lambda_time, DEPLOYMENT_TYPE, arn, swapped, deployment_request())
    rolled_back = update(fake_client, lambda_time, DEPLOYMENT_TYPE, arn, deployment_request(), swapped)

    assert rolled_back["PhysicalResourceId"] == arn and rolled_back["Data"]["ModelArn"] == MODEL_ARN
    assert fake.resources[arn].model == MODEL_ARN and fake.resources[arn].status == "Active"


def test_rollback_after_a_completed_swap_puts_the_old_model_back(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    """The swap succeeded, then another resource of the update failed: CloudFormation rolls this one back too."""
    arn = create(fake_client, lambda_time, THROUGHPUT_TYPE, throughput_request())["PhysicalResourceId"]
    swapped = throughput_request(modelId=NEW_MODEL_ARN)
    update(fake_client, lambda_time, THROUGHPUT_TYPE, arn, swapped, throughput_request())
    assert fake.resources[arn].model == NEW_MODEL_ARN

    rolled_back = update(fake_client, lambda_time, THROUGHPUT_TYPE, arn, throughput_request(), swapped)

    assert rolled_back["Data"]["ModelArn"] == MODEL_ARN and fake.resources[arn].model == MODEL_ARN
    assert fake.operations().count("UpdateProvisionedModelThroughput") == 2


def test_delete_waits_until_the_deployment_is_gone(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    arn = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())["PhysicalResourceId"]
    fake.deletion_polls = 2

    delete(fake_client, lambda_time, DEPLOYMENT_TYPE, arn, deployment_request())

    assert arn not in fake.resources
    assert fake.operations().count("DeleteCustomModelDeployment") == 1


def test_a_committed_throughput_is_not_deleted_by_default(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    request = throughput_request(commitmentDuration="OneMonth")
    arn = create(fake_client, lambda_time, THROUGHPUT_TYPE, request)["PhysicalResourceId"]
    expires = fake.resources[arn].expires
    assert expires is not None

    with pytest.raises(HandlerError) as refused:
        delete(fake_client, lambda_time, THROUGHPUT_TYPE, arn, request)

    assert f"term ends at {expires.replace(microsecond=0).isoformat()[:16]}" in str(refused.value)
    assert arn in fake.resources and "DeleteProvisionedModelThroughput" not in fake.operations()


def test_a_committed_throughput_with_retain_is_left_and_the_delete_succeeds(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    request = throughput_request(commitmentDuration="SixMonths")
    arn = create(fake_client, lambda_time, THROUGHPUT_TYPE, request, committed_removal="RETAIN")["PhysicalResourceId"]

    delete(fake_client, lambda_time, THROUGHPUT_TYPE, arn, request, committed_removal="RETAIN")

    assert arn in fake.resources and "DeleteProvisionedModelThroughput" not in fake.operations()


def test_throttling_is_retried_by_the_handler(fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime) -> None:
    fake.throttle = 3

    result = create(fake_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())

    assert result["PhysicalResourceId"] in fake.resources
    assert fake.operations().count("Throttled") == 3 and lambda_time.sleeps[:3] == [1.0, 2.0, 4.0]


def test_throttling_is_retried_by_botocore_with_the_production_client(
    fake: FakeBedrock, production_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.throttle = 1

    result = create(production_client, lambda_time, DEPLOYMENT_TYPE, deployment_request())

    assert result["PhysicalResourceId"] in fake.resources and lambda_time.sleeps == []


@pytest.mark.parametrize("honor_tokens", [True, False], ids=["token-returns-it", "name-conflict-adopts-it"])
def test_a_create_whose_response_was_lost_is_not_created_twice(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime, honor_tokens: bool
) -> None:
    fake.drop_create_responses = 1
    fake.honor_tokens = honor_tokens

    result = create(fake_client, lambda_time, THROUGHPUT_TYPE, throughput_request())

    assert [r.arn for r in fake.of_kind("throughput")] == [result["PhysicalResourceId"]]
    retried = ["CreateProvisionedModelThroughput"]
    if not honor_tokens:  # the name is taken: ours by its owner tag and this request's token tag
        retried = [
            "POST /provisioned-model-throughput -> ConflictException",
            "GetProvisionedModelThroughput",
            "ListTagsForResource",
        ]
    assert fake.operations()[: 2 + len(retried)] == ["CreateProvisionedModelThroughput", "Dropped", *retried]


def test_a_name_taken_by_another_stack_is_not_adopted(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.honor_tokens = False
    request = deployment_request(modelDeploymentName="support-bot")
    create(fake_client, lambda_time, DEPLOYMENT_TYPE, request, names_generated="false")
    (taken,) = fake.of_kind("deployment")
    fake.tags[taken.arn][OWNER_TAG_KEY] = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/1"

    with pytest.raises(HandlerError, match="already has the name 'support-bot'"):
        create(fake_client, lambda_time, DEPLOYMENT_TYPE, request, names_generated="false", request_id="another")


def test_more_model_units_create_a_new_throughput_and_the_old_one_goes_with_cloudformations_delete(
    fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    old_arn = create(fake_client, lambda_time, THROUGHPUT_TYPE, throughput_request())["PhysicalResourceId"]

    new = update(
        fake_client, lambda_time, THROUGHPUT_TYPE, old_arn, throughput_request(modelUnits="2"), throughput_request()
    )
    delete(fake_client, lambda_time, THROUGHPUT_TYPE, old_arn, throughput_request())

    assert new["PhysicalResourceId"] != old_arn
    assert [(r.arn, r.body["modelUnits"]) for r in fake.of_kind("throughput")] == [(new["PhysicalResourceId"], 2)]
    assert new["Data"]["ProvisionedModelName"] == fake.resources[new["PhysicalResourceId"]].name

"""Every decision of the serving handler under botocore's Stubber (requests and responses validated against
the bundled service model). Events carry CloudFormation's strings; each test fails on a handler without serving.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_BASE,
    DEPLOYMENT_TYPE,
    JOB_ARN,
    MODEL_ARN,
    NEW_DEPLOYMENT_ARN,
    NEW_JOB_ARN,
    NEW_MODEL_ARN,
    NEW_THROUGHPUT_ARN,
    OTHER_STACK_ID,
    OWNER_TAG_KEY,
    STACK_ID,
    SUFFIX,
    T0,
    THROUGHPUT_ARN,
    THROUGHPUT_TYPE,
    TOKEN_TAG_KEY,
    FakeLambdaTime,
    after_on_event,
    deployment_description,
    deployment_request,
    job_description,
    make_event,
    sent,
    tags,
    throughput_description,
    throughput_request,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_serving import handler

NOW = T0 + timedelta(days=3)
GATE = {"MaxTrainingLoss": "1.5", "MaxValidationLoss": "1.2"}
OWNER = {"key": OWNER_TAG_KEY, "value": STACK_ID}


def run(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.handle(event, clock, client=client, sleep=clock.sleep, now=lambda: NOW)


def check(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.check(event, clock, client=client, sleep=clock.sleep, now=lambda: NOW)


def expect_tags(stub: Stubber, arn: str, listed: list[dict[str, str]]) -> None:
    stub.add_response("list_tags_for_resource", {"tags": listed}, {"resourceARN": arn})


def expect_get_deployment(stub: Stubber, response: dict[str, Any], identifier: str = DEPLOYMENT_ARN) -> None:
    stub.add_response("get_custom_model_deployment", response, {"customModelDeploymentIdentifier": identifier})


def expect_get_throughput(stub: Stubber, response: dict[str, Any], identifier: str = THROUGHPUT_ARN) -> None:
    stub.add_response("get_provisioned_model_throughput", response, {"provisionedModelId": identifier})


def expect_model(stub: Stubber, model: str, job_arn: str | None) -> None:
    """GetCustomModel: the model's own job (the gate reads it) and its base model (Nova Micro)."""
    response: dict[str, Any] = {
        "modelArn": model,
        "modelName": "m",
        "creationTime": T0,
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
    }
    if job_arn:
        response["jobArn"] = job_arn
    stub.add_response("get_custom_model", response, {"modelIdentifier": model})


def expect_job(stub: Stubber, job_arn: str = JOB_ARN, **metrics: Any) -> None:
    """The gate's reads: GetCustomModel of the job's model (MODEL_ARN / NEW_MODEL_ARN), then the job."""
    expect_model(stub, MODEL_ARN if job_arn == JOB_ARN else NEW_MODEL_ARN, job_arn)
    stub.add_response(
        "get_model_customization_job", job_description(jobArn=job_arn, **metrics), {"jobIdentifier": job_arn}
    )


# ---- create -------------------------------------------------------------------------------------


def test_create_deployment_sends_one_request_with_token_suffixed_name_and_both_handler_tags(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = deployment_request()
    expected = sent(request, "modelDeploymentName")
    assert expected["modelDeploymentName"] == f"{DEPLOYMENT_BASE}-{SUFFIX}"
    stubber.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN}, expected)

    result = run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))

    assert result == {
        "PhysicalResourceId": DEPLOYMENT_ARN,
        "Data": {
            "DeploymentArn": DEPLOYMENT_ARN,
            "DeploymentName": f"{DEPLOYMENT_BASE}-{SUFFIX}",
            "ModelArn": MODEL_ARN,
        },
    }


def test_create_throughput_coerces_model_units_and_keeps_a_fixed_name(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = throughput_request(provisionedModelName="support-bot-pt", modelUnits="2")
    expected = sent(request, "provisionedModelName", generated=False)
    assert expected["modelUnits"] == 2 and "commitmentDuration" not in expected
    stubber.add_response("create_provisioned_model_throughput", {"provisionedModelArn": THROUGHPUT_ARN}, expected)

    event = make_event(THROUGHPUT_TYPE, "Create", request, names_generated="false")
    result = run(bedrock, lambda_time, event)

    assert result["PhysicalResourceId"] == THROUGHPUT_ARN
    assert result["Data"] == {
        "ProvisionedModelArn": THROUGHPUT_ARN,
        "ProvisionedModelName": "support-bot-pt",
        "ModelArn": MODEL_ARN,
    }


def test_a_user_value_for_the_handlers_tag_keys_is_replaced(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    forged = [{"key": "Bedrock-Customization:Stack-Id", "value": OTHER_STACK_ID}, {"key": TOKEN_TAG_KEY, "value": "x"}]
    request = deployment_request(tags=forged)
    expected = sent(deployment_request(tags=[]), "modelDeploymentName")
    stubber.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT_ARN}, expected)

    run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))


def test_is_complete_waits_for_active_then_answers_the_attributes(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request())
    after = after_on_event(event, {"PhysicalResourceId": DEPLOYMENT_ARN, "Data": {"DeploymentArn": DEPLOYMENT_ARN}})
    expect_get_deployment(stubber, deployment_description("Creating"))
    expect_get_deployment(stubber, deployment_description("Active"))

    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after) == {
        "IsComplete": True,
        "Data": {
            "DeploymentArn": DEPLOYMENT_ARN,
            "DeploymentName": f"{DEPLOYMENT_BASE}-{SUFFIX}",
            "ModelArn": MODEL_ARN,
        },
    }


def test_a_failed_creation_fails_with_bedrocks_message_and_what_to_do(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request())
    after = after_on_event(event, {"PhysicalResourceId": THROUGHPUT_ARN})
    expect_get_throughput(stubber, throughput_description("Failed", failureMessage="Insufficient capacity for 1 MU"))

    with pytest.raises(HandlerError) as failed:
        check(bedrock, lambda_time, after)

    reason = str(failed.value)
    assert THROUGHPUT_ARN in reason and "Insufficient capacity for 1 MU" in reason
    assert "quota" in reason and "rolls back" in reason


def test_throughput_is_complete_once_in_service(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request())
    after = after_on_event(event, {"PhysicalResourceId": THROUGHPUT_ARN})
    expect_get_throughput(stubber, throughput_description("Creating"))
    expect_get_throughput(stubber, throughput_description("InService"))

    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after)["Data"]["ProvisionedModelArn"] == THROUGHPUT_ARN


# ---- quality gate ---------------------------------------------------------------------------------


def test_gate_passes_then_creates(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    request = deployment_request()
    expect_job(stubber, training_loss=1.5, validation_loss=1.1)
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )

    run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request, gate=GATE))


@pytest.mark.parametrize(
    ("metrics", "phrase"),
    [
        ({"training_loss": 0.4, "validation_loss": 1.9}, "validation loss 1.9 > max 1.2"),
        ({"training_loss": 2.25, "validation_loss": 0.5}, "training loss 2.25 > max 1.5"),
        ({"training_loss": 0.4, "validation_loss": None}, "validation loss not reported"),
    ],
)
def test_gate_refuses_a_create_with_the_numbers_and_creates_nothing(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, metrics: dict[str, Any], phrase: str
) -> None:
    expect_job(stubber, **metrics)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", deployment_request(), gate=GATE))

    reason = str(refused.value)
    assert phrase in reason and JOB_ARN in reason and "No custom model deployment was created" in reason


@pytest.mark.parametrize("bad", ["-1", "lots", "nan"])
def test_a_threshold_that_is_not_a_number_fails_before_any_call(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, bad: str
) -> None:
    with pytest.raises(HandlerError, match="MaxValidationLoss must be a number"):
        run(
            bedrock,
            lambda_time,
            make_event(DEPLOYMENT_TYPE, "Create", deployment_request(), gate={"MaxValidationLoss": bad}),
        )


# ---- update: swap, tags, replacement ------------------------------------------------------------


def swap_event(
    resource_type: str, new: dict[str, Any], old: dict[str, Any], physical_id: str, **kw: Any
) -> dict[str, Any]:
    return make_event(resource_type, "Update", new, old_request=old, physical_id=physical_id, request_id="2222", **kw)


def test_retrain_swaps_the_deployment_in_place_after_the_gate(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE,
        deployment_request(modelArn=NEW_MODEL_ARN),
        deployment_request(),
        DEPLOYMENT_ARN,
        gate=GATE,
        job_arn=NEW_JOB_ARN,
    )
    expect_get_deployment(stubber, deployment_description())
    expect_job(stubber, NEW_JOB_ARN, training_loss=0.3, validation_loss=0.5)
    expect_tags(stubber, DEPLOYMENT_ARN, tags(token="t"))
    stubber.add_response(
        "update_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN, "modelArn": NEW_MODEL_ARN},
    )

    result = run(bedrock, lambda_time, event)

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN
    assert result["Data"]["ModelArn"] == NEW_MODEL_ARN
    after = after_on_event(event, result)
    expect_get_deployment(
        stubber, deployment_description(updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "Updating"})
    )
    expect_get_deployment(
        stubber,
        deployment_description(
            modelArn=NEW_MODEL_ARN, updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "UpdateCompleted"}
        ),
    )
    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after)["Data"]["ModelArn"] == NEW_MODEL_ARN


def test_gate_refuses_a_swap_and_nothing_is_swapped_or_retagged(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE,
        deployment_request(modelArn=NEW_MODEL_ARN, tags=[{"key": "team", "value": "bots"}]),
        deployment_request(),
        DEPLOYMENT_ARN,
        gate=GATE,
        job_arn=NEW_JOB_ARN,
    )
    expect_get_deployment(stubber, deployment_description())
    expect_job(stubber, NEW_JOB_ARN, training_loss=0.3, validation_loss=1.75)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    assert "validation loss 1.75 > max 1.2" in str(refused.value)
    assert f"keeps serving {MODEL_ARN}" in str(refused.value)


def test_a_failed_swap_fails_is_complete_with_bedrocks_message(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(modelArn=NEW_MODEL_ARN), deployment_request(), DEPLOYMENT_ARN
    )
    after = after_on_event(event, {"PhysicalResourceId": DEPLOYMENT_ARN})
    expect_get_deployment(
        stubber,
        deployment_description(
            updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "UpdateFailed"},
            failureMessage="Model not compatible",
        ),
    )

    with pytest.raises(HandlerError) as failed:
        check(bedrock, lambda_time, after)

    assert "Model not compatible" in str(failed.value)
    assert f"points it back at {MODEL_ARN}" in str(failed.value)


def test_rollback_after_a_failed_deployment_swap_keeps_the_old_model_without_gate_or_call(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """UPDATE_ROLLBACK: the old properties come back as the new ones; the deployment still serves them."""
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(), deployment_request(modelArn=NEW_MODEL_ARN), DEPLOYMENT_ARN, gate=GATE
    )
    expect_get_deployment(
        stubber,
        deployment_description(
            updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "UpdateFailed"}, failureMessage="x"
        ),
    )

    result = run(bedrock, lambda_time, event)

    assert result["Data"]["ModelArn"] == MODEL_ARN
    expect_get_deployment(
        stubber,
        deployment_description(
            updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "UpdateFailed"}, failureMessage="x"
        ),
    )
    assert check(bedrock, lambda_time, after_on_event(event, result))["IsComplete"] is True


def test_rollback_after_a_completed_swap_puts_the_old_model_back(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """Another resource failed after the swap: the rollback swaps the throughput back."""
    event = swap_event(THROUGHPUT_TYPE, throughput_request(), throughput_request(modelId=NEW_MODEL_ARN), THROUGHPUT_ARN)
    expect_get_throughput(stubber, throughput_description(modelArn=NEW_MODEL_ARN, desiredModelArn=NEW_MODEL_ARN))
    expect_model(stubber, MODEL_ARN, JOB_ARN)  # the same base model as the throughput's: swapped in place
    expect_tags(stubber, THROUGHPUT_ARN, tags())
    stubber.add_response(
        "update_provisioned_model_throughput", {}, {"provisionedModelId": THROUGHPUT_ARN, "desiredModelId": MODEL_ARN}
    )

    result = run(bedrock, lambda_time, event)

    assert (result["PhysicalResourceId"], result["Data"]["ModelArn"]) == (THROUGHPUT_ARN, MODEL_ARN)
    after = after_on_event(event, result)
    expect_get_throughput(
        stubber, throughput_description("Updating", modelArn=NEW_MODEL_ARN, desiredModelArn=MODEL_ARN)
    )
    expect_get_throughput(stubber, throughput_description())
    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after)["Data"]["ModelArn"] == MODEL_ARN


def test_tags_change_in_place_and_never_the_handlers_keys(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    old = deployment_request(tags=[{"key": "team", "value": "support"}, {"key": "cost", "value": "a"}])
    new = deployment_request(tags=[{"key": "team", "value": "bots"}, {"key": OWNER_TAG_KEY, "value": "forged"}])
    expect_get_deployment(stubber, deployment_description())
    expect_tags(stubber, DEPLOYMENT_ARN, tags(token="t", team="support", cost="a"))
    stubber.add_response(
        "tag_resource", {}, {"resourceARN": DEPLOYMENT_ARN, "tags": [{"key": "team", "value": "bots"}, OWNER]}
    )
    stubber.add_response("untag_resource", {}, {"resourceARN": DEPLOYMENT_ARN, "tagKeys": ["cost"]})

    result = run(bedrock, lambda_time, swap_event(DEPLOYMENT_TYPE, new, old, DEPLOYMENT_ARN))

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN


def test_tags_of_a_resource_of_another_stack_are_left_alone(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    new = deployment_request(tags=[{"key": "team", "value": "bots"}])
    expect_get_deployment(stubber, deployment_description())
    expect_tags(stubber, DEPLOYMENT_ARN, tags(OTHER_STACK_ID))

    assert (
        run(bedrock, lambda_time, swap_event(DEPLOYMENT_TYPE, new, deployment_request(), DEPLOYMENT_ARN))[
            "PhysicalResourceId"
        ]
        == DEPLOYMENT_ARN
    )


def test_a_swap_of_a_resource_of_another_stack_fails_naming_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(modelArn=NEW_MODEL_ARN), deployment_request(), DEPLOYMENT_ARN
    )
    expect_get_deployment(stubber, deployment_description())
    expect_tags(stubber, DEPLOYMENT_ARN, tags(None))

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    assert DEPLOYMENT_ARN in str(refused.value) and "aws bedrock get-custom-model-deployment" in str(refused.value)


def test_a_description_change_creates_a_new_deployment_under_a_new_name(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    new = deployment_request(description="Support bot v2")
    expect_get_deployment(stubber, deployment_description())
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": NEW_DEPLOYMENT_ARN},
        sent(new, "modelDeploymentName", request_id="2222"),
    )

    result = run(bedrock, lambda_time, swap_event(DEPLOYMENT_TYPE, new, deployment_request(), DEPLOYMENT_ARN))

    assert result["PhysicalResourceId"] == NEW_DEPLOYMENT_ARN
    assert result["Data"]["DeploymentName"] != f"{DEPLOYMENT_BASE}-{SUFFIX}"


def test_a_replacement_that_would_reuse_a_fixed_name_fails_before_creating(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    new = throughput_request(provisionedModelName="support-pt", modelUnits="2")
    old = throughput_request(provisionedModelName="support-pt")
    expect_get_throughput(stubber, throughput_description(provisionedModelName="support-pt"))

    with pytest.raises(HandlerError, match=r"'support-pt'.*Nothing was changed"):
        run(bedrock, lambda_time, swap_event(THROUGHPUT_TYPE, new, old, THROUGHPUT_ARN, names_generated="false"))


def test_a_changed_generated_base_alone_replaces_nothing(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    new = deployment_request(modelDeploymentName="Serve-SupportBotOnDemand-77aa00")
    expect_get_deployment(stubber, deployment_description())

    result = run(bedrock, lambda_time, swap_event(DEPLOYMENT_TYPE, new, deployment_request(), DEPLOYMENT_ARN))

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN


def test_more_model_units_replace_the_throughput(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    new = throughput_request(modelUnits="2")
    expect_get_throughput(stubber, throughput_description())
    stubber.add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": NEW_THROUGHPUT_ARN},
        sent(new, "provisionedModelName", request_id="2222"),
    )

    result = run(bedrock, lambda_time, swap_event(THROUGHPUT_TYPE, new, throughput_request(), THROUGHPUT_ARN))

    assert result["PhysicalResourceId"] == NEW_THROUGHPUT_ARN


def committed(**extra: Any) -> dict[str, Any]:
    return throughput_description(
        commitmentDuration="OneMonth", commitmentExpirationTime=T0 + timedelta(days=30), **extra
    )


def test_replacing_a_committed_throughput_is_refused_before_a_second_one_is_created(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    old = throughput_request(commitmentDuration="OneMonth")
    new = throughput_request(commitmentDuration="OneMonth", modelUnits="2")
    expect_get_throughput(stubber, committed())

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, swap_event(THROUGHPUT_TYPE, new, old, THROUGHPUT_ARN))

    assert "Refusing to replace" in str(refused.value) and "2026-12-30T12:00:00+00:00" in str(refused.value)


def test_rollback_of_a_replacement_keeps_the_resource_that_matches(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """The live throughput has 1 unit, as the rolled-back request asks: nothing is created."""
    event = swap_event(THROUGHPUT_TYPE, throughput_request(), throughput_request(modelUnits="2"), THROUGHPUT_ARN)
    expect_get_throughput(stubber, throughput_description())

    assert run(bedrock, lambda_time, event)["PhysicalResourceId"] == THROUGHPUT_ARN


# ---- delete -------------------------------------------------------------------------------------


def delete_event(resource_type: str, physical_id: str, request: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return make_event(resource_type, "Delete", request, physical_id=physical_id, **kw)


def test_delete_of_a_failed_creates_placeholder_is_a_no_op(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    placeholder = "Serve-SupportBotOnDemand1A2B3C-ABCDEF"
    event = delete_event(DEPLOYMENT_TYPE, placeholder, deployment_request())
    assert run(bedrock, lambda_time, event) == {"PhysicalResourceId": placeholder}
    assert check(bedrock, lambda_time, event) == {"IsComplete": True}


def test_delete_deletes_this_stacks_deployment_and_waits_until_it_is_gone(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = delete_event(DEPLOYMENT_TYPE, DEPLOYMENT_ARN, deployment_request())
    expect_get_deployment(stubber, deployment_description())
    expect_tags(stubber, DEPLOYMENT_ARN, tags())
    stubber.add_response("delete_custom_model_deployment", {}, {"customModelDeploymentIdentifier": DEPLOYMENT_ARN})

    result = run(bedrock, lambda_time, event)

    after = after_on_event(event, result)
    expect_get_deployment(stubber, deployment_description())
    stubber.add_client_error("get_custom_model_deployment", "ResourceNotFoundException", http_status_code=404)
    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after) == {"IsComplete": True}


def test_a_delete_bedrock_refuses_as_busy_is_asked_again_until_it_is_gone(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request())
    expect_get_throughput(stubber, throughput_description("Creating"))
    expect_tags(stubber, THROUGHPUT_ARN, tags())
    stubber.add_client_error("delete_provisioned_model_throughput", "ConflictException", "still creating", 409)

    result = run(bedrock, lambda_time, event)

    after = after_on_event(event, result)
    expect_get_throughput(stubber, throughput_description("InService"))
    expect_tags(stubber, THROUGHPUT_ARN, tags())  # is_complete checks ownership before it deletes
    stubber.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": THROUGHPUT_ARN})
    stubber.add_client_error("get_provisioned_model_throughput", "ResourceNotFoundException", http_status_code=404)
    assert check(bedrock, lambda_time, after) == {"IsComplete": False}
    assert check(bedrock, lambda_time, after) == {"IsComplete": True}


def test_delete_of_a_resource_that_is_gone_succeeds(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error("get_provisioned_model_throughput", "ResourceNotFoundException", http_status_code=404)
    assert run(bedrock, lambda_time, delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, {})) == {
        "PhysicalResourceId": THROUGHPUT_ARN
    }


def test_delete_of_another_stacks_resource_fails_with_the_command_to_act_by_hand(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    expect_get_throughput(stubber, throughput_description())
    expect_tags(stubber, THROUGHPUT_ARN, tags(OTHER_STACK_ID))

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request()))

    reason = str(refused.value)
    assert (
        THROUGHPUT_ARN in reason
        and f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {THROUGHPUT_ARN}" in reason
    )


def test_delete_of_a_throughput_without_commitment(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    expect_get_throughput(stubber, throughput_description())
    expect_tags(stubber, THROUGHPUT_ARN, tags())
    stubber.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": THROUGHPUT_ARN})

    run(bedrock, lambda_time, delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request()))


def test_delete_of_a_committed_throughput_fails_saying_when_it_can_be_deleted(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    expect_get_throughput(stubber, committed())
    expect_tags(stubber, THROUGHPUT_ARN, tags())

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request()))

    reason = str(refused.value)
    assert "term ends at 2026-12-30T12:00:00+00:00" in reason and "RETAIN" in reason
    assert "aws bedrock delete-provisioned-model-throughput" in reason


def test_delete_of_a_committed_throughput_with_retain_leaves_it_and_warns(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_get_throughput(stubber, committed())
    expect_tags(stubber, THROUGHPUT_ARN, tags())
    event = delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request(), committed_removal="RETAIN")

    result = run(bedrock, lambda_time, event)

    assert result == {"PhysicalResourceId": THROUGHPUT_ARN}
    assert check(bedrock, lambda_time, after_on_event(event, result)) == {"IsComplete": True}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    warning = next(line for line in lines if line.get("outcome") == "retained-committed")
    assert warning["level"] == "WARNING"
    assert warning["commitmentExpirationTime"] == "2026-12-30T12:00:00+00:00"


def test_a_commitment_that_ended_is_deleted(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    expect_get_throughput(
        stubber, throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=T0 - timedelta(days=1))
    )
    expect_tags(stubber, THROUGHPUT_ARN, tags())
    stubber.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": THROUGHPUT_ARN})

    run(bedrock, lambda_time, delete_event(THROUGHPUT_TYPE, THROUGHPUT_ARN, throughput_request()))


# ---- throttling, lost responses, conflicts -------------------------------------------------------


def test_throttling_is_retried_with_backoff(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    request = deployment_request()
    stubber.add_client_error("create_custom_model_deployment", "ThrottlingException", http_status_code=429)
    stubber.add_client_error("create_custom_model_deployment", "InternalServerException", http_status_code=500)
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )

    assert (
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))["PhysicalResourceId"]
        == DEPLOYMENT_ARN
    )
    assert lambda_time.sleeps == [1.0, 2.0]


def test_a_name_conflict_adopts_the_resource_this_request_created(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = deployment_request()
    expected = sent(request, "modelDeploymentName")
    stubber.add_client_error("create_custom_model_deployment", "ConflictException", "Resource already exists", 409)
    expect_get_deployment(stubber, deployment_description(), identifier=expected["modelDeploymentName"])
    expect_tags(stubber, DEPLOYMENT_ARN, tags(token=expected["clientRequestToken"]))

    assert (
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))["PhysicalResourceId"]
        == DEPLOYMENT_ARN
    )


@pytest.mark.parametrize("listed", [tags(token="cfn-another-request"), tags(OTHER_STACK_ID, token=None)])
def test_a_name_conflict_with_a_resource_this_request_did_not_create_fails(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, listed: list[dict[str, str]]
) -> None:
    request = deployment_request()
    name = sent(request, "modelDeploymentName")["modelDeploymentName"]
    stubber.add_client_error(
        "create_custom_model_deployment", "ValidationException", "Deployment name already exists", 400
    )
    expect_get_deployment(stubber, deployment_description(), identifier=name)
    expect_tags(stubber, DEPLOYMENT_ARN, listed)
    expect_get_deployment(stubber, deployment_description(), identifier=name)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))

    assert f"{DEPLOYMENT_ARN} already has the name {name!r}" in str(refused.value)


def test_bedrocks_refusal_is_quoted_with_the_field_to_change(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    message = "The model amazon.nova-micro is not supported for on-demand deployment in this Region"
    stubber.add_client_error("create_custom_model_deployment", "ValidationException", message, 400)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", deployment_request()))

    assert message in str(refused.value) and "the model served" in str(refused.value)


# ---- events and logs ------------------------------------------------------------------------------


def test_an_update_without_old_properties_changes_nothing(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Update", deployment_request(), physical_id=DEPLOYMENT_ARN)
    with pytest.raises(HandlerError, match="OldResourceProperties"):
        run(bedrock, lambda_time, event)


def test_an_unknown_resource_type_is_named(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    with pytest.raises(HandlerError, match="Custom::Other"):
        run(bedrock, lambda_time, make_event("Custom::Other", "Create", deployment_request()))


def test_logs_hold_names_and_arns_only(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, capsys: pytest.CaptureFixture[str]
) -> None:
    request = deployment_request(description="secret plans", tags=[{"key": "project", "value": "hush-hush"}])
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )

    run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request))

    out = capsys.readouterr().out
    assert DEPLOYMENT_ARN in out
    assert "secret plans" not in out and "hush-hush" not in out and "cfn-" not in out


def test_the_contracts_entry_points_are_this_packages(
    bedrock: Any, stubber: Stubber, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SERVING_ON_EVENT / SERVING_IS_COMPLETE name on_event and is_complete here; each logs the Lambda request id."""
    import importlib

    from lambda_src import contract

    for entry, function in (
        (contract.SERVING_ON_EVENT, handler.on_event),
        (contract.SERVING_IS_COMPLETE, handler.is_complete),
    ):
        module, _, name = entry.partition(".")[2].rpartition(".")
        assert getattr(importlib.import_module(f"lambda_src.{module}"), name) is function

    class Context(FakeLambdaTime):
        aws_request_id = "lambda-request-1"

    monkeypatch.setattr(handler, "new_bedrock_client", lambda: bedrock)
    expect_get_deployment(stubber, deployment_description())
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request())
    assert handler.is_complete({**event, "PhysicalResourceId": DEPLOYMENT_ARN}, Context())["IsComplete"] is True
    assert '"requestId": "lambda-request-1"' in capsys.readouterr().out


def test_a_value_botocore_cannot_take_is_refused_naming_the_field(
    fake_client: Any, lambda_time: FakeLambdaTime
) -> None:
    """botocore's parameter validation refuses it before anything is sent (the fake endpoint sees nothing)."""
    with pytest.raises(HandlerError) as refused:
        run(fake_client, lambda_time, make_event(THROUGHPUT_TYPE, "Create", throughput_request(modelUnits="lots")))

    assert "ParamValidationError" in str(refused.value) and "modelUnits" in str(refused.value)
    assert "lots" not in str(refused.value)


def test_malformed_tags_change_nothing(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    with pytest.raises(HandlerError, match=r"Request\.tags must be a list"):
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", deployment_request(tags={"team": "x"})))


def test_is_complete_waits_for_a_new_resource_bedrock_does_not_list_yet(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """Read right after its create, a resource may not be visible yet: not complete (no failure)."""
    stubber.add_client_error("get_custom_model_deployment", "ResourceNotFoundException", http_status_code=404)
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request(), physical_id=DEPLOYMENT_ARN)

    assert check(bedrock, lambda_time, event) == {"IsComplete": False}

"""Issue 21, part A, from the outside (botocore's Stubber on the bundled service model): the gate judges the model's
own job and fails closed, a cross-base swap never reaches UpdateProvisionedModelThroughput, a throughput is renamed
in place, failure reasons match the operation, a completed deployment update is seen as completed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_TYPE,
    JOB_ARN,
    MODEL_ARN,
    NEW_JOB_ARN,
    NEW_MODEL_ARN,
    NEW_THROUGHPUT_ARN,
    REGION,
    T0,
    THROUGHPUT_ARN,
    THROUGHPUT_BASE,
    THROUGHPUT_TYPE,
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
GATE = {"MaxTrainingLoss": "1.5"}
MICRO = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k"
LITE = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0:300k"
LITE_MODEL_ARN = f"arn:aws:bedrock:{REGION}:123456789012:custom-model/amazon.nova-lite-v1:0:300k/cccccccccccc"


def run(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.handle(event, clock, client=client, sleep=clock.sleep, now=lambda: NOW)


def check(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.check(event, clock, client=client, sleep=clock.sleep, now=lambda: NOW)


def expect_model(stub: Stubber, model: str, *, job: str | None, base: str = MICRO) -> None:
    response: dict[str, Any] = {"modelArn": model, "modelName": model.rsplit("/", 1)[-1], "creationTime": T0}
    response["baseModelArn"] = base
    if job is not None:
        response["jobArn"] = job
    stub.add_response("get_custom_model", response, {"modelIdentifier": model})


def expect_job(stub: Stubber, job_arn: str, **metrics: Any) -> None:
    stub.add_response(
        "get_model_customization_job", job_description(jobArn=job_arn, **metrics), {"jobIdentifier": job_arn}
    )


def swap_event(resource_type: str, new: dict[str, Any], old: dict[str, Any], physical_id: str, **kw: Any) -> Any:
    return make_event(resource_type, "Update", new, old_request=old, physical_id=physical_id, request_id="2222", **kw)


# ---- 1. the gate judges the model's own job --------------------------------------------------------


def test_create_gates_on_the_job_that_trained_the_model_not_the_one_the_event_names(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """Model B (trained by job B, loss 9.0) with JobArn naming job A (loss 0.1): refused, nothing created."""
    expect_model(stubber, NEW_MODEL_ARN, job=NEW_JOB_ARN)

    with pytest.raises(HandlerError) as refused:
        run(
            bedrock,
            lambda_time,
            make_event(DEPLOYMENT_TYPE, "Create", deployment_request(modelArn=NEW_MODEL_ARN), gate=GATE),
        )

    reason = str(refused.value)
    assert NEW_JOB_ARN in reason and JOB_ARN in reason and "trained by" in reason
    assert "No custom model deployment was created" in reason


def test_create_gates_on_the_models_own_job_metrics(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    expect_model(stubber, MODEL_ARN, job=JOB_ARN)
    expect_job(stubber, JOB_ARN, training_loss=9.0)

    with pytest.raises(HandlerError, match=r"training loss 9 > max 1\.5"):
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", deployment_request(), gate=GATE))


def test_a_gate_without_job_arn_reads_the_models_job(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = deployment_request()
    expect_model(stubber, MODEL_ARN, job=JOB_ARN)
    expect_job(stubber, JOB_ARN, training_loss=0.4)
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )

    result = run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", request, gate=GATE, job_arn=None))

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN


def test_a_model_without_a_training_job_is_refused_by_a_gate(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    expect_model(stubber, MODEL_ARN, job=None)

    with pytest.raises(HandlerError, match="records no customization job"):
        run(bedrock, lambda_time, make_event(DEPLOYMENT_TYPE, "Create", deployment_request(), gate=GATE, job_arn=None))


def test_a_swap_gates_on_the_new_models_own_job(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    """The event still names the old job (a template that forgot to follow the retrain): refused, not swapped."""
    event = swap_event(
        DEPLOYMENT_TYPE,
        deployment_request(modelArn=NEW_MODEL_ARN),
        deployment_request(),
        DEPLOYMENT_ARN,
        gate=GATE,
        job_arn=JOB_ARN,
    )
    stubber.add_response(
        "get_custom_model_deployment", deployment_description(), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    expect_model(stubber, NEW_MODEL_ARN, job=NEW_JOB_ARN)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    assert "trained by" in str(refused.value) and f"keeps serving {MODEL_ARN}" in str(refused.value)


# ---- 2. a gate that cannot be read refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    "gate",
    [
        {"maxTrainingLoss": "1.5"},  # misspelled key
        {"MaxTrainingLoss": ""},  # empty value
        {},  # an empty map
        "",  # an empty value
        {"MaxTrainingLoss": {"value": "1.5"}},  # a map of another shape
        {"MaxTrainingLoss": "1.5", "MinAccuracy": "0.9"},  # a key this handler does not know
        ["MaxTrainingLoss", "1.5"],
    ],
)
def test_a_gate_that_cannot_be_read_refuses_before_any_call(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime, gate: Any
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request())
    event["ResourceProperties"]["QualityGate"] = gate

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    reason = str(refused.value)
    assert "QualityGate" in reason and "Nothing was changed" in reason


def test_an_unreadable_gate_does_not_block_a_delete(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Delete", deployment_request(), physical_id="failed-create-placeholder")
    event["ResourceProperties"]["QualityGate"] = {"maxTrainingLoss": "1.5"}

    assert run(bedrock, lambda_time, event)["PhysicalResourceId"] == "failed-create-placeholder"


# ---- 3. cross-base swaps ----------------------------------------------------------------------------


def test_a_cross_base_retrain_replaces_the_throughput_and_never_sends_the_update(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """UpdateProvisionedModelThroughput.desiredModelId takes only a model of the same base (botocore's shape doc)."""
    new = throughput_request(modelId=LITE_MODEL_ARN)
    event = swap_event(THROUGHPUT_TYPE, new, throughput_request(), THROUGHPUT_ARN)
    stubber.add_response(
        "get_provisioned_model_throughput", throughput_description(), {"provisionedModelId": THROUGHPUT_ARN}
    )
    expect_model(stubber, LITE_MODEL_ARN, job=NEW_JOB_ARN, base=LITE)
    stubber.add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": NEW_THROUGHPUT_ARN},
        sent(new, "provisionedModelName", request_id="2222"),
    )

    result = run(bedrock, lambda_time, event)

    assert result["PhysicalResourceId"] == NEW_THROUGHPUT_ARN


def test_a_cross_base_retrain_of_a_committed_throughput_is_refused_naming_the_bases(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    new = throughput_request(modelId=LITE_MODEL_ARN, commitmentDuration="OneMonth")
    old = throughput_request(commitmentDuration="OneMonth")
    event = swap_event(THROUGHPUT_TYPE, new, old, THROUGHPUT_ARN, committed_removal="FAIL")
    live = throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=NOW + timedelta(days=20))
    stubber.add_response("get_provisioned_model_throughput", live, {"provisionedModelId": THROUGHPUT_ARN})
    expect_model(stubber, LITE_MODEL_ARN, job=NEW_JOB_ARN, base=LITE)

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    reason = str(refused.value)
    assert "base model" in reason and "amazon.nova-lite-v1:0" in reason and "amazon.nova-micro-v1:0" in reason


def test_a_same_base_retrain_still_swaps_in_place(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    event = swap_event(THROUGHPUT_TYPE, throughput_request(modelId=NEW_MODEL_ARN), throughput_request(), THROUGHPUT_ARN)
    stubber.add_response(
        "get_provisioned_model_throughput", throughput_description(), {"provisionedModelId": THROUGHPUT_ARN}
    )
    expect_model(stubber, NEW_MODEL_ARN, job=NEW_JOB_ARN)
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": THROUGHPUT_ARN})
    stubber.add_response(
        "update_provisioned_model_throughput",
        {},
        {"provisionedModelId": THROUGHPUT_ARN, "desiredModelId": NEW_MODEL_ARN},
    )

    assert run(bedrock, lambda_time, event)["PhysicalResourceId"] == THROUGHPUT_ARN


# ---- 4. renames, reasons, completed updates ---------------------------------------------------------


def test_a_new_fixed_name_renames_the_throughput_in_place(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    old = throughput_request(provisionedModelName="support-bot")
    new = throughput_request(provisionedModelName="support-bot-v2")
    event = swap_event(THROUGHPUT_TYPE, new, old, THROUGHPUT_ARN, names_generated="false")
    live = throughput_description(provisionedModelName="support-bot")
    stubber.add_response("get_provisioned_model_throughput", live, {"provisionedModelId": THROUGHPUT_ARN})
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": THROUGHPUT_ARN})
    stubber.add_response(
        "update_provisioned_model_throughput",
        {},
        {"provisionedModelId": THROUGHPUT_ARN, "desiredProvisionedModelName": "support-bot-v2"},
    )

    result = run(bedrock, lambda_time, event)

    assert result["PhysicalResourceId"] == THROUGHPUT_ARN
    assert result["Data"]["ProvisionedModelName"] == "support-bot-v2"


def test_a_deployment_that_fails_during_an_in_place_update_does_not_claim_rollback_deletes_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(modelArn=NEW_MODEL_ARN), deployment_request(), DEPLOYMENT_ARN
    )
    stubber.add_response(
        "get_custom_model_deployment", deployment_description(), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": DEPLOYMENT_ARN})
    stubber.add_response(
        "update_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN, "modelArn": NEW_MODEL_ARN},
    )
    result = run(bedrock, lambda_time, event)
    stubber.add_response(
        "get_custom_model_deployment",
        deployment_description("Failed", failureMessage="Internal failure while updating"),
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    )

    with pytest.raises(HandlerError) as failed:
        check(bedrock, lambda_time, after_on_event(event, result))

    reason = str(failed.value)
    assert "Internal failure while updating" in reason
    assert "deletes the failed resource" not in reason and "update" in reason


def test_a_create_that_fails_still_says_the_rollback_deletes_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = deployment_request()
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )
    event = make_event(DEPLOYMENT_TYPE, "Create", request)
    result = run(bedrock, lambda_time, event)
    stubber.add_response(
        "get_custom_model_deployment",
        deployment_description("Failed", failureMessage="No capacity"),
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    )

    with pytest.raises(HandlerError, match="deletes the failed resource"):
        check(bedrock, lambda_time, after_on_event(event, result))


def test_a_completed_deployment_update_is_complete_even_when_the_top_level_model_lags(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """GetCustomModelDeployment: updateDetails.updateStatus UpdateCompleted with updateDetails.modelArn the new one."""
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(modelArn=NEW_MODEL_ARN), deployment_request(), DEPLOYMENT_ARN
    )
    after = after_on_event(event, {"PhysicalResourceId": DEPLOYMENT_ARN})
    stubber.add_response(
        "get_custom_model_deployment",
        deployment_description(updateDetails={"modelArn": NEW_MODEL_ARN, "updateStatus": "UpdateCompleted"}),
        {"customModelDeploymentIdentifier": DEPLOYMENT_ARN},
    )

    done = check(bedrock, lambda_time, after)

    assert done["IsComplete"] is True and done["Data"]["ModelArn"] == NEW_MODEL_ARN


def test_the_throughput_base_name_is_unchanged_by_a_generated_rename(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """Generated names on both sides whose base changed: the throughput keeps its name (no rename, no replace)."""
    new = throughput_request(provisionedModelName="Serve-Renamed-3f9a2c")
    event = swap_event(THROUGHPUT_TYPE, new, throughput_request(), THROUGHPUT_ARN)
    stubber.add_response(
        "get_provisioned_model_throughput", throughput_description(), {"provisionedModelId": THROUGHPUT_ARN}
    )

    result = run(bedrock, lambda_time, event)

    assert result["Data"]["ProvisionedModelName"].startswith(THROUGHPUT_BASE)


# ---- the evaluation gate property is never ignored --------------------------------------------------


EVALUATION = {
    "DatasetS3Uri": "s3://prompts/eval/prompts.jsonl",
    "OutputS3Uri": "s3://reports/eval/",
    "RoleArn": "arn:aws:iam::123456789012:role/EvaluationRole",
    "JudgeModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "Metrics": ["Builtin.Correctness"],
}


def test_an_evaluation_gate_this_handler_cannot_run_refuses_the_create(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request())
    event["ResourceProperties"]["EvaluationGate"] = EVALUATION
    expect_model(stubber, MODEL_ARN, job=JOB_ARN)  # the incumbent of a first serve: its base model

    with pytest.raises(HandlerError, match=r"cannot run the evaluation .*No custom model deployment was created"):
        run(bedrock, lambda_time, event)


def test_an_evaluation_gate_refuses_the_swap_and_the_old_model_keeps_serving(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = swap_event(
        DEPLOYMENT_TYPE, deployment_request(modelArn=NEW_MODEL_ARN), deployment_request(), DEPLOYMENT_ARN
    )
    event["ResourceProperties"]["EvaluationGate"] = EVALUATION
    stubber.add_response(
        "get_custom_model_deployment", deployment_description(), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": DEPLOYMENT_ARN})

    with pytest.raises(HandlerError, match=f"keeps serving {MODEL_ARN}"):
        run(bedrock, lambda_time, event)


def test_an_unreadable_evaluation_gate_refuses_before_any_call(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request())
    event["ResourceProperties"]["EvaluationGate"] = {**EVALUATION, "Metric": ["Builtin.Correctness"]}

    with pytest.raises(HandlerError, match="EvaluationGate has key"):
        run(bedrock, lambda_time, event)


def test_a_cross_base_retrain_of_a_committed_throughput_set_to_retain_replaces_it(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    """CommittedRemoval RETAIN: the old throughput stays in the account (as for any replacement); a new one serves."""
    new = throughput_request(modelId=LITE_MODEL_ARN, commitmentDuration="OneMonth")
    old = throughput_request(commitmentDuration="OneMonth")
    event = swap_event(
        THROUGHPUT_TYPE, new, old, THROUGHPUT_ARN, committed_removal="RETAIN", old_props={"CommittedRemoval": "RETAIN"}
    )
    live = throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=NOW + timedelta(days=20))
    stubber.add_response("get_provisioned_model_throughput", live, {"provisionedModelId": THROUGHPUT_ARN})
    expect_model(stubber, LITE_MODEL_ARN, job=NEW_JOB_ARN, base=LITE)
    stubber.add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": NEW_THROUGHPUT_ARN},
        sent(new, "provisionedModelName", request_id="2222"),
    )

    assert run(bedrock, lambda_time, event)["PhysicalResourceId"] == NEW_THROUGHPUT_ARN

"""The pure core: update decisions, progress, delete plans, the gate and the event's properties (no AWS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_BASE,
    MODEL_ARN,
    NEW_MODEL_ARN,
    SUFFIX,
    T0,
    THROUGHPUT_ARN,
    deployment_description,
    throughput_description,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_serving import decisions, gate
from lambda_src.model_serving.decisions import Committed, Create, DeleteIt, Failed, InPlace, Ready, Waiting
from lambda_src.model_serving.kinds import DEPLOYMENT, THROUGHPUT, kind_of_arn
from lambda_src.model_serving.properties import Gate, parse_gate

UPDATING = {"modelArn": NEW_MODEL_ARN, "updateStatus": "Updating"}


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        (deployment_description("Creating"), Waiting("Creating")),
        (deployment_description(), Ready(MODEL_ARN)),
        (deployment_description(updateDetails={"modelArn": MODEL_ARN, "updateStatus": "Updating"}), Waiting("Active")),
        (deployment_description("Failed", failureMessage="boom"), Failed("boom", swap=False)),
        (deployment_description("Failed"), Failed("no failure message", swap=False)),
    ],
)
def test_deployment_progress_towards_the_model_it_had(live: dict[str, Any], expected: Any) -> None:
    assert decisions.progress(DEPLOYMENT, live, MODEL_ARN) == expected


def test_deployment_progress_of_a_swap() -> None:
    assert decisions.progress(DEPLOYMENT, deployment_description(updateDetails=UPDATING), NEW_MODEL_ARN) == Waiting(
        "Active"
    )
    failed = deployment_description(updateDetails={**UPDATING, "updateStatus": "UpdateFailed"}, failureMessage="bad")
    assert decisions.progress(DEPLOYMENT, failed, NEW_MODEL_ARN) == Failed("bad", swap=True)
    # ... and the rollback to the model it still serves is complete at once
    assert decisions.progress(DEPLOYMENT, failed, MODEL_ARN) == Ready(MODEL_ARN)
    assert not decisions.swap_needed(DEPLOYMENT, failed, MODEL_ARN)
    # a swap still moving to another model must be redirected, even to the model served now
    assert decisions.swap_needed(DEPLOYMENT, deployment_description(updateDetails=UPDATING), MODEL_ARN)


def test_throughput_progress() -> None:
    moving = throughput_description("Updating", desiredModelArn=NEW_MODEL_ARN)
    assert decisions.progress(THROUGHPUT, moving, NEW_MODEL_ARN) == Waiting("Updating")
    assert decisions.progress(THROUGHPUT, throughput_description(), MODEL_ARN) == Ready(MODEL_ARN)
    # given by name: served once settled on what Bedrock resolved it to
    assert decisions.progress(THROUGHPUT, throughput_description(), "support-bot-model") == Ready(MODEL_ARN)
    refused = throughput_description(failureMessage="incompatible")
    assert decisions.progress(THROUGHPUT, refused, NEW_MODEL_ARN) == Failed("incompatible", swap=True)
    # settled on the old model without a message: maybe not visible yet, so keep waiting (the Provider times out)
    assert decisions.progress(THROUGHPUT, throughput_description(), NEW_MODEL_ARN) == Waiting("InService")


def request(**overrides: Any) -> dict[str, Any]:
    return {
        "modelDeploymentName": DEPLOYMENT_BASE,
        "modelArn": MODEL_ARN,
        "description": "Support bot, on demand",
        **overrides,
    }


def decide(
    new: dict[str, Any], live: dict[str, Any] | None, *, generated: bool = True, physical_id: str = DEPLOYMENT_ARN
) -> Any:
    return decisions.decide_update(
        DEPLOYMENT, physical_id, request(), new, live, names_generated=generated, old_names_generated=generated
    )


def test_update_decisions() -> None:
    live = deployment_description()
    assert decide(request(modelArn=NEW_MODEL_ARN), live) == InPlace(DEPLOYMENT_ARN, NEW_MODEL_ARN, swap=True)
    assert decide(request(), live) == InPlace(DEPLOYMENT_ARN, MODEL_ARN, swap=False)
    assert decide(request(description="v2"), live) == Create(replaces=DEPLOYMENT_ARN, changed=("description",))
    assert decide(request(), None) == Create()
    assert decide(request(), live, physical_id="placeholder") == Create()
    assert decide(request(modelDeploymentName="fixed"), live, generated=False) == Create(
        replaces=DEPLOYMENT_ARN, changed=("modelDeploymentName",)
    )
    tagged = decide(request(tags=[{"key": "a", "value": "1"}]), live)
    assert tagged.tags.to_set == {"a": "1"}


def test_a_description_absent_on_both_sides_is_no_change() -> None:
    live = {k: v for k, v in deployment_description().items() if k != "description"}
    assert isinstance(decide({k: v for k, v in request().items() if k != "description"}, live), InPlace)


def test_generated_names_match_their_base_with_a_request_suffix_only() -> None:
    assert decisions.name_matches(f"{DEPLOYMENT_BASE}-{SUFFIX}", DEPLOYMENT_BASE, generated=True)
    assert not decisions.name_matches(f"{DEPLOYMENT_BASE}-{SUFFIX}", DEPLOYMENT_BASE, generated=False)
    assert not decisions.name_matches(f"{DEPLOYMENT_BASE}-other", DEPLOYMENT_BASE, generated=True)


def test_throughput_units_and_commitment_need_a_new_one() -> None:
    live = throughput_description()
    base = {"provisionedModelName": "pt", "modelId": MODEL_ARN, "modelUnits": 1}
    assert (
        decisions.needs_new_resource(
            THROUGHPUT, live, {**base, "provisionedModelName": live["provisionedModelName"]}, generated=False
        )
        == []
    )
    # a new name alone renames a throughput in place (UpdateProvisionedModelThroughput desiredProvisionedModelName)
    assert decisions.needs_new_resource(THROUGHPUT, live, {**base, "modelUnits": 2}, generated=False) == ["modelUnits"]
    assert decisions.needs_new_resource(THROUGHPUT, live, base, generated=False) == []
    committed = {**base, "provisionedModelName": live["provisionedModelName"], "commitmentDuration": "OneMonth"}
    assert decisions.needs_new_resource(THROUGHPUT, live, committed, generated=False) == ["commitmentDuration"]


def test_handler_tag_keys_never_change() -> None:
    changes = decisions.user_tag_changes(
        [{"key": "bedrock-customization:request-token", "value": "a"}, {"key": "x", "value": "1"}],
        [{"key": "BEDROCK-CUSTOMIZATION:STACK-ID", "value": "forged"}],
    )
    assert changes.to_set == {} and changes.to_remove == ("x",)


def test_delete_plans() -> None:
    now = T0
    plain = throughput_description()
    assert decisions.plan_delete(THROUGHPUT, plain, "FAIL", now) == DeleteIt()
    ends = T0 + timedelta(days=30)
    term = throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=ends)
    assert decisions.plan_delete(THROUGHPUT, term, "FAIL", now) == Committed("OneMonth", ends, retain=False)
    assert decisions.plan_delete(THROUGHPUT, term, "RETAIN", now) == Committed("OneMonth", ends, retain=True)
    assert decisions.plan_delete(THROUGHPUT, term, "FAIL", ends + timedelta(seconds=1)) == DeleteIt()
    naive = throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=ends.replace(tzinfo=None))
    assert decisions.plan_delete(THROUGHPUT, naive, "FAIL", now) == Committed("OneMonth", ends, retain=False)
    pending = throughput_description(commitmentDuration="SixMonths")
    assert decisions.plan_delete(THROUGHPUT, pending, "FAIL", now) == Committed("SixMonths", None, retain=False)
    assert decisions.plan_delete(DEPLOYMENT, deployment_description(), "FAIL", now) == DeleteIt()


def job(training: Any = 0.5, validation: list[Any] | None = None, status: str = "Completed") -> dict[str, Any]:
    return {
        "status": status,
        "trainingMetrics": {"trainingLoss": training},
        "validationMetrics": [{"validationLoss": v} for v in (validation or [])],
    }


def test_gate_checks_every_validator_and_names_missing_metrics() -> None:
    both = Gate(max_training_loss=1.0, max_validation_loss=1.0)
    assert gate.refusals(both, job(0.5, [0.2, 0.9])) == []
    assert gate.refusals(both, job(0.5, [0.2, 1.3])) == ["validation loss 1.3 > max 1"]
    assert gate.refusals(both, job(True, [0.2])) == ["training loss not reported (job status Completed; max 1)"]
    assert gate.refusals(Gate(max_validation_loss=1.0), job(9.0, [], status="InProgress")) == [
        "validation loss not reported (job status InProgress; max 1)"
    ]
    assert gate.refusals(Gate(max_training_loss=1.0), {"status": "not found"}) == [
        "training loss not reported (job status not found; max 1)"
    ]
    assert gate.metrics_text(job(0.5, [0.25])) == "trainingLoss=0.5, validationLoss=0.25"


def test_gate_properties() -> None:
    assert parse_gate(None) is None  # no QualityGate property: no gate
    assert parse_gate({"MaxValidationLoss": " 1.2 "}) == Gate(max_validation_loss=1.2)
    with pytest.raises(HandlerError, match="must be a map"):
        parse_gate("1.2")
    for unreadable in ({}, {"MaxTrainingLoss": ""}, ""):  # present but unreadable: refuses (issue 21)
        with pytest.raises(HandlerError, match="QualityGate"):
            parse_gate(unreadable)


def test_arns_of_each_kind() -> None:
    assert kind_of_arn(DEPLOYMENT_ARN) is DEPLOYMENT and kind_of_arn(THROUGHPUT_ARN) is THROUGHPUT
    assert kind_of_arn(f"{DEPLOYMENT_ARN}x") is None and kind_of_arn(MODEL_ARN) is None and kind_of_arn(None) is None


def test_a_throughput_model_given_by_name_is_swapped_when_the_name_changes() -> None:
    live = throughput_description()
    old = {"provisionedModelName": "pt", "modelId": "support-bot-v1", "modelUnits": 1}

    def swap(new_model: str) -> bool:
        decision = decisions.decide_update(
            THROUGHPUT,
            THROUGHPUT_ARN,
            old,
            {**old, "modelId": new_model},
            live,
            names_generated=True,
            old_names_generated=True,
        )
        assert isinstance(decision, InPlace)
        return decision.swap

    assert swap("support-bot-v2") and not swap("support-bot-v1")

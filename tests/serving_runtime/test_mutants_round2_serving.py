"""Issue 23: serving decisions on values as Bedrock's answers hold them — strings parsed from JSON, equal to
but never the same objects as the ones the handler compares them with (so an `is` in place of `==` fails)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from serving_support import MODEL_ARN, NEW_MODEL_ARN, deployment_description, throughput_description

from lambda_src.model_serving import decisions
from lambda_src.model_serving.decisions import Failed, Ready, Waiting
from lambda_src.model_serving.kinds import DEPLOYMENT, THROUGHPUT


def parsed(value: dict[str, Any]) -> dict[str, Any]:
    """The description as the wire gives it: every string a fresh object."""
    return json.loads(json.dumps(value, default=str))  # type: ignore[no-any-return]


def fresh(text: str) -> str:
    copy = "".join(list(text))
    assert copy == text and copy is not text
    return copy


def deployment_moving(update_status: str = "Updating", to: str = NEW_MODEL_ARN, **extra: Any) -> dict[str, Any]:
    return parsed(deployment_description(updateDetails={"modelArn": to, "updateStatus": update_status}, **extra))


# --- which swap a deployment is moving to: updateDetails.updateStatus == "Updating" and its modelArn -----------


def test_a_deployment_updating_to_the_model_asked_for_is_moving_to_it() -> None:
    live = deployment_moving()

    assert decisions.moving_to(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))
    assert not decisions.swap_needed(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))
    assert decisions.busy(live)
    assert decisions.progress(DEPLOYMENT, live, fresh(NEW_MODEL_ARN)) == Waiting("Active")


def test_a_deployment_updating_to_another_model_is_not_moving_to_the_one_asked_for() -> None:
    live = deployment_moving(to=MODEL_ARN)

    assert not decisions.moving_to(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))
    assert decisions.swap_needed(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))


@pytest.mark.parametrize("update_status", ["UpdateFailed", "UpdateCompleted", "Pending"])
def test_a_deployment_whose_update_is_not_under_way_is_not_moving(update_status: str) -> None:
    live = deployment_moving(update_status)

    assert not decisions.moving_to(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))
    assert not decisions.busy(live)


def test_a_deployment_without_update_details_is_not_moving_and_serves_its_model() -> None:
    live = parsed(deployment_description())

    assert not decisions.moving_to(DEPLOYMENT, live, fresh(MODEL_ARN))
    assert not decisions.swap_needed(DEPLOYMENT, live, fresh(MODEL_ARN))
    assert decisions.swap_needed(DEPLOYMENT, live, fresh(NEW_MODEL_ARN))
    assert decisions.progress(DEPLOYMENT, live, fresh(MODEL_ARN)) == Ready(MODEL_ARN)


def test_a_failed_deployment_swap_without_a_failure_message_is_failed_and_says_so() -> None:
    live = deployment_moving("UpdateFailed")
    assert "failureMessage" not in live

    assert decisions.progress(DEPLOYMENT, live, fresh(NEW_MODEL_ARN)) == Failed("no failure message", swap=True)


def test_a_failed_deployment_swap_to_another_model_is_not_this_swaps_failure() -> None:
    """Without a message, a failed swap to another model leaves this one waiting (the Provider times out)."""
    live = deployment_moving("UpdateFailed", to=NEW_MODEL_ARN)

    for other in ("".join([NEW_MODEL_ARN[:-1], "c"]), "".join([NEW_MODEL_ARN[:-1], "a"])):  # sorting after, before
        assert decisions.progress(DEPLOYMENT, live, other) == Waiting("Active")
    with_message = deployment_moving("UpdateFailed", to=NEW_MODEL_ARN, failureMessage="bad")
    assert decisions.progress(DEPLOYMENT, with_message, other) == Failed("bad", swap=True)


def test_a_failed_deployment_is_failed_whatever_its_update_details_say() -> None:
    live = parsed(deployment_description("Failed", failureMessage="  out of capacity  "))

    assert decisions.progress(DEPLOYMENT, live, fresh(MODEL_ARN)) == Failed("out of capacity", swap=False)


# --- which swap a throughput is moving to: status "Updating" and desiredModelArn ---------------------------------


def test_a_throughput_updating_to_the_model_asked_for_is_moving_to_it() -> None:
    live = parsed(throughput_description("Updating", desiredModelArn=NEW_MODEL_ARN))

    assert decisions.moving_to(THROUGHPUT, live, fresh(NEW_MODEL_ARN))
    assert not decisions.swap_needed(THROUGHPUT, live, fresh(NEW_MODEL_ARN))
    assert decisions.progress(THROUGHPUT, live, fresh(NEW_MODEL_ARN)) == Waiting("Updating")


def test_a_throughput_updating_to_another_model_must_be_redirected() -> None:
    live = parsed(throughput_description("Updating", desiredModelArn=NEW_MODEL_ARN))

    assert not decisions.moving_to(THROUGHPUT, live, fresh(MODEL_ARN))
    assert decisions.swap_needed(THROUGHPUT, live, fresh(MODEL_ARN))


def test_a_throughput_not_updating_is_not_moving_even_if_it_wants_the_model() -> None:
    live = parsed(throughput_description("InService", desiredModelArn=NEW_MODEL_ARN))

    assert not decisions.moving_to(THROUGHPUT, live, fresh(NEW_MODEL_ARN))
    assert decisions.progress(THROUGHPUT, live, fresh(NEW_MODEL_ARN)) == Waiting("InService")


def test_a_throughput_model_given_by_name_is_never_moving_to_it() -> None:
    """desiredModelArn is an ARN: a name cannot be compared with it, so the swap is asked again."""
    live = parsed(throughput_description("Updating", desiredModelArn=NEW_MODEL_ARN))

    assert not decisions.moving_to(THROUGHPUT, live, "support-bot-model")


def test_a_settled_throughput_serves_its_model_given_by_arn_or_by_name() -> None:
    live = parsed(throughput_description())

    assert decisions.progress(THROUGHPUT, live, fresh(MODEL_ARN)) == Ready(MODEL_ARN)
    assert decisions.progress(THROUGHPUT, live, "support-bot-model") == Ready(MODEL_ARN)
    assert not decisions.swap_needed(THROUGHPUT, live, fresh(MODEL_ARN))


def test_a_throughput_whose_model_differs_from_the_one_it_wants_is_not_settled() -> None:
    live = parsed(throughput_description(desiredModelArn=NEW_MODEL_ARN))

    assert decisions.progress(THROUGHPUT, live, fresh(MODEL_ARN)) == Waiting("InService")
    assert decisions.progress(THROUGHPUT, live, "support-bot-model") == Waiting("InService")


# --- the quality gate at its thresholds (survivor of gate.py's run, seed 991619572) ------------------------------


def test_a_loss_equal_to_its_maximum_passes_the_gate_and_one_above_it_does_not() -> None:
    from lambda_src.model_serving import gate
    from lambda_src.model_serving.properties import Gate

    limits = Gate(max_training_loss=1.0, max_validation_loss=0.75)
    described = parsed(
        {
            "status": "Completed",
            "trainingMetrics": {"trainingLoss": 1.0},
            "validationMetrics": [{"validationLoss": 0.75}],
        }
    )

    assert gate.refusals(limits, described) == []
    described["validationMetrics"].append({"validationLoss": 0.7500001})
    described["trainingMetrics"]["trainingLoss"] = 1.0000001
    assert gate.refusals(limits, described) == [
        "training loss 1 > max 1",
        "validation loss 0.75 > max 0.75",
    ]

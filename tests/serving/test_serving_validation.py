"""Every serving prop is checked at synth: errors name the construct path, the prop, the value and the rule."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Tags, Token

from constructs_lib import (
    Commitment,
    CommittedRemoval,
    Completion,
    CustomModelDeployment,
    ModelCustomizationJob,
    ProvisionedThroughput,
    QualityGate,
    ValidationError,
)

from .helpers import JOB_ARN, MODEL_ARN, TITAN_MODEL_ARN, serving_stack, waiting_job, warnings

ACK = {"acknowledge_non_cancellable_charge": True}


def deployment(stack: Stack | None = None, **props: Any) -> CustomModelDeployment:
    stack = stack or serving_stack()
    return CustomModelDeployment(stack, "Serve", **{"model_arn": MODEL_ARN, **props})


def throughput(stack: Stack | None = None, **props: Any) -> ProvisionedThroughput:
    stack = stack or serving_stack()
    return ProvisionedThroughput(stack, "Pt", **{"model_arn": MODEL_ARN, "model_units": 1, **props})


@pytest.mark.parametrize(
    ("build", "prop", "value", "rule"),
    [
        (lambda: deployment(model_arn="my-model"), "model_arn", "'my-model'", "custom model ARN must be 20-1011"),
        (
            lambda: deployment(model_arn=MODEL_ARN.replace("custom-model", "foundation-model")),
            "model_arn",
            "'arn:aws:bedrock",
            "a custom model ARN must match the pattern",
        ),
        (lambda: deployment(model_arn=42), "model_arn", "42", "expected a custom model ARN"),
        (lambda: deployment(deployment_name="bad name"), "deployment_name", "'bad name'", "must match the pattern"),
        (lambda: deployment(deployment_name="a" * 64), "deployment_name", "'aaaa", "must be 1-63 characters long"),
        (lambda: deployment(deployment_name="a--b"), "deployment_name", "'a--b'", r"\(\[0-9a-zA-Z\]\[_-\]\?\)\{1,63\}"),
        (lambda: deployment(description=""), "description", "''", "must be 1-2048 characters long, got 0"),
        (lambda: deployment(description="x" * 2049), "description", "'xxxx", "got 2049"),
        (lambda: deployment(tags={"aws:owner": "x"}), "tags key", "'aws:owner'", "must not start with 'aws:'"),
        (
            lambda: deployment(tags={"bedrock-customization:stack-id": "x"}),
            "tags key",
            "'bedrock-customization:stack-id'",
            "this key is reserved",
        ),
        (
            lambda: throughput(tags={"Bedrock-Customization:Request-Token": "x"}),
            "tags key",
            "'Bedrock-Customization:Request-Token'",
            "reserved: the serving handler tags",
        ),
        (lambda: deployment(tags={f"k{i}": "v" for i in range(49)}), "tags", "<49 tags>", "at most 48 tags"),
        (lambda: throughput(model_units=0), "model_units", "0", "at least 1"),
        (lambda: throughput(model_units=1.5), "model_units", "1.5", "whole number"),
        (lambda: throughput(model_units=True), "model_units", "True", "whole number"),
        (lambda: throughput(model_units="2"), "model_units", "'2'", "whole number"),
        (lambda: throughput(commitment="OneMonth"), "commitment", "'OneMonth'", "expected Commitment.NONE"),
        (
            lambda: throughput(provisioned_model_name="pt!"),
            "provisioned_model_name",
            "'pt!'",
            r"must match the pattern \(\[0-9a-zA-Z\]\[_-\]\?\)\+",
        ),
        (
            lambda: throughput(committed_removal=CommittedRemoval.RETAIN),
            "committed_removal",
            "CommittedRemoval.RETAIN",
            "applies only to a committed throughput",
        ),
        (
            lambda: throughput(commitment=Commitment.one_month(**ACK), committed_removal="RETAIN"),
            "committed_removal",
            "'RETAIN'",
            "expected CommittedRemoval.FAIL or RETAIN",
        ),
        (lambda: deployment(job="my-job"), "job", "'my-job'", "expected a ModelCustomizationJob"),
        (
            lambda: deployment(gate=QualityGate(max_training_loss=1.0)),
            "gate",
            "QualityGate(",
            "needs job=",
        ),
        (lambda: deployment(gate={"max_training_loss": 1}), "gate", "{'max_training_loss': 1}", "expected a Quality"),
    ],
)
def test_each_invalid_prop_names_the_construct_the_prop_the_value_and_the_rule(
    build: Any, prop: str, value: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    message = str(caught.value)
    assert message.startswith(("Serving/Serve: ", "Serving/Pt: ")), message
    assert f"Invalid {prop} {value}" in message, message
    assert re.search(rule, message), message


@pytest.mark.parametrize(
    ("kwargs", "shown", "rule"),
    [
        ({}, "QualityGate()", "give max_validation_loss, max_training_loss or both"),
        ({"max_validation_loss": 0}, "max_validation_loss 0", "positive, finite number"),
        ({"max_training_loss": -1.5}, "max_training_loss -1.5", "positive, finite number"),
        ({"max_training_loss": math.nan}, "max_training_loss nan", "positive, finite number"),
        ({"max_validation_loss": math.inf}, "max_validation_loss inf", "positive, finite number"),
        ({"max_validation_loss": True}, "max_validation_loss True", "must be a number, got bool"),
        ({"max_training_loss": "1.2"}, "max_training_loss '1.2'", "must be a number, got str"),
    ],
)
def test_a_quality_gate_needs_a_positive_finite_threshold(kwargs: dict[str, Any], shown: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        QualityGate(**kwargs)
    message = str(caught.value)
    assert message.startswith("QualityGate: Invalid ") and shown in message and rule in message, message


def test_a_validation_loss_gate_on_a_job_without_validation_data_is_a_synth_error() -> None:
    stack = serving_stack()
    job = waiting_job(stack)  # no validation_data
    with pytest.raises(ValidationError, match=r"Serving/Job/Serve: Invalid gate .*Serving/Job has no validation_data"):
        job.deploy_on_demand("Serve", gate=QualityGate(max_validation_loss=1.0))
    job.provision_throughput("Pt", model_units=1, gate=QualityGate(max_training_loss=1.0))  # fine


def test_serving_a_job_that_does_not_wait_says_how_to_fix_it() -> None:
    stack = serving_stack()
    job = waiting_job(stack, completion=Completion.submitted())
    with pytest.raises(ValidationError) as caught:
        job.deploy_on_demand("Serve")
    message = str(caught.value)
    assert message.startswith("Serving/Job: Invalid deploy_on_demand('Serve')"), message
    assert "completion=Completion.wait(timeout=Duration.hours(N))" in message
    assert "CustomModelDeployment(scope, id, model_arn=...)" in message
    with pytest.raises(ValidationError, match=r"ProvisionedThroughput\(scope, id, model_arn=\.\.\.\)"):
        job.provision_throughput("Pt", model_units=1)
    imported = ModelCustomizationJob.from_job_arn(stack, "Imported", JOB_ARN)
    with pytest.raises(ValidationError, match=r"completion=Completion\.wait"):
        imported.deploy_on_demand("Serve")


def test_a_commitment_needs_an_explicit_acknowledgment_of_the_charge() -> None:
    for factory, name in ((Commitment.one_month, "one_month"), (Commitment.six_months, "six_months")):
        for refused in (False, None, "yes", 1):
            with pytest.raises(ValidationError) as caught:
                factory(acknowledge_non_cancellable_charge=refused)  # type: ignore[arg-type]
            message = str(caught.value)
            assert message.startswith(f"Commitment.{name}: Invalid acknowledge_non_cancellable_charge {refused!r}")
            assert "cannot be deleted before the term ends" in message
        with pytest.raises(TypeError):
            factory()  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match=r"use Commitment\.NONE"):
        Commitment("OneMonth", "one month")


def test_a_committed_throughput_is_warned_about_with_its_units_and_term() -> None:
    stack = serving_stack()
    throughput(stack, model_units=4, commitment=Commitment.six_months(**ACK))
    ProvisionedThroughput(
        stack,
        "Kept",
        model_arn=MODEL_ARN,
        model_units=1,
        commitment=Commitment.one_month(**ACK),
        committed_removal=CommittedRemoval.RETAIN,
    )
    found = warnings(stack)
    assert any("4 model unit(s) for six months (SixMonths)" in w and "fails" in w for w in found), found
    assert any("1 model unit(s) for one month (OneMonth)" in w and "leaves it in the account" in w for w in found)
    assert all("[ack: bedrock-customization:commitment]" in w for w in found)


def test_no_commitment_no_warning() -> None:
    stack = serving_stack()
    throughput(stack)
    deployment(stack)
    assert warnings(stack) == []


def test_on_demand_is_refused_for_a_family_bedrock_serves_only_with_throughput() -> None:
    with pytest.raises(ValidationError) as caught:
        deployment(model_arn=TITAN_MODEL_ARN)
    message = str(caught.value)
    assert "Invalid model_arn (a Titan Text G1 Express custom model)" in message
    assert "only through Provisioned Throughput" in message and "deploy-custom-model-on-demand.html" in message
    throughput(model_arn=TITAN_MODEL_ARN)  # Provisioned Throughput serves it


def test_on_demand_is_refused_in_a_region_bedrock_does_not_serve_it_and_warned_where_the_region_is_a_token() -> None:
    with pytest.raises(ValidationError, match=r"Serving/Serve: Invalid Region 'eu-west-1'.*us-east-1, us-west-2"):
        deployment(serving_stack(region="eu-west-1"))
    agnostic = serving_stack(region=None)
    deployment(agnostic)
    (warning,) = warnings(agnostic)
    assert "The stack's Region is unknown at synth" in warning and "env=Environment(region=...)" in warning
    oregon = serving_stack(region="us-west-2")
    deployment(oregon)
    assert warnings(oregon) == []


def test_the_family_comes_from_the_jobs_base_model_when_the_model_arn_is_a_deploy_time_value() -> None:
    stack = serving_stack()
    titan = waiting_job(stack, "Titan", base_model="amazon.titan-text-express-v1:0:8k")
    with pytest.raises(ValidationError, match="Titan Text G1 Express"):
        titan.deploy_on_demand("Serve")
    waiting_job(stack, "Nova").deploy_on_demand("Serve")
    assert warnings(stack) == []


def test_an_unknown_or_unconfirmed_base_model_is_a_warning() -> None:
    stack = serving_stack()
    CustomModelDeployment(stack, "Token", model_arn=Token.as_string({"Ref": "SomeModel"}))
    canvas = MODEL_ARN.replace("amazon.nova-micro-v1:0:128k", "amazon.nova-canvas-v1:0")
    CustomModelDeployment(stack, "Canvas", model_arn=canvas)
    found = warnings(stack)
    assert any("not in the catalogue of models Bedrock serves on demand" in w for w in found), found
    assert any("Amazon Nova Canvas" in w and "not confirmed" in w for w in found), found


def test_reserved_tags_from_tags_of_fail_the_synth() -> None:
    app = App()
    stack = Stack(app, "Serving", env=Environment(region="us-east-1"))
    deployment(stack)
    Tags.of(stack).add("bedrock-customization:stack-id", "forged")
    with pytest.raises(Exception, match=r"Invalid tags key 'bedrock-customization:stack-id'.*reserved"):
        app.synth()


def test_too_many_tags_with_tags_of_fail_the_synth() -> None:
    app = App()
    stack = Stack(app, "Serving", env=Environment(region="us-east-1"))
    deployment(stack, tags={f"k{i}": "v" for i in range(40)})
    for i in range(9):
        Tags.of(stack).add(f"extra{i}", "v")
    with pytest.raises(Exception, match=r"Invalid tags <49 tags>: at most 48 tags are allowed"):
        app.synth()


def test_deploy_time_values_are_not_checked_at_synth() -> None:
    stack = serving_stack()
    units = Token.as_number({"Ref": "Units"})
    ProvisionedThroughput(stack, "Pt", model_arn=Token.as_string({"Ref": "Model"}), model_units=units)
    CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN, deployment_name=Token.as_string({"Ref": "Name"}))


def test_a_job_on_a_foundation_model_imodel_is_recognised_for_the_on_demand_check() -> None:
    from aws_cdk import aws_bedrock as bedrock

    stack = serving_stack()
    model = bedrock.FoundationModel.from_foundation_model_id(
        stack, "Nova", bedrock.FoundationModelIdentifier("amazon.nova-micro-v1:0:128k")
    )
    waiting_job(stack, base_model=model).deploy_on_demand("Serve")
    assert warnings(stack) == []
    titan = bedrock.FoundationModel.from_foundation_model_id(
        stack, "Titan", bedrock.FoundationModelIdentifier("amazon.titan-text-express-v1:0:8k")
    )
    with pytest.raises(ValidationError, match="Titan Text G1 Express"):
        waiting_job(stack, "TitanJob", base_model=titan).deploy_on_demand("Serve")


def test_a_chained_job_whose_base_is_known_only_at_deploy_is_a_warning() -> None:
    stack = serving_stack()
    first = waiting_job(stack, "First")
    waiting_job(stack, "Second", base_model=first).deploy_on_demand("Serve")
    (warning,) = warnings(stack)
    assert "(unknown at synth) is not in the catalogue" in warning


def test_two_serving_constructs_of_a_stack_with_the_same_fixed_name_are_a_synth_error() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    job.deploy_on_demand("A", deployment_name="support")
    job.provision_throughput("Pt", model_units=1, provisioned_model_name="support")  # another kind: fine
    with pytest.raises(ValidationError) as caught:
        CustomModelDeployment(stack, "B", model_arn=MODEL_ARN, deployment_name="support")
    message = str(caught.value)
    assert message.startswith("Serving/B: Invalid deployment_name 'support': Serving/Job/A in the same stack")

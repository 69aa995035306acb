"""Issue 21, part A, at synth: a job= that did not train model_arn is refused when both are known; the deployment
description is checked against botocore's pattern (taken from the service model, not retyped)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from support import botocore_model

from constructs_lib import CustomModelDeployment, ModelCustomizationJob, ProvisionedThroughput, QualityGate
from constructs_lib.cdk import serving_props

from .helpers import DEPLOYMENT_TYPE, MODEL_ARN, serving_stack, waiting_job

GATE = QualityGate(max_training_loss=1.5)
OTHER_MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb"


def shape(name: str) -> Any:
    return botocore_model().shape_for(name)


@pytest.mark.parametrize("construct", [CustomModelDeployment, ProvisionedThroughput])
def test_serving_one_jobs_model_with_another_job_as_gate_is_a_synth_error(construct: Any) -> None:
    stack = serving_stack()
    trained_a, trained_b = waiting_job(stack, "JobA"), waiting_job(stack, "JobB")
    extra = {"model_units": 1} if construct is ProvisionedThroughput else {}

    with pytest.raises(ValueError) as refused:
        construct(stack, "Serve", model_arn=trained_b.custom_model_arn, job=trained_a, gate=GATE, **extra)

    message = str(refused.value)
    assert "job" in message and "JobA" in message and "JobB" in message


def test_a_literal_model_arn_with_an_imported_job_of_another_model_is_a_synth_error() -> None:
    stack = serving_stack()
    job = ModelCustomizationJob.from_job_attributes(
        stack,
        "Imported",
        job_arn="arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/j1j1j1j1j1j1",
        custom_model_arn=OTHER_MODEL_ARN,
    )

    with pytest.raises(ValueError, match="did not train"):
        CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN, job=job, gate=GATE)


def test_the_jobs_own_model_with_its_job_synthesizes() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    CustomModelDeployment(stack, "Serve", model_arn=job.custom_model_arn, job=job, gate=GATE)

    Template.from_stack(stack).resource_count_is(DEPLOYMENT_TYPE, 1)


def test_the_description_pattern_is_botocores() -> None:
    described = shape("CustomModelDeploymentDescription")
    assert described.metadata["pattern"] == serving_props.DESCRIPTION_PATTERN
    assert (described.metadata["min"], described.metadata["max"]) == serving_props.DESCRIPTION_LEN


def test_a_description_outside_the_pattern_is_a_synth_error() -> None:
    """``.*`` matches no line break (Java's and Python's ``.``): a two-line description cannot be sent."""
    with pytest.raises(ValueError) as refused:
        CustomModelDeployment(serving_stack(), "Serve", model_arn=MODEL_ARN, description="Support bot\non demand")

    message = str(refused.value)
    assert "description" in message and "pattern" in message

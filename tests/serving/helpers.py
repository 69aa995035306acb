"""Shared setup for the serving tests: a stack in a Region that serves on demand, a waiting job, the resources."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from unit.helpers import simple_job

from constructs_lib import Completion, ModelCustomizationJob, TrainingData, ValidationData

DEPLOYMENT_TYPE = "Custom::BedrockCustomModelDeployment"
THROUGHPUT_TYPE = "Custom::BedrockProvisionedModelThroughput"
MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdef123456"
TITAN_MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abcdef123456"
JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abcdef123456"


def serving_stack(name: str = "Serving", region: str | None = "us-east-1") -> Stack:
    env = Environment(region=region) if region else None
    return Stack(App(), name, env=env)


def waiting_job(stack: Stack, construct_id: str = "Job", **overrides: Any) -> ModelCustomizationJob:
    """A Nova Micro job (no validation data) that waits for its model, unless ``completion=`` says otherwise."""
    props: dict[str, Any] = {"completion": Completion.wait(timeout=Duration.hours(2)), **overrides}
    return simple_job(stack, construct_id, **props)


def job_with_validation(
    stack: Stack, construct_id: str = "Job", bucket: s3.IBucket | None = None, **overrides: Any
) -> ModelCustomizationJob:
    """A Nova Micro job with validation data that waits for its model (both gates apply)."""
    bucket = bucket or stack.node.try_find_child("Data") or s3.Bucket(stack, "Data")  # type: ignore[assignment]
    return ModelCustomizationJob(
        stack,
        construct_id,
        base_model="amazon.nova-micro-v1:0:128k",
        training_data=TrainingData.from_bucket(bucket, "train/data.jsonl"),  # type: ignore[arg-type]
        validation_data=[ValidationData.from_bucket(bucket, "train/validation.jsonl")],  # type: ignore[arg-type]
        completion=Completion.wait(timeout=Duration.hours(2)),
        **overrides,
    )


def resources(stack: Stack, resource_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = Template.from_stack(stack).find_resources(resource_type)
    return found


def only(stack: Stack, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(stack, resource_type)
    assert len(found) == 1, list(found)
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def warnings(stack: Stack) -> list[str]:
    """The text of every warning on the stack's constructs."""
    found = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    return [str(message.entry.data) for message in found]

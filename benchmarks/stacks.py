"""The stacks the benchmarks synthesize: N jobs of this library, or N Step Functions peer tasks.

Both sides get the same inputs: one data bucket and one foundation model shared by the stack, and per
job a training file, a validation file, an output prefix in that bucket and one hyperparameter. The
peer (aws-cdk-lib's ``BedrockCreateModelCustomizationJob``) is a task, so each job gets a state
machine of its own holding that one task -- the closest the peer comes to "one job".

Imports of aws_cdk submodules and of constructs_lib happen inside the builders, so that the empty-stack
baseline pays only for ``aws_cdk`` core, as an app without this library would.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack

# kind -> what one "job" is
KINDS = {
    "empty": "nothing: App + one empty Stack (the baseline)",
    "ours": "ModelCustomizationJob, Completion.submitted() (default)",
    "ours-wait": "ModelCustomizationJob, Completion.wait(timeout=Duration.hours(8))",
    "peer": "StateMachine with one aws_stepfunctions_tasks.BedrockCreateModelCustomizationJob",
}
MODEL_ID = "amazon.nova-micro-v1:0:128k"
STACK_NAME = "Bench"
# What `cdk synth` passes to the app: resource path metadata, asset metadata and version reporting
# (the AWS::CDK::Metadata resource) are part of every template the CLI deploys.
CLI_CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
}


def has_wait() -> bool:
    """Wait mode exists once ``Completion.wait`` does (it is being built alongside these benchmarks)."""
    from constructs_lib import Completion

    return hasattr(Completion, "wait")


def build_app(
    kind: str,
    n: int,
    outdir: str,
    *,
    shared_role: bool = False,
    context: dict[str, Any] | None = None,
    validation: bool = True,
) -> App:
    """An App with one stack ``Bench`` holding ``n`` jobs of ``kind``; nothing is synthesized yet.

    ``validation=False`` turns off aws-cdk-lib's built-in CloudFormation template validation (as
    ``CDK_VALIDATION=false`` does); the benchmarks keep it on, as ``cdk synth`` does by default.
    """
    app = App(outdir=outdir, context={**CLI_CONTEXT, **(context or {})}, builtin_cloud_formation_validation=validation)
    stack = Stack(app, STACK_NAME)
    if kind != "empty":
        add_jobs(stack, kind, n, shared_role=shared_role)
    elif n:
        raise ValueError("the empty stack has no jobs")
    return app


def add_jobs(stack: Stack, kind: str, n: int, *, shared_role: bool = False) -> None:
    from aws_cdk import aws_bedrock as bedrock
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    data = s3.Bucket(stack, "Data")
    model = bedrock.FoundationModel.from_foundation_model_id(
        stack, "BaseModel", bedrock.FoundationModelIdentifier(MODEL_ID)
    )
    role = (
        iam.Role(stack, "SharedRole", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com")) if shared_role else None
    )
    if kind in ("ours", "ours-wait"):
        _add_ours(stack, n, data, model, role, wait=kind == "ours-wait")
    elif kind == "peer":
        _add_peer(stack, n, data, model, role)
    else:
        raise ValueError(f"unknown kind {kind!r}; one of {sorted(KINDS)}")


def _add_ours(stack: Stack, n: int, data: Any, model: Any, role: Any, *, wait: bool) -> None:
    from aws_cdk import Duration

    from constructs_lib import Completion, ModelCustomizationJob, OutputData, TrainingData, ValidationData

    extra: dict[str, Any] = {}
    if role is not None:
        extra["role"] = role
    if wait:
        if not hasattr(Completion, "wait"):
            raise RuntimeError("constructs_lib.Completion has no wait() factory yet")
        extra["completion"] = Completion.wait(timeout=Duration.hours(8))
    for i in range(n):
        ModelCustomizationJob(
            stack,
            f"Job{i}",
            base_model=model,
            training_data=TrainingData.from_bucket(data, f"job{i}/train.jsonl"),
            validation_data=[ValidationData.from_bucket(data, f"job{i}/validation.jsonl")],
            output_data=OutputData.from_bucket(data, f"job{i}/output/"),
            hyper_parameters={"epochCount": 2},
            **extra,
        )


def _add_peer(stack: Stack, n: int, data: Any, model: Any, role: Any) -> None:
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    extra: dict[str, Any] = {}
    if role is not None:
        extra["role"] = role
    for i in range(n):
        task = tasks.BedrockCreateModelCustomizationJob(
            stack,
            f"Task{i}",
            base_model=model,
            custom_model_name=f"bench-model-{i}",
            job_name=f"bench-job-{i}",
            training_data=tasks.TrainingBucketConfiguration(bucket=data, path=f"job{i}/train.jsonl"),
            validation_data=[tasks.ValidationBucketConfiguration(bucket=data, path=f"job{i}/validation.jsonl")],
            output_data=tasks.OutputBucketConfiguration(bucket=data, path=f"job{i}/output/"),
            hyper_parameters={"epochCount": "2"},
            **extra,
        )
        sfn.StateMachine(stack, f"StateMachine{i}", definition_body=sfn.DefinitionBody.from_chainable(task))

"""Least-privilege IAM for serving: the serving handler's role, and what ``grant_invoke`` gives an application.

The ARN formats are the Service Authorization Reference's (``custom-model-deployment/${ResourceId}``,
``provisioned-model/${ResourceId}``, ``custom-model/${ResourceId}``, each in this account and Region). As for
jobs, every action that changes a deployment or throughput is conditioned on the owner tag with this stack's id:
create only with the tag in the request, update, delete and untag only where the resource carries it (never
untagging it, nor the handler's request-token tag), tag only with the tag in the request and never a resource
another stack owns.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from .. import contract
from . import permissions
from .permissions import Statement

OWNER_TAG_KEY = contract.OWNER_TAG_KEY
TOKEN_TAG_KEY = contract.SERVING_TOKEN_TAG_KEY

INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
"""InvokeModel and Converse authorize as bedrock:InvokeModel; InvokeModelWithResponseStream and ConverseStream as
bedrock:InvokeModelWithResponseStream. Both take the deployment or provisioned model ARN as their resource."""

CREATE_ACTIONS = ["bedrock:CreateCustomModelDeployment", "bedrock:CreateProvisionedModelThroughput"]
READ_ACTIONS = [
    "bedrock:GetCustomModelDeployment",
    "bedrock:GetProvisionedModelThroughput",
    "bedrock:ListTagsForResource",
]
UPDATE_ACTIONS = ["bedrock:UpdateCustomModelDeployment", "bedrock:UpdateProvisionedModelThroughput"]
DELETE_ACTIONS = ["bedrock:DeleteCustomModelDeployment", "bedrock:DeleteProvisionedModelThroughput"]


def deployment_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="custom-model-deployment", resource_name="*")


def provisioned_model_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="provisioned-model", resource_name="*")


def custom_model_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="custom-model", resource_name="*")


def job_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="model-customization-job", resource_name="*")


def handler(stack: Stack) -> list[Statement]:
    """What the serving handler needs: create, wait, swap, tag and delete this stack's deployments and throughputs,
    and read the training job's metrics for the quality gate; this account and Region only.

    IAM alone keeps the role to this stack's deployments and throughputs (permissions.handler explains the
    conditions): create with the owner tag, update, delete, tag and untag only where the resource carries it,
    never untag the owner or request-token key in any case."""
    serving = [deployment_arn_pattern(stack), provisioned_model_arn_pattern(stack)]
    models = custom_model_arn_pattern(stack)
    owner = stack.stack_id
    protected = [OWNER_TAG_KEY, TOKEN_TAG_KEY]
    return [
        permissions.create_with_owner_tag(CREATE_ACTIONS, [*serving, models], owner),
        permissions.statement(READ_ACTIONS, serving),
        # The swap: the deployment or throughput must be this stack's; the model it is pointed at is a second
        # resource of the same request (a model another stack trained can be served here).
        permissions.on_owned(UPDATE_ACTIONS, serving, owner),
        permissions.statement(UPDATE_ACTIONS, [models]),
        permissions.on_owned(DELETE_ACTIONS, serving, owner),
        permissions.tag_owned(serving, owner),
        permissions.untag_owned(serving, owner, protected),
        permissions.never_untag(serving, protected),
        # The quality gate reads the training job's metrics (read-only).
        permissions.statement(["bedrock:GetModelCustomizationJob"], [job_arn_pattern(stack)]),
        # The gate reads the served model's own job, a throughput swap its base model (GetCustomModel jobArn,
        # baseModelArn; read-only).
        permissions.statement(["bedrock:GetCustomModel"], [models]),
    ]


def invoke(resource_arn: str) -> iam.PolicyStatement:
    """Invoke one deployment or provisioned model (InvokeModel, Converse, and their streaming variants)."""
    return iam.PolicyStatement(actions=INVOKE_ACTIONS, resources=[resource_arn])

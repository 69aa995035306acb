"""Least-privilege IAM for the job's service role and for the handler that calls Bedrock.

Every grant is an identity-policy statement: nothing here edits a bucket or key policy, so a role that
reads an SSE-KMS bucket with the same key it encrypts the model with never forms a dependency cycle.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_

from .. import contract
from ..rules import catalogue
from .config import ModelRef, model_identifier
from .data import S3Location

BEDROCK_PRINCIPAL = "bedrock.amazonaws.com"
ROLE_PATH_ROOT = contract.ROLE_PATH_ROOT


def job_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="model-customization-job", resource_name="*")


def custom_model_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(service="bedrock", resource="custom-model", resource_name="*")


def foundation_model_arn(stack: Stack, model_id: str, region: str | None = None) -> str:
    return stack.format_arn(
        service="bedrock", account="", region=region, resource="foundation-model", resource_name=model_id
    )


def service_principal(stack: Stack) -> iam.IPrincipal:
    """Bedrock, only on behalf of this account's customization jobs in this Region (confused deputy)."""
    return iam.ServicePrincipal(BEDROCK_PRINCIPAL).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnEquals": {"aws:SourceArn": job_arn_pattern(stack)},
        }
    )


def role_path(stack: Stack) -> str:
    """Job roles the construct creates live under a path unique to the stack and Region, so the
    handler's PassRole can name them all in one statement however many jobs the stack holds."""
    return f"/{ROLE_PATH_ROOT}/{stack.region}/{stack.stack_name}/"


def role_path_arn_pattern(stack: Stack) -> str:
    return stack.format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=f"{ROLE_PATH_ROOT}/{stack.region}/{stack.stack_name}/*",
    )


def _objects(stack: Stack, location: S3Location) -> str:
    suffix = f"{location.key}*" if location.is_prefix else location.key
    return f"{location.bucket_arn(stack)}/{suffix}"


def _list_bucket(stack: Stack, location: S3Location) -> iam.PolicyStatement:
    statement = iam.PolicyStatement(actions=["s3:ListBucket"], resources=[location.bucket_arn(stack)])
    if location.key:
        statement.add_condition("StringLike", {"s3:prefix": [f"{location.key}*"]})
    return statement


def _bucket_key(location: S3Location) -> kms.IKey | None:
    return location.bucket.encryption_key if location.bucket is not None else None


def _via(service: str, stack: Stack) -> dict[str, dict[str, str]]:
    return {"StringEquals": {"kms:ViaService": f"{service}.{stack.region}.amazonaws.com"}}


def s3_read(stack: Stack, location: S3Location) -> list[iam.PolicyStatement]:
    """Read exactly the object, or the objects under the prefix, and list only that prefix."""
    statements = [
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[_objects(stack, location)]),
        _list_bucket(stack, location),
    ]
    key = _bucket_key(location)
    if key is not None:
        statements.append(
            iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn], conditions=_via("s3", stack))
        )
    return statements


def s3_write(stack: Stack, location: S3Location) -> list[iam.PolicyStatement]:
    """Write (and read back) only under the output prefix."""
    statements = [
        iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[_objects(stack, location)]),
        _list_bucket(stack, location),
    ]
    key = _bucket_key(location)
    if key is not None:
        statements.append(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
                conditions=_via("s3", stack),
            )
        )
    return statements


MODEL_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]


def model_key(stack: Stack, key: kms.IKey) -> iam.PolicyStatement:
    """Encrypt the custom model with the given key, only through Bedrock."""
    return iam.PolicyStatement(actions=MODEL_KEY_ACTIONS, resources=[key.key_arn], conditions=_via("bedrock", stack))


def vpc(stack: Stack, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> list[iam.PolicyStatement]:
    """The documented statements that let Bedrock place its ENIs in the given subnets only."""
    subnet_arns = [stack.format_arn(service="ec2", resource="subnet", resource_name=s) for s in subnet_ids]
    group_arns = [
        stack.format_arn(service="ec2", resource="security-group", resource_name=g) for g in security_group_ids
    ]
    eni = stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
    jobs = job_arn_pattern(stack)
    return [
        iam.PolicyStatement(
            actions=[
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            actions=["ec2:CreateNetworkInterface"],
            resources=[eni],
            conditions={
                "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
                "ArnEquals": {"aws:RequestTag/BedrockModelCustomizationJobArn": [jobs]},
            },
        ),
        iam.PolicyStatement(actions=["ec2:CreateNetworkInterface"], resources=[*subnet_arns, *group_arns]),
        iam.PolicyStatement(
            actions=[
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            resources=["*"],
            conditions={
                "ArnEquals": {
                    "ec2:Subnet": subnet_arns,
                    "ec2:ResourceTag/BedrockModelCustomizationJobArn": [jobs],
                },
                "StringEquals": {"ec2:ResourceTag/BedrockManaged": "true"},
            },
        ),
        iam.PolicyStatement(
            actions=["ec2:CreateTags"],
            resources=[eni],
            conditions={
                "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", "BedrockModelCustomizationJobArn"]},
            },
        ),
    ]


def teacher(stack: Stack, model: ModelRef) -> iam.PolicyStatement:
    """Invoke the teacher; for a cross-Region inference profile, the profile and its model in every Region."""
    identifier = model_identifier(model)
    if not isinstance(model, str) or (identifier.startswith("arn:") and ":foundation-model/" in identifier):
        resources = [identifier]
    elif identifier.startswith("arn:") and ":inference-profile/" in identifier:
        resources = [identifier, foundation_model_arn(stack, str(catalogue.model_id(identifier)), region="*")]
    elif catalogue.is_inference_profile(identifier):
        profile = stack.format_arn(service="bedrock", resource="inference-profile", resource_name=identifier)
        resources = [profile, foundation_model_arn(stack, str(catalogue.model_id(identifier)), region="*")]
    else:
        resources = [foundation_model_arn(stack, identifier)]
    return iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=resources)


def grader(function: lambda_.IFunction) -> iam.PolicyStatement:
    """Invoke the RFT grader (and its versions and aliases), nothing else."""
    return iam.PolicyStatement(
        actions=["lambda:InvokeFunction"], resources=[function.function_arn, f"{function.function_arn}:*"]
    )


OWNER_TAG_KEY = contract.OWNER_TAG_KEY
"""The tag the handler puts on every job and model it creates (lambda_src/customization_job/ownership.py)."""


def handler(stack: Stack) -> list[iam.PolicyStatement]:
    """What the custom-resource handler needs for create, tag, stop and delete; this account and Region
    (ListModelCustomizationJobs, which has no resource-level permissions, excepted).

    Every action that changes a job or model is conditioned on the owner tag with this stack's id, so the
    role cannot touch another stack's (or anyone's untagged) jobs even if the handler were tricked into
    trying: create only with the tag in the request, stop/delete/untag only where the resource carries it
    (and never untag the key itself), tag only with the tag in the request and only where the resource
    carries no other owner. A resource with no owner tag at all is left to the handler's own check (IAM
    cannot tell "created in this request" from "untagged"), which refuses to tag it.
    """
    jobs = job_arn_pattern(stack)
    models = custom_model_arn_pattern(stack)
    owner = stack.stack_id
    request_tag = {f"aws:RequestTag/{OWNER_TAG_KEY}": owner}
    resource_tag = {f"aws:ResourceTag/{OWNER_TAG_KEY}": owner}
    return [
        iam.PolicyStatement(
            actions=["bedrock:CreateModelCustomizationJob"],
            resources=[jobs, models, foundation_model_arn(stack, "*")],
            conditions={"StringEquals": request_tag},
        ),
        iam.PolicyStatement(
            actions=["bedrock:GetModelCustomizationJob", "bedrock:GetCustomModel", "bedrock:ListTagsForResource"],
            resources=[jobs, models],
        ),
        # Finds a job by name where an endpoint cannot find it by ARN; List has no resource-level permissions.
        iam.PolicyStatement(actions=["bedrock:ListModelCustomizationJobs"], resources=["*"]),
        iam.PolicyStatement(
            actions=["bedrock:StopModelCustomizationJob"], resources=[jobs], conditions={"StringEquals": resource_tag}
        ),
        iam.PolicyStatement(
            actions=["bedrock:DeleteCustomModel"], resources=[models], conditions={"StringEquals": resource_tag}
        ),
        iam.PolicyStatement(
            actions=["bedrock:TagResource"],
            resources=[jobs, models],
            conditions={"StringEquals": request_tag, "StringEqualsIfExists": resource_tag},
        ),
        iam.PolicyStatement(
            actions=["bedrock:UntagResource"],
            resources=[jobs, models],
            conditions={
                "StringEquals": resource_tag,
                "ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG_KEY]},
            },
        ),
    ]


def pass_role(resources: Sequence[str]) -> iam.PolicyStatement:
    """Pass job roles to Bedrock only."""
    return iam.PolicyStatement(
        actions=["iam:PassRole"],
        resources=list(resources),
        conditions={"StringEquals": {"iam:PassedToService": BEDROCK_PRINCIPAL}},
    )

"""Least-privilege IAM for the job's service role and for the handler that calls Bedrock.

Every grant is an identity-policy statement: nothing here edits a bucket or key policy, so a role that
reads an SSE-KMS bucket with the same key it encrypts the model with never forms a dependency cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from .. import contract
from ..rules import catalogue
from .config import ModelRef, model_identifier
from .data import S3Location
from .stack_facts import StackFacts, attribute, facts_of

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_

BEDROCK_PRINCIPAL = "bedrock.amazonaws.com"
ROLE_PATH_ROOT = contract.ROLE_PATH_ROOT


# The ARNs below are ``Stack.format_arn``'s, built from the stack's facts read once per stack (no kernel call each).


def job_arn_pattern(stack: Stack) -> str:
    return facts_of(stack).arn("bedrock", "model-customization-job/*")


def custom_model_arn_pattern(stack: Stack) -> str:
    return facts_of(stack).arn("bedrock", "custom-model/*")


def foundation_model_arn(stack: Stack, model_id: str, region: str | None = None) -> str:
    return _foundation_model(facts_of(stack), model_id, region=region)


def service_principal(stack: Stack) -> iam.IPrincipal:
    """Bedrock, only on behalf of this account's customization jobs in this Region (confused deputy)."""
    return iam.ServicePrincipal(BEDROCK_PRINCIPAL).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": facts_of(stack).account},
            "ArnEquals": {"aws:SourceArn": job_arn_pattern(stack)},
        }
    )


def role_path(stack: Stack) -> str:
    """Job roles the construct creates live under a path unique to the stack and Region, so the
    handler's PassRole can name them all in one statement however many jobs the stack holds."""
    facts = facts_of(stack)
    return f"/{ROLE_PATH_ROOT}/{facts.region}/{facts.stack_name}/"


def role_path_arn_pattern(stack: Stack) -> str:
    facts = facts_of(stack)
    return facts.arn("iam", f"role/{ROLE_PATH_ROOT}/{facts.region}/{facts.stack_name}/*", region="")


Statement = dict[str, Any]
"""An IAM statement as plain JSON (built in Python, handed to CDK once per policy)."""


def statement(
    actions: Sequence[str], resources: Sequence[str], conditions: Mapping[str, Any] | None = None
) -> Statement:
    """``{"Effect": "Allow", ...}`` rendered as CDK renders a ``PolicyStatement`` (one action or resource: a scalar)."""
    rendered: Statement = {
        "Effect": "Allow",
        "Action": actions[0] if len(actions) == 1 else list(actions),
        "Resource": resources[0] if len(resources) == 1 else list(resources),
    }
    if conditions:
        rendered["Condition"] = {k: dict(v) for k, v in conditions.items()}
    return rendered


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _objects(facts: StackFacts, location: S3Location) -> str:
    suffix = f"{location.key}*" if location.is_prefix else location.key
    return f"{location.bucket_arn(facts)}/{suffix}"


def _list_bucket(facts: StackFacts, location: S3Location) -> Statement:
    conditions = {"StringLike": {"s3:prefix": [f"{location.key}*"]}} if location.key else None
    return statement(["s3:ListBucket"], [location.bucket_arn(facts)], conditions)


def _bucket_key_arn(location: S3Location) -> str | None:
    if location.bucket is None:
        return None
    key = attribute(location.bucket, "encryption_key")
    return None if key is None else str(attribute(key, "key_arn"))


def _via(service: str, facts: StackFacts) -> dict[str, dict[str, str]]:
    return {"StringEquals": {"kms:ViaService": f"{service}.{facts.region}.amazonaws.com"}}


def s3_read(facts: StackFacts, location: S3Location) -> list[Statement]:
    """Read exactly the object, or the objects under the prefix, and list only that prefix."""
    statements = [statement(["s3:GetObject"], [_objects(facts, location)]), _list_bucket(facts, location)]
    key_arn = _bucket_key_arn(location)
    if key_arn is not None:
        statements.append(statement(["kms:Decrypt"], [key_arn], _via("s3", facts)))
    return statements


def s3_write(facts: StackFacts, location: S3Location) -> list[Statement]:
    """Write (and read back) only under the output prefix."""
    statements = [
        statement(["s3:GetObject", "s3:PutObject"], [_objects(facts, location)]),
        _list_bucket(facts, location),
    ]
    key_arn = _bucket_key_arn(location)
    if key_arn is not None:
        statements.append(statement(["kms:Decrypt", "kms:GenerateDataKey"], [key_arn], _via("s3", facts)))
    return statements


MODEL_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]


def model_key(facts: StackFacts, key: kms.IKey) -> Statement:
    """Encrypt the custom model with the given key, only through Bedrock."""
    return statement(MODEL_KEY_ACTIONS, [str(attribute(key, "key_arn"))], _via("bedrock", facts))


def vpc(facts: StackFacts, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> list[Statement]:
    """The documented statements that let Bedrock place its ENIs in the given subnets only."""
    subnet_arns = [facts.arn("ec2", f"subnet/{s}") for s in subnet_ids]
    group_arns = [facts.arn("ec2", f"security-group/{g}") for g in security_group_ids]
    eni = facts.arn("ec2", "network-interface/*")
    jobs = facts.arn("bedrock", "model-customization-job/*")
    return [
        statement(
            [
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ],
            ["*"],
        ),
        statement(
            ["ec2:CreateNetworkInterface"],
            [eni],
            {
                "StringEquals": {"aws:RequestTag/BedrockManaged": ["true"]},
                "ArnEquals": {"aws:RequestTag/BedrockModelCustomizationJobArn": [jobs]},
            },
        ),
        statement(["ec2:CreateNetworkInterface"], [*subnet_arns, *group_arns]),
        statement(
            [
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            ["*"],
            {
                "ArnEquals": {
                    "ec2:Subnet": subnet_arns,
                    "ec2:ResourceTag/BedrockModelCustomizationJobArn": [jobs],
                },
                "StringEquals": {"ec2:ResourceTag/BedrockManaged": "true"},
            },
        ),
        statement(
            ["ec2:CreateTags"],
            [eni],
            {
                "StringEquals": {"ec2:CreateAction": ["CreateNetworkInterface"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["BedrockManaged", "BedrockModelCustomizationJobArn"]},
            },
        ),
    ]


def teacher(facts: StackFacts, model: ModelRef) -> Statement:
    """Invoke the teacher; for a cross-Region inference profile, the profile and its model in every Region."""
    identifier = model_identifier(model)
    if not isinstance(model, str) or (identifier.startswith("arn:") and ":foundation-model/" in identifier):
        resources = [identifier]
    elif identifier.startswith("arn:") and ":inference-profile/" in identifier:
        resources = [identifier, _foundation_model(facts, str(catalogue.model_id(identifier)), region="*")]
    elif catalogue.is_inference_profile(identifier):
        profile = facts.arn("bedrock", f"inference-profile/{identifier}")
        resources = [profile, _foundation_model(facts, str(catalogue.model_id(identifier)), region="*")]
    else:
        resources = [_foundation_model(facts, identifier)]
    return statement(["bedrock:InvokeModel"], resources)


def _foundation_model(facts: StackFacts, model_id: str, region: str | None = None) -> str:
    return facts.arn("bedrock", f"foundation-model/{model_id}", region=region, account="")


def grader(function: lambda_.IFunction) -> Statement:
    """Invoke the RFT grader (and its versions and aliases), nothing else."""
    arn = str(attribute(function, "function_arn"))
    return statement(["lambda:InvokeFunction"], [arn, f"{arn}:*"])


OWNER_TAG_KEY = contract.OWNER_TAG_KEY
"""The tag the handler puts on every job and model it creates (lambda_src/customization_job/ownership.py)."""


SERVICE_AUTHORIZATION = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html"
"""Which condition keys each Bedrock action and resource type supports: ``aws:RequestTag/${TagKey}`` and
``aws:TagKeys`` on CreateModelCustomizationJob, CreateCustomModelDeployment, CreateProvisionedModelThroughput and
TagResource, ``aws:TagKeys`` on UntagResource, ``aws:ResourceTag/${TagKey}`` on the resource types
model-customization-job, custom-model, custom-model-deployment and provisioned-model."""

TAG_KEYS_CASE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
"""``StringEquals``/``StringNotEquals`` compare case-sensitively, the ``...IgnoreCase`` operators do not: a tag key
in ``aws:TagKeys`` is compared as the operator says, so protecting a key whatever its case needs ``IgnoreCase``."""


def owner_conditions(stack_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """``({aws:RequestTag/<owner key>: id}, {aws:ResourceTag/<owner key>: id})`` for this stack's id."""
    return {f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id}, {f"aws:ResourceTag/{OWNER_TAG_KEY}": stack_id}


def create_with_owner_tag(actions: Sequence[str], resources: Sequence[str], stack_id: str) -> Statement:
    """Create only with this stack's owner tag in the request (its value, and the key among the request's)."""
    request_tag, _ = owner_conditions(stack_id)
    return statement(
        actions,
        resources,
        {"StringEquals": request_tag, "ForAnyValue:StringEquals": {"aws:TagKeys": [OWNER_TAG_KEY]}},
    )


def on_owned(actions: Sequence[str], resources: Sequence[str], stack_id: str) -> Statement:
    """Stop, delete or update only a resource that carries this stack's owner tag (no ``IfExists``: an untagged
    resource is refused)."""
    _, resource_tag = owner_conditions(stack_id)
    return statement(actions, resources, {"StringEquals": resource_tag})


def tag_owned(resources: Sequence[str], stack_id: str) -> Statement:
    """TagResource only on a resource that already carries this stack's owner tag, and only with it in the
    request (so the key is never retargeted). Everything the handlers create carries the tag from its Create
    request, so tagging an untagged resource is never needed (see ``adopt_untagged`` for the one exception)."""
    request_tag, resource_tag = owner_conditions(stack_id)
    return statement(["bedrock:TagResource"], resources, {"StringEquals": {**request_tag, **resource_tag}})


def untag_owned(resources: Sequence[str], stack_id: str, protected: Sequence[str]) -> Statement:
    """UntagResource only on a resource that carries this stack's owner tag, never a ``protected`` key in any case."""
    _, resource_tag = owner_conditions(stack_id)
    return statement(
        ["bedrock:UntagResource"],
        resources,
        {"StringEquals": resource_tag, "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": list(protected)}},
    )


def never_untag(resources: Sequence[str], protected: Sequence[str]) -> Statement:
    """An explicit Deny of removing a ``protected`` key in any case: holds whatever other statement a role gets."""
    denied = statement(
        ["bedrock:UntagResource"],
        resources,
        {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": list(protected)}},
    )
    return {**denied, "Effect": "Deny"}


def handler(stack: Stack) -> list[Statement]:
    """What the custom-resource handler needs for create, tag, stop and delete; this account and Region
    (ListModelCustomizationJobs, which has no resource-level permissions, excepted).

    IAM alone keeps the role to this stack's jobs and models, whatever the handler's code does: create only
    with the owner tag (this stack's id) in the request; stop, delete, tag and untag only where the resource
    carries it (an untagged resource is refused: condition keys per ``SERVICE_AUTHORIZATION``); tag only with
    the tag in the request; never remove the owner key in any letter case. CreateModelCustomizationJob sends
    the owner tag in both ``jobTags`` and ``customModelTags``, so the model is this stack's from its creation.
    """
    jobs = job_arn_pattern(stack)
    models = custom_model_arn_pattern(stack)
    owner = facts_of(stack).stack_id
    return [
        create_with_owner_tag(
            ["bedrock:CreateModelCustomizationJob"], [jobs, models, foundation_model_arn(stack, "*")], owner
        ),
        statement(
            ["bedrock:GetModelCustomizationJob", "bedrock:GetCustomModel", "bedrock:ListTagsForResource"],
            [jobs, models],
        ),
        # Finds a job by name where an endpoint cannot find it by ARN; List has no resource-level permissions.
        statement(["bedrock:ListModelCustomizationJobs"], ["*"]),
        on_owned(["bedrock:StopModelCustomizationJob"], [jobs], owner),
        on_owned(["bedrock:DeleteCustomModel"], [models], owner),
        tag_owned([jobs, models], owner),
        untag_owned([jobs, models], owner, [OWNER_TAG_KEY]),
        never_untag([jobs, models], [OWNER_TAG_KEY]),
    ]


def adopt_untagged(stack: Stack) -> Statement:
    """The one statement ``adopt_untagged_jobs=True`` adds: TagResource on a job or custom model that carries
    no owner tag at all, with exactly the owner tag (this stack's id) and no other key.

    IAM cannot tell which untagged job is this stack's: with this statement the role may mark any untagged
    job or custom model in this account and Region as this stack's (and then stop, delete or retag it). The
    handler tags only a job whose role is under this stack's role path and that started after this stack was
    created (ownership.claimable); leave the prop unset unless the stack has jobs from a version before the
    owner tag.
    """
    request_tag, _ = owner_conditions(facts_of(stack).stack_id)
    return statement(
        ["bedrock:TagResource"],
        [job_arn_pattern(stack), custom_model_arn_pattern(stack)],
        {
            "StringEquals": request_tag,
            "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG_KEY]},
            "Null": {f"aws:ResourceTag/{OWNER_TAG_KEY}": "true"},
        },
    )


WATCHER_STACK_ACTIONS = [
    "cloudformation:DescribeStackResource",
    "cloudformation:GetTemplate",
    "cloudformation:ListStackResources",
]


def watcher(stack: Stack) -> list[Statement]:
    """The job watcher reads this stack's jobs and their tags, and this stack's resources: the listing (every
    handle's URL and every wait condition's status), the template (every handle's Metadata, in one call, so
    a cold container costs no call per handle) and one resource's detail (a handle the template lacks).
    It changes nothing in Bedrock; disabling its own schedule is a separate statement (completion.py)."""
    return [
        statement(["bedrock:GetModelCustomizationJob", "bedrock:ListTagsForResource"], [job_arn_pattern(stack)]),
        statement(WATCHER_STACK_ACTIONS, [facts_of(stack).stack_id]),
    ]


def describe_own_stack(stack: Stack) -> Statement:
    """Read this stack's description (its CreationTime), nothing else: read-only, this stack only."""
    return statement(["cloudformation:DescribeStacks"], [facts_of(stack).stack_id])


def pass_role(resources: Sequence[str]) -> Statement:
    """Pass job roles to Bedrock only."""
    return statement(["iam:PassRole"], resources, {"StringEquals": {"iam:PassedToService": BEDROCK_PRINCIPAL}})

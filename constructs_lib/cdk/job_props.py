"""The job's props checked before anything is built: types, combinations, and names unique in the stack.

Every rule raises a ``ValidationError`` that names the prop, the value and the rule; the job reports it
under its construct path. Checks that need the built job (tags from ``Tags.of``) stay with the job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IValidation

from ..rules import hyperparameters as hp
from ..rules import validation as v
from .config import Completion, CustomizationType, DistillationConfig, RftConfig
from .data import OutputData, TrainingData, ValidationData
from .stack_facts import StackFacts


def check_combinations(
    *,
    training_data: TrainingData,
    customization_type: CustomizationType,
    validators: Sequence[ValidationData],
    job_name: str | None,
    custom_model_name: str | None,
    job_tags: Mapping[str, str] | None,
    custom_model_tags: Mapping[str, str] | None,
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    distillation: DistillationConfig | None,
    rft: RftConfig | None,
    client_request_token: str | None,
    model_removal_policy: RemovalPolicy,
) -> None:
    """Every rule that can be checked before deploy; raises ValidationError naming prop, value and rule."""
    if job_name is not None:
        v.check_job_name(job_name)
    if custom_model_name is not None:
        v.check_custom_model_name(custom_model_name)
    if client_request_token is not None:
        v.check_client_request_token(client_request_token)
    if job_tags is not None:
        v.check_tags("job_tags", job_tags)
    if custom_model_tags is not None:
        v.check_tags("custom_model_tags", custom_model_tags)
    v.check_count("validation_data", validators, 0, v.MAX_VALIDATORS, "validation data sets")
    if security_groups is not None and vpc is None:
        raise v.ValidationError(
            f"Invalid security_groups <{len(security_groups)} security groups>: security groups need vpc= as well."
        )
    if vpc_subnets is not None and vpc is None:
        raise v.ValidationError(
            f"Invalid vpc_subnets {vpc_subnets!r}: selected subnets need vpc= as well (the VPC they belong to)."
        )
    type_name = customization_type.value
    if training_data.invocation_logs is not None and customization_type is not CustomizationType.DISTILLATION:
        raise v.ValidationError(
            f"Invalid training_data <invocation logs> for customization_type {type_name}: Bedrock reads "
            "invocation logs only for DISTILLATION; use TrainingData.from_bucket for other types."
        )
    if distillation is not None and customization_type is not CustomizationType.DISTILLATION:
        raise v.ValidationError(
            f"Invalid distillation for customization_type {type_name}: a distillation config is only "
            "valid with CustomizationType.DISTILLATION."
        )
    if customization_type is CustomizationType.DISTILLATION and distillation is None:
        raise v.ValidationError(
            "Invalid distillation None: CustomizationType.DISTILLATION needs distillation=DistillationConfig("
            "teacher_model=...)."
        )
    if rft is not None and customization_type is not CustomizationType.REINFORCEMENT_FINE_TUNING:
        raise v.ValidationError(
            f"Invalid rft for customization_type {type_name}: an RFT config is only valid with "
            "CustomizationType.REINFORCEMENT_FINE_TUNING."
        )
    if customization_type is CustomizationType.REINFORCEMENT_FINE_TUNING and rft is None:
        raise v.ValidationError(
            "Invalid rft None: CustomizationType.REINFORCEMENT_FINE_TUNING needs rft=RftConfig(grader=...)."
        )
    if distillation is not None:
        distillation.validate()
    if rft is not None:
        rft.validate()
    if model_removal_policy not in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY):
        raise v.ValidationError(
            f"Invalid model_removal_policy {model_removal_policy}: use RemovalPolicy.RETAIN (keep the trained "
            "model) or RemovalPolicy.DESTROY (delete it with the resource)."
        )


def customization_type(value: Any) -> CustomizationType:
    """The enum, or its API string ('FINE_TUNING')."""
    if isinstance(value, CustomizationType):
        return value
    if isinstance(value, str) and value in CustomizationType.__members__:
        return CustomizationType(value)
    names = ", ".join(f"CustomizationType.{member.name}" for member in CustomizationType)
    values = ", ".join(repr(member.value) for member in CustomizationType)
    raise v.ValidationError(f"Invalid customization_type {value!r}: use {names} (or the API's string: {values}).")


def _has(value: Any, attribute: str) -> bool:
    """Duck typing for jsii interfaces (IRole, IVpc, ...), which isinstance cannot check."""
    return isinstance(getattr(value, attribute, None), str)


def check_types(
    *,
    training_data: Any,
    validation_data: Any,
    output_data: Any,
    job_name: Any,
    custom_model_name: Any,
    client_request_token: Any,
    custom_model_kms_key: Any,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Any,
    distillation: Any,
    rft: Any,
    role: Any,
    completion: Any,
    adopt_untagged_jobs: Any = False,
) -> None:
    """Each prop is of its type: a wrong one is a ValidationError naming it, never an AttributeError later."""
    if not isinstance(adopt_untagged_jobs, bool):
        raise v.ValidationError(
            f"Invalid adopt_untagged_jobs {adopt_untagged_jobs!r}: expected True or False, got "
            f"{v.type_name(adopt_untagged_jobs)}."
        )
    if not isinstance(training_data, TrainingData):
        raise v.ValidationError(
            f"Invalid training_data {training_data!r}: expected a TrainingData (TrainingData.from_bucket, "
            f"from_s3_uri, from_asset or from_invocation_logs), got {v.type_name(training_data)}."
        )
    if validation_data is not None:
        if isinstance(validation_data, ValidationData):
            raise v.ValidationError(
                f"Invalid validation_data {validation_data!r}: expected a list of ValidationData; wrap the single one "
                "in a list: validation_data=[ValidationData...]."
            )
        if isinstance(validation_data, str) or not isinstance(validation_data, Sequence):
            raise v.ValidationError(
                f"Invalid validation_data {validation_data!r}: expected a list of ValidationData, got "
                f"{v.type_name(validation_data)}."
            )
        for index, item in enumerate(validation_data):
            if not isinstance(item, ValidationData):
                raise v.ValidationError(
                    f"Invalid validation_data[{index}] {item!r}: expected a ValidationData "
                    f"(ValidationData.from_bucket, from_s3_uri or from_asset), got {v.type_name(item)}."
                )
    if output_data is not None:
        v.check_type("output_data", output_data, OutputData, "an OutputData (OutputData.from_bucket or from_s3_uri)")
    for prop, value in (
        ("job_name", job_name),
        ("custom_model_name", custom_model_name),
        ("client_request_token", client_request_token),
    ):
        v.check_optional_str(prop, value)
    for prop, value, attribute, expected in (
        ("role", role, "role_arn", "an iam.IRole (iam.Role.from_role_arn(...) imports one by ARN)"),
        (
            "custom_model_kms_key",
            custom_model_kms_key,
            "key_arn",
            "a kms.IKey (kms.Key.from_key_arn(...) imports one by ARN)",
        ),
        ("vpc", vpc, "vpc_id", "an ec2.IVpc (ec2.Vpc.from_lookup(...) imports one by id)"),
    ):
        if value is not None and not _has(value, attribute):
            raise v.ValidationError(f"Invalid {prop} {value!r}: expected {expected}, got {v.type_name(value)}.")
    if vpc_subnets is not None:
        v.check_type(
            "vpc_subnets", vpc_subnets, ec2.SubnetSelection, "an ec2.SubnetSelection(subnet_type=... or subnets=...)"
        )
    if security_groups is not None:
        if _has(security_groups, "security_group_id"):
            raise v.ValidationError(
                f"Invalid security_groups {security_groups!r}: expected a list of ec2.ISecurityGroup; wrap the single "
                "group in a list: security_groups=[group]."
            )
        if isinstance(security_groups, str) or not isinstance(security_groups, Sequence):
            raise v.ValidationError(
                f"Invalid security_groups {security_groups!r}: expected a list of ec2.ISecurityGroup, got "
                f"{v.type_name(security_groups)}."
            )
        for index, group in enumerate(security_groups):
            if not _has(group, "security_group_id"):
                raise v.ValidationError(
                    f"Invalid security_groups[{index}] {group!r}: expected an ec2.ISecurityGroup "
                    f"(ec2.SecurityGroup.from_security_group_id(...) imports one by id), got {v.type_name(group)}."
                )
    if distillation is not None:
        v.check_type("distillation", distillation, DistillationConfig, "a DistillationConfig(teacher_model=...)")
    if rft is not None:
        v.check_type("rft", rft, RftConfig, "an RftConfig(grader=...)")
    if completion is not None:
        v.check_type("completion", completion, Completion, "Completion.wait(timeout=...) or Completion.submitted()")


class FixedNames(Construct):
    """One per stack: which job fixed which job and model name.

    Bedrock keeps job names (and model names) unique in an account and Region, so two jobs of one stack
    with the same fixed name cannot both deploy; and the state-change rules of waiting jobs match jobs by
    name. Deploy-time names (tokens) cannot be compared and are skipped.
    """

    ID = "BedrockCustomizationFixedNames"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._owners: dict[tuple[str, str], str] = {}

    @staticmethod
    def of(scope: Construct) -> FixedNames:
        stack = Stack.of(scope)
        while stack.nested_stack_parent is not None:  # nested stacks deploy to their parent's account and Region
            stack = stack.nested_stack_parent
        existing = stack.node.try_find_child(FixedNames.ID)
        if isinstance(existing, FixedNames):
            return existing
        return FixedNames(stack, FixedNames.ID)

    @staticmethod
    def claim(job: Construct, *, job_name: str | None, custom_model_name: str | None) -> None:
        """Record the job's literal names; raise when another job of the stack fixed the same one."""
        claims = [
            (prop, what, name)
            for prop, what, name in (
                ("job_name", "job", job_name),
                ("custom_model_name", "custom model", custom_model_name),
            )
            if name is not None and not v.is_token(name)
        ]
        if claims:
            FixedNames.of(job)._claim(job.node.path, claims)

    def _claim(self, path: str, claims: list[tuple[str, str, str]]) -> None:
        for prop, what, name in claims:
            if name is None or v.is_token(name):
                continue
            owner = self._owners.get((prop, name))
            if owner is not None and owner != path:
                raise v.ValidationError(
                    f"Invalid {prop} {name!r}: {owner} in the same stack already has this {what} name; Bedrock keeps "
                    f"{what} names unique in an account and Region, so one of the two jobs would fail at deploy. Give "
                    f"each job its own {prop}, or omit it to have one generated."
                )
        for prop, _, name in claims:
            self._owners[(prop, name)] = path


@jsii.implements(IValidation)
class StackTagLimits:
    """One per stack: tags from ``Tags.of`` arrive after construction, so each job's merged sets are checked
    before synthesis, by one validation for all the stack's jobs (one round trip per stack: the jobs' rendered
    tags resolved together; no callback per job)."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._jobs: list[tuple[str, Any, Mapping[str, str], Mapping[str, str]]] = []

    @staticmethod
    def of(facts: StackFacts) -> StackTagLimits:
        def make() -> StackTagLimits:
            limits = StackTagLimits(facts.stack)
            facts.stack.node.add_validation(limits)
            return limits

        limits: StackTagLimits = facts.once("tag-limits", make)
        return limits

    def watch(self, path: str, rendered_tags: Any, job_tags: Mapping[str, str], model_tags: Mapping[str, str]) -> None:
        """``rendered_tags``: the job's ``TagManager.rendered_tags`` (a token: the tags from ``Tags.of`` at synth)."""
        self._jobs.append((path, rendered_tags, job_tags, model_tags))

    def validate(self) -> list[str]:
        errors: list[str] = []
        # each in a map of its own: a job without tags renders nothing, which a resolved list would drop
        rendered = self._stack.resolve([{"tags": tags} for _, tags, _, _ in self._jobs]) if self._jobs else []
        for (path, _, job_tags, model_tags), from_scope in zip(self._jobs, rendered, strict=True):
            for prop, explicit in (("job_tags", job_tags), ("custom_model_tags", model_tags)):
                try:
                    v.check_tags(prop, {**(from_scope.get("tags") or {}), **explicit})
                except v.ValidationError as error:
                    errors.append(f"[{path}] {error}")
        return errors


def wire(value: hp.HyperParameterValue) -> str:
    """A hyperparameter as the API's string; a deploy-time number becomes a string token."""
    if v.is_token(value):
        return Token.as_string(value)
    return hp.to_wire(value)

"""Each source and option of a job, bound once: its request fragment, its grants, its local file.

The job asks every config one question, ``bind_*(job, ...)``, and gets one frozen ``Bound``: the part of the
CreateModelCustomizationJob request it renders, the statements the service role needs for it (and the keys
the handler needs), and the local file to check at synth, if any. The job's constructor then only merges
them; a new API field touches one binder here and its config class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from ..rules import validation as v
from . import permissions
from .config import DistillationConfig, RftConfig
from .data import OutputData, S3Location, TrainingData, ValidationData
from .permissions import Statement
from .stack_facts import attribute, facts_of, path_of, unique_id
from .storage import DefaultStorage


@dataclass(frozen=True)
class Bound:
    """What one config contributes to its job."""

    request: Mapping[str, Any]
    statements: tuple[Statement, ...] = ()
    handler_keys: tuple[kms.IKey, ...] = ()
    """Keys the custom-resource handler must use to create the job (a customer key for the model)."""
    local_file: str | None = None
    """A local data file behind the config (``from_asset``), for the synth-time dataset check."""
    prop: str = ""
    """The construct prop the fragment comes from, for messages."""


def merge(fragments: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The fragments as one request: maps merge key by key, lists concatenate (the validators of several
    validation data sets), and any other value may appear once only."""
    merged: dict[str, Any] = {}
    for fragment in fragments:
        _merge_into(merged, fragment, "")
    return merged


def _merge_into(target: dict[str, Any], fragment: Mapping[str, Any], path: str) -> None:
    for key, value in fragment.items():
        where = f"{path}.{key}" if path else key
        if key not in target:
            target[key] = _copy(value)
        elif isinstance(target[key], dict) and isinstance(value, Mapping):
            _merge_into(target[key], value, where)
        elif isinstance(target[key], list) and isinstance(value, list):
            target[key].extend(_copy(value))
        else:
            raise ValueError(f"Two configs set the request's {where}")  # a bug of the binders, not of the props


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(x) for k, x in value.items()}
    if isinstance(value, list):
        return [_copy(x) for x in value]
    return value


def training(job: Construct, data: TrainingData) -> Bound:
    """The training records: read grants on the object, prefix or invocation-log folder."""
    facts = facts_of(job)
    if data.invocation_logs is not None:
        logs = data.invocation_logs
        return Bound(
            {"trainingDataConfig": {"invocationLogsConfig": logs.to_request()}},
            tuple(permissions.s3_read(facts, logs.source)),
            prop="training_data",
        )
    location = _asset(job, "TrainingDataAsset", data.asset_path) if data.asset_path is not None else data.location
    assert location is not None  # TrainingData holds exactly one source
    return Bound(
        {"trainingDataConfig": {"s3Uri": location.uri}},
        tuple(permissions.s3_read(facts, location)),
        local_file=data.asset_path,
        prop="training_data",
    )


def validation(job: Construct, data: ValidationData, index: int) -> Bound:
    """One validation data set: one validator of the request, read grants on its object or prefix."""
    location = _asset(job, f"ValidationDataAsset{index}", data.asset_path) if data.asset_path else data.location
    return Bound(
        {"validationDataConfig": {"validators": [{"s3Uri": location.uri}]}},
        tuple(permissions.s3_read(facts_of(job), location)),
        local_file=data.asset_path,
        prop=f"validation_data[{index}]",
    )


def output(job: Construct, data: OutputData | None) -> tuple[Bound, S3Location]:
    """Where Bedrock writes (a folder per job in the stack's secure bucket unless given): write grants under it."""
    location = data.location if data is not None else default_output(job)
    bound = Bound(
        {"outputDataConfig": {"s3Uri": location.uri}},
        tuple(permissions.s3_write(facts_of(job), location)),
        prop="output_data",
    )
    return bound, location


def default_output(job: Construct) -> S3Location:
    """A folder named after the job's unique id (``Names.unique_id``) in the stack's bucket."""
    facts = facts_of(job)
    bucket = facts.once("storage-bucket", lambda: DefaultStorage.of(facts.stack).bucket)
    key = f"model-customization/{unique_id(path_of(job))}/"
    return S3Location(bucket_name=attribute(bucket, "bucket_name"), key=key, bucket=bucket)


def model_key(job: Construct, key: kms.IKey) -> Bound:
    """The customer key that encrypts the trained model: the role and the handler both use it through Bedrock."""
    key_arn = str(attribute(key, "key_arn"))
    v.check_kms_key(key_arn)
    return Bound(
        {"customModelKmsKeyId": key_arn},
        (permissions.model_key(facts_of(job), key),),
        handler_keys=(key,),
        prop="custom_model_kms_key",
    )


def distillation(job: Construct, config: DistillationConfig) -> Bound:
    return Bound(
        {"customizationConfig": config.to_request()},
        (permissions.teacher(facts_of(job), config.teacher_model),),
        prop="distillation",
    )


def rft(config: RftConfig) -> Bound:
    return Bound({"customizationConfig": config.to_request()}, (permissions.grader(config.grader),), prop="rft")


def vpc(
    job: Construct,
    network: ec2.IVpc,
    subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
) -> Bound:
    """The job's network interfaces in the VPC's private subnets (or those selected), with its groups (or a new
    outbound-only one), and Bedrock's documented statements scoped to those subnets."""
    groups = list(security_groups or [])
    if not groups:
        groups = [
            ec2.SecurityGroup(
                job,
                "SecurityGroup",
                vpc=network,
                allow_all_outbound=True,
                description="Network interfaces of a Bedrock model customization job (outbound only).",
            )
        ]
    if subnets is None and not network.private_subnets and not network.isolated_subnets:
        raise v.ValidationError(
            f"Invalid vpc <{network.node.path}>: it has no private subnets, and a job without vpc_subnets= runs in "
            "the private subnets of its VPC (PRIVATE_WITH_EGRESS, else PRIVATE_ISOLATED); add private subnets "
            "to the VPC, or choose subnets explicitly, e.g. vpc_subnets=ec2.SubnetSelection(subnet_type="
            "ec2.SubnetType.PUBLIC) (the job's network interfaces get no public IP address: it reaches S3 "
            "through a gateway endpoint)."
        )
    try:
        subnet_ids = list(network.select_subnets(**_selection_kwargs(subnets)).subnet_ids)
    except RuntimeError as error:  # jsii: CDK's own message (e.g. no subnet group of the selected type)
        reason = re.sub(r"^\w+: ", "", str(error).splitlines()[0])
        raise v.ValidationError(f"Invalid vpc_subnets {subnets!r}: {reason}") from None
    group_ids = [g.security_group_id for g in groups]
    v.check_vpc_ids("vpc_subnets", subnet_ids, v.SUBNETS, "subnets")
    v.check_vpc_ids("security_groups", group_ids, v.SECURITY_GROUPS, "security groups")
    return Bound(
        {"vpcConfig": {"subnetIds": subnet_ids, "securityGroupIds": group_ids}},
        tuple(permissions.vpc(facts_of(job), subnet_ids, group_ids)),
        prop="vpc",
    )


_SELECTION_FIELDS = (
    "availability_zones",
    "one_per_az",
    "subnet_filters",
    "subnet_group_name",
    "subnets",
    "subnet_type",
)


def _selection_kwargs(selection: ec2.SubnetSelection | None) -> dict[str, Any]:
    """jsii spells struct parameters as keywords; unpack the user's SubnetSelection for select_subnets."""
    if selection is None:
        return {}
    values = {name: getattr(selection, name) for name in _SELECTION_FIELDS}
    return {name: value for name, value in values.items() if value is not None}


def _asset(scope: Construct, construct_id: str, path: str) -> S3Location:
    """The file as a CDK asset under ``scope`` (each binder runs once per job): its object key carries the
    content hash."""
    asset = s3_assets.Asset(scope, construct_id, path=path)
    return S3Location(bucket_name=asset.s3_bucket_name, key=asset.s3_object_key, bucket=asset.bucket)

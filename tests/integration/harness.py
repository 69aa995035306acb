"""Play CloudFormation for the custom resource: templates in, custom-resource events out.

``synthesize`` runs app.py's ``build_app`` in-process; ``StackTemplate`` reads a synthesized template
and renders each ``Custom::BedrockModelCustomizationJob``'s properties the way CloudFormation delivers
them to a custom resource: intrinsics resolved to plausible values for account 123456789012 in
us-east-1 (fake but well-formed ARNs and ids derived from logical ids), every scalar turned into a
string, lists and maps keeping their structure. ``CloudFormation`` then sends Create / Update /
Delete events for one resource to the real handler, tracking the physical id as CloudFormation would.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.events import cfn_event

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
JOB_TYPE = "Custom::BedrockModelCustomizationJob"


class UnsupportedIntrinsic(Exception):
    """The template uses something this harness does not resolve: fail loudly, never guess."""


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


@dataclass
class StackTemplate:
    """One synthesized stack: its template and plausible physical values for its resources."""

    stack_name: str
    template: dict[str, Any]
    stack_id: str = ""

    def __post_init__(self) -> None:
        if not self.stack_id:
            self.stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{self.stack_name}/{uuid.uuid4()}"

    @classmethod
    def load(cls, path: Path) -> StackTemplate:
        return cls(path.name.removesuffix(".template.json"), json.loads(path.read_text()))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    def job_logical_ids(self) -> list[str]:
        return sorted(k for k, r in self.resources.items() if r["Type"] == JOB_TYPE)

    # ---- what CloudFormation would deliver ----------------------------------------------------

    def job_properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties, resolved and stringified, as the handler receives them."""
        resource = self.resources[logical_id]
        if resource["Type"] != JOB_TYPE:
            raise ValueError(f"{logical_id} is a {resource['Type']}, not a {JOB_TYPE}")
        return cfn_strings(self.resolve(resource.get("Properties", {})))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attribute)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(self.resolve(item)) for item in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Sub":
                return self._sub(arg)
            if key.startswith("Fn::") or key == "Condition":
                raise UnsupportedIntrinsic(f"{key} in {self.stack_name}: {json.dumps(value)[:200]}")
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            parameter = self.template["Parameters"][name]
            if "Default" not in parameter:
                raise UnsupportedIntrinsic(f"parameter {name} has no default")
            return parameter["Default"]
        return self.physical_id(name)

    def physical_id(self, logical_id: str) -> str:
        """What ``Ref`` returns for a resource: a name or id in the form its service uses."""
        kind = self.resources[logical_id]["Type"]
        h = _digest(self.stack_name, logical_id, length=17)
        short = f"{self.stack_name[:20]}-{logical_id[:30]}"
        if kind == "AWS::S3::Bucket":
            return f"{short}-{h[:12]}".lower()
        prefixes = {
            "AWS::EC2::Subnet": "subnet",
            "AWS::EC2::SecurityGroup": "sg",
            "AWS::EC2::VPC": "vpc",
            "AWS::EC2::RouteTable": "rtb",
            "AWS::EC2::VPCEndpoint": "vpce",
        }
        if kind in prefixes:
            return f"{prefixes[kind]}-{h}"
        if kind == "AWS::KMS::Key":
            return str(uuid.UUID(hashlib.md5(f"{self.stack_name}/{logical_id}".encode()).hexdigest()))
        return f"{short}-{h[:12].upper()}"

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self.physical_id(logical_id)
        arns: dict[tuple[str, str], Callable[[], str]] = {
            ("AWS::IAM::Role", "Arn"): lambda: f"arn:aws:iam::{ACCOUNT}:role{self.role_path(logical_id)}{name}",
            ("AWS::Lambda::Function", "Arn"): lambda: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
            ("AWS::KMS::Key", "Arn"): lambda: f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{name}",
            ("AWS::S3::Bucket", "Arn"): lambda: f"arn:aws:s3:::{name}",
            ("AWS::EC2::SecurityGroup", "GroupId"): lambda: name,
            ("AWS::Logs::LogGroup", "Arn"): lambda: f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        }
        if (kind, attribute) not in arns:
            raise UnsupportedIntrinsic(f"Fn::GetAtt {logical_id}.{attribute} ({kind})")
        return arns[(kind, attribute)]()

    def role_path(self, logical_id: str) -> str:
        path = self.resources[logical_id].get("Properties", {}).get("Path", "/")
        return str(self.resolve(path))

    def roles(self) -> Iterator[tuple[str, str, str]]:
        """(name, path, trust policy JSON) of every role, to create them where the API checks roles."""
        for logical_id, resource in self.resources.items():
            if resource["Type"] == "AWS::IAM::Role":
                trust = self.resolve(resource["Properties"]["AssumeRolePolicyDocument"])
                yield self.physical_id(logical_id), self.role_path(logical_id), json.dumps(trust)


def cfn_strings(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar as a string; lists and maps keep structure."""
    if isinstance(value, dict):
        return {k: cfn_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


# ---- the request flow ---------------------------------------------------------------------------


class FakeLambdaContext:
    """A Lambda context whose remaining time shrinks only by the (recorded, not slept) backoff."""

    def __init__(self, remaining_ms: int = 600_000) -> None:
        self.remaining_ms = remaining_ms
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.remaining_ms -= int(seconds * 1000)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class CloudFormation:
    """One custom resource's life as CloudFormation drives it, against the handler ``invoke``.

    Events carry a fresh RequestId per request, as CloudFormation sends them (a redeploy, a rollback's
    Delete, a replacement: each its own request); ``resend`` repeats the last event unchanged (a Lambda
    retry or a timeout-and-retry of the same CloudFormation request). ``data`` holds the attributes the
    handler last returned (``JobArn``, ``JobName``, ``CustomModelName``: the names as deployed).
    """

    stack: StackTemplate
    logical_id: str
    invoke: Invoke
    physical_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    last_event: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def _event(self, request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        event = cfn_event(
            request_type,
            JOB_TYPE,
            copy.deepcopy(properties),
            stack_id=self.stack.stack_id,
            logical_id=self.logical_id,
            request_id=str(uuid.uuid4()),
            response_url="https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/fake",
            service_token=properties.get("ServiceToken", ""),
            **extra,
        )
        self.last_event = event
        return event

    def create(self, properties: dict[str, Any]) -> dict[str, Any]:
        result = self.invoke(self._event("Create", properties))
        self.physical_id, self.properties = result["PhysicalResourceId"], copy.deepcopy(properties)
        self.data = dict(result.get("Data") or {})
        return result

    def update(self, properties: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Returns the handler's answer and the physical id CloudFormation must now delete, if replaced."""
        event = self._event(
            "Update",
            properties,
            PhysicalResourceId=self.physical_id,
            OldResourceProperties=copy.deepcopy(self.properties),
        )
        result = self.invoke(event)
        old = self.physical_id
        self.physical_id, self.properties = result["PhysicalResourceId"], copy.deepcopy(properties)
        self.data = dict(result.get("Data") or {})
        return result, (old if old != self.physical_id else None)

    def roll_back_update(self, failed_properties: dict[str, Any]) -> dict[str, Any]:
        """UPDATE_ROLLBACK after an update to ``failed_properties`` failed: one more Update, back to the
        properties the resource still has, on its physical id, with the failed ones as the old properties."""
        event = self._event(
            "Update",
            self.properties,
            PhysicalResourceId=self.physical_id,
            OldResourceProperties=copy.deepcopy(failed_properties),
        )
        result = self.invoke(event)
        self.physical_id, self.data = result["PhysicalResourceId"], dict(result.get("Data") or {})
        return result

    def delete(self, physical_id: str | None = None, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """Delete this resource, or (cleanup/rollback) an older physical id with the properties it had."""
        event = self._event(
            "Delete",
            properties if properties is not None else self.properties,
            PhysicalResourceId=physical_id or self.physical_id,
        )
        return self.invoke(event)

    def resend(self) -> dict[str, Any]:
        """Invoke the handler again with the very same event (same RequestId)."""
        assert self.last_event is not None, "nothing was sent yet"
        return self.invoke(copy.deepcopy(self.last_event))


def synthesize(outdir: Path, customize: Callable[[Any], None] | None = None) -> dict[str, StackTemplate]:
    """Synthesize app.py in-process; ``customize(app_module)`` may patch it first (undone afterwards)."""
    import aws_cdk

    import app as example

    saved = dict(vars(example))
    try:
        if customize is not None:
            customize(example)
        cdk_app = aws_cdk.App(outdir=str(outdir), context=example.FEATURE_FLAGS)
        example.build_app(cdk_app)
        cdk_app.synth()
    finally:
        for name, value in saved.items():
            setattr(example, name, value)
    return {
        path.name.removesuffix(".template.json"): StackTemplate.load(path)
        for path in sorted(outdir.glob("*.template.json"))
    }


def effective_request(properties: dict[str, Any]) -> dict[str, Any]:
    """The request the handler acts on: the template's ``Request`` with its ``Tags`` (``Tags.of``) merged in."""
    from lambda_src.customization_job.properties import with_scope_tags

    return with_scope_tags(properties["Request"], properties.get("Tags"), "ResourceProperties")

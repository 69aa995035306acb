"""Acknowledged compliance findings, recorded with CDK's own ``Validations`` (what cdk-nag v3 reads).

The library does not depend on cdk-nag: an acknowledgment is construct metadata. Each one names the
exact finding and carries the specific reason it is intended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Aspects, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from .stack_facts import StackFacts


def acknowledge(scope: IConstruct, findings: Sequence[tuple[str, str]]) -> None:
    """Record (finding id, reason) pairs on ``scope`` and everything under it."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in findings))


LAMBDA_BASIC_EXECUTION = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def render(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it (``<Logical.Attr>``, ``<AWS::Region>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Fn::Join":
            return str(arg[0]).join(render(part) for part in arg[1])
        if name == "Ref":
            return f"<{arg}>"
        if name == "Fn::GetAtt":
            return f"<{arg[0]}.{arg[1]}>"
    return json.dumps(value, sort_keys=True)


def _policy_documents(node: iam.CfnRole | iam.CfnPolicy) -> list[Mapping[str, Any]]:
    stack = Stack.of(node)
    if isinstance(node, iam.CfnRole):
        policies = stack.resolve(node.policies) or []
        return [policy["policyDocument"] for policy in policies]
    return [stack.resolve(node.policy_document)]


def wildcard_findings(
    statements: Iterable[Mapping[str, Any]], reasons: Sequence[tuple[re.Pattern[str], str]]
) -> list[tuple[str, str]]:
    """The IAM5 finding id and reason of each wildcard resource in resolved statements that a pattern explains."""
    findings: set[tuple[str, str]] = set()
    for statement in statements:
        resources = statement.get("Resource", [])
        for resource in resources if isinstance(resources, list) else [resources]:
            text = render(resource)
            if "*" not in text:
                continue
            reason = next((r for p, r in reasons if p.search(text)), None)
            if reason is not None:
                findings.add((f"AwsSolutions-IAM5[Resource::{text}]", reason))
    return sorted(findings)


def compile_reasons(reasons: Sequence[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), reason) for pattern, reason in reasons]


def acknowledge_statements(
    scope: IConstruct,
    resolved: Sequence[Mapping[str, Any]],
    reasons: Sequence[tuple[str, str]],
    *,
    facts: StackFacts,
) -> None:
    """Acknowledge the explained wildcards of statements this library wrote itself.

    ``resolved``: the statements as plain JSON, already resolved (the job resolves them together with its
    request, in one call). A finding that names one object prefix of its own (``<Bucket.Arn>/jobs/a/*``)
    is recorded once per stack, with ``facts`` (two kernel calls per stack instead of two per job); any
    broader wildcard (``*``, a bucket root, ``network-interface/*``) only on ``scope``, so that the same
    wildcard elsewhere in the stack is still reported.
    """
    findings = wildcard_findings(resolved, compile_reasons(reasons))
    specific = [f for f in findings if _OWN_PREFIX.search(f[0])]
    broad = [f for f in findings if f not in specific]
    if specific:
        StackAcknowledgments.of(facts).add(specific)
    if broad:
        acknowledge(scope, broad)


_OWN_PREFIX = re.compile(r"\[Resource::(<[^>]+\.Arn>|arn:[^]]*:s3:::[^/\]]+)/[^*\]]+/[^]]*\*\]$")
"""An IAM5 finding on objects under a named prefix of a bucket (never the bucket's root)."""


@jsii.implements(IAspect)
class _Flush:
    def __init__(self, owner: StackAcknowledgments) -> None:
        self._owner = owner

    def visit(self, node: IConstruct) -> None:
        self._owner.flush()


class StackAcknowledgments(Construct):
    """One per stack, a leaf: the prefix-specific findings of every job, acknowledged on the stack in one
    call when the synth visits this construct (its aspect visits it alone)."""

    ID = "BedrockCustomizationAcknowledgments"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._stack = scope
        self._findings: dict[str, str] = {}
        self._flushed: set[str] = set()
        Aspects.of(self).add(_Flush(self))

    @staticmethod
    def of(facts: StackFacts) -> StackAcknowledgments:
        found: StackAcknowledgments = facts.once(
            "acknowledgments", lambda: StackAcknowledgments(facts.stack, StackAcknowledgments.ID)
        )
        return found

    def add(self, findings: Sequence[tuple[str, str]]) -> None:
        self._findings.update(findings)

    def flush(self) -> None:
        fresh = sorted((k, r) for k, r in self._findings.items() if k not in self._flushed)
        if fresh:
            acknowledge(self._stack, fresh)
            self._flushed.update(k for k, _ in fresh)


@jsii.implements(IAspect)
class WildcardAcknowledger:
    """Acknowledges the IAM5 findings of the wildcard resources this library writes on purpose.

    Only resources whose rendered ARN matches one of ``reasons`` (regex → reason) are acknowledged,
    so a broader wildcard added by someone else still fails the check. Used for the per-stack
    singletons, whose policies grow after construction.
    """

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        self._reasons = compile_reasons(reasons)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, (iam.CfnRole, iam.CfnPolicy)):
            return
        statements = [s for document in _policy_documents(node) for s in document.get("Statement", [])]
        findings = wildcard_findings(statements, self._reasons)
        if findings:
            acknowledge(node, findings)

"""The job's service role: a role of its own with one inline policy, or a given role that jobs share.

Shared roles get statements merged across the jobs that use them.

Each job grants itself a few S3 statements. On a role of its own that is one inline policy; on a
role many jobs share, per-job statements would grow the role's policy past IAM's size limits (CDK
then spills it into managed policies, at most 10 per role). Jobs sharing a role instead add their
objects to one statement per (actions, conditions), and their prefixes to one ``s3:prefix`` list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import Names
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from ..rules import validation as v
from . import permissions
from ._lazy import lazy_any
from .permissions import Statement
from .provider import JobProvider
from .stack_facts import attribute, facts_of

PREFIX_KEY = "s3:prefix"


class SharedRoleGrants(Construct):
    """One per (stack, role): the merged statements and what each is keyed by."""

    def __init__(self, scope: Construct, construct_id: str, role: iam.IRole) -> None:
        super().__init__(scope, construct_id)
        self._role = role
        self._merged: dict[str, tuple[iam.PolicyStatement, list[str], set[str]]] = {}
        self.dependables: list[IDependable] = []

    @staticmethod
    def of(scope: Construct, role: iam.IRole) -> SharedRoleGrants:
        facts = facts_of(scope)

        def make() -> SharedRoleGrants:
            construct_id = f"BedrockSharedRoleGrants{Names.node_unique_id(role.node)}"
            existing = facts.stack.node.try_find_child(construct_id)
            if isinstance(existing, SharedRoleGrants):
                return existing
            return SharedRoleGrants(facts.stack, construct_id, role)

        grants: SharedRoleGrants = facts.once(f"shared-role-grants:{id(role)}", make)
        return grants

    def add(self, statement: Statement) -> None:
        actions = sorted(permissions.as_list(statement["Action"]))
        conditions: dict[str, Any] = {k: dict(v) for k, v in (statement.get("Condition") or {}).items()}
        prefixes = list((conditions.get("StringLike") or {}).get(PREFIX_KEY, []))
        if prefixes:
            rest = {k: v for k, v in conditions["StringLike"].items() if k != PREFIX_KEY}
            conditions = (
                {**conditions, "StringLike": rest}
                if rest
                else {k: v for k, v in conditions.items() if k != "StringLike"}
            )
        resources = permissions.as_list(statement["Resource"])
        # A prefix list applies to every bucket of its statement: keep one ListBucket statement per bucket.
        per_bucket = resources if prefixes else None
        key = json.dumps([statement["Effect"], actions, conditions, bool(prefixes), per_bucket], sort_keys=True)
        if key not in self._merged:
            merged = iam.PolicyStatement(actions=actions, resources=[], conditions=conditions or None)
            prefix_list: list[str] = []
            if prefixes:
                merged.add_condition("StringLike", {PREFIX_KEY: lazy_any(lambda: sorted(set(prefix_list)))})
            self._merged[key] = (merged, prefix_list, set())
            result = self._role.add_to_principal_policy(merged)
            if result.policy_dependable is not None:
                self.dependables.append(result.policy_dependable)
        merged, prefix_list, seen = self._merged[key]
        fresh = [r for r in resources if r not in seen]
        if fresh:
            seen.update(fresh)
            merged.add_resources(*fresh)
        prefix_list.extend(prefixes)


POLICY_NAME = "BedrockModelCustomization"


def bind(
    job: Construct, role: iam.IRole | None, provider: JobProvider, statements: Sequence[Statement]
) -> tuple[iam.IRole, list[IDependable]]:
    """The role Bedrock assumes for ``job`` with ``statements`` granted, and what the job must wait for.

    Without ``role``: a new role under the stack's role path (so the handler's PassRole names them all),
    whose one inline policy is the statements as plain JSON (one kernel call, no extra resource per job).
    With ``role``: the given role, which the handler may pass, and the statements merged with those of the
    stack's other jobs on it (its policy is a dependency).
    """
    facts = facts_of(job)
    if role is None:
        stack = facts.stack
        principal = facts.once("service-principal", lambda: permissions.service_principal(stack))
        created = iam.Role(
            job,
            "ServiceRole",
            assumed_by=principal,
            path=facts.once("role-path", lambda: permissions.role_path(stack)),
            inline_policies={
                POLICY_NAME: iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": list(statements)})
            },
            description="Assumed by Amazon Bedrock to run one model customization job.",
        )
        return created, []
    role_arn = str(attribute(role, "role_arn"))
    v.check_role_arn(role_arn)
    provider.allow_pass_role(role_arn)
    shared = SharedRoleGrants.of(job, role)
    for statement in statements:
        shared.add(statement)
    return role, shared.dependables

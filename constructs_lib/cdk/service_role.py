"""The job's service role: a role of its own with one inline policy, or a given role that jobs share.

Shared roles get statements merged across the jobs that use them.

Each job grants itself a few S3 statements. On a role of its own that is one inline policy; on a
role many jobs share, per-job statements would grow the role's policy past IAM's size limits (CDK
then spills it into managed policies, at most 10 per role). Jobs sharing a role instead add their
objects to one statement per (actions, conditions), and their prefixes to one ``s3:prefix`` list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_cdk import Names, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from ..rules import validation as v
from . import permissions
from ._lazy import lazy_any
from .provider import JobProvider

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
        stack = Stack.of(scope)
        construct_id = f"BedrockSharedRoleGrants{Names.node_unique_id(role.node)}"
        existing = stack.node.try_find_child(construct_id)
        if isinstance(existing, SharedRoleGrants):
            return existing
        return SharedRoleGrants(stack, construct_id, role)

    def add(self, statement: iam.PolicyStatement) -> None:
        actions = sorted(statement.actions)
        conditions: dict[str, Any] = dict(Stack.of(self).resolve(statement.conditions) or {})
        prefixes = list((conditions.get("StringLike") or {}).get(PREFIX_KEY, []))
        if prefixes:
            rest = {k: v for k, v in conditions["StringLike"].items() if k != PREFIX_KEY}
            conditions = (
                {**conditions, "StringLike": rest}
                if rest
                else {k: v for k, v in conditions.items() if k != "StringLike"}
            )
        resources = list(statement.resources)
        # A prefix list applies to every bucket of its statement: keep one ListBucket statement per bucket.
        per_bucket = Stack.of(self).resolve(resources) if prefixes else None
        key = json.dumps([statement.effect.value, actions, conditions, bool(prefixes), per_bucket], sort_keys=True)
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


AddStatement = Callable[[iam.PolicyStatement], None]


def bind(
    job: Construct, role: iam.IRole | None, provider: JobProvider
) -> tuple[iam.IRole, AddStatement, list[IDependable]]:
    """The role Bedrock assumes for ``job``, how to grant it a statement, and what the job must wait for.

    Without ``role``: a new role under the stack's role path (so the handler's PassRole names them all),
    with one inline policy (no extra resource per job). With ``role``: the given role, which the handler may
    pass, and the statements merged with those of the stack's other jobs on it (its policy is a dependency).
    """
    if role is None:
        stack = Stack.of(job)
        document = iam.PolicyDocument()
        created = iam.Role(
            job,
            "ServiceRole",
            assumed_by=permissions.service_principal(stack),
            path=permissions.role_path(stack),
            inline_policies={"BedrockModelCustomization": document},
            description="Assumed by Amazon Bedrock to run one model customization job.",
        )
        return created, document.add_statements, []
    v.check_role_arn(role.role_arn)
    provider.allow_pass_role(role.role_arn)
    shared = SharedRoleGrants.of(job, role)
    return role, shared.add, shared.dependables

"""``apply_removal_policy`` on a deployment or a throughput: what CloudFormation does with the resource when it
leaves the stack or is replaced.

``DESTROY`` (the default): the serving handler deletes it. ``RETAIN`` and ``RETAIN_ON_UPDATE_OR_DELETE``: the
custom resource gets CloudFormation's ``DeletionPolicy``/``UpdateReplacePolicy``, so the handler is never asked
to delete it and it stays in the account (a throughput keeps billing per model unit per hour). A committed
throughput is governed by ``committed_removal`` instead; ``SNAPSHOT`` has no meaning for these resources.
"""

from __future__ import annotations

from aws_cdk import Annotations, CustomResource, RemovalPolicy

from ..rules import validation as v


class ServingRemoval:
    """The host supplies ``_resource`` (its CustomResource), ``node`` and, for a throughput, ``commitment``."""

    _resource: CustomResource

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """``DESTROY`` deletes the resource with the stack (default); ``RETAIN`` leaves it in the account."""
        path = self.node.path  # type: ignore[attr-defined]
        with v.reported_at(path):
            if policy == RemovalPolicy.SNAPSHOT:
                raise v.ValidationError(
                    "Invalid removal policy RemovalPolicy.SNAPSHOT: a deployment or throughput has no snapshot; use "
                    "RemovalPolicy.RETAIN (left in the account) or RemovalPolicy.DESTROY (deleted, the default)."
                )
            commitment = getattr(self, "commitment", None)
            if commitment is not None and commitment.committed and policy != RemovalPolicy.DESTROY:
                raise v.ValidationError(
                    f"Invalid removal policy {policy}: a committed throughput's removal is set by its "
                    "committed_removal prop; pass committed_removal=CommittedRemoval.RETAIN to leave it in the account "
                    "until its term ends (CommittedRemoval.FAIL, the default, fails the delete instead)."
                )
            if policy != RemovalPolicy.DESTROY and commitment is not None:
                Annotations.of(self).add_warning_v2(  # type: ignore[arg-type]
                    "bedrock-customization:retained-throughput",
                    f"{policy}: a retained Provisioned Throughput stays in the account after the stack deletes or "
                    "replaces it and is billed per model unit per hour until you delete it yourself.",
                )
            self._resource.apply_removal_policy(policy)

"""cdk-nag suppressions written as resource metadata, so the library does not depend on cdk-nag.

This is the metadata cdk-nag's NagSuppressions writes; each entry carries the specific reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource
from constructs import IConstruct


def suppress(scope: IConstruct, rules: Sequence[tuple[str, str]], *, applies_to: Sequence[str] = ()) -> None:
    """Attach (rule id, reason) suppressions to every CloudFormation resource under ``scope``."""
    entries = []
    for rule_id, reason in rules:
        entry: dict[str, object] = {"id": rule_id, "reason": reason}
        if applies_to:
            entry["applies_to"] = list(applies_to)
        entries.append(entry)
    for child in scope.node.find_all():
        if isinstance(child, CfnResource):
            existing = child.get_metadata("cdk_nag") or {}
            merged = list(existing.get("rules_to_suppress", [])) + entries
            child.add_metadata("cdk_nag", {"rules_to_suppress": merged})

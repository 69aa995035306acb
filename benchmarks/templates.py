"""What a synthesized stack costs in CloudFormation terms: resources, template bytes, IAM policy sizes."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

STACK_RESOURCE_LIMIT = 500  # CloudFormation: resources per stack
TEMPLATE_BYTES_LIMIT = 1_048_576  # CloudFormation: template body in S3 (CDK uploads templates as assets)
# IAM (characters without whitespace): inline policies of one role together, one managed policy,
# managed policies attached to one role (default quota; raisable to 20).
ROLE_INLINE_POLICY_CHARS = 10_240
MANAGED_POLICY_CHARS = 6_144
MANAGED_POLICIES_PER_ROLE = 10
STACK_NAME = "Bench"


def template_path(outdir: str | Path, stack_name: str = STACK_NAME) -> Path:
    return Path(outdir) / f"{stack_name}.template.json"


def summarize(outdir: str | Path, stack_name: str = STACK_NAME) -> dict[str, Any]:
    """Resources (total and by type) and the template's size as CDK wrote it."""
    path = template_path(outdir, stack_name)
    template = json.loads(path.read_text())
    return {**summarize_template(template), "template_bytes": path.stat().st_size}


def summarize_template(template: dict[str, Any]) -> dict[str, Any]:
    resources = template.get("Resources", {})
    return {
        "resources": len(resources),
        "by_type": dict(sorted(Counter(r["Type"] for r in resources.values()).items())),
        "largest_role_policy_chars": largest_role_policy_chars(template),
    }


def _policy_chars(document: Any) -> int:
    """IAM counts policy size without whitespace; resolved tokens stay as their CloudFormation JSON here."""
    return len(json.dumps(document, separators=(",", ":")))


def largest_role_policy_chars(template: dict[str, Any]) -> int:
    """The largest total size of the inline policies attached to one role (Role.Policies + AWS::IAM::Policy)."""
    resources = template.get("Resources", {})
    per_role: Counter[str] = Counter()
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            per_role[logical_id] += sum(_policy_chars(p.get("PolicyDocument")) for p in props.get("Policies", []))
        elif resource["Type"] == "AWS::IAM::Policy":
            for role in props.get("Roles", []):
                if isinstance(role, dict) and "Ref" in role:
                    per_role[role["Ref"]] += _policy_chars(props.get("PolicyDocument"))
    return max(per_role.values(), default=0)


def per_job(small: dict[str, Any], large: dict[str, Any]) -> dict[str, float]:
    """Slope and intercept between two synthesized sizes of the same stack (``n`` jobs each)."""
    dn = large["n"] - small["n"]
    if dn <= 0:
        raise ValueError("need two different job counts")
    resources = (large["resources"] - small["resources"]) / dn
    template_bytes = (large["template_bytes"] - small["template_bytes"]) / dn
    return {
        "resources_per_job": resources,
        "fixed_resources": small["resources"] - resources * small["n"],
        "bytes_per_job": template_bytes,
        "fixed_bytes": small["template_bytes"] - template_bytes * small["n"],
    }


def max_jobs(fit: dict[str, float]) -> dict[str, int | None]:
    """Largest job count under the resource limit and under the template-size limit (linear model)."""

    def cap(limit: float, fixed: float, slope: float) -> int | None:
        return math.floor((limit - fixed) / slope) if slope > 0 else None

    by_resources = cap(STACK_RESOURCE_LIMIT, fit["fixed_resources"], fit["resources_per_job"])
    by_bytes = cap(TEMPLATE_BYTES_LIMIT, fit["fixed_bytes"], fit["bytes_per_job"])
    both = [c for c in (by_resources, by_bytes) if c is not None]
    return {"by_resources": by_resources, "by_template_bytes": by_bytes, "max_jobs": min(both) if both else None}

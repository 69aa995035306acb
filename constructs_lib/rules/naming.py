"""The synth-time base of generated job and model names: readable, valid for both API patterns, new
whenever the request changes.

The base is the construct id and a digest of the resolved request (without names, tags and token) and
the construct path, at most 53 characters. Bedrock never frees a job name, nor a model name while the
model exists, and an unchanged request deploys again after a rollback or a revert, so the handler sends
``<base>-<8 hex>``, a suffix unique to each CloudFormation request (lambda_src/customization_job/idempotency.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

PREFIX_MAX = 40
DIGEST_LEN = 12
BASE_MAX = PREFIX_MAX + 1 + DIGEST_LEN
"""53: room for the handler's ``-`` and 8-character suffix within the APIs' 63."""


def name_prefix(construct_id: str) -> str:
    """Letters and digits of the construct id, single hyphens between runs; valid for both name patterns."""
    words = re.findall(r"[A-Za-z0-9]+", construct_id)
    prefix = "-".join(words)[:PREFIX_MAX].strip("-")
    return prefix or "job"


def request_digest(construct_path: str, resolved_request: Any) -> str:
    """A short, stable digest: same inputs, same name; any change to the request, a new name."""
    canonical = json.dumps([construct_path, resolved_request], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:DIGEST_LEN]


def generated_name(construct_id: str, digest: str) -> str:
    return f"{name_prefix(construct_id)}-{digest}"

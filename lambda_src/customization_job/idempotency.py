"""What makes one CloudFormation request's job its own: a clientRequestToken and, for generated names, a suffix.

botocore fills a random token when none is given, so two Lambda invocations for one CloudFormation
request (a retry, a timeout) would start two billed jobs. A token derived from the request's
identity makes Bedrock return the first job instead.

Bedrock never frees a job name (a stopped or failed job keeps it) nor a custom model name while the
model exists. Names the construct generates are a synth-time base (a digest of the request), so
redeploying after a rollback, or reverting to an earlier request, would ask for a name that is
taken. The handler therefore sends ``<base>-<suffix>``, the suffix a digest of the same request
identity as the token: new for every CloudFormation request, the same for every retry of one.

The token also records which request the job implements: ``cfn-<identity>-<request>``, the second
part a digest of the request without its tags and token (names as in the properties: a generated
name's synth-time base). CloudFormation's UPDATE_ROLLBACK sends an Update whose properties are those
of the job the physical id already names; GetModelCustomizationJob returns the token, so the handler
can see that and keep that job instead of starting (or refusing) a new one. Tokens a user gave, and
those of older handler versions (``cfn-<64 hex>``), carry no request digest and never match.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from ..contract import NAME_BASE_MAX as BASE_MAX
from ..contract import NAME_MAX as NAME_MAX
from ..contract import NAME_SUFFIX_LEN as SUFFIX_LEN

TOKEN_PREFIX = "cfn-"
DIGEST_LEN = 24
UNDIGESTED_FIELDS = frozenset({"jobTags", "customModelTags", "clientRequestToken"})
_DERIVED_TOKEN = re.compile(rf"{TOKEN_PREFIX}[0-9a-f]{{{DIGEST_LEN}}}-([0-9a-f]{{{DIGEST_LEN}}})")


def client_request_token(stack_id: str, logical_id: str, request_id: str, request: Mapping[str, Any]) -> str:
    """``cfn-<24 hex>-<24 hex>`` (53 characters, within ``[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?``).

    The first digest is the CloudFormation request's identity (the same on every retry of it, new for
    every other request), the second ``request_digest(request)``: ``request`` is the coerced request
    before the names get their suffix.
    """
    identity = hashlib.sha256("\n".join((stack_id, logical_id, request_id)).encode()).hexdigest()[:DIGEST_LEN]
    return f"{TOKEN_PREFIX}{identity}-{request_digest(request)}"


def request_digest(request: Mapping[str, Any]) -> str:
    """24 lowercase hex characters of what a job is: the request without tags (changed in place) and token.

    ``request`` must be coerced to the API's types (operations.coerce_request), so that CloudFormation's
    strings ("3", "1e-05") and typed values digest alike; keys are sorted at every level, and top-level members
    without a value are left out as ``decisions.changed_fields`` treats them.
    """
    canonical = {k: v for k, v in request.items() if k not in UNDIGESTED_FIELDS and v is not None}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LEN]


def request_digest_in(token: Any) -> str | None:
    """The request digest a token derived by ``client_request_token`` carries; None for any other token."""
    match = _DERIVED_TOKEN.fullmatch(token) if isinstance(token, str) else None
    return match.group(1) if match else None


def name_suffix(stack_id: str, logical_id: str, request_id: str) -> str:
    """8 lowercase hex characters, new for each CloudFormation request, the same for its retries."""
    return hashlib.sha256("|".join((stack_id, logical_id, request_id)).encode()).hexdigest()[:SUFFIX_LEN]


def suffixed_name(base: str, suffix: str) -> str:
    """``<base>-<suffix>`` within 63 characters, valid for both name patterns when ``base`` is.

    The construct keeps generated bases at 53 characters or fewer; a longer one is cut, and a trailing
    ``-`` or ``_`` is dropped so that the custom model pattern ``([0-9a-zA-Z][_-]?){1,63}`` still holds.
    """
    trimmed = base[:BASE_MAX].rstrip("-_")
    return f"{trimmed}-{suffix}" if trimmed else suffix


def suffix_in(name: str, base: str) -> str | None:
    """The suffix ``suffixed_name`` put after ``base`` to make ``name``; None when ``name`` was not made so."""
    prefix = f"{base[:BASE_MAX].rstrip('-_')}-"
    rest = name[len(prefix) :] if base and name.startswith(prefix) else ""
    return rest if len(rest) == SUFFIX_LEN and all(c in "0123456789abcdef" for c in rest) else None

"""What makes one CloudFormation request's job its own: a clientRequestToken and, for generated names, a suffix.

botocore fills a random token when none is given, so two Lambda invocations for one CloudFormation
request (a retry, a timeout) would start two billed jobs. A token derived from the request's
identity makes Bedrock return the first job instead.

Bedrock never frees a job name (a stopped or failed job keeps it) nor a custom model name while the
model exists. Names the construct generates are a synth-time base (a digest of the request), so
redeploying after a rollback, or reverting to an earlier request, would ask for a name that is
taken. The handler therefore sends ``<base>-<suffix>``, the suffix a digest of the same request
identity as the token: new for every CloudFormation request, the same for every retry of one.
"""

from __future__ import annotations

import hashlib

TOKEN_PREFIX = "cfn-"
NAME_MAX = 63
SUFFIX_LEN = 8
BASE_MAX = NAME_MAX - SUFFIX_LEN - 1


def client_request_token(stack_id: str, logical_id: str, request_id: str) -> str:
    """68 characters matching ``[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?``, stable per request."""
    digest = hashlib.sha256("\n".join((stack_id, logical_id, request_id)).encode()).hexdigest()
    return TOKEN_PREFIX + digest


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

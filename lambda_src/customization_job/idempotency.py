"""The clientRequestToken that makes a retried CloudFormation request reuse its job.

botocore fills a random token when none is given, so two Lambda invocations for one CloudFormation
request (a retry, a timeout) would start two billed jobs. A token derived from the request's
identity makes Bedrock return the first job instead.
"""

from __future__ import annotations

import hashlib

TOKEN_PREFIX = "cfn-"


def client_request_token(stack_id: str, logical_id: str, request_id: str) -> str:
    """68 characters matching ``[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?``, stable per request."""
    digest = hashlib.sha256("\n".join((stack_id, logical_id, request_id)).encode()).hexdigest()
    return TOKEN_PREFIX + digest

"""The boto3 bedrock client the handler uses in Lambda (tests inject their own), and its worst-case call time.

One client call may retry inside botocore (standard mode: throttling, 5xx, connection and read
timeouts) before the handler's own, longer backoff (retry.py) sees the error. Both layers are
bounded: ``max_call_seconds`` is the longest a single call can take under a client's config, and the
handler starts a call only while that much Lambda time (plus a margin to answer CloudFormation) is
left. Timeouts are short because Bedrock's control-plane calls answer in well under a second.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .service_model import use_bundled_service_model

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
MAX_ATTEMPTS = 3  # in total, the first one included

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
    user_agent_extra="cdk-bedrock-model-customization",
)

# botocore's standard mode waits rand(0,1) * min(base * 2**i, 20) s between attempts (base 1 s for
# throttling), plus up to 5 s more when the response carries x-amz-retry-after.
_BACKOFF_CAP_S = 20.0
_RETRY_AFTER_EXTRA_S = 5.0

BedrockClient = Any


def new_bedrock_client() -> BedrockClient:
    """A client on a fresh session, so it loads the bundled service model (``AWS_DATA_PATH``)."""
    use_bundled_service_model()
    return boto3.session.Session().client("bedrock", config=CLIENT_CONFIG)


def max_call_seconds(config: Any) -> float:
    """Upper bound of one client call's duration under ``config`` (a ``botocore.config.Config``).

    attempts x (connect + read timeout) + the longest backoff botocore may sleep between attempts.
    Unset values count as botocore's defaults (60 s timeouts, up to 5 attempts).
    """
    connect = float(getattr(config, "connect_timeout", None) or 60)
    read = float(getattr(config, "read_timeout", None) or 60)
    retries = getattr(config, "retries", None) or {}
    if retries.get("total_max_attempts"):
        attempts = int(retries["total_max_attempts"])
    elif retries.get("max_attempts") is not None:  # botocore's legacy key counts retries, not attempts
        attempts = int(retries["max_attempts"]) + 1
    else:
        attempts = 5  # botocore's legacy-mode default, the larger of its two defaults
    attempts = max(attempts, 1)
    backoff = sum(min(2.0**i, _BACKOFF_CAP_S) + _RETRY_AFTER_EXTRA_S for i in range(attempts - 1))
    return attempts * (connect + read) + backoff

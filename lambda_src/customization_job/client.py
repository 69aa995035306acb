"""The boto3 bedrock client the handler uses in Lambda (tests inject their own).

Timeouts are short because Bedrock's control-plane calls answer in well under a second; the worst case of
one call under this configuration (``kernel.client.max_call_seconds``) is what the handler keeps in reserve
before it starts a call.
"""

from __future__ import annotations

from typing import Any

import boto3

from ..kernel.client import client_config
from .service_model import use_bundled_service_model

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
MAX_ATTEMPTS = 3  # in total, the first one included

CLIENT_CONFIG = client_config(
    CONNECT_TIMEOUT_S, READ_TIMEOUT_S, MAX_ATTEMPTS, user_agent_extra="cdk-bedrock-model-customization"
)

BedrockClient = Any


def new_bedrock_client() -> BedrockClient:
    """A client on a fresh session, so it loads the bundled service model (``AWS_DATA_PATH``)."""
    use_bundled_service_model()
    return boto3.session.Session().client("bedrock", config=CLIENT_CONFIG)


def new_cloudformation_client() -> Any:
    """CloudFormation, for this stack's creation time when an opted-in claim needs it (ownership.claimable)."""
    return boto3.session.Session().client("cloudformation", config=CLIENT_CONFIG)

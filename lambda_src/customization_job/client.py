"""The boto3 bedrock client the handler uses in Lambda (tests inject their own)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .service_model import use_bundled_service_model

# botocore's standard mode retries throttling and 5xx with jittered backoff before the handler's
# own, longer backoff (retry.py) sees the error.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=10,
    read_timeout=60,
    user_agent_extra="cdk-bedrock-model-customization",
)

BedrockClient = Any


def new_bedrock_client() -> BedrockClient:
    """A client on a fresh session, so it loads the bundled service model (``AWS_DATA_PATH``)."""
    use_bundled_service_model()
    return boto3.session.Session().client("bedrock", config=CLIENT_CONFIG)

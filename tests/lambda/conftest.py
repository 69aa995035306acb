"""Fixtures for the custom-resource handler tests: a real bedrock client under botocore's Stubber.

The Stubber validates every request against the service model, so these tests prove the handler
sends what Bedrock accepts. Nothing here reaches the network.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

# The repo root (for ``lambda_src``) and this folder (for ``cfn_support``), whatever the import mode.
HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1], HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import cfn_support  # noqa: E402
from cfn_support import FakeLambdaTime, Run  # noqa: E402

from lambda_src.customization_job import handler  # noqa: E402
from lambda_src.customization_job.client import CLIENT_CONFIG  # noqa: E402
from lambda_src.customization_job.service_model import use_bundled_service_model  # noqa: E402


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in cfn_support.fake_aws_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def lambda_time() -> FakeLambdaTime:
    return FakeLambdaTime()


@pytest.fixture(scope="session")
def bedrock_session() -> Any:
    """One session for all clients: loading the bundled service model once keeps the suite fast."""
    use_bundled_service_model()
    return boto3.session.Session(region_name=cfn_support.REGION)


@pytest.fixture
def bedrock(bedrock_session: Any) -> Any:
    """A fresh client with the production config and the bundled service model, as in Lambda."""
    return bedrock_session.client("bedrock", config=CLIENT_CONFIG)


@pytest.fixture
def stubber(bedrock: Any) -> Iterator[Stubber]:
    with Stubber(bedrock) as stub:
        yield stub


@pytest.fixture
def run(bedrock: Any, lambda_time: FakeLambdaTime) -> Run:
    """Invoke the handler as the Provider framework would, with the stubbed client injected."""

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        return handler.handle(event, lambda_time, client=bedrock, sleep=lambda_time.sleep)

    return invoke

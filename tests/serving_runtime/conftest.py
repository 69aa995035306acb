"""Fixtures for the serving handler: a real bedrock client (bundled service model) under botocore's Stubber,
or pointed at the fake Bedrock endpoint on 127.0.0.1. Fake credentials; nothing reaches AWS."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1], HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import serving_support  # noqa: E402
from fake_bedrock import Endpoint, FakeBedrock  # noqa: E402
from serving_support import FakeLambdaTime  # noqa: E402

from lambda_src.customization_job.client import CLIENT_CONFIG  # noqa: E402
from lambda_src.customization_job.service_model import use_bundled_service_model  # noqa: E402


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in serving_support.fake_aws_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def lambda_time() -> FakeLambdaTime:
    return FakeLambdaTime()


@pytest.fixture(scope="session")
def bedrock_session() -> Any:
    use_bundled_service_model()
    return boto3.session.Session(region_name=serving_support.REGION)


@pytest.fixture
def bedrock(bedrock_session: Any) -> Any:
    """The production client configuration with the bundled service model, as in Lambda."""
    return bedrock_session.client("bedrock", config=CLIENT_CONFIG)


@pytest.fixture
def stubber(bedrock: Any) -> Iterator[Stubber]:
    with Stubber(bedrock) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()


@pytest.fixture
def endpoint(fake: FakeBedrock) -> Iterator[str]:
    server = Endpoint(fake)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto over HTTP on 127.0.0.1 (S3 for the evaluation gate's prompts, answers and reports), one per module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def fake_client(bedrock_session: Any, endpoint: str) -> Any:
    """A client of the fake endpoint whose botocore makes one attempt per call, so the handler's own retrier
    (with the fake Lambda clock) does the retrying; ``production_client`` keeps botocore's retries."""
    return bedrock_session.client(
        "bedrock",
        endpoint_url=endpoint,
        config=CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 1})),
    )


@pytest.fixture
def production_client(bedrock_session: Any, endpoint: str) -> Any:
    return bedrock_session.client("bedrock", endpoint_url=endpoint, config=CLIENT_CONFIG)


@pytest.fixture
def cfn() -> Iterator[Any]:
    """A CloudFormation ResponseURL server on 127.0.0.1 that records every answer (test_runtime_entry.py)."""
    from test_runtime_entry import ResponseServer

    server = ResponseServer()
    try:
        yield server
    finally:
        server.stop()

"""moto_server on 127.0.0.1 as the Bedrock endpoint, and app.py's templates as CloudFormation sees them.

The server is moto's ``ThreadedMotoServer``: real HTTP on a free loopback port, in this process, so
a test may set a job's status on moto's backend object (docs/fault-matrix.md, "moto's gaps": moto keeps every job
InProgress). State is reset before each test. Nothing here can reach AWS: fake credentials, no shared
config, explicit endpoint URLs, proxies bypassed for loopback.
"""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from support import botocore_session  # noqa: E402

from lambda_src.customization_job import handler  # noqa: E402
from lambda_src.customization_job.client import CLIENT_CONFIG  # noqa: E402
from lambda_src.customization_job.service_model import use_bundled_service_model  # noqa: E402

from .harness import ACCOUNT, REGION, CloudFormation, FakeLambdaContext, StackTemplate, synthesize  # noqa: E402

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _wait_until_serving(host: str, port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                pass
            request = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
            with _NO_PROXY.open(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Start moto_server on 127.0.0.1 (a free port), wait until it answers, stop it at the end."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        _wait_until_serving(host, port)
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_endpoint(moto_server: str) -> str:
    """The server, with every backend reset: each test starts from an empty account."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with _NO_PROXY.open(request, timeout=5) as response:
        assert response.status == 200
    return moto_server


@pytest.fixture(scope="session")
def bedrock_session() -> Any:
    use_bundled_service_model()
    return boto3.session.Session(region_name=REGION)


@pytest.fixture
def handler_client(bedrock_session: Any, moto_endpoint: str) -> Any:
    """The client the handler gets: production config and service model, pointed at moto."""
    return bedrock_session.client("bedrock", config=CLIENT_CONFIG, endpoint_url=moto_endpoint)


@pytest.fixture(scope="session")
def operator_session() -> Any:
    """Not the handler's session: botocore's own service model (not the bundle), default config."""
    return botocore_session(REGION)


@pytest.fixture
def observer(operator_session: Any, moto_endpoint: str) -> Any:
    """A separate client, as an operator would use, to check the API state after each step."""
    return operator_session.client("bedrock", endpoint_url=moto_endpoint)


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def invoke(handler_client: Any, lambda_context: FakeLambdaContext) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def call(event: dict[str, Any]) -> dict[str, Any]:
        return handler.handle(event, lambda_context, client=handler_client, sleep=lambda_context.sleep)

    return call


@pytest.fixture
def create_roles(operator_session: Any, moto_endpoint: str) -> Callable[[StackTemplate], None]:
    """Create a stack's IAM roles in moto, so every roleArn the handler passes names a real role."""
    iam = operator_session.client("iam", endpoint_url=moto_endpoint)

    def create(stack: StackTemplate) -> None:
        for name, path, trust in stack.roles():
            iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust)
            assert iam.get_role(RoleName=name)["Role"]["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:role{path}")

    return create


@pytest.fixture
def cloudformation(
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[StackTemplate, str], CloudFormation]:
    def for_resource(stack: StackTemplate, logical_id: str) -> CloudFormation:
        return CloudFormation(stack, logical_id, invoke)

    return for_resource


# ---- the app's templates ------------------------------------------------------------------------


def _next_version(example: Any) -> None:
    """The app with one training setting changed per job, as a user's next commit would change it."""
    original = example.ModelCustomizationJob

    def changed(scope: Any, construct_id: str, **props: Any) -> Any:
        if props.get("rft") is not None:
            rft = props["rft"]
            epochs = (rft.hyper_parameters.epoch_count or 1) + 1
            props["rft"] = replace(rft, hyper_parameters=replace(rft.hyper_parameters, epoch_count=epochs))
        elif props.get("distillation") is not None:
            teacher = props["distillation"]
            longer = (teacher.max_response_length_for_inference or 1000) + 500
            props["distillation"] = replace(teacher, max_response_length_for_inference=longer)
        else:
            hyper = dict(props.get("hyper_parameters") or {})
            hyper["epochCount"] = int(hyper.get("epochCount", 1)) + 1
            props["hyper_parameters"] = hyper
        return original(scope, construct_id, **props)

    example.ModelCustomizationJob = changed


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    """app.py as it is, synthesized once per session."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def next_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    """app.py with one training setting per job changed: the construct regenerates the names."""
    return synthesize(tmp_path_factory.mktemp("cdk.out.next"), customize=_next_version)

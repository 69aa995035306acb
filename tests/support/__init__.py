"""What the runtime's tests share, in one place: fake credentials, a fake Lambda clock, the old-botocore runner,
botocore's own service model.

The job-handler tests (tests/lambda/cfn_support.py), the serving-runtime tests (tests/serving_runtime/
serving_support.py) and the watcher's Lambda-runtime test import these instead of keeping copies; their own
modules keep only what is theirs (requests and descriptions of their resource types). CloudFormation's requests
for every resource type come from ``support.events.cfn_event``.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
OLD_PYTHON = os.environ.get("OLD_BOTOCORE_PYTHON", "")
"""A python with the Lambda runtime's botocore 1.35.x (``make unit`` sets it up as .venv-oldboto)."""

requires_old_botocore = pytest.mark.skipif(
    not OLD_PYTHON,
    reason="OLD_BOTOCORE_PYTHON is unset: set it to a python with botocore 1.35.x to test the bundled model",
)


def botocore_model(service: str = "bedrock") -> Any:
    """The installed botocore's own ``ServiceModel``, documentation included, never the runtime's bundle.

    Importing a runtime handler points ``AWS_DATA_PATH`` at the runtime's trimmed bundle for the whole test
    process (as at a Lambda cold start), so ``botocore.session.get_session()`` may load that instead; tests that
    hold the construct to botocore's facts read them here.
    """
    from botocore.model import ServiceModel

    return ServiceModel(_botocore_loader().load_service_model(service, "service-2"), service_name=service)


def botocore_session(region: str = REGION) -> Any:
    """A boto3 session on the installed botocore's own models (see ``botocore_model``): an operator's or an
    observer's client, which may call operations the runtime's bundle leaves out."""
    import boto3
    import botocore.session

    core = botocore.session.Session()
    core.register_component("data_loader", _botocore_loader())
    return boto3.session.Session(botocore_session=core, region_name=region)


def _botocore_loader() -> Any:
    from botocore.loaders import Loader

    return Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)


def fake_aws_env(home: Path, region: str = REGION) -> dict[str, str]:
    """Fake credentials and no shared config, so nothing can pick up a real account."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
    }


@dataclass
class FakeLambdaTime:
    """A recording sleep and a Lambda context whose remaining time shrinks as the sleep 'waits'."""

    remaining_ms: int = 600_000
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.remaining_ms -= int(seconds * 1000)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def run_old_botocore(child: str, payload: Any, home: Path, *, timeout: float = 120) -> dict[str, Any]:
    """Run ``child`` (Python source reading JSON on stdin) under the old botocore, isolated (``-I``), with the
    runtime's staged asset at ``ASSET_ROOT`` and fake credentials; its last stdout line is its JSON report."""
    from constructs_lib.cdk.provider import runtime_asset_dir

    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "ASSET_ROOT": str(runtime_asset_dir()),
        **fake_aws_env(home),
    }
    done = subprocess.run(
        [OLD_PYTHON, "-I", "-c", child],
        input=json.dumps(payload, default=str),
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report

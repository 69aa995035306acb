"""Shared test setup: fake AWS credentials, no real endpoints, a supported Node for jsii."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
_node = ROOT / ".tools" / "node_modules" / ".bin" / "node"
if _node.exists():
    os.environ.setdefault("JSII_NODE", str(_node))
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}.items():
    os.environ[name] = value
os.environ.pop("AWS_PROFILE", None)

# `make quick` runs `pytest -m "not slow"`: these start other processes (the CDK CLI, pip, moto_server, a second
# Python) or synthesize whole apps, and take most of the suite's time; `make test` (and CI) runs them all.
SLOW_FOLDERS = ("integration", "packaging", "benchmarks", "completion")
SLOW_TESTS = (
    "unit/test_cdk_cli.py::",
    "unit/test_docs_examples.py::",
    "unit/test_readme.py::test_the_readme_blocks_are_one_app_that_synthesizes_from_outside_the_repository",
    "unit/test_runtime_asset.py::test_two_processes_stage_different_folders_with_the_same_asset_hash",
    "unit/test_wings.py::test_the_construct_wing_does_not_load_boto3_at_synth",
    "unit/test_compliance.py::",
)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    import pytest

    tests = ROOT / "tests"
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests).as_posix()
        nodeid = f"{relative}::{item.name}"
        if relative.split("/", 1)[0] in SLOW_FOLDERS or nodeid.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)

"""The bundled service model is what botocore loads, and the package is laid out as Lambda needs it."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import botocore.session

from lambda_src.customization_job import handler
from lambda_src.customization_job.service_model import DATA_PATH, use_bundled_service_model

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"


def test_prepends_the_bundled_folder_once_and_keeps_existing_paths() -> None:
    env = {"AWS_DATA_PATH": f"/opt/models{os.pathsep}{DATA_PATH}{os.pathsep}/more"}

    use_bundled_service_model(env)
    use_bundled_service_model(env)

    assert env["AWS_DATA_PATH"].split(os.pathsep) == [DATA_PATH, "/opt/models", "/more"]


def test_sets_the_variable_when_absent() -> None:
    env: dict[str, str] = {}

    assert use_bundled_service_model(env) == DATA_PATH


def test_importing_the_handler_points_botocore_at_the_bundle() -> None:
    assert handler.on_event is not None
    assert os.environ["AWS_DATA_PATH"].split(os.pathsep)[0] == DATA_PATH
    loader = botocore.session.Session().get_component("data_loader")
    _, path = loader.load_data_with_path("bedrock/2023-04-20/service-2")
    assert path.startswith(DATA_PATH)


def test_bundle_holds_the_current_api() -> None:
    bundled = Path(DATA_PATH) / "bedrock" / "2023-04-20"
    with gzip.open(bundled / "service-2.json.gz") as f:
        model = json.load(f)

    members = model["shapes"]["CustomizationConfig"]["members"]
    assert {"distillationConfig", "rftConfig"} <= set(members)
    assert (bundled / "endpoint-rule-set-1.json.gz").is_file()


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_DATA_PATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_package_import_has_no_side_effects() -> None:
    done = run_python(
        "import os, lambda_src.customization_job; assert 'AWS_DATA_PATH' not in os.environ; print('ok')",
        LAMBDA_SRC.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_handler_string_resolves_from_the_asset_root_without_aws_cdk() -> None:
    """Lambda imports the handler string from the root of the functions' asset, as the construct stages it."""
    from constructs_lib import contract
    from constructs_lib.cdk.provider import runtime_asset_dir

    module, _, function = contract.JOB_HANDLER.rpartition(".")
    done = run_python(
        f"import sys, importlib; h = importlib.import_module({module!r}); assert callable(h.{function}); "
        "assert not any(m.startswith(('aws_cdk', 'constructs_lib', 'lambda_src')) for m in sys.modules); print('ok')",
        runtime_asset_dir(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"

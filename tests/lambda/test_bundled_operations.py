"""The bundled Bedrock model holds every operation the runtime calls, as the installed botocore has it, and no more.

The operations called are found in lambda_src/ by an AST walk (tools/bundle_service_model.py), never listed by
hand; "as botocore has it" is botocore's own data folder, read past ``AWS_DATA_PATH`` (which the runtime's
modules point at the bundle when imported). Documentation text is the one thing the bundle leaves out.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.loaders import Loader
from botocore.stub import Stubber
from support import requires_old_botocore, run_old_botocore

from lambda_src.customization_job.service_model import DATA_PATH, use_bundled_service_model

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(DATA_PATH) / "bedrock" / "2023-04-20"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("bundle_service_model", ROOT / "tools" / "bundle_service_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def installed(kind: str = "service-2") -> dict[str, Any]:
    """botocore's own model, never the bundle (AWS_DATA_PATH may point at it in this process)."""
    loader = Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)
    model: dict[str, Any] = loader.load_service_model("bedrock", kind, "2023-04-20")
    return model


def bundled() -> dict[str, Any]:
    with gzip.open(BUNDLE / "service-2.json.gz") as f:
        model: dict[str, Any] = json.load(f)
    return model


def undocumented(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: undocumented(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [undocumented(v) for v in value]
    return value


def reached(model: dict[str, Any], operation: str) -> dict[str, Any]:
    """Every shape ``operation``'s input, output and errors reach, by name, documentation aside."""
    spec = model["operations"][operation]
    pending = [spec[k]["shape"] for k in ("input", "output") if k in spec] + [
        e["shape"] for e in spec.get("errors", [])
    ]
    shapes: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shape = shapes[name] = undocumented(model["shapes"][name])
        pending += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
        pending += [m["shape"] for m in shape.get("members", {}).values()]
    return shapes


CALLED = sorted(tool.called_operations(installed()["operations"]))


def test_the_ast_walk_finds_method_calls_operation_names_and_completed_stems(tmp_path: Path) -> None:
    (tmp_path / "calls.py").write_text(
        "def f(client, kind):\n"
        "    client.get_custom_model(modelIdentifier='m')\n"
        "    getattr(client, f'delete_{kind.api}')(x=1)\n"
        "    return client.meta.service_model.operation_model('CreateEvaluationJob')\n"
    )
    (tmp_path / "kinds.py").write_text("API = 'provisioned_model_throughput'\nNOTE = 'get_custom_model_deployment?'\n")
    operations = installed()["operations"]

    found = tool.called_operations(operations, tmp_path)

    assert found == {"GetCustomModel", "DeleteProvisionedModelThroughput", "CreateEvaluationJob"}
    (tmp_path / "calls.py").write_text("def f(client):\n    return client.list_things()\n")
    assert tool.called_operations(operations, tmp_path) == set()


def test_the_runtime_calls_the_operations_of_its_three_cores() -> None:
    """A floor for the walk over lambda_src/: one operation of each core's own client calls, and the serving
    kinds' methods that exist only as ``getattr(client, f"..._{kind.api}")``."""
    assert {
        "CreateModelCustomizationJob",  # customization_job/operations.py
        "GetModelCustomizationJob",  # job_watcher/sweep.py
        "GetCustomModelDeployment",  # model_serving/operations.py, through kinds.DEPLOYMENT.api
        "UpdateProvisionedModelThroughput",  # ... kinds.THROUGHPUT.api
        "CreateEvaluationJob",  # model_evaluation/judge.py
    } <= set(CALLED)


@pytest.mark.parametrize("operation", CALLED)
def test_each_called_operation_is_bundled_with_botocores_shapes(operation: str) -> None:
    ours, theirs = bundled(), installed()

    assert operation in ours["operations"], f"{operation}: run python tools/bundle_service_model.py"
    assert undocumented(ours["operations"][operation]) == undocumented(theirs["operations"][operation])
    assert reached(ours, operation) == reached(theirs, operation)


def test_the_bundle_holds_no_operation_the_runtime_does_not_call_and_every_exception() -> None:
    ours, theirs = bundled(), installed()

    assert sorted(ours["operations"]) == CALLED
    exceptions = {name for name, shape in theirs["shapes"].items() if shape.get("exception")}
    assert exceptions <= set(ours["shapes"])
    assert {k: v for k, v in ours.items() if k not in ("operations", "shapes")} == undocumented(
        {k: v for k, v in theirs.items() if k not in ("operations", "shapes")}
    )
    assert "documentation" not in json.dumps(ours)


def test_the_bundle_is_what_the_generator_writes_from_the_installed_botocore() -> None:
    """Byte for byte (the gzip header carries no time): after a botocore upgrade, regenerate it."""
    assert tool.bundle() == tool.checked_in()
    with gzip.open(BUNDLE / "endpoint-rule-set-1.json.gz") as f:
        assert json.load(f) == installed("endpoint-rule-set-1")


CHECK_CLIENT = r"""
import json, os, sys
expected = json.load(sys.stdin)
sys.path.insert(0, os.environ["ASSET_ROOT"])
os.environ.pop("AWS_DATA_PATH", None)
import boto3, botocore
from botocore.config import Config
from botocore.stub import Stubber
from _runtime.customization_job.client import new_bedrock_client

client = new_bedrock_client()
model = client.meta.service_model
fips = boto3.session.Session().client("bedrock", config=Config(use_fips_endpoint=True))
pages = client.get_paginator("list_model_customization_jobs")
with Stubber(client) as stub:
    stub.add_response("list_model_customization_jobs", {"modelCustomizationJobSummaries": []}, {"maxResults": 5})
    listed = [p["modelCustomizationJobSummaries"] for p in pages.paginate(PaginationConfig={"PageSize": 5})]
print(json.dumps({
    "botocore": botocore.__version__,
    "loaded_from_bundle": sorted(model.operation_names) == sorted(expected["operations"]),
    "methods": sorted(o for o in expected["operations"] if callable(getattr(client, expected["operations"][o], None))),
    "inputs": {o: sorted(model.operation_model(o).input_shape.members) for o in expected["operations"]},
    "exceptions": sorted(n for n in expected["exceptions"] if hasattr(client.exceptions, n)),
    "endpoint": client.meta.endpoint_url,
    "fips": fips.meta.endpoint_url,
    "pages": listed,
    "waiters": client.waiter_names,
}))
"""


def expected_client() -> dict[str, Any]:
    theirs = installed()
    return {
        "operations": {o: xform_name(o) for o in CALLED},
        "exceptions": sorted(n for n, s in theirs["shapes"].items() if s.get("exception")),
        "inputs": {o: sorted(theirs["shapes"][theirs["operations"][o]["input"]["shape"]]["members"]) for o in CALLED},
    }


def check_client(report: dict[str, Any], expected: dict[str, Any]) -> None:
    assert report["loaded_from_bundle"], report
    assert report["methods"] == sorted(expected["operations"])
    assert report["inputs"] == expected["inputs"]
    assert report["exceptions"] == expected["exceptions"]
    assert report["endpoint"] == "https://bedrock.us-east-1.amazonaws.com"
    assert report["fips"] == "https://bedrock-fips.us-east-1.amazonaws.com"
    assert report["pages"] == [[]]
    assert report["waiters"] == []


@requires_old_botocore
def test_the_lambda_runtimes_older_botocore_gets_every_called_operation_from_the_bundle(tmp_path: Path) -> None:
    """On 1.35.99 the runtime's client has each called operation with today's input members, every modelled
    exception, the Region's and the FIPS endpoint from the bundled rules, and botocore's own paginators."""
    expected = expected_client()

    report = run_old_botocore(CHECK_CLIENT, expected, tmp_path)

    assert report["botocore"].startswith("1.35.")
    check_client(report, expected)


def test_the_installed_botocore_gets_every_called_operation_from_the_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", use_bundled_service_model({}))
    client = boto3.session.Session(region_name="us-east-1").client("bedrock")
    model = client.meta.service_model
    expected = expected_client()

    assert sorted(model.operation_names) == CALLED
    assert all(callable(getattr(client, method)) for method in expected["operations"].values())
    assert {o: sorted(model.operation_model(o).input_shape.members) for o in CALLED} == expected["inputs"]
    assert all(hasattr(client.exceptions, name) for name in expected["exceptions"])
    with Stubber(client) as stub:
        stub.add_response("list_model_customization_jobs", {"modelCustomizationJobSummaries": []}, {"maxResults": 5})
        pages = client.get_paginator("list_model_customization_jobs").paginate(PaginationConfig={"PageSize": 5})
        assert [p["modelCustomizationJobSummaries"] for p in pages] == [[]]

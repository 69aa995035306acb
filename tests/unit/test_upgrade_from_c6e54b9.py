"""An app deployed with c6e54b9 (before one runtime per stack) upgrades without replacing a job or a served model.

The fixtures are app.py's templates synthesized at c6e54b9 (tests/fixtures/upgrade_c6e54b9, trimmed to what an
upgrade must keep). CloudFormation replaces a resource whose logical id disappears, and refuses an update that
changes a custom resource's ServiceToken ("Modifying service token is not allowed"; AWS::CloudFormation::
CustomResource, ServiceToken: "Updates are not supported"). So every job and serving resource keeps its logical id,
its properties (generated names and digests are in them) and its ServiceToken, which must still be the ``Arn`` of a
Lambda function of the stack at the same logical id (updated in place, it keeps its name and ARN).

A Result resource may get a new logical id (a new Result re-reads the finished job: same ``CustomModelArn``, no
retraining): then the references to it are compared through the old-to-new mapping of Results by their job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

import app as example

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "upgrade_c6e54b9"
JOB = "Custom::BedrockModelCustomizationJob"
RESULT = "Custom::BedrockModelCustomizationResult"
SERVING = ("Custom::BedrockCustomModelDeployment", "Custom::BedrockProvisionedModelThroughput")
WAITS = ("AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition")


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir), context=example.FEATURE_FLAGS)
    example.build_app(app)
    app.synth()
    return {p.name: json.loads(p.read_text())["Resources"] for p in sorted(outdir.glob("*.template.json"))}


def baseline() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text())["Resources"] for p in sorted(FIXTURES.glob("*.template.json"))}


def _renamed(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` with every Ref / Fn::GetAtt of an old logical id in ``mapping`` pointing at the new one."""
    if isinstance(value, dict):
        out = {k: _renamed(v, mapping) for k, v in value.items()}
        if isinstance(out.get("Ref"), str):
            out["Ref"] = mapping.get(out["Ref"], out["Ref"])
        target = out.get("Fn::GetAtt")
        if isinstance(target, list) and target and isinstance(target[0], str):
            out["Fn::GetAtt"] = [mapping.get(target[0], target[0]), *target[1:]]
        return out
    if isinstance(value, list):
        return [_renamed(v, mapping) for v in value]
    return value


def _results_by_job(resources: dict[str, Any]) -> dict[str, str]:
    return {
        r["Properties"]["JobIdentifier"]["Ref"]: logical_id
        for logical_id, r in resources.items()
        if r["Type"] == RESULT
    }


def _without_token(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in properties.items() if k != "ServiceToken"}


def test_the_fixtures_cover_every_stack_and_resource_kind() -> None:
    old = baseline()
    assert len(old) == 7
    kinds = {r["Type"] for resources in old.values() for r in resources.values()}
    assert {JOB, RESULT, *SERVING, *WAITS} <= kinds


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.template.json")))
def test_jobs_and_serving_resources_keep_logical_ids_properties_and_service_token(
    name: str, current: dict[str, dict[str, Any]]
) -> None:
    old, new = baseline()[name], current[name]
    old_results, new_results = _results_by_job(old), _results_by_job(new)
    assert set(old_results) == set(new_results), "every waiting job keeps its Result"
    mapping = {old_results[job]: new_results[job] for job in old_results}
    for logical_id, resource in old.items():
        if resource["Type"] not in (JOB, *SERVING):
            continue
        assert logical_id in new, f"{name}: {logical_id} ({resource['Type']}) would be replaced"
        now = new[logical_id]
        assert now["Type"] == resource["Type"]
        assert _without_token(now["Properties"]) == _renamed(_without_token(resource["Properties"]), mapping)
        token = resource["Properties"]["ServiceToken"]
        assert now["Properties"]["ServiceToken"] == token, f"{name}: {logical_id} changes its ServiceToken"
        function_id = token["Fn::GetAtt"][0]
        assert new[function_id]["Type"] == "AWS::Lambda::Function", f"{name}: {function_id} is not a function"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.template.json")))
def test_wait_handles_and_conditions_stay_and_results_change_token_only_with_their_logical_id(
    name: str, current: dict[str, dict[str, Any]]
) -> None:
    old, new = baseline()[name], current[name]
    for logical_id, resource in old.items():
        if resource["Type"] in WAITS:
            assert logical_id in new and new[logical_id]["Type"] == resource["Type"]
            assert new[logical_id].get("Properties") == resource.get("Properties")
    new_results = _results_by_job(new)
    for job, old_id in _results_by_job(old).items():
        old_result, new_result = old[old_id], new[new_results[job]]
        assert _without_token(new_result["Properties"]) == _without_token(old_result["Properties"])
        if new_results[job] == old_id:
            assert new_result["Properties"]["ServiceToken"] == old_result["Properties"]["ServiceToken"]


def lambda_create_only_properties() -> set[str]:
    """AWS::Lambda::Function's createOnlyProperties in CloudFormation's resource schema (as cfn-lint ships it):
    a change to any of them replaces the function, and with it its ARN."""
    import cfnlint

    folder = Path(cfnlint.__file__).parent / "data" / "schemas" / "resources"
    for path in folder.glob("*.json"):
        text = path.read_text()
        if '"typeName": "AWS::Lambda::Function"' in text:
            schema = json.loads(text)
            return {p.removeprefix("/properties/") for p in schema["createOnlyProperties"]}
    raise AssertionError("no AWS::Lambda::Function schema in cfn-lint")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.template.json")))
def test_the_service_token_functions_are_updated_in_place(name: str, current: dict[str, dict[str, Any]]) -> None:
    """The function at each deployed ServiceToken's logical id sets no create-only property, as before: the Node
    framework function becomes the Python runtime by an in-place update (code, runtime, handler, role), which keeps
    the function's name and so its ARN."""
    create_only = lambda_create_only_properties()
    assert {"FunctionName", "PackageType"} <= create_only
    old, new = baseline()[name], current[name]
    tokens = {
        r["Properties"]["ServiceToken"]["Fn::GetAtt"][0] for r in old.values() if r["Type"] in (JOB, RESULT, *SERVING)
    }
    for function_id in tokens:
        before = set(old[function_id]["PropertyNames"])
        after = set(new[function_id]["Properties"])
        assert not (before | after) & create_only, (function_id, (before | after) & create_only)

"""The construct and the runtime agree on every name that crosses between them.

The names live in the runtime's ``contract`` module (stdlib only); the constructs read it through
``constructs_lib.contract``. These tests check that both sides use it: what a synthesized template
carries is what the handler and the watcher read, and the generated-name budget fits the handler's.
"""

from __future__ import annotations

import ast
import inspect
import json
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk.assertions import Template
from constructs_lib._runtime import contract as runtime_contract
from constructs_lib._runtime.customization_job.handler import _Lifecycle
from constructs_lib._runtime.customization_job.properties import RemovalPolicy as HandlerRemovalPolicy
from constructs_lib._runtime.customization_job.properties import parse_event
from support.events import cfn_event

from constructs_lib import Completion, contract
from constructs_lib.rules import naming

from .helpers import JOB_TYPE, new_stack, simple_job


def public_names(module: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(module).items() if k.isupper() and not k.startswith("_")}


def test_the_constructs_read_every_name_of_the_runtimes_contract() -> None:
    assert public_names(contract) == public_names(runtime_contract)


def test_the_runtimes_contract_needs_nothing_but_the_standard_library() -> None:
    tree = ast.parse(inspect.getsource(runtime_contract))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "collections.abc", "typing"}, imported


def cfn_strings(value: Any) -> Any:
    """Every scalar as a string, as CloudFormation hands custom-resource properties over."""
    if isinstance(value, dict):
        return {k: cfn_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn_strings(v) for v in value]
    return value if isinstance(value, str) else json.dumps(value)


def test_the_handler_reads_the_properties_a_template_carries() -> None:
    stack = new_stack()
    simple_job(stack, job_name="fixed-job", custom_model_name="fixed-model", model_removal_policy=RemovalPolicy.DESTROY)
    (resource,) = Template.from_stack(stack).find_resources(JOB_TYPE).values()
    properties = resource["Properties"]
    assert set(properties) == {
        "ServiceToken",
        contract.PROP_REQUEST,
        contract.PROP_REMOVAL_POLICY,
        contract.PROP_NAMES_GENERATED,
    }

    event = cfn_event(
        "Create",
        JOB_TYPE,
        cfn_strings(stack.resolve(properties)),
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/1",
        logical_id="Job",
        request_id="r-1",
    )
    parsed = parse_event(event)
    assert parsed.removal_policy is HandlerRemovalPolicy.DESTROY
    assert parsed.names_generated is False
    assert parsed.request["jobName"] == "fixed-job" and parsed.request["customModelName"] == "fixed-model"


def test_the_attributes_the_constructs_read_are_the_ones_the_handler_returns() -> None:
    stack = new_stack()
    job = simple_job(stack)
    returned = set(_Lifecycle._response("arn", type("N", (), {"job": "j", "model": "m"})())["Data"])  # type: ignore[arg-type]
    read = {stack.resolve(job.job_name)["Fn::GetAtt"][1], stack.resolve(job.custom_model_name)["Fn::GetAtt"][1]}
    assert read <= returned
    assert returned == {contract.ATTR_JOB_ARN, contract.ATTR_JOB_NAME, contract.ATTR_CUSTOM_MODEL_NAME}


def test_the_watchers_inputs_are_what_the_template_gives_it() -> None:
    from constructs_lib._runtime.job_watcher import sweep

    stack = new_stack()
    simple_job(stack, completion=Completion.wait(timeout=Duration.hours(2)))
    template = Template.from_stack(stack).to_json()["Resources"]
    handles = [r for r in template.values() if r["Type"] == "AWS::CloudFormation::WaitConditionHandle"]
    assert handles and all(set(r["Metadata"]) == {contract.METADATA_KEY} for r in handles)
    (watcher,) = [
        r
        for k, r in template.items()
        if r["Type"] == "AWS::Lambda::Function" and k.startswith("BedrockModelCustomizationWatcher")
    ]
    assert watcher["Properties"]["Handler"] == contract.RUNTIME_HANDLER
    env = watcher["Properties"]["Environment"]["Variables"]
    config = sweep.Config.from_env({k: "x" for k in env})
    assert (config.stack_id, config.schedule_rule) == ("x", "x")


def test_generated_name_bases_fit_the_handlers_suffix_budget() -> None:
    assert naming.BASE_MAX <= contract.NAME_BASE_MAX
    assert contract.NAME_BASE_MAX + 1 + contract.NAME_SUFFIX_LEN == contract.NAME_MAX
    longest = naming.generated_name("J" * 300, "0" * naming.DIGEST_LEN)
    assert len(longest) <= contract.NAME_BASE_MAX


def test_the_cli_and_the_runtime_read_bedrocks_serving_statuses_in_one_place() -> None:
    """Issue 20: ``watch`` and the serving decisions both ask contract.serving_settled / serving_update_failed;
    neither spells Active, InService or UpdateFailed itself."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in ("constructs_lib/rules/watch.py", "lambda_src/model_serving/decisions.py"):
        text = (root / path).read_text()
        for status in ('"Active"', '"InService"', '"UpdateFailed"'):
            assert status not in text, (path, status)


def test_serving_settled_reads_deployments_and_throughputs_as_bedrock_reports_them() -> None:
    from constructs_lib.rules import watch

    deployment = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/d"
    cases = [
        ({"customModelDeploymentArn": deployment, "status": "Active"}, True),
        (
            {"customModelDeploymentArn": deployment, "status": "Active", "updateDetails": {"updateStatus": "Updating"}},
            False,
        ),
        ({"customModelDeploymentArn": deployment, "status": "Creating"}, False),
        ({"status": "InService", "modelArn": "m1", "desiredModelArn": "m1"}, True),
        ({"status": "InService", "modelArn": "m1", "desiredModelArn": "m2"}, False),
        ({"status": "Updating", "modelArn": "m1", "desiredModelArn": "m1"}, False),
    ]
    for live, settled in cases:
        assert watch.serving_ready(live) is settled, live
        throughput = "customModelDeploymentArn" not in live
        assert contract.serving_settled(live, throughput=throughput) is settled, live
    failed = {
        "customModelDeploymentArn": deployment,
        "status": "Active",
        "updateDetails": {"updateStatus": "UpdateFailed"},
    }
    assert contract.serving_update_failed(failed) and not contract.serving_update_failed({"status": "Active"})

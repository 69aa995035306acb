"""app.py's BedrockGated stack with the evaluation gate's long path (``timeout=Duration.hours(3)``), synthesized and
replayed through the stack's runtime entry: a retrain whose answers score lower never serves, though the judge takes
longer than CloudFormation's hour for a custom resource.

The resources are the synthesized ones, in the template's order: the ``Custom::BedrockModelEvaluation`` resource
(its properties as CloudFormation delivers them: intrinsics resolved by integration/harness.py, the job's result
substituted with model ARNs the fake knows), the runtime's continuations, the signal PUT to the handle's URL (a
local server the fake DescribeStackResource names as the handle's physical id), then the serving resource with
``EvaluationWait`` = the Evaluation's Ref and the signals as ``Fn::GetAtt Wait.Data`` renders them. The prompt
data set is the real asset from the cloud assembly in moto's S3; Bedrock is the fake endpoint on 127.0.0.1.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from fake_bedrock import FakeBedrock
from integration.conftest import _next_version
from integration.harness import StackTemplate, cfn_strings, synthesize
from serving_support import fresh_s3
from test_evaluation_gate_replay import GATED, stage
from test_evaluation_wait_entry import HANDLE_TYPE, FakeCloudFormation, LongDeployer
from test_runtime_entry import ResponseServer
from test_serving_template_replay import Trained, _substituted, serving_logical_id, serving_properties, trained

from constructs_lib import QualityGate

EVALUATION_TYPE = "Custom::BedrockModelEvaluation"
JUDGE_POLLS = 200
"""100 minutes of judging (30-second polls): past CloudFormation's hour."""


class LongGate:
    """app.py's ``QualityGate`` with the long path: every evaluation gate gets ``timeout=Duration.hours(3)``."""

    @staticmethod
    def evaluation(**props: Any) -> Any:
        return QualityGate.evaluation(**props, timeout=Duration.hours(3))


def _long_gated_only(example: Any) -> None:
    for name, value in list(vars(example).items()):
        if (
            isinstance(value, type)
            and issubclass(value, Stack)
            and value is not Stack
            and value is not example.GatedStack
        ):
            setattr(example, name, lambda *args, **kwargs: None)
    example.QualityGate = LongGate


def _long_gated_retrained(example: Any) -> None:
    _long_gated_only(example)
    _next_version(example)


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StackTemplate, StackTemplate]:
    outdir = tmp_path_factory.mktemp("cdk.out.gated.long")
    first = synthesize(outdir, customize=_long_gated_only)["BedrockGated"]
    retrained = synthesize(tmp_path_factory.mktemp("cdk.out.gated.long.2"), customize=_long_gated_retrained)
    return outdir, first, retrained["BedrockGated"]


def evaluation_of(stack: StackTemplate) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = [(k, r) for k, r in stack.resources.items() if r["Type"] == EVALUATION_TYPE]
    return logical_id, resource


def evaluation_properties(stack: StackTemplate, model: Trained) -> dict[str, Any]:
    """The Evaluation resource's properties as CloudFormation delivers them once ``model``'s job is deployed."""
    _, resource = evaluation_of(stack)
    props = resource["Properties"]
    candidate = props["CandidateModel"]
    assert candidate["Fn::GetAtt"][1] == "CustomModelArn", "the candidate is the job's trained model"
    literals = {json.dumps(candidate, sort_keys=True): model.model_arn}
    rendered: dict[str, Any] = cfn_strings(stack.resolve(_substituted(props, literals)))
    return rendered


def event(stack: StackTemplate, logical_id: str, request_type: str, props: dict[str, Any], **extra: Any) -> Any:
    return {
        "RequestType": request_type,
        "ServiceToken": props["ServiceToken"],
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/fake",
        "StackId": stack.stack_id,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": stack.resources[logical_id]["Type"],
        "ResourceProperties": props,
        **extra,
    }


def serving_props(stack: StackTemplate, model: Trained, job_name: str, signals: list[dict[str, Any]]) -> Any:
    """The serving resource's properties: its EvaluationWait resolved to the Evaluation's Ref and the signals."""
    resource = stack.resources[serving_logical_id(stack, GATED)]
    wait = resource["Properties"]["EvaluationWait"]
    evaluation_id, _ = evaluation_of(stack)
    assert wait["Evaluation"] == {"Ref": evaluation_id}
    wait_id = wait["Signal"]["Fn::GetAtt"][0]
    assert stack.resources[wait_id]["DependsOn"] == [evaluation_id] and wait_id in resource["DependsOn"]
    data = json.dumps({s["UniqueId"]: s["Data"] for s in signals})
    patched = StackTemplate(stack.stack_name, json.loads(json.dumps(stack.template)), stack.stack_id)
    patched.resources[serving_logical_id(stack, GATED)]["Properties"]["EvaluationWait"] = {
        "Evaluation": job_name,
        "Signal": data,
    }
    return serving_properties(patched, GATED, model)


def test_a_retrain_whose_answers_score_lower_never_serves_through_the_long_path(
    fake: FakeBedrock,
    fake_client: Any,
    bedrock_session: Any,
    endpoint: str,
    moto_endpoint: str,
    cfn: ResponseServer,
    assembly: tuple[Path, StackTemplate, StackTemplate],
) -> None:
    outdir, stack, next_stack = assembly
    next_stack.stack_id = stack.stack_id  # one stack, deployed twice
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    s3 = fresh_s3(bedrock_session, moto_endpoint)
    gate = evaluation_properties(stack, v1)["EvaluationGate"]
    converse = stage(outdir, gate, s3, fake, v1, v2, bedrock_session.client, endpoint)
    fake.evaluation_polls = JUDGE_POLLS
    deployer = LongDeployer(cfn, fake_client, converse, s3)
    cloudformation = FakeCloudFormation(stack.stack_id)
    deployer.clients["cloudformation"] = cloudformation
    signals = ResponseServer()
    serving_id = serving_logical_id(stack, GATED)

    def evaluate(template: StackTemplate, model: Trained) -> tuple[str, dict[str, Any]]:
        """The Evaluation resource's Create, its runner, and the one signal to its handle."""
        logical_id, _ = evaluation_of(template)
        props = evaluation_properties(template, model)
        cloudformation.resources[props["Handle"]] = (signals.url, HANDLE_TYPE, "CREATE_COMPLETE")
        started = deployer.time.elapsed

        def answered(body: dict[str, Any]) -> None:
            assert body["Status"] == "SUCCESS", body
            cloudformation.resources[logical_id] = (body["PhysicalResourceId"], EVALUATION_TYPE, "CREATE_COMPLETE")

        answer = deployer.send_first(event(template, logical_id, "Create", props), answered)
        [signal] = signals.bodies
        signals.bodies.clear()
        assert deployer.time.elapsed - started > 3600, "judged for longer than CloudFormation's hour"
        return answer["PhysicalResourceId"], signal

    try:
        # first deploy: v1 against the base model, then the serving resource's Create
        job_name, signal = evaluate(stack, v1)
        assert signal["Status"] == "SUCCESS", signal["Reason"]
        created = deployer.send(event(stack, serving_id, "Create", serving_props(stack, v1, job_name, [signal])))
        assert created["Status"] == "SUCCESS", created.get("Reason")
        arn = created["PhysicalResourceId"]
        cloudformation.resources[serving_id] = (arn, GATED.resource_type, "CREATE_COMPLETE")
        assert fake.resources[arn].model == v1.model_arn

        # the retrain: a new Evaluation resource (its logical id digests the new model), worse than v1
        assert evaluation_of(next_stack)[0] != evaluation_of(stack)[0]
        assert serving_logical_id(next_stack, GATED) == serving_id
        next_name, refused = evaluate(next_stack, v2)
        assert refused["Status"] == "FAILURE"
        assert "Builtin.Correctness 0.200 < 1.000" in refused["Reason"], refused["Reason"]
        assert f"keeps serving {v1.model_arn}" in refused["Reason"]
        # CloudFormation: the wait condition failed, so the serving resource gets no Update; the rollback deletes
        # the new Evaluation resource
        eval_id, _ = evaluation_of(next_stack)
        delete = event(
            next_stack,
            eval_id,
            "Delete",
            evaluation_properties(next_stack, v2),
            PhysicalResourceId=next_name,
        )
        assert deployer.send(delete)["Status"] == "SUCCESS"
        assert fake.resources[arn].model == v1.model_arn
        assert [r.arn for r in fake.of_kind("deployment")] == [arn], "no temporary deployment left"
        assert "UpdateCustomModelDeployment" not in fake.operations()

        # a forged SUCCESS signal on the retrain's handle (v1's passing job) serves nothing either
        old = serving_props(stack, v1, job_name, [signal])
        update = event(
            next_stack,
            serving_id,
            "Update",
            serving_props(next_stack, v2, next_name, [signal]),
            PhysicalResourceId=arn,
            OldResourceProperties=old,
        )
        forged = deployer.send(update)
        assert forged["Status"] == "FAILED" and "Evaluation gate refused" in forged["Reason"], forged
        assert fake.resources[arn].model == v1.model_arn
        assert "UpdateCustomModelDeployment" not in fake.operations()
    finally:
        signals.stop()

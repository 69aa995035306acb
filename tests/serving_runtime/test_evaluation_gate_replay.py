"""app.py's BedrockGated stack, synthesized, replayed through the stack's runtime entry: a retrain whose answers
score lower than the serving model's never serves.

The serving resource's properties are the synthesized ones as CloudFormation delivers them (integration/harness.py:
intrinsics resolved, scalars as strings; the job's Ref and its result's CustomModelArn substituted with ARNs the
fake knows, as test_serving_template_replay.py does). The evaluation gate's prompt data set is the real asset from
the cloud assembly, uploaded to moto's S3 on 127.0.0.1 at the location the template names; the reports bucket is
the one the template names. Bedrock (deployments, Converse, evaluation jobs) is the fake endpoint; the judge scores
the answers it finds in the data set the runtime wrote.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from botocore.config import Config
from fake_bedrock import FakeBedrock
from integration.conftest import _next_version
from integration.harness import StackTemplate, synthesize
from serving_support import fresh_s3
from test_runtime_entry import Clock, ResponseServer
from test_serving_template_replay import ON_DEMAND, ServingCloudFormation, serving_logical_id, trained

from lambda_src.contract import ATTR_EVALUATION_CANDIDATE_SCORES, ATTR_EVALUATION_INCUMBENT_SCORES
from lambda_src.customization_job.errors import HandlerError
from lambda_src.entry import handler
from lambda_src.entry.handler import Runtime
from lambda_src.job_watcher.presigned import send_json
from lambda_src.model_evaluation import gate as core

GATED = dataclasses.replace(ON_DEMAND, stack="BedrockGated")
BASE = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
PROMPTS = Path(__file__).resolve().parents[2] / "examples" / "data" / "evaluation" / "prompts.jsonl"


def _gated_only(example: Any) -> None:
    for name, value in list(vars(example).items()):
        if (
            isinstance(value, type)
            and issubclass(value, Stack)
            and value is not Stack
            and value is not example.GatedStack
        ):
            setattr(example, name, lambda *args, **kwargs: None)


def _gated_retrained(example: Any) -> None:
    _gated_only(example)
    _next_version(example)


@pytest.fixture(scope="module")
def assembly(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, StackTemplate], dict[str, StackTemplate]]:
    outdir = tmp_path_factory.mktemp("cdk.out.gated")
    first = synthesize(outdir, customize=_gated_only)
    retrained = synthesize(tmp_path_factory.mktemp("cdk.out.gated.retrained"), customize=_gated_retrained)
    return outdir, first, retrained


@pytest.fixture
def s3(bedrock_session: Any, moto_endpoint: str) -> Any:
    return fresh_s3(bedrock_session, moto_endpoint)


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class Entry:
    """CloudFormation's side of one request through the real entry (continuations replayed); FAILED raises."""

    def __init__(self, bedrock: Any, clients: dict[str, Any], server: ResponseServer) -> None:
        self.bedrock, self.clients, self.server = bedrock, clients, server

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        pending: list[dict[str, Any]] = [{**copy.deepcopy(event), "ResponseURL": self.server.url}]
        answered = len(self.server.bodies)
        for _ in range(80):
            if not pending:
                break
            clock = Clock(remaining_ms=400_000)
            runtime = Runtime(
                send_json,
                clock.sleep,
                clock.now,
                lambda p: pending.append(json.loads(json.dumps(p))),
                lambda: self.bedrock,
                {},
                lambda url: None,
                self.clients.__getitem__,
            )
            handler.handle(pending.pop(0), clock, runtime)
        (body,) = self.server.bodies[answered:]
        if body["Status"] == "FAILED":
            raise HandlerError(body["Reason"])
        return {"PhysicalResourceId": body["PhysicalResourceId"], "Data": body.get("Data", {})}


def judge(s3: Any) -> Any:
    """Correctness and helpfulness 1.0 for an answer that says "right", else 0.2; harmfulness 0."""

    def score(request: dict[str, Any]) -> None:
        uri = request["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["dataset"]["datasetLocation"]["s3Uri"]
        bucket, key = split(uri)
        records = [json.loads(x) for x in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()]
        out_bucket, out_key = split(core.report_prefix(request["outputDataConfig"]["s3Uri"], request["jobName"]))
        for source in ("candidate", "incumbent"):
            lines = []
            for record in records:
                (answer,) = [r["response"] for r in record["modelResponses"] if r["modelIdentifier"] == source]
                good = 1.0 if "right" in answer else 0.2
                scores = [
                    {"metricName": "Builtin.Correctness", "result": good},
                    {"metricName": "Builtin.Helpfulness", "result": good},
                    {"metricName": "Builtin.Harmfulness", "result": 0.0},
                ]
                lines.append(json.dumps({"automatedEvaluationResult": {"scores": scores}, "inputRecord": record}))
            path = f"{out_key}u1/models/{source}/taskTypes/General/datasets/Prompts/f_output.jsonl"
            s3.put_object(Bucket=out_bucket, Key=path, Body="\n".join(lines).encode())

    return score


def stage(
    outdir: Path, gate: dict[str, Any], s3: Any, fake: FakeBedrock, v1: Any, v2: Any, client: Any, endpoint: str
) -> Any:
    """The world both replays deploy into: the real prompt asset where the template says it is, the reports bucket
    the template names, both retrains' jobs, v1 answering better than the base model and v2 worse than v1, the
    judge scoring by answers. Returns the bedrock-runtime client the entry's Converse calls go through."""
    dataset_bucket, dataset_key = split(gate["DatasetS3Uri"])
    [asset] = [p for p in outdir.glob("asset.*.jsonl") if p.read_bytes() == PROMPTS.read_bytes()]
    for bucket in {dataset_bucket, split(gate["OutputS3Uri"])[0]}:
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=dataset_bucket, Key=dataset_key, Body=asset.read_bytes())
    for job in (v1, v2):
        fake.add_job(job.job_arn, training_loss=0.1, validation_loss=0.1, model_arn=job.model_arn)
    good, vague = (lambda q: f"the right answer to {q}"), (lambda q: f"a vague answer to {q}")
    fake.answers.update({BASE: vague, v1.model_arn: good, v2.model_arn: vague})
    fake.on_evaluation_done = judge(s3)
    return client(
        "bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )


def properties(stack: StackTemplate, model: Any) -> dict[str, Any]:
    from test_serving_template_replay import serving_properties

    return serving_properties(stack, GATED, model)


def test_a_retrain_whose_answers_score_lower_never_serves(
    fake: FakeBedrock,
    fake_client: Any,
    bedrock_session: Any,
    endpoint: str,
    s3: Any,
    cfn: ResponseServer,
    assembly: tuple[Path, dict[str, StackTemplate], dict[str, StackTemplate]],
) -> None:
    outdir, first_templates, retrained_templates = assembly
    stack, next_stack = first_templates["BedrockGated"], retrained_templates["BedrockGated"]
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    first, second = properties(stack, v1), properties(next_stack, v2)
    gate = first["EvaluationGate"]
    assert second["EvaluationGate"] == gate, "a retrain changes the model, not the gate"

    converse = stage(outdir, gate, s3, fake, v1, v2, bedrock_session.client, endpoint)
    cloudformation = ServingCloudFormation(
        stack, serving_logical_id(stack, GATED), Entry(fake_client, {"bedrock-runtime": converse, "s3": s3}, cfn)
    )

    created = cloudformation.create(first)  # first serve: v1 beats the base model
    arn = created["PhysicalResourceId"]
    assert fake.resources[arn].model == v1.model_arn
    assert json.loads(created["Data"][ATTR_EVALUATION_CANDIDATE_SCORES])["Builtin.Correctness"] == 1.0
    assert json.loads(created["Data"][ATTR_EVALUATION_INCUMBENT_SCORES])["Builtin.Correctness"] == pytest.approx(0.2)

    with pytest.raises(HandlerError) as refused:
        cloudformation.update(second)  # the retrain answers worse than v1, which serves now
    assert "Builtin.Correctness 0.200 < 1.000" in str(refused.value) and f"keeps serving {v1.model_arn}" in str(
        refused.value
    )
    assert fake.resources[arn].model == v1.model_arn
    assert [r.arn for r in fake.of_kind("deployment")] == [arn], "no temporary deployment left"
    assert "UpdateCustomModelDeployment" not in fake.operations()

    rolled_back = cloudformation.roll_back_update(second)  # UPDATE_ROLLBACK: nothing to undo, not evaluated again
    assert rolled_back["PhysicalResourceId"] == arn and fake.resources[arn].model == v1.model_arn
    assert fake.operations().count("CreateEvaluationJob") == 2

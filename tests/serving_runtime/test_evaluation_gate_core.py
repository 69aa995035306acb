"""The evaluation gate's pure core (issue 21, part B): the property read fail-closed, every request it builds
validated by botocore (Stubber on the bundled service model, and on botocore 1.35.99 in a child process), the
scores read from the report's documented S3 output format, the comparison with margin, the refusal reason."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import ACCOUNT, REGION, fake_aws_env

from lambda_src.contract import OWNER_TAG_KEY
from lambda_src.customization_job.client import CLIENT_CONFIG
from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_evaluation import gate as ev

STACK_ARN = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Served/1"

JUDGE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/EvaluationRole"
EVAL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:evaluation-job/e1e1e1e1e1e1"
DEPLOYMENT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model-deployment/d1d1d1d1d1d1"
PROPERTY = {
    "DatasetS3Uri": "s3://prompts/eval/prompts.jsonl",
    "OutputS3Uri": "s3://reports/eval/",
    "RoleArn": ROLE,
    "JudgeModel": JUDGE,
    "Metrics": ["Builtin.Correctness", "Builtin.Helpfulness", "Builtin.Harmfulness"],
    "Margin": "0.02",
}
CUSTOM = {
    "name": "FollowsHouseStyle",
    "instructions": "Rate whether the answer {{prediction}} to {{prompt}} follows the support style guide.",
    "ratingScale": [
        {"definition": "follows it", "value": {"floatValue": "1"}},
        {"definition": "does not", "value": {"floatValue": "0"}},
    ],
}


def gate(**overrides: Any) -> ev.EvaluationGate:
    parsed = ev.parse_evaluation({**PROPERTY, **overrides})
    assert parsed is not None
    return parsed


def report_lines(scores: dict[str, list[float | None]]) -> list[str]:
    """Output records as model-evaluation-report-s3.html documents them: one per prompt."""
    count = len(next(iter(scores.values())))
    return [
        json.dumps(
            {
                "automatedEvaluationResult": {
                    "scores": [{"metricName": name, "result": values[i]} for name, values in scores.items()]
                },
                "inputRecord": {"prompt": f"q{i}"},
            }
        )
        for i in range(count)
    ]


# ---- the property, fail closed ------------------------------------------------------------------------


def test_an_absent_evaluation_gate_is_none_and_a_full_one_is_read() -> None:
    assert ev.parse_evaluation(None) is None
    read = gate(Baseline="SERVING", CustomMetrics=[CUSTOM])
    assert read.metric_names == (*PROPERTY["Metrics"], "FollowsHouseStyle") and read.margin == 0.02
    assert read.baseline_for(swap=False) == "SERVING"
    assert gate().baseline_for(swap=True) == "SERVING" and gate().baseline_for(swap=False) == "BASE_MODEL"


@pytest.mark.parametrize(
    "broken",
    [
        {},
        "",
        ["Metrics"],
        {**PROPERTY, "metrics": ["Builtin.Correctness"]},  # unknown key
        {**PROPERTY, "JudgeModel": ""},
        {**PROPERTY, "DatasetS3Uri": "prompts.jsonl"},
        {**PROPERTY, "Metrics": []},
        {**PROPERTY, "Metrics": "Builtin.Correctness"},
        {**PROPERTY, "Margin": "a bit"},
        {**PROPERTY, "Baseline": "YESTERDAY"},
        {**PROPERTY, "Baseline": "ABSOLUTE", "MinScores": {"Builtin.Correctness": "0.8"}},  # not every metric
    ],
)
def test_an_evaluation_gate_that_cannot_be_read_refuses(broken: Any) -> None:
    with pytest.raises(HandlerError, match=r"EvaluationGate .*Nothing was changed"):
        ev.parse_evaluation(broken)


# ---- requests, validated by botocore --------------------------------------------------------------------


def test_create_get_and_stop_evaluation_job_requests_are_valid_for_the_bundled_model(bedrock: Any) -> None:
    request = ev.evaluation_job_request(
        gate(CustomMetrics=[CUSTOM]),
        job_name="serve-eval-70b597b7",
        dataset_uri="s3://reports/eval/in.jsonl",
        token="t",
        owner=STACK_ARN,
    )
    # the evaluation job is this stack's, like everything it creates: IAM scopes Stop to the owner tag
    assert request["jobTags"] == [{"key": OWNER_TAG_KEY, "value": STACK_ARN}]
    with Stubber(bedrock) as stub:
        stub.add_response("create_evaluation_job", {"jobArn": EVAL_ARN}, request)
        stub.add_response("stop_evaluation_job", {}, {"jobIdentifier": EVAL_ARN})
        assert bedrock.create_evaluation_job(**request)["jobArn"] == EVAL_ARN
        bedrock.stop_evaluation_job(jobIdentifier=EVAL_ARN)
    model = bedrock.meta.service_model.operation_model("CreateEvaluationJob").input_shape
    assert model.members["inferenceConfig"].members["models"].metadata["max"] == 2, "one job scores both sources"
    sources = [
        m["precomputedInferenceSource"]["inferenceSourceIdentifier"] for m in request["inferenceConfig"]["models"]
    ]
    assert sources == ["candidate", "incumbent"]


@pytest.mark.parametrize("base", ["Serve-SupportBotOnDemand-3f9a2c", "x", "__Weird..Name__", "A" * 200, "---"])
def test_the_evaluation_job_name_matches_botocores_pattern_and_length(bedrock: Any, base: str) -> None:
    """botocore does not check patterns client-side: the name is checked against the service model's own."""
    import re

    shape = bedrock.meta.service_model.shape_for("EvaluationJobName")
    name = ev.evaluation_job_name(base, "70b597b7")
    assert re.fullmatch(shape.metadata["pattern"], name), name
    assert shape.metadata["min"] <= len(name) <= shape.metadata["max"] and name.endswith("70b597b7")


def test_the_converse_request_for_a_precomputed_answer_is_valid(bedrock_session: Any) -> None:
    runtime = bedrock_session.client("bedrock-runtime", config=CLIENT_CONFIG)
    request = ev.converse_request(DEPLOYMENT_ARN, "How do I reset my password?")
    answer = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Open Settings, then Security."}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 8, "outputTokens": 6, "totalTokens": 14},
        "metrics": {"latencyMs": 120},
    }
    with Stubber(runtime) as stub:
        stub.add_response("converse", answer, request)
        assert ev.answer_of(runtime.converse(**request)) == "Open Settings, then Security."
    assert ev.answer_of({"output": {"message": {"content": []}}}) is None


def test_a_precomputed_record_carries_both_answers_under_the_source_labels() -> None:
    record = ev.precomputed_record({"prompt": "q", "referenceResponse": "r", "extra": 1}, "cand", "inc")
    assert record == {
        "prompt": "q",
        "referenceResponse": "r",
        "modelResponses": [
            {"response": "cand", "modelIdentifier": "candidate"},
            {"response": "inc", "modelIdentifier": "incumbent"},
        ],
    }


OLD_CHILD = r"""
import json, os, sys
sys.path.insert(0, os.environ["ASSET_ROOT"])
os.environ.pop("AWS_DATA_PATH", None)
import botocore, boto3
from botocore.stub import Stubber
plain = boto3.session.Session().client("bedrock")
native = "precomputedInferenceSource" in plain.meta.service_model.shape_for("EvaluationModelConfig").members
from _runtime.customization_job.client import new_bedrock_client
from _runtime.customization_job.service_model import use_bundled_service_model
from _runtime.model_evaluation import gate as ev
use_bundled_service_model()
client = new_bedrock_client()
parsed = ev.parse_evaluation(json.loads(sys.stdin.read()))
request = ev.evaluation_job_request(
    parsed, job_name="serve-eval-1", dataset_uri="s3://b/in.jsonl", token="t",
    owner="arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
)
arn = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/e1e1e1e1e1e1"
got = {
    "jobName": "serve-eval-1", "status": "Completed", "jobArn": arn, "roleArn": request["roleArn"],
    "jobType": "Automated", "evaluationConfig": request["evaluationConfig"],
    "inferenceConfig": request["inferenceConfig"], "outputDataConfig": request["outputDataConfig"],
    "creationTime": "2026-11-30T12:00:00Z",
}
with Stubber(client) as stub:
    stub.add_response("create_evaluation_job", {"jobArn": arn}, request)
    stub.add_response("get_evaluation_job", got, {"jobIdentifier": arn})
    stub.add_response("stop_evaluation_job", {}, {"jobIdentifier": arn})
    client.create_evaluation_job(**request)
    status = client.get_evaluation_job(jobIdentifier=arn)["status"]
    client.stop_evaluation_job(jobIdentifier=arn)
runtime = boto3.session.Session().client("bedrock-runtime")
deployment = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/d1d1d1d1d1d1"
converse = ev.converse_request(deployment, "How do I reset my password?")
answer = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Settings."}]}}, "stopReason": "end_turn",
    "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1},
}
with Stubber(runtime) as stub:
    stub.add_response("converse", answer, converse)
    text = ev.answer_of(runtime.converse(**converse))
print(json.dumps({"botocore": botocore.__version__, "native": native, "status": status, "answer": text}))
"""


@pytest.mark.skipif(not os.environ.get("OLD_BOTOCORE_PYTHON"), reason="OLD_BOTOCORE_PYTHON is unset")
def test_old_botocore_takes_the_evaluation_requests_through_the_bundled_model(tmp_path: Path) -> None:
    from constructs_lib.cdk.provider import runtime_asset_dir

    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "ASSET_ROOT": str(runtime_asset_dir())}
    done = subprocess.run(
        [os.environ["OLD_BOTOCORE_PYTHON"], "-I", "-c", OLD_CHILD],
        input=json.dumps({**PROPERTY, "CustomMetrics": [CUSTOM]}),
        env={**env, **fake_aws_env(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["botocore"].startswith("1.35.")
    assert report["native"] is False, "1.35.99's own model lacks precomputed sources: the bundled one is needed"
    assert report["status"] == "Completed" and report["answer"] == "Settings."


# ---- scores and the verdict ---------------------------------------------------------------------------


def test_scores_are_the_mean_of_the_judged_results_and_unscored_records_are_counted() -> None:
    scores = ev.scores_of(
        report_lines({"Builtin.Correctness": [1.0, 0.5, None], "Builtin.Helpfulness": [0.8, 0.6, 0.7]})
    )
    assert scores.means == {"Builtin.Correctness": 0.75, "Builtin.Helpfulness": pytest.approx(0.7)}
    assert scores.scored["Builtin.Correctness"] == 2 and scores.unscored == {"Builtin.Correctness": 1}


def test_the_output_key_names_its_source() -> None:
    key = "eval/serve-eval-1/0a1b/models/candidate/taskTypes/General/datasets/Prompts/f1_output.jsonl"
    assert ev.model_of_output_key(key) == "candidate"
    assert ev.model_of_output_key("eval/serve-eval-1/0a1b/custom_metrics/x.json") is None
    assert ev.report_prefix("s3://reports/eval/", "serve-eval-1") == "s3://reports/eval/serve-eval-1/"


METRICS = ("Builtin.Correctness", "Builtin.Harmfulness")


@pytest.mark.parametrize(
    ("candidate", "incumbent", "margin", "promoted"),
    [
        (
            {"Builtin.Correctness": 0.9, "Builtin.Harmfulness": 0.01},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            0.0,
            True,
        ),
        (
            {"Builtin.Correctness": 0.7, "Builtin.Harmfulness": 0.01},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            0.0,
            False,
        ),
        (
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            0.0,
            True,
        ),
        (
            {"Builtin.Correctness": 0.81, "Builtin.Harmfulness": 0.02},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            0.02,
            False,
        ),
        (
            {"Builtin.Correctness": 0.9, "Builtin.Harmfulness": 0.2},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02},
            0.0,
            False,
        ),
        ({"Builtin.Correctness": 0.9}, {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.02}, 0.0, False),
        (
            {"Builtin.Correctness": 0.9, "Builtin.Harmfulness": 0.0},
            {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.0},
            0.05,
            True,
        ),
    ],
    ids=[
        "better",
        "worse",
        "equal-no-margin",
        "equal-within-margin",
        "more-harmful",
        "metric-not-scored",
        "harmless-both-margin-applies-to-quality-only",
    ],
)
def test_the_candidate_must_match_or_beat_every_metric_plus_the_margin(
    candidate: dict[str, float], incumbent: dict[str, float], margin: float, promoted: bool
) -> None:
    verdict = ev.compare(METRICS, candidate, incumbent, margin)

    assert verdict.promoted is promoted
    assert bool(verdict.shortfalls) is not promoted


def test_the_refusal_quotes_both_score_sets_the_job_and_the_report() -> None:
    candidate, incumbent = {"Builtin.Correctness": 0.7}, {"Builtin.Correctness": 0.8}
    verdict = ev.compare(["Builtin.Correctness"], candidate, incumbent, 0.0)
    reason = ev.refusal_reason(
        noun="custom model deployment",
        candidate_model="arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb",
        incumbent_label="serving model",
        verdict=verdict,
        candidate=candidate,
        reference=incumbent,
        job_arn=EVAL_ARN,
        report="s3://reports/eval/serve-eval-1/",
        swap_from="arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa",
    )
    assert "Builtin.Correctness=0.700" in reason and "Builtin.Correctness=0.800" in reason
    assert EVAL_ARN in reason and "s3://reports/eval/serve-eval-1/" in reason and "keeps serving" in reason

"""The evaluation gate's judge step over HTTP (issue 21, part B): the fake Bedrock on 127.0.0.1 runs evaluation
jobs, moto_server on 127.0.0.1 holds the data set and the report (written in the documented output layout), and
``judge.start`` / ``judge.poll`` / ``judge.stop`` drive the lifecycle: better, worse, equal within the margin,
judge job failed, stopped, throttled, a lost create response. Not yet wired into the serving handler (see
docs/serving.md, "Evaluation gate")."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from serving_support import FakeLambdaTime, fresh_s3

from lambda_src.customization_job.errors import HandlerError
from lambda_src.kernel.retry import Retrier
from lambda_src.model_evaluation import gate as core
from lambda_src.model_evaluation import judge

OWNER = "arn:aws:cloudformation:us-east-1:123456789012:stack/Served/1"

BUCKET = "reports"
SERVING = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa"
CANDIDATE = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb"
PROPERTY = {
    "DatasetS3Uri": f"s3://{BUCKET}/eval/prompts.jsonl",
    "OutputS3Uri": f"s3://{BUCKET}/eval/",
    "RoleArn": "arn:aws:iam::123456789012:role/EvaluationRole",
    "JudgeModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "Metrics": ["Builtin.Correctness", "Builtin.Harmfulness"],
    "Margin": "0.02",
}


@pytest.fixture
def s3(bedrock_session: Any, moto_endpoint: str) -> Any:
    client = fresh_s3(bedrock_session, moto_endpoint)
    client.create_bucket(Bucket=BUCKET)
    return client


def writes_report(s3: Any, candidate: dict[str, list[float | None]], incumbent: dict[str, list[float | None]]) -> Any:
    """The fake's on-completion hook: the report as model-evaluation-report-s3.html lays it out."""

    def write(request: dict[str, Any]) -> None:
        prefix = f"eval/{request['jobName']}/0a1b2c3d"
        for source, scores in (("candidate", candidate), ("incumbent", incumbent)):
            count = len(next(iter(scores.values())))
            lines = [
                json.dumps(
                    {
                        "automatedEvaluationResult": {
                            "scores": [{"metricName": m, "result": values[i]} for m, values in scores.items()]
                        },
                        "inputRecord": {"prompt": f"q{i}"},
                    }
                )
                for i in range(count)
            ]
            key = f"{prefix}/models/{source}/taskTypes/General/datasets/Prompts/f00d_output.jsonl"
            s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/custom_metrics/none.json", Body=b"{}")

    return write


def retrier(clock: FakeLambdaTime) -> Retrier:
    return Retrier(clock.sleep, clock.get_remaining_time_in_millis, margin_s=20.0, call_limit_s=10.0)


def run_gate(
    fake: FakeBedrock, client: Any, s3: Any, clock: FakeLambdaTime, *, swap: bool = True, max_polls: int = 5
) -> judge.Judged:
    gate = core.parse_evaluation(PROPERTY)
    assert gate is not None
    request = core.evaluation_job_request(
        gate,
        job_name=core.evaluation_job_name("Serve-SupportBot-3f9a2c", "70b597b7"),
        dataset_uri=gate.dataset_uri,
        token="cfn-token-1",
        owner=OWNER,
    )
    job_arn = judge.start(client, retrier(clock), request)
    for _ in range(max_polls):
        step = judge.poll(
            client,
            s3,
            retrier(clock),
            gate,
            job_arn,
            swap=swap,
            noun="custom model deployment",
            candidate_model=CANDIDATE,
            swap_from=SERVING if swap else None,
        )
        if isinstance(step, judge.Judged):
            return step
    raise AssertionError("still judging")


INCUMBENT = {"Builtin.Correctness": [0.8, 0.8], "Builtin.Harmfulness": [0.0, 0.1]}


def test_a_better_candidate_is_promoted_with_both_score_sets(
    fake: FakeBedrock, fake_client: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.evaluation_polls = 2
    fake.on_evaluation_done = writes_report(
        s3, {"Builtin.Correctness": [1.0, 0.9], "Builtin.Harmfulness": [0.0, 0.0]}, INCUMBENT
    )

    judged = run_gate(fake, fake_client, s3, lambda_time)

    assert judged.promoted and judged.reason is None
    assert judged.candidate == {"Builtin.Correctness": 0.95, "Builtin.Harmfulness": 0.0}
    assert judged.reference == {"Builtin.Correctness": 0.8, "Builtin.Harmfulness": 0.05}
    assert judged.report.startswith(f"s3://{BUCKET}/eval/serve-supportbot-3f9a2c-eval-70b597b7/")
    assert fake.operations().count("CreateEvaluationJob") == 1 and fake.operations().count("GetEvaluationJob") == 3


@pytest.mark.parametrize(
    ("candidate", "phrase"),
    [
        ({"Builtin.Correctness": [0.6, 0.7], "Builtin.Harmfulness": [0.0, 0.0]}, "Builtin.Correctness 0.650 < 0.800"),
        (
            {"Builtin.Correctness": [0.81, 0.81], "Builtin.Harmfulness": [0.0, 0.1]},
            "Builtin.Correctness 0.810 < 0.800 + margin 0.02",
        ),
        (
            {"Builtin.Correctness": [0.9, 0.9], "Builtin.Harmfulness": [0.5, 0.5]},
            "Builtin.Harmfulness 0.500 > 0.050 (lower is better)",
        ),
    ],
    ids=["worse", "equal-within-margin", "more-harmful"],
)
def test_a_candidate_that_does_not_beat_the_incumbent_is_refused_quoting_both_scores_and_the_report(
    fake: FakeBedrock, fake_client: Any, s3: Any, lambda_time: FakeLambdaTime, candidate: Any, phrase: str
) -> None:
    fake.on_evaluation_done = writes_report(s3, candidate, INCUMBENT)

    judged = run_gate(fake, fake_client, s3, lambda_time)

    assert not judged.promoted and judged.reason is not None
    assert phrase in judged.reason and "serving model: Builtin.Correctness=0.800" in judged.reason
    assert judged.job_arn in judged.reason and judged.report in judged.reason
    assert f"keeps serving {SERVING}" in judged.reason


@pytest.mark.parametrize(
    ("outcome", "phrase"), [("Failed", "ended Failed (The evaluator model"), ("Stopped", "ended Stopped")]
)
def test_a_judge_job_that_failed_or_stopped_refuses(
    fake: FakeBedrock, fake_client: Any, s3: Any, lambda_time: FakeLambdaTime, outcome: str, phrase: str
) -> None:
    fake.evaluation_outcome = outcome

    with pytest.raises(HandlerError, match=re.escape(phrase)) as refused:
        run_gate(fake, fake_client, s3, lambda_time)

    assert "the gate cannot vouch for the candidate" in str(refused.value)
    assert f"keeps serving {SERVING}" in str(refused.value)


def test_stop_stops_a_running_job_once(fake: FakeBedrock, fake_client: Any, lambda_time: FakeLambdaTime) -> None:
    gate = core.parse_evaluation(PROPERTY)
    assert gate is not None
    request = core.evaluation_job_request(
        gate, job_name="serve-eval-1", dataset_uri=gate.dataset_uri, token="t1", owner=OWNER
    )
    job_arn = judge.start(fake_client, retrier(lambda_time), request)

    assert judge.stop(fake_client, retrier(lambda_time), job_arn) == "stopping"
    assert fake_client.get_evaluation_job(jobIdentifier=job_arn)["status"] == "Stopped"
    assert judge.stop(fake_client, retrier(lambda_time), job_arn) == "not-running"
    unknown = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/ffffffffffff"
    assert judge.stop(fake_client, retrier(lambda_time), unknown) == "not-found"


def test_throttled_calls_are_retried_with_backoff(
    fake: FakeBedrock, fake_client: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.throttle = 3
    fake.on_evaluation_done = writes_report(
        s3, {"Builtin.Correctness": [1.0, 1.0], "Builtin.Harmfulness": [0.0, 0.0]}, INCUMBENT
    )

    judged = run_gate(fake, fake_client, s3, lambda_time)

    assert judged.promoted
    assert len(lambda_time.sleeps) >= 3 and fake.operations().count("Throttled") == 3
    assert fake.operations().count("CreateEvaluationJob") == 1


def test_a_lost_create_response_is_retried_into_the_same_job(
    fake: FakeBedrock, production_client: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    fake.drop_create_responses = 1
    fake.on_evaluation_done = writes_report(s3, {"Builtin.Correctness": [1.0], "Builtin.Harmfulness": [0.0]}, INCUMBENT)

    judged = run_gate(fake, production_client, s3, lambda_time)

    assert judged.promoted and len(fake.evaluations) == 1
    assert fake.operations().count("CreateEvaluationJob") == 2 and "Dropped" in fake.operations()

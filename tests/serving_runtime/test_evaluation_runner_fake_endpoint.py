"""The whole evaluation gate as a continuation (runner.advance), over HTTP: the fake Bedrock on 127.0.0.1 serves
the temporary deployment, Converse and evaluation jobs (its judge scores the answers it finds in the data set the
runner wrote), moto's S3 on 127.0.0.1 holds prompts, answers and report. Better, worse, a temporary deployment that
fails, throttling, an abort while judging; every path ends with no temporary deployment and the serving resource
untouched. Not yet wired into the serving handler (docs/serving.md, "Evaluation gate")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from serving_support import STACK_ID, FakeLambdaTime, deployment_request, fresh_s3, make_event, with_prompts

from lambda_src.kernel.retry import Retrier
from lambda_src.model_evaluation import gate as core
from lambda_src.model_evaluation import runner
from lambda_src.model_serving import handler

BUCKET = "gate"
SERVING_MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa"
CANDIDATE = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb"
PROPERTY = {
    "DatasetS3Uri": f"s3://{BUCKET}/eval/prompts.jsonl",
    "OutputS3Uri": f"s3://{BUCKET}/reports/",
    "RoleArn": "arn:aws:iam::123456789012:role/EvaluationRole",
    "JudgeModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "Metrics": ["Builtin.Correctness", "Builtin.Harmfulness"],
    "Margin": "0.05",
}
PROMPTS = 30  # two answering steps (runner.BATCH = 25)


@pytest.fixture
def s3(bedrock_session: Any, moto_endpoint: str) -> Any:
    client = fresh_s3(bedrock_session, moto_endpoint)
    return with_prompts(client, BUCKET, PROMPTS)


@pytest.fixture
def runtime(bedrock_session: Any, endpoint: str) -> Any:
    from botocore.config import Config

    return bedrock_session.client(
        "bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )


def judge_by_answers(s3: Any) -> Any:
    """The fake judge: Correctness 1.0 for an answer that says "right", else 0.2; Harmfulness 0.0."""

    def score(request: dict[str, Any]) -> None:
        uri = request["evaluationConfig"]["automated"]["datasetMetricConfigs"][0]["dataset"]["datasetLocation"]["s3Uri"]
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        records = [json.loads(x) for x in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()]
        for source in ("candidate", "incumbent"):
            lines = []
            for record in records:
                (answer,) = [r["response"] for r in record["modelResponses"] if r["modelIdentifier"] == source]
                correct = 1.0 if "right" in answer else 0.2
                scores = [
                    {"metricName": "Builtin.Correctness", "result": correct},
                    {"metricName": "Builtin.Harmfulness", "result": 0.0},
                ]
                lines.append(json.dumps({"automatedEvaluationResult": {"scores": scores}, "inputRecord": record}))
            out = f"reports/{request['jobName']}/u1/models/{source}/taskTypes/General/datasets/Prompts/f_output.jsonl"
            s3.put_object(Bucket=BUCKET, Key=out, Body="\n".join(lines).encode())

    return score


def serving_deployment(fake: FakeBedrock, client: Any, clock: FakeLambdaTime) -> str:
    """The incumbent: a deployment of SERVING_MODEL created through the serving handler."""
    event = make_event("Custom::BedrockCustomModelDeployment", "Create", deployment_request(modelArn=SERVING_MODEL))
    result = handler.handle(event, clock, client=client, sleep=clock.sleep)
    for _ in range(5):
        if handler.check({**event, **result}, clock, client=client, sleep=clock.sleep)["IsComplete"]:
            return str(result["PhysicalResourceId"])
    raise AssertionError("incumbent not ready")


def context(incumbent: str) -> runner.Context:
    gate = core.parse_evaluation(PROPERTY)
    assert gate is not None
    return runner.Context(
        gate=gate,
        candidate_model=CANDIDATE,
        incumbent_id=incumbent,
        swap=True,
        swap_from=SERVING_MODEL,
        noun="custom model deployment",
        job_name=core.evaluation_job_name("Serve-SupportBot-3f9a2c", "70b597b7"),
        token="cfn-gate-token-1",
        owner=STACK_ID,
    )


def run(ctx: runner.Context, clock: FakeLambdaTime, **clients: Any) -> tuple[dict[str, Any], list[str]]:
    state, phases = runner.initial(), []
    retrier = Retrier(clock.sleep, clock.get_remaining_time_in_millis, margin_s=20.0, call_limit_s=10.0)
    for _ in range(30):
        phases.append(str(state["phase"]))
        if state["phase"] == "done":
            return state, phases
        state = json.loads(json.dumps(runner.advance(ctx, state, retrier=retrier, **clients)))  # stored between steps
    raise AssertionError(f"not done: {state}")


def temporary(fake: FakeBedrock, incumbent: str) -> list[str]:
    return [r.arn for r in fake.of_kind("deployment") if r.arn != incumbent]


def test_a_better_candidate_is_promoted_and_leaves_nothing_behind(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"a vague answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)

    state, phases = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    verdict = state["verdict"]
    assert verdict["promoted"] is True, verdict
    assert verdict["candidate"]["Builtin.Correctness"] == 1.0
    assert verdict["reference"]["Builtin.Correctness"] == pytest.approx(0.2)
    assert phases[:3] == ["deploy", "deploying", "answering"] and phases.count("answering") == 2
    assert fake.operations().count("CreateEvaluationJob") == 1 and fake.operations().count("Converse") == 2 * PROMPTS
    assert temporary(fake, incumbent) == [], "the temporary deployment is deleted"
    assert fake.resources[incumbent].model == SERVING_MODEL, "the runner never touches the serving resource"


def test_a_worse_candidate_is_refused_and_the_incumbent_keeps_serving_untouched(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"a vague answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)

    state, _ = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    reason = state["verdict"]["reason"]
    assert state["verdict"]["promoted"] is False
    assert "Builtin.Correctness 0.200 < 1.000 + margin 0.05" in reason and state["verdict"]["report"] in reason
    assert f"keeps serving {SERVING_MODEL}" in reason
    assert temporary(fake, incumbent) == [] and fake.resources[incumbent].model == SERVING_MODEL
    assert not any(op.startswith("UpdateCustomModelDeployment") for op in fake.operations())


def test_a_temporary_deployment_that_fails_refuses_and_is_cleaned_up(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.create_failure = "On-demand deployment is not available for this model"

    state, _ = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert (
        state["verdict"]["promoted"] is False and "temporary on-demand deployment failed" in state["verdict"]["reason"]
    )
    assert "CreateEvaluationJob" not in fake.operations() and temporary(fake, incumbent) == []


def test_throttling_is_retried_and_the_gate_still_decides(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)
    fake.throttle = 4

    state, _ = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is True and fake.operations().count("Throttled") == 4
    assert temporary(fake, incumbent) == []


def test_an_abort_while_judging_stops_the_job_and_deletes_the_temporary_deployment(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.evaluation_polls = 100
    ctx = context(incumbent)
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis, margin_s=20.0, call_limit_s=10.0)
    clients = {"bedrock": fake_client, "runtime": runtime, "s3": s3}
    state = runner.initial()
    while not state.get("job_arn"):
        state = runner.advance(ctx, state, retrier=retrier, **clients)

    state = runner.abort(state, bedrock=fake_client, retrier=retrier)
    while state["phase"] != "done":
        state = runner.advance(ctx, state, retrier=retrier, **clients)

    assert "StopEvaluationJob" in fake.operations() and state["verdict"]["promoted"] is False
    assert temporary(fake, incumbent) == [] and fake.resources[incumbent].model == SERVING_MODEL


def test_a_judge_that_outlasts_the_gates_timeout_is_stopped_and_refused(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.evaluation_polls = 10_000
    ctx = context(incumbent)
    clock = [0.0]
    retrier = Retrier(lambda_time.sleep, lambda_time.get_remaining_time_in_millis, margin_s=20.0, call_limit_s=10.0)
    clients = {"bedrock": fake_client, "runtime": runtime, "s3": s3}
    state = runner.initial(now=lambda: clock[0])
    for _ in range(40):
        if state["phase"] == "done":
            break
        clock[0] += 1800.0  # the runtime wakes up every half hour
        state = runner.advance(ctx, state, retrier=retrier, now=lambda: clock[0], **clients)

    assert state["phase"] == "done" and state["verdict"]["promoted"] is False
    assert "did not finish within 12 h" in state["verdict"]["reason"]
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []


def test_a_lost_create_response_of_the_temporary_deployment_adopts_the_same_one(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_deployment(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)
    fake.drop_create_responses = 1

    state, _ = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is True and "Dropped" in fake.operations()
    created = [op for op in fake.operations() if op == "CreateCustomModelDeployment"]
    assert len(created) == 3, "the incumbent's create, then the temporary one twice (the retry returns the same)"
    assert temporary(fake, incumbent) == []

"""Where the candidate answers before it serves (issue 21, "candidate host"): a temporary on-demand deployment, or,
for a model Bedrock does not serve on demand, a temporary NO-COMMITMENT provisioned throughput (1 model unit, owner
and token tags, a clientRequestToken), or "Auto" (on demand first, the throughput when Bedrock refuses on demand).

Over HTTP against the fake Bedrock on 127.0.0.1 (moto's S3 on 127.0.0.1 holds prompts, answers and report): the
candidate better, worse, the throughput's creation failed or refused, cleanup while it is still Creating (and
Bedrock refuses the delete until it settles), an abort, the fallback. Every path ends with no temporary throughput
or deployment left, and the incumbent (a provisioned throughput) never touched."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
from fake_bedrock import FakeBedrock
from serving_support import (
    STACK_ID,
    THROUGHPUT_TYPE,
    FakeLambdaTime,
    fresh_s3,
    make_event,
    throughput_request,
    with_prompts,
)
from test_evaluation_runner_fake_endpoint import judge_by_answers

from lambda_src.contract import OWNER_TAG_KEY, SERVING_TOKEN_TAG_KEY
from lambda_src.entry import evaluation as entry
from lambda_src.kernel.retry import Retrier
from lambda_src.model_evaluation import gate as core
from lambda_src.model_evaluation import runner
from lambda_src.model_serving import handler

BUCKET = "gate"
TITAN = "amazon.titan-text-express-v1:0:8k"
SERVING_MODEL = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{TITAN}/aaaaaaaaaaaa"
CANDIDATE = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{TITAN}/bbbbbbbbbbbb"
PROPERTY = {
    "DatasetS3Uri": f"s3://{BUCKET}/eval/prompts.jsonl",
    "OutputS3Uri": f"s3://{BUCKET}/reports/",
    "RoleArn": "arn:aws:iam::123456789012:role/EvaluationRole",
    "JudgeModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "Metrics": ["Builtin.Correctness", "Builtin.Harmfulness"],
    "Margin": "0.05",
    "CandidateHost": "ProvisionedThroughput",
}
PROMPTS = 3
TOKEN = "cfn-gate-token-1"


@pytest.fixture
def s3(bedrock_session: Any, moto_endpoint: str) -> Any:
    return with_prompts(fresh_s3(bedrock_session, moto_endpoint), BUCKET, PROMPTS)


@pytest.fixture
def runtime(bedrock_session: Any, endpoint: str) -> Any:
    from botocore.config import Config

    return bedrock_session.client(
        "bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )


def serving_throughput(fake: FakeBedrock, client: Any, clock: FakeLambdaTime) -> str:
    """The incumbent: a provisioned throughput of SERVING_MODEL (a Titan custom model: no on-demand serving)."""
    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request(modelId=SERVING_MODEL))
    result = handler.handle(event, clock, client=client, sleep=clock.sleep)
    for _ in range(5):
        if handler.check({**event, **result}, clock, client=client, sleep=clock.sleep)["IsComplete"]:
            fake.calls.clear()  # from here on: only what the gate does
            return str(result["PhysicalResourceId"])
    raise AssertionError("incumbent not ready")


def context(incumbent: str, host: str = "ProvisionedThroughput") -> runner.Context:
    gate = core.parse_evaluation({**PROPERTY, "CandidateHost": host})
    assert gate is not None
    return runner.Context(
        gate=gate,
        candidate_model=CANDIDATE,
        incumbent_id=incumbent,
        swap=True,
        swap_from=SERVING_MODEL,
        noun="provisioned model throughput",
        job_name=core.evaluation_job_name("Serve-SupportBotPT-3f9a2c", "70b597b7"),
        token=TOKEN,
        owner=STACK_ID,
    )


def retrier(clock: FakeLambdaTime) -> Retrier:
    return Retrier(clock.sleep, clock.get_remaining_time_in_millis, margin_s=20.0, call_limit_s=10.0)


def run(ctx: runner.Context, clock: FakeLambdaTime, **clients: Any) -> dict[str, Any]:
    state = runner.initial()
    for _ in range(60):
        if state["phase"] == "done":
            return state
        state = json.loads(json.dumps(runner.advance(ctx, state, retrier=retrier(clock), **clients)))
    raise AssertionError(f"not done: {state}")


def temporary(fake: FakeBedrock, incumbent: str) -> list[str]:
    """Every serving resource but the incumbent: what the gate created and did not delete."""
    return [r.arn for r in fake.resources.values() if r.arn != incumbent]


def assert_incumbent_untouched(fake: FakeBedrock, incumbent: str) -> None:
    assert fake.resources[incumbent].model == SERVING_MODEL and fake.resources[incumbent].status == "InService"
    touched = [op for op, path, _ in fake.calls if incumbent in unquote(path) and not op.startswith("Converse")]
    assert not any(op.startswith(("Update", "Delete", "PATCH", "DELETE")) for op in touched), touched


def created_throughputs(fake: FakeBedrock) -> list[dict[str, Any]]:
    return [body for op, _, body in fake.calls if op == "CreateProvisionedModelThroughput"]


def test_a_better_candidate_answers_from_a_temporary_no_commitment_throughput_which_is_then_deleted(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"a vague answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)
    ctx = context(incumbent)

    state = run(ctx, lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is True, state["verdict"]
    [request] = created_throughputs(fake)
    assert request["modelId"] == CANDIDATE and request["modelUnits"] == 1
    assert "commitmentDuration" not in request, "no commitment: deletable at any time, billed by the hour"
    assert request["clientRequestToken"] == TOKEN and request["provisionedModelName"] == ctx.job_name
    tags = {t["key"]: t["value"] for t in request["tags"]}
    assert tags == {OWNER_TAG_KEY: STACK_ID, SERVING_TOKEN_TAG_KEY: TOKEN}
    assert "CreateCustomModelDeployment" not in fake.operations(), "no on-demand attempt for this host"
    # the candidate answered through the temporary throughput, never by its own ARN
    conversed = [unquote(path) for op, path, _ in fake.calls if op == "Converse"]
    assert len(conversed) == 2 * PROMPTS and not any(":custom-model/" in p for p in conversed)
    assert "DeleteProvisionedModelThroughput" in fake.operations()
    assert temporary(fake, incumbent) == [], "the temporary throughput is deleted"
    assert_incumbent_untouched(fake, incumbent)


def test_a_worse_candidate_is_refused_and_its_temporary_throughput_deleted(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.answers[CANDIDATE] = lambda q: f"a vague answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)

    state = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is False and "Builtin.Correctness" in state["verdict"]["reason"]
    assert len(created_throughputs(fake)) == 1 and temporary(fake, incumbent) == []
    assert_incumbent_untouched(fake, incumbent)


def test_a_temporary_throughput_whose_creation_fails_refuses_and_is_deleted(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.create_failures["throughput"] = "Insufficient capacity for the requested model units"

    state = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    reason = state["verdict"]["reason"]
    assert state["verdict"]["promoted"] is False
    assert "temporary provisioned throughput failed" in reason and "Insufficient capacity" in reason
    assert "CreateEvaluationJob" not in fake.operations() and "Converse" not in fake.operations()
    assert temporary(fake, incumbent) == [] and "DeleteProvisionedModelThroughput" in fake.operations()
    assert_incumbent_untouched(fake, incumbent)


def test_a_refused_throughput_create_refuses_with_bedrocks_words_and_leaves_nothing(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.create_refusals["throughput"] = "You have reached the quota of no-commitment model units"

    state = run(context(incumbent), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is False
    assert "quota of no-commitment model units" in state["verdict"]["reason"]
    assert temporary(fake, incumbent) == [] and "CreateEvaluationJob" not in fake.operations()
    assert_incumbent_untouched(fake, incumbent)


def test_cleanup_while_the_throughput_is_still_creating_waits_until_bedrock_lets_it_go(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.creating_polls = 6
    fake.refuse_delete_while_creating = True
    ctx = context(incumbent)
    clients = {"bedrock": fake_client, "runtime": runtime, "s3": s3}
    state = runner.advance(ctx, runner.initial(), retrier=retrier(lambda_time), **clients)
    state = runner.advance(ctx, state, retrier=retrier(lambda_time), **clients)
    assert state["phase"] == "deploying" and [r.status for r in fake.of_kind("throughput") if r.arn != incumbent] == [
        "Creating"
    ]

    state = runner.abort(state, bedrock=fake_client, retrier=retrier(lambda_time))  # rollback, delete, timeout
    for _ in range(20):
        if state["phase"] == "done":
            break
        state = json.loads(json.dumps(runner.advance(ctx, state, retrier=retrier(lambda_time), **clients)))

    assert state["phase"] == "done" and state["verdict"]["promoted"] is False
    assert any("ConflictException" in op for op in fake.operations()), "Bedrock refused the delete while Creating"
    assert temporary(fake, incumbent) == [], "deleted once it settled"
    assert_incumbent_untouched(fake, incumbent)


def test_the_gates_timeout_while_the_throughput_is_creating_refuses_and_deletes_it(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.creating_polls = 10_000
    ctx = context(incumbent)
    clock = [0.0]
    clients = {"bedrock": fake_client, "runtime": runtime, "s3": s3}
    state = runner.initial(now=lambda: clock[0])
    for _ in range(40):
        if state["phase"] == "done":
            break
        clock[0] += 1800.0
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), now=lambda: clock[0], **clients)

    assert state["phase"] == "done" and "did not finish within 12 h" in state["verdict"]["reason"]
    assert "temporary deployment" not in state["verdict"]["reason"], "it names what it deleted: a throughput"
    assert temporary(fake, incumbent) == []


def test_auto_falls_back_to_a_throughput_when_bedrock_refuses_the_candidate_on_demand(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.create_refusals["deployment"] = "The model is not supported for on-demand deployment"
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)

    state = run(context(incumbent, "Auto"), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is True, state["verdict"]
    ops = fake.operations()
    assert any("custom-model-deployments -> ValidationException" in op for op in ops), "on demand tried first"
    assert len(created_throughputs(fake)) == 1 and temporary(fake, incumbent) == []
    assert_incumbent_untouched(fake, incumbent)


def test_auto_deletes_a_failed_on_demand_deployment_and_falls_back_to_a_throughput(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.create_failures["deployment"] = "On-demand inference is not available for this base model"
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)

    state = run(context(incumbent, "Auto"), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is True, state["verdict"]
    ops = fake.operations()
    assert ops.count("CreateCustomModelDeployment") == 1 and "DeleteCustomModelDeployment" in ops
    assert len(created_throughputs(fake)) == 1 and temporary(fake, incumbent) == []
    assert_incumbent_untouched(fake, incumbent)


def test_on_demand_only_never_buys_a_throughput(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    fake.create_refusals["deployment"] = "The model is not supported for on-demand deployment"

    state = run(context(incumbent, "OnDemand"), lambda_time, bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["verdict"]["promoted"] is False and "not supported for on-demand" in state["verdict"]["reason"]
    assert created_throughputs(fake) == [] and temporary(fake, incumbent) == []


def test_cleanup_finds_a_throughput_whose_create_answer_never_arrived_by_its_name_and_tags(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    """The create acted but the step failed before its ARN was stored: cleanup looks it up by the name the gate
    gave it and deletes it only when it carries this stack's owner tag and this request's token tag."""
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent)
    ours = fake.create(
        "throughput",
        {
            "provisionedModelName": ctx.job_name,
            "modelId": CANDIDATE,
            "modelUnits": 1,
            "clientRequestToken": TOKEN,
            "tags": [{"key": OWNER_TAG_KEY, "value": STACK_ID}, {"key": SERVING_TOKEN_TAG_KEY, "value": TOKEN}],
        },
    )
    state = runner.abort(runner.initial(), bedrock=fake_client, retrier=retrier(lambda_time))
    for _ in range(10):
        if state["phase"] == "done":
            break
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["phase"] == "done" and ours.arn not in fake.resources


def test_cleanup_never_deletes_a_throughput_of_that_name_it_did_not_create(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent)
    theirs = fake.create(
        "throughput",
        {
            "provisionedModelName": ctx.job_name,
            "modelId": CANDIDATE,
            "modelUnits": 1,
            "tags": [{"key": OWNER_TAG_KEY, "value": "arn:aws:cloudformation:us-east-1:123456789012:stack/X/1"}],
        },
    )
    state = runner.abort(runner.initial(), bedrock=fake_client, retrier=retrier(lambda_time))
    for _ in range(10):
        if state["phase"] == "done":
            break
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["phase"] == "done" and theirs.arn in fake.resources
    assert "DeleteProvisionedModelThroughput" not in fake.operations()


def test_a_throughput_left_when_the_wait_ended_is_named_with_the_command_that_deletes_it() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/p9p9p9p9p9p9"
    text = entry.leftover({"phase": "cleanup", "host": arn})
    assert f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {arn}" in text
    assert "billed" in text, "an hourly charge runs until it is deleted"
    assert entry.leftover({"phase": "done", "host": arn}) == ""


def test_a_state_written_before_the_host_seam_still_has_its_temporary_deployment_deleted(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    """A continuation payload in flight across an upgrade carries the old key, ``deployment``."""
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent, "OnDemand")
    ours = [{"key": OWNER_TAG_KEY, "value": STACK_ID}, {"key": SERVING_TOKEN_TAG_KEY, "value": TOKEN}]
    old = fake.create("deployment", {"modelDeploymentName": ctx.job_name, "modelArn": CANDIDATE, "tags": ours})
    state: dict[str, Any] = {"phase": "cleanup", "deployment": old.arn, "verdict": {"promoted": False, "reason": "x"}}
    for _ in range(10):
        if state["phase"] == "done":
            break
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["phase"] == "done" and old.arn not in fake.resources
    assert_incumbent_untouched(fake, incumbent)


def test_cleanup_deletes_the_known_host_and_a_lost_one_of_the_same_request(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    """Auto: the failed on-demand deployment is known by ARN; the throughput that replaced it was created, but the
    step that created it failed before storing its ARN. Both go."""
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent, "Auto")
    ours = [{"key": OWNER_TAG_KEY, "value": STACK_ID}, {"key": SERVING_TOKEN_TAG_KEY, "value": TOKEN}]
    known = fake.create("deployment", {"modelDeploymentName": ctx.job_name, "modelArn": CANDIDATE, "tags": ours})
    lost = fake.create(
        "throughput", {"provisionedModelName": ctx.job_name, "modelId": CANDIDATE, "modelUnits": 1, "tags": ours}
    )
    state: dict[str, Any] = {"phase": "cleanup", "host": known.arn, "verdict": {"promoted": False, "reason": "x"}}
    for _ in range(10):
        if state["phase"] == "done":
            break
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["phase"] == "done" and known.arn not in fake.resources and lost.arn not in fake.resources
    assert_incumbent_untouched(fake, incumbent)


@pytest.mark.parametrize("key", ["host", "discarded", "releasing", "deployment"])
def test_a_forged_state_naming_the_serving_resource_never_deletes_it(
    key: str, fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    """The runner's state rides in continuation payloads and failure records, which whoever may invoke the function
    can forge. The serving resource carries this stack's owner tag (so IAM lets the runtime delete it): cleanup
    deletes a host named in the state only if it is this request's (its name, owner tag and token tag)."""
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent, "Auto")
    named = [incumbent] if key in ("discarded", "releasing") else incumbent
    state: dict[str, Any] = {"phase": "cleanup", key: named, "verdict": {"promoted": False, "reason": "forged"}}
    for _ in range(10):
        if state["phase"] == "done":
            break
        state = runner.advance(ctx, state, retrier=retrier(lambda_time), bedrock=fake_client, runtime=runtime, s3=s3)

    assert state["phase"] == "done"
    assert incumbent in fake.resources, "the serving resource was deleted by a forged state"
    assert_incumbent_untouched(fake, incumbent)


def test_a_forged_state_naming_another_evaluation_job_does_not_stop_it(
    fake: FakeBedrock, fake_client: Any, runtime: Any, s3: Any, lambda_time: FakeLambdaTime
) -> None:
    """The same forged payload may name an evaluation job of another gate of this stack (IAM lets the runtime stop
    any job with the owner tag): the runner stops a judge only if it is named like this request's evaluation."""
    incumbent = serving_throughput(fake, fake_client, lambda_time)
    ctx = context(incumbent, "OnDemand")
    other = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/0123456789ab"
    request = core.evaluation_job_request(
        ctx.gate, job_name="serve-other-eval-0badc0de", dataset_uri="s3://gate/x.jsonl", token="t", owner=STACK_ID
    )
    fake.evaluations[other] = {"request": request, "status": "InProgress", "countdown": 100}
    state: dict[str, Any] = {"phase": "judging", "job_arn": other, "answered": 3}
    state = runner.abort(state, bedrock=fake_client, retrier=retrier(lambda_time), job_name=ctx.job_name)

    assert fake.evaluations[other]["status"] == "InProgress", "another gate's judge was stopped"
    assert state["phase"] == "cleanup"

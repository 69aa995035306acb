"""The evaluation gate end to end through the REAL runtime entry (entry.handler.handle): a serving Update whose
``EvaluationGate`` must vouch for the new model runs the runner's steps across continuations (the entry invoking
itself, recorded here and replayed as new invocations with a fresh Lambda clock), then swaps or answers FAILED.

Bedrock (deployments, Converse, evaluation jobs) is the fake endpoint on 127.0.0.1, validated by botocore's
service model on the client side; S3 is moto's server on 127.0.0.1; CloudFormation's ResponseURL is a local
server that records the answer. Time is a fake clock shared by all invocations of one deployment.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from fake_bedrock import FakeBedrock
from serving_support import DEPLOYMENT_TYPE, deployment_request, fresh_s3, make_event, with_prompts
from test_evaluation_runner_fake_endpoint import (
    BUCKET,
    CANDIDATE,
    PROMPTS,
    PROPERTY,
    SERVING_MODEL,
    judge_by_answers,
)
from test_runtime_entry import EPOCH, ResponseServer

from lambda_src.contract import (
    ATTR_EVALUATION_CANDIDATE_SCORES,
    ATTR_EVALUATION_INCUMBENT_SCORES,
    ATTR_EVALUATION_JOB_ARN,
    ATTR_EVALUATION_REPORT,
    CONTINUATION_KEY,
    PREVIOUS_MODEL_TAG_KEY,
)
from lambda_src.entry import handler
from lambda_src.entry.handler import Runtime
from lambda_src.job_watcher.presigned import send_json

INVOCATION_MS = 420_000
"""Each invocation's Lambda time: short enough that the gate needs several continuations."""


class Time:
    """One deployment's clock: every invocation gets a fresh Lambda context, the epoch keeps running."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def now(self) -> float:
        return EPOCH + self.elapsed

    def context(self) -> Any:
        time = self

        class Context:
            invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Stack-Runtime"
            aws_request_id = "lambda-request"
            remaining_ms = INVOCATION_MS

            def get_remaining_time_in_millis(self) -> int:
                return self.remaining_ms

            def sleep(self, seconds: float) -> None:
                time.elapsed += seconds
                self.remaining_ms -= int(seconds * 1000)

        return Context()


@pytest.fixture
def s3c(bedrock_session: Any, moto_endpoint: str) -> Any:
    client = fresh_s3(bedrock_session, moto_endpoint)
    return with_prompts(client, BUCKET, PROMPTS)


@pytest.fixture
def converse(bedrock_session: Any, endpoint: str) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return bedrock_session.client("bedrock-runtime", endpoint_url=endpoint, config=config)


class Deployer:
    """CloudFormation and Lambda around the entry: sends a request, replays every continuation, returns the answer."""

    def __init__(self, cfn: ResponseServer, bedrock: Any, converse: Any, s3: Any) -> None:
        self.cfn, self.bedrock, self.time = cfn, bedrock, Time()
        self.clients = {"bedrock-runtime": converse, "s3": s3}
        self.invocations = 0
        self.payloads: list[dict[str, Any]] = []
        self.hold: Any = None
        """A predicate: a continuation it accepts is kept in ``held`` (Lambda lost it) instead of invoked."""
        self.held: list[dict[str, Any]] = []

    def _continue(self, pending: list[dict[str, Any]], payload: Any) -> None:
        carried = json.loads(json.dumps(payload))  # as Lambda would carry it
        (self.held if self.hold is not None and self.hold(carried) else pending).append(carried)

    def invoke(self, payload: dict[str, Any], pending: list[dict[str, Any]], remaining_ms: int | None = None) -> None:
        """One invocation of the real entry on a fresh Lambda context; its continuations join ``pending``."""
        context = self.time.context()
        if remaining_ms is not None:
            context.remaining_ms = remaining_ms
        runtime = Runtime(
            put=send_json,
            sleep=context.sleep,
            clock=self.time.now,
            invoke_self=lambda p: self._continue(pending, p),
            bedrock=lambda: self.bedrock,
            env={},
            url_refusal=lambda url: None,
            clients=self.clients.__getitem__,
        )
        handler.handle(payload, context, runtime)

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        pending: list[dict[str, Any]] = [{**event, "ResponseURL": self.cfn.url}]
        while pending:
            assert self.invocations < 60, "the gate never ended"
            payload = pending.pop(0)
            self.payloads.append(payload)
            self.invocations += 1
            self.invoke(payload, pending)
        if not self.cfn.bodies:
            return {}
        [body] = self.cfn.bodies
        self.cfn.bodies.clear()
        return body


@pytest.fixture
def deployer(cfn: ResponseServer, fake_client: Any, converse: Any, s3c: Any) -> Deployer:
    return Deployer(cfn, fake_client, converse, s3c)


def serving(deployer: Deployer) -> str:
    """The incumbent: SERVING_MODEL served by a deployment the entry created (no gate)."""
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request(modelArn=SERVING_MODEL), request_id="create-1")
    body = deployer.send(event)
    assert body["Status"] == "SUCCESS", body
    return str(body["PhysicalResourceId"])


def swap(incumbent: str, model: str, old_model: str, request_id: str = "update-1", **gate: Any) -> dict[str, Any]:
    event = make_event(
        DEPLOYMENT_TYPE,
        "Update",
        deployment_request(modelArn=model),
        old_request=deployment_request(modelArn=old_model),
        physical_id=incumbent,
        request_id=request_id,
    )
    event["ResourceProperties"]["EvaluationGate"] = {**PROPERTY, **gate}
    event["OldResourceProperties"]["EvaluationGate"] = {**PROPERTY, **gate}
    return event


def temporary(fake: FakeBedrock, incumbent: str) -> list[str]:
    return [r.arn for r in fake.of_kind("deployment") if r.arn != incumbent]


def better(fake: FakeBedrock, s3: Any) -> None:
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"a vague answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3)


def test_a_better_candidate_is_swapped_in_with_its_scores_as_attributes(
    fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.evaluation_polls = 6  # the judge takes a few polls: the gate continues in new invocations

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert fake.resources[incumbent].model == CANDIDATE
    data = body["Data"]
    assert json.loads(data[ATTR_EVALUATION_CANDIDATE_SCORES])["Builtin.Correctness"] == 1.0
    assert json.loads(data[ATTR_EVALUATION_INCUMBENT_SCORES])["Builtin.Correctness"] == pytest.approx(0.2)
    assert data[ATTR_EVALUATION_JOB_ARN] in fake.evaluations
    assert data[ATTR_EVALUATION_REPORT].startswith(f"s3://{BUCKET}/reports/")
    assert len(json.dumps(data).encode()) <= 4096
    assert temporary(fake, incumbent) == []
    continued = [p for p in deployer.payloads if CONTINUATION_KEY in p]
    assert continued and all(len(json.dumps(p).encode()) < 16_000 for p in continued), "state rides in the payload"
    assert fake.operations().count("CreateEvaluationJob") == 1


def test_a_worse_candidate_fails_the_update_and_the_incumbent_keeps_serving(
    fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    fake.answers[CANDIDATE] = lambda q: f"a vague answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3c)

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "FAILED"
    assert "Builtin.Correctness 0.200 < 1.000 + margin 0.05" in body["Reason"]
    assert f"s3://{BUCKET}/reports/" in body["Reason"] and f"keeps serving {SERVING_MODEL}" in body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL and temporary(fake, incumbent) == []
    assert "UpdateCustomModelDeployment" not in fake.operations()

    # CloudFormation's rollback: the Update back to the incumbent changes nothing and is not evaluated
    rollback = swap(incumbent, SERVING_MODEL, CANDIDATE, request_id="rollback-1")
    assert deployer.send(rollback)["Status"] == "SUCCESS"
    assert fake.operations().count("CreateEvaluationJob") == 1


def test_equal_scores_pass_a_gate_without_margin(fake: FakeBedrock, deployer: Deployer, s3c: Any) -> None:
    incumbent = serving(deployer)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"also the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3c)

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL, Margin="0"))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert fake.resources[incumbent].model == CANDIDATE and temporary(fake, incumbent) == []


def test_equal_scores_within_a_positive_margin_refuse(fake: FakeBedrock, deployer: Deployer, s3c: Any) -> None:
    """The margin is what the candidate must gain (gate.compare); equal is not enough."""
    incumbent = serving(deployer)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"also the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3c)

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "FAILED" and "1.000 < 1.000 + margin 0.05" in body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL


@pytest.mark.parametrize("outcome", ["Failed", "Stopped"])
def test_a_judge_job_that_fails_or_stops_fails_closed(
    outcome: str, fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.evaluation_outcome = outcome

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "FAILED" and "Evaluation gate refused" in body["Reason"], body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL and temporary(fake, incumbent) == []


def test_throttling_is_retried(fake: FakeBedrock, deployer: Deployer, s3c: Any) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.throttle = 4

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert fake.operations().count("Throttled") == 4 and fake.resources[incumbent].model == CANDIDATE


def test_a_lost_create_response_and_a_lost_answer_are_recovered(
    fake: FakeBedrock, deployer: Deployer, cfn: ResponseServer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.drop_create_responses = 1  # the temporary deployment's create
    cfn.fail = 1  # the first PUT of the answer

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert "Dropped" in fake.operations() and temporary(fake, incumbent) == []
    assert fake.resources[incumbent].model == CANDIDATE


def test_an_evaluation_that_outlasts_cloudformations_hour_is_stopped_and_refused(
    fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.evaluation_polls = 10_000

    body = deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))

    assert body["Status"] == "FAILED"
    assert "did not finish within CloudFormation's hour" in body["Reason"]
    assert f"{PROMPTS} prompt(s) answered" in body["Reason"] and "fewer prompts" in body["Reason"]
    assert "timeout=Duration.hours(n)" in body["Reason"], "the way out: the long path"
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []
    assert fake.resources[incumbent].model == SERVING_MODEL
    assert deployer.time.elapsed < 3600, "answered within CloudFormation's hour"


def test_the_rollback_of_a_passed_swap_goes_back_without_a_second_evaluation(
    fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    """Another resource failed after the swap: CloudFormation's rollback Update swaps back to the model that served
    before. The judge never vetoes that (the rollback would fail): the resource's previous-model tag names it."""
    incumbent = serving(deployer)
    better(fake, s3c)
    assert deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL))["Status"] == "SUCCESS"
    previous = fake.tags[incumbent][PREVIOUS_MODEL_TAG_KEY]
    tag_value = botocore.session.get_session().get_service_model("bedrock").shape_for("TagValue").metadata
    assert previous == SERVING_MODEL and re.fullmatch(tag_value["pattern"], previous), tag_value
    assert len(previous) <= tag_value["max"]
    fake.answers[SERVING_MODEL] = lambda q: f"a vague answer to {q}"  # would lose an evaluation

    body = deployer.send(swap(incumbent, SERVING_MODEL, CANDIDATE, request_id="rollback-1"))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"][ATTR_EVALUATION_JOB_ARN] == "" and body["Data"][ATTR_EVALUATION_CANDIDATE_SCORES] == "", (
        "every attribute a template may read is in the answer, empty when nothing was evaluated"
    )
    assert fake.resources[incumbent].model == SERVING_MODEL
    assert fake.operations().count("CreateEvaluationJob") == 1 and temporary(fake, incumbent) == []


def test_a_continuation_lambda_gives_up_on_stops_the_judge_and_deletes_the_temporary_deployment(
    fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    incumbent = serving(deployer)
    better(fake, s3c)
    fake.evaluation_polls = 10_000
    deployer.hold = lambda p: bool(p[CONTINUATION_KEY]["evaluation"]["state"].get("job_arn"))
    assert deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL)) == {}, "no answer yet: the judge is running"
    [lost] = deployer.held
    deployer.hold = None
    record = {
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": lost,
        "responsePayload": {"errorType": "Runtime.ExitError", "errorMessage": "killed"},
    }

    body = deployer.send(record)

    assert body["Status"] == "FAILED" and "RetriesExhausted" in body["Reason"]
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []
    assert fake.resources[incumbent].model == SERVING_MODEL


@pytest.mark.parametrize("better_than_base", [True, False])
def test_a_first_serve_is_compared_with_the_base_model(
    better_than_base: bool, fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    base = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
    fake.add_job(
        "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/j1",
        training_loss=0.1,
        validation_loss=None,
        model_arn=CANDIDATE,
    )
    good, vague = (lambda q: f"the right answer to {q}"), (lambda q: f"a vague answer to {q}")
    fake.answers[CANDIDATE], fake.answers[base] = (good, vague) if better_than_base else (vague, good)
    fake.on_evaluation_done = judge_by_answers(s3c)
    event = make_event(DEPLOYMENT_TYPE, "Create", deployment_request(modelArn=CANDIDATE), request_id="create-2")
    event["ResourceProperties"]["EvaluationGate"] = PROPERTY

    body = deployer.send(event)

    served = [r for r in fake.of_kind("deployment")]
    if better_than_base:
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert [r.model for r in served] == [CANDIDATE], "only the served deployment is left"
    else:
        assert body["Status"] == "FAILED" and "Builtin.Correctness 0.200 < 1.000" in body["Reason"]
        assert served == [], "nothing was created, the temporary deployment is gone"


@pytest.mark.parametrize("forged_job", ["unknown", "another-requests"])
def test_a_forged_passing_verdict_in_a_continuation_serves_nothing(
    forged_job: str, fake: FakeBedrock, deployer: Deployer, s3c: Any
) -> None:
    """The continuation payload is whatever the invoker sends: a "promoted" verdict is read again from Bedrock and
    S3, and must be this request's own evaluation."""
    incumbent = serving(deployer)
    better(fake, s3c)
    job_arn = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/forged000000"
    if forged_job == "another-requests":  # a real, passing evaluation of another request
        assert deployer.send(swap(incumbent, CANDIDATE, SERVING_MODEL, request_id="other"))["Status"] == "SUCCESS"
        [job_arn] = list(fake.evaluations)
        fake.resources[incumbent].model = SERVING_MODEL  # as before that swap
    event = {**swap(incumbent, CANDIDATE, SERVING_MODEL, request_id="forged"), "ResponseURL": deployer.cfn.url}
    plan = {"model": CANDIDATE, "incumbent": incumbent, "swap": True, "swap_from": SERVING_MODEL}
    state = {"phase": "done", "started": EPOCH, "verdict": {"promoted": True, "job_arn": job_arn}}
    forged = {
        CONTINUATION_KEY: {
            "event": event,
            "deadline": EPOCH + 3000,
            "evaluation": {**plan, "noun": "custom model deployment", "state": state},
        }
    }

    body = deployer.send(forged)

    assert body["Status"] == "FAILED" and "Evaluation gate refused" in body["Reason"], body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL

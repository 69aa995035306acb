"""The evaluation gate's long path through the REAL runtime entry (entry.handler.handle), past CloudFormation's hour.

CloudFormation's side is played here in the template's order: the ``Custom::BedrockModelEvaluation`` resource's
Create (answered at once), the runtime's continuations (replayed as new invocations with a fresh Lambda clock on one
fake epoch), the signal PUT to the wait condition handle's presigned URL (a local server), then the serving
resource's Update with ``EvaluationWait`` = the Evaluation's Ref and the wait condition's Data, as
``Fn::GetAtt Wait.Data`` renders signals: ``{"<UniqueId>": "<Data>"}``.

Bedrock (deployments, Converse, evaluation jobs) is the fake endpoint on 127.0.0.1 and S3 moto's server on
127.0.0.1. CloudFormation's DescribeStackResource (the incumbent and the handle URL, read from the stack) is an
in-process fake whose every request is validated against botocore's cloudformation service model.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from fake_bedrock import FakeBedrock
from serving_support import DEPLOYMENT_TYPE, LOGICAL_ID, STACK_ID, deployment_request, make_event
from test_evaluation_gate_entry import Deployer, better, converse, s3c, serving, swap, temporary
from test_evaluation_runner_fake_endpoint import CANDIDATE, PROPERTY, SERVING_MODEL, judge_by_answers
from test_runtime_entry import ResponseServer

from lambda_src.contract import ATTR_EVALUATION_CANDIDATE_SCORES, ATTR_EVALUATION_JOB_ARN, CONTINUATION_KEY

__all__ = ["converse", "s3c"]  # the gate entry test's fixtures, used here too

EVALUATION_TYPE = "Custom::BedrockModelEvaluation"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
EVALUATION_ID = "SupportBotOnDemandEvaluationResource0a1b2c3d4e"
HANDLE_ID = "SupportBotOnDemandEvaluationHandle0a1b2c3d4e"
HOURS = 3
JUDGE_POLLS = 200
"""The fake judge runs 200 polls of 30 s: 100 minutes, past CloudFormation's hour for a custom resource."""


class FakeCloudFormation:
    """DescribeStackResource on the stack's resources, each request checked against botocore's service model."""

    def __init__(self, stack_id: str = STACK_ID) -> None:
        self.stack_id = stack_id
        self.model = botocore.session.get_session().get_service_model("cloudformation")
        self.resources: dict[str, tuple[str, str, str]] = {}
        """logical id -> (physical id, type, status)"""
        self.calls: list[str] = []
        self.throttle = 0
        """How many of the next requests answer CloudFormation's throttling error."""
        self.throttled = 0

    def describe_stack_resource(self, **params: Any) -> dict[str, Any]:
        shape = self.model.operation_model("DescribeStackResource").input_shape
        validate_parameters(params, shape)
        assert params["StackName"] == self.stack_id, "only its own stack"
        self.calls.append(params["LogicalResourceId"])
        if self.throttle > 0:
            self.throttle -= 1
            self.throttled += 1
            error = {"Code": "Throttling", "Message": "Rate exceeded"}
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeStackResource")
        found = self.resources.get(params["LogicalResourceId"])
        if found is None:
            error = {"Code": "ValidationError", "Message": f"Resource {params['LogicalResourceId']} does not exist"}
            raise ClientError({"Error": error}, "DescribeStackResource")
        physical, kind, status = found
        detail = {
            "StackName": "Serve",
            "StackId": self.stack_id,
            "LogicalResourceId": params["LogicalResourceId"],
            "ResourceType": kind,
            "LastUpdatedTimestamp": datetime(2026, 12, 1, tzinfo=UTC),
            "ResourceStatus": status,
        }
        if physical:  # optional in the output shape: none while CloudFormation has not read a custom resource's answer
            detail["PhysicalResourceId"] = physical
        return {"StackResourceDetail": detail}


class LongDeployer(Deployer):
    """The gate entry test's Deployer, plus ``send_first``: CloudFormation's answer reaches ``on_answer`` as soon as
    the invocation that PUT it returns (before the continuations run), as CloudFormation records the resource."""

    limit = 60
    """Invocations one evaluation may take (15-minute invocations: about 9 minutes of judging each)."""

    def send_first(self, event: dict[str, Any], on_answer: Any) -> dict[str, Any]:
        pending: list[dict[str, Any]] = [{**event, "ResponseURL": self.cfn.url}]
        answer: dict[str, Any] = {}
        invocations = 0
        while pending:
            invocations += 1
            assert invocations < self.limit, "the gate never ended"
            payload = pending.pop(0)
            self.payloads.append(payload)
            self.invoke(payload, pending, remaining_ms=900_000)  # Lambda's 15 minutes, as the runtime's functions have
            if self.cfn.bodies and not answer:
                [answer] = self.cfn.bodies
                self.cfn.bodies.clear()
                on_answer(answer)
        return answer


class LongPath:
    """CloudFormation around the entry for the long path: the Evaluation's Create, the signal, the serving Update."""

    def __init__(self, deployer: LongDeployer, cloudformation: FakeCloudFormation, signals: ResponseServer) -> None:
        self.deployer, self.cloudformation, self.signals = deployer, cloudformation, signals
        deployer.clients["cloudformation"] = cloudformation
        cloudformation.resources[HANDLE_ID] = (
            signals.url,
            "AWS::CloudFormation::WaitConditionHandle",
            "CREATE_COMPLETE",
        )
        self.answered_at: float | None = None

    def evaluation_event(self, candidate: str, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
        props = {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:Serve-Runtime",
            "EvaluationGate": PROPERTY,
            "CandidateModel": candidate,
            "ServingResource": LOGICAL_ID,
            "ServingType": DEPLOYMENT_TYPE,
            "Handle": HANDLE_ID,
            "TimeoutSeconds": str(HOURS * 3600),
        }
        event = {
            "RequestType": request_type,
            "ServiceToken": props["ServiceToken"],
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": STACK_ID,
            "RequestId": f"evaluation-{candidate[-4:]}",
            "LogicalResourceId": EVALUATION_ID,
            "ResourceType": EVALUATION_TYPE,
            "ResourceProperties": props,
            **extra,
        }
        return event

    def evaluate(self, candidate: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The Evaluation resource's Create: (CloudFormation's answer, the one wait condition signal)."""
        answer = self.deployer.send_first(self.evaluation_event(candidate), self._answered)
        [signal] = self.signals.bodies
        self.signals.bodies.clear()
        return answer, signal

    def _answered(self, body: dict[str, Any]) -> None:
        self.answered_at = self.deployer.time.elapsed
        if body["Status"] == "SUCCESS":
            self.cloudformation.resources[EVALUATION_ID] = (
                body["PhysicalResourceId"],
                EVALUATION_TYPE,
                "CREATE_COMPLETE",
            )

    def serve(self, event: dict[str, Any], job_name: str, signal: dict[str, Any]) -> dict[str, Any]:
        """The serving resource's request once the wait condition holds ``signal``."""
        data = json.dumps({signal["UniqueId"]: signal["Data"]})
        event["ResourceProperties"]["EvaluationWait"] = {"Evaluation": job_name, "Signal": data}
        return self.deployer.send(event)


@pytest.fixture
def deployer(cfn: ResponseServer, fake_client: Any, converse: Any, s3c: Any) -> LongDeployer:
    return LongDeployer(cfn, fake_client, converse, s3c)


@pytest.fixture
def signals() -> Any:
    server = ResponseServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def long_path(deployer: LongDeployer, signals: ResponseServer) -> LongPath:
    return LongPath(deployer, FakeCloudFormation(), signals)


def incumbent_in_stack(long_path: LongPath, deployer: LongDeployer) -> str:
    arn = serving(deployer)
    long_path.cloudformation.resources[LOGICAL_ID] = (arn, DEPLOYMENT_TYPE, "CREATE_COMPLETE")
    return arn


def test_a_better_candidate_judged_for_more_than_an_hour_is_signalled_confirmed_and_swapped_in(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    started = deployer.time.elapsed

    answer, signal = long_path.evaluate(CANDIDATE)

    assert answer["Status"] == "SUCCESS" and answer["LogicalResourceId"] == EVALUATION_ID
    assert long_path.answered_at is not None and long_path.answered_at - started < 60, "answered at once"
    job_name = answer["PhysicalResourceId"]
    assert signal["Status"] == "SUCCESS", signal["Reason"]
    assert deployer.time.elapsed - started > 3600, "the judge took longer than CloudFormation's hour"
    assert deployer.time.elapsed - started < HOURS * 3600
    [job_arn] = list(fake.evaluations)
    assert fake.evaluations[job_arn]["request"]["jobName"] == job_name
    assert temporary(fake, incumbent) == [], "cleaned up before the signal"
    assert fake.resources[incumbent].model == SERVING_MODEL, "nothing served yet"

    body = long_path.serve(swap(incumbent, CANDIDATE, SERVING_MODEL, request_id="update-long"), job_name, signal)

    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert fake.resources[incumbent].model == CANDIDATE
    assert body["Data"][ATTR_EVALUATION_JOB_ARN] == job_arn
    assert json.loads(body["Data"][ATTR_EVALUATION_CANDIDATE_SCORES])["Builtin.Correctness"] == 1.0
    assert fake.operations().count("CreateEvaluationJob") == 1, "the serving resource did not evaluate again"


def test_a_worse_candidate_signals_failure_with_both_score_sets_and_nothing_is_swapped(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    fake.answers[CANDIDATE] = lambda q: f"a vague answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3c)
    fake.evaluation_polls = JUDGE_POLLS

    answer, signal = long_path.evaluate(CANDIDATE)

    assert answer["Status"] == "SUCCESS"
    assert signal["Status"] == "FAILURE"
    assert "Builtin.Correctness 0.200 < 1.000 + margin 0.05" in signal["Reason"], signal["Reason"]
    assert "s3://gate/reports/" in signal["Reason"] and f"keeps serving {SERVING_MODEL}" in signal["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL and temporary(fake, incumbent) == []
    assert "UpdateCustomModelDeployment" not in fake.operations()


@pytest.mark.parametrize("outcome", ["Failed", "Stopped"])
def test_a_judge_that_fails_signals_failure(
    outcome: str, fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    fake.evaluation_outcome = outcome

    _, signal = long_path.evaluate(CANDIDATE)

    assert signal["Status"] == "FAILURE" and f"ended {outcome}" in signal["Reason"], signal["Reason"]
    assert temporary(fake, incumbent) == [] and fake.resources[incumbent].model == SERVING_MODEL


def test_an_evaluation_past_the_gates_timeout_signals_failure_before_the_wait_runs_out(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = 100_000
    started = deployer.time.elapsed

    _, signal = long_path.evaluate(CANDIDATE)

    assert signal["Status"] == "FAILURE", signal["Reason"]
    assert f"did not finish within the gate's timeout ({HOURS} h" in signal["Reason"], signal["Reason"]
    assert "prompt(s) answered" in signal["Reason"] and "longer timeout" in signal["Reason"]
    assert deployer.time.elapsed - started < HOURS * 3600 - 300, "signalled 5 minutes before the wait times out"
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []


def test_a_continuation_lambda_gives_up_on_signals_failure_and_cleans_up(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    deployer.hold = lambda p: bool(p[CONTINUATION_KEY].get("evaluationWait", {}).get("state", {}).get("job_arn"))
    answer = deployer.send_first(long_path.evaluation_event(CANDIDATE), long_path._answered)
    assert answer["Status"] == "SUCCESS" and long_path.signals.bodies == []
    [lost] = deployer.held
    deployer.hold = None
    record = {
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": lost,
        "responsePayload": {"errorType": "Runtime.ExitError", "errorMessage": "killed"},
    }

    assert deployer.send(record) == {}, "CloudFormation was answered already: the wait condition is signalled"

    [signal] = long_path.signals.bodies
    assert signal["Status"] == "FAILURE" and "RetriesExhausted" in signal["Reason"], signal["Reason"]
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []


@pytest.mark.parametrize("forged", ["unknown-job", "another-candidates-job", "no-job", "not-json"])
def test_forged_signal_data_serves_nothing(
    forged: str, fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """Whoever reads the handle's URL from the stack can signal it: the serving resource confirms the verdict from
    Bedrock and S3, and the job must be the one the Evaluation resource (its Ref) started."""
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    answer, _ = long_path.evaluate(CANDIDATE)
    assert answer["Status"] == "SUCCESS"
    other = CANDIDATE[:-4] + "cccc"
    fake.answers[other] = lambda q: f"the right answer to {q}"
    data: Any = {
        "unknown-job": json.dumps({"jobArn": "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/forged000000"}),
        "no-job": json.dumps({"promoted": True}),
        "not-json": "promoted",
    }.get(forged)
    if forged == "another-candidates-job":  # a real, passing evaluation, of another candidate
        long_path.cloudformation.resources.pop(EVALUATION_ID)
        _, signal = long_path.evaluate(other)
        assert signal["Status"] == "SUCCESS"
        data = signal["Data"]
    forged_signal = {"Status": "SUCCESS", "UniqueId": "forger", "Data": data, "Reason": ""}

    body = long_path.serve(
        swap(incumbent, CANDIDATE, SERVING_MODEL, request_id="update-forged"),
        answer["PhysicalResourceId"],
        forged_signal,
    )

    assert body["Status"] == "FAILED"
    assert "Evaluation gate refused" in body["Reason"], body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL


def test_a_first_serve_is_judged_against_the_base_model_then_created(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    base = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
    fake.add_job(
        "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/j1",
        training_loss=0.1,
        validation_loss=None,
        model_arn=CANDIDATE,
    )
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[base] = lambda q: f"a vague answer to {q}"
    fake.on_evaluation_done = judge_by_answers(s3c)
    fake.evaluation_polls = JUDGE_POLLS

    answer, signal = long_path.evaluate(CANDIDATE)  # the serving resource is not in the stack yet

    assert signal["Status"] == "SUCCESS", signal["Reason"]
    create = make_event(DEPLOYMENT_TYPE, "Create", deployment_request(modelArn=CANDIDATE), request_id="create-long")
    create["ResourceProperties"]["EvaluationGate"] = PROPERTY
    body = long_path.serve(create, answer["PhysicalResourceId"], signal)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert [r.model for r in fake.of_kind("deployment")] == [CANDIDATE]


def test_a_delete_while_judging_stops_the_judge_and_deletes_the_temporary_deployment(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """Rollback or stack delete while the evaluation runs: found by their deterministic names and the owner tag."""
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    deployer.hold = lambda p: bool(p[CONTINUATION_KEY].get("evaluationWait", {}).get("state", {}).get("job_arn"))
    answer = deployer.send_first(long_path.evaluation_event(CANDIDATE), long_path._answered)
    [still_running] = deployer.held
    deployer.hold = None
    assert len(temporary(fake, incumbent)) == 1

    delete = long_path.evaluation_event(
        CANDIDATE, "Delete", PhysicalResourceId=answer["PhysicalResourceId"], RequestId="delete-1"
    )  # a Delete is a request of its own: its RequestId is not the Create's
    long_path.cloudformation.resources[EVALUATION_ID] = (
        answer["PhysicalResourceId"],
        EVALUATION_TYPE,
        "DELETE_IN_PROGRESS",
    )
    body = deployer.send(delete)

    assert body["Status"] == "SUCCESS"
    assert "StopEvaluationJob" in fake.operations() and temporary(fake, incumbent) == []
    # the chain's next continuation finds its resource gone: it stops, signals nothing, serves nothing
    long_path.cloudformation.resources.pop(EVALUATION_ID)
    calls = len(fake.operations())
    assert deployer.send(still_running) == {}
    assert long_path.signals.bodies == [] and "CreateCustomModelDeployment" not in fake.operations()[calls:]
    assert fake.resources[incumbent].model == SERVING_MODEL


def test_a_delete_while_a_temporary_throughput_hosts_the_candidate_deletes_the_throughput(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """The long path with ``CandidateHost: ProvisionedThroughput`` (issue 21's two halves together): the Evaluation's
    Delete finds the temporary throughput by its name and the owner tag too, not only a temporary deployment."""
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    deployer.hold = lambda p: bool(p[CONTINUATION_KEY].get("evaluationWait", {}).get("state", {}).get("job_arn"))
    create = long_path.evaluation_event(CANDIDATE)
    create["ResourceProperties"]["EvaluationGate"] = {**PROPERTY, "CandidateHost": "ProvisionedThroughput"}
    answer = deployer.send_first(create, long_path._answered)
    deployer.hold = None
    [throughput] = [r.arn for r in fake.of_kind("throughput")]
    assert temporary(fake, incumbent) == [], "the candidate answers from a throughput, not a deployment"

    delete = long_path.evaluation_event(
        CANDIDATE, "Delete", PhysicalResourceId=answer["PhysicalResourceId"], RequestId="delete-1"
    )  # a Delete is a request of its own: its RequestId is not the Create's
    delete["ResourceProperties"] = create["ResourceProperties"]
    body = deployer.send(delete)

    assert body["Status"] == "SUCCESS"
    assert "StopEvaluationJob" in fake.operations()
    assert [r.arn for r in fake.of_kind("throughput")] == [], f"temporary throughput {throughput} left behind"
    assert fake.resources[incumbent].model == SERVING_MODEL


def test_a_lost_create_answer_starts_no_runner_and_lambdas_retry_starts_exactly_one(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """Issue 21's "a lost response" on the long path: every PUT of the Evaluation's Create answer fails, so the
    invocation raises (Lambda retries it) and must not have started a runner; the retry answers, starts one runner,
    and the evaluation ends in one judge, one signal and no temporary resource."""
    from lambda_src.entry.answer import PUT_ATTEMPTS, AnswerLost

    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    create = long_path.evaluation_event(CANDIDATE)
    before = len(fake.operations())
    deployer.cfn.fail = PUT_ATTEMPTS
    with pytest.raises(AnswerLost):
        deployer.send_first(create, long_path._answered)
    assert deployer.payloads[-1:] == [{**create, "ResponseURL": deployer.cfn.url}], "no continuation was started"
    assert "CreateCustomModelDeployment" not in fake.operations()[before:] and long_path.signals.bodies == []

    answer, signal = long_path.evaluate(CANDIDATE)  # Lambda's retry of the same request

    assert answer["Status"] == "SUCCESS" and signal["Status"] == "SUCCESS", signal
    assert fake.operations()[before:].count("CreateEvaluationJob") == 1
    assert fake.operations()[before:].count("CreateCustomModelDeployment") == 1, "one temporary deployment"
    assert temporary(fake, incumbent) == [] and fake.resources[incumbent].model == SERVING_MODEL


def test_an_update_of_the_evaluation_resource_changes_nothing(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath
) -> None:
    event = long_path.evaluation_event(CANDIDATE, "Update", PhysicalResourceId="serve-eval-1a2b3c4d")
    event["OldResourceProperties"] = event["ResourceProperties"]
    body = deployer.send(event)
    assert body["Status"] == "SUCCESS" and body["PhysicalResourceId"] == "serve-eval-1a2b3c4d"
    assert fake.operations() == [] and long_path.signals.bodies == []


def test_an_unreadable_gate_fails_the_evaluation_resource_and_starts_nothing(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath
) -> None:
    event = long_path.evaluation_event(CANDIDATE)
    event["ResourceProperties"]["EvaluationGate"] = {"maxTrainingLoss": "1"}
    body = deployer.send(event)
    assert body["Status"] == "FAILED" and "EvaluationGate" in body["Reason"]
    assert fake.operations() == [] and long_path.signals.bodies == []


@pytest.mark.parametrize("target", ["a-jobs-wait-handle", "a-resource-that-is-not-a-handle"])
def test_a_forged_continuation_cannot_signal_another_wait_of_the_stack(
    target: str, fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath
) -> None:
    """Whoever may invoke the function can send a continuation naming any Handle: the runtime signals only its own
    Evaluation's handle (same digest, a WaitConditionHandle), never a job's wait."""
    other = ResponseServer()
    try:
        if target == "a-jobs-wait-handle":
            forged_handle = "SupportBotWaitHandle9f8e7d6c5b"
            long_path.cloudformation.resources[forged_handle] = (other.url, HANDLE_TYPE, "CREATE_COMPLETE")
        else:
            forged_handle = "SupportBotOnDemandEvaluationOther0a1b2c3d4e"
            long_path.cloudformation.resources[forged_handle] = (other.url, "AWS::SNS::Topic", "CREATE_COMPLETE")
        event = long_path.evaluation_event(CANDIDATE)
        event["ResourceProperties"]["Handle"] = forged_handle
        incumbent_in_stack(long_path, deployer)
        deployer.hold = lambda p: True  # the real evaluation's runner does not run here
        answer = deployer.send(long_path.evaluation_event(CANDIDATE))  # a real Evaluation resource: liveness passes
        assert answer["Status"] == "SUCCESS" and deployer.held
        deployer.hold = None
        long_path.cloudformation.resources[EVALUATION_ID] = (answer["PhysicalResourceId"], EVALUATION_TYPE, "X")
        plan = {"model": CANDIDATE, "incumbent": "x", "swap": True, "swap_from": SERVING_MODEL, "noun": "n"}
        state = {"phase": "done", "started": 0, "verdict": {"promoted": True, "job_arn": "arn:forged"}}
        payload = {"event": {**event, "ResponseURL": deployer.cfn.url}, "deadline": 9e9}
        forged = {CONTINUATION_KEY: {**payload, "evaluationWait": {**plan, "state": state}}}

        deployer.send(forged)

        assert other.bodies == [], "nothing was PUT to another wait's handle"
        assert long_path.signals.bodies == []
    finally:
        other.stop()


def test_a_candidate_that_serves_already_is_signalled_at_once_without_an_evaluation(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath
) -> None:
    """A new wait for the model serving now (a changed timeout, or a stack moving to the long path): no judge, no
    temporary deployment; the serving resource's Update swaps nothing, so it needs no verdict."""
    incumbent = incumbent_in_stack(long_path, deployer)
    started = deployer.time.elapsed

    answer, signal = long_path.evaluate(SERVING_MODEL)

    assert answer["Status"] == "SUCCESS" and signal["Status"] == "SUCCESS"
    assert deployer.time.elapsed - started < 60
    assert "CreateEvaluationJob" not in fake.operations() and temporary(fake, incumbent) == []
    same = swap(incumbent, SERVING_MODEL, SERVING_MODEL, request_id="update-same")
    body = long_path.serve(same, answer["PhysicalResourceId"], signal)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert fake.resources[incumbent].model == SERVING_MODEL


def test_cloudformation_throttling_is_retried_within_the_invocation(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    incumbent = incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    long_path.cloudformation.throttle = 3  # the next three DescribeStackResource calls answer Throttling

    answer, signal = long_path.evaluate(CANDIDATE)

    assert answer["Status"] == "SUCCESS" and signal["Status"] == "SUCCESS", signal.get("Reason")
    assert long_path.cloudformation.throttled == 3
    assert temporary(fake, incumbent) == []


def test_an_evaluation_resource_still_creating_without_a_physical_id_keeps_its_runner_going(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """CloudFormation reads a custom resource's answer from its bucket a little later: until then the resource is
    CREATE_IN_PROGRESS with no physical id, which is not a deleted resource."""
    incumbent_in_stack(long_path, deployer)
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS

    def not_read_yet(body: dict[str, Any]) -> None:
        long_path.cloudformation.resources[EVALUATION_ID] = ("", EVALUATION_TYPE, "CREATE_IN_PROGRESS")

    deployer.send_first(long_path.evaluation_event(CANDIDATE), not_read_yet)

    [signal] = long_path.signals.bodies
    assert signal["Status"] == "SUCCESS", signal["Reason"]


OLD_CHILD = r"""
import json, os, sys
sys.path.insert(0, os.environ["ASSET_ROOT"])
import boto3, botocore
from botocore.stub import Stubber
from _runtime.model_serving import handler  # sets AWS_DATA_PATH, as at Lambda cold start
from _runtime.customization_job.client import new_bedrock_client
from _runtime.entry import evaluation_wait as ew
from _runtime.kernel.retry import Retrier
from _runtime.model_serving import operations
from _runtime.model_serving.kinds import DEPLOYMENT

name = "supportbotondemandevaluationresource-eval-1a2b3c4d"
arn = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/abcdef123456"
retrier = Retrier(lambda s: None, lambda: 600000, margin_s=0.0, call_limit_s=30.0)
client = new_bedrock_client()
summary = {"jobArn": arn, "jobName": name, "status": "Completed", "creationTime": "2026-12-01T00:00:00Z",
           "jobType": "Automated", "evaluationTaskTypes": ["General"], "modelIdentifiers": []}
described = {"customModelDeploymentArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/d1d1d1d1d1d1",
             "modelDeploymentName": name,
             "modelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbb",
             "createdAt": "2026-12-01T00:00:00Z", "status": "Active"}
with Stubber(client) as stub:
    stub.add_response("list_evaluation_jobs", {"jobSummaries": [summary]}, {"nameContains": name})
    found = ew._judge_named(client, retrier, name)
    stub.add_response("get_custom_model_deployment", described, {"customModelDeploymentIdentifier": name})
    live = operations.describe(client, DEPLOYMENT, name, retrier)
    stub.assert_no_pending_responses()
cfn = boto3.session.Session().client("cloudformation")
stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/Serve/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
detail = {"StackResourceDetail": {"LogicalResourceId": "Handle", "PhysicalResourceId": "https://x", "ResourceType":
          "AWS::CloudFormation::WaitConditionHandle", "LastUpdatedTimestamp": "2026-12-01T00:00:00Z",
          "ResourceStatus": "CREATE_COMPLETE"}}
with Stubber(cfn) as stub:
    stub.add_response("describe_stack_resource", detail, {"StackName": stack, "LogicalResourceId": "Handle"})
    got = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Handle")
print(json.dumps({"botocore": botocore.__version__, "judge": found, "deployment": live["customModelDeploymentArn"],
                  "handle": got["StackResourceDetail"]["PhysicalResourceId"]}))
"""


@pytest.mark.skipif(not os.environ.get("OLD_BOTOCORE_PYTHON"), reason="OLD_BOTOCORE_PYTHON is unset")
def test_old_botocore_takes_the_long_paths_requests(tmp_path: Path) -> None:
    """ListEvaluationJobs (nameContains), GetCustomModelDeployment by name and DescribeStackResource, validated by
    Stubber on the Lambda runtime's older botocore with the bundled bedrock model."""
    from support import fake_aws_env

    from constructs_lib.cdk.provider import runtime_asset_dir

    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "ASSET_ROOT": str(runtime_asset_dir())}
    done = subprocess.run(
        [os.environ["OLD_BOTOCORE_PYTHON"], "-I", "-c", OLD_CHILD],
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
    assert report["judge"] == "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/abcdef123456"
    assert report["deployment"].endswith("custom-model-deployment/d1d1d1d1d1d1") and report["handle"] == "https://x"


def test_a_provisioned_throughput_is_judged_against_what_it_serves_and_swapped_after_the_signal(
    fake: FakeBedrock, deployer: LongDeployer, long_path: LongPath, s3c: Any
) -> None:
    """The same path for a ProvisionedThroughput: the incumbent is the throughput (read from the stack), and the
    serving resource's Update swaps it only after the signalled job is confirmed."""
    from serving_support import THROUGHPUT_TYPE, throughput_request

    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request(modelId=SERVING_MODEL), request_id="create-pt")
    created = deployer.send(event)
    assert created["Status"] == "SUCCESS", created.get("Reason")
    throughput = created["PhysicalResourceId"]
    long_path.cloudformation.resources[LOGICAL_ID] = (throughput, THROUGHPUT_TYPE, "CREATE_COMPLETE")
    better(fake, s3c)
    fake.evaluation_polls = JUDGE_POLLS
    evaluation = long_path.evaluation_event(CANDIDATE)
    evaluation["ResourceProperties"]["ServingType"] = THROUGHPUT_TYPE

    answer = deployer.send_first(evaluation, long_path._answered)
    [signal] = long_path.signals.bodies

    assert signal["Status"] == "SUCCESS", signal["Reason"]
    [job] = fake.evaluations.values()
    converse_paths = {path for op, path, _ in fake.calls if op == "Converse"}
    assert any(throughput.rsplit("/", 1)[-1] in p for p in converse_paths), "the throughput answers as the incumbent"
    assert job["request"]["jobName"] == answer["PhysicalResourceId"]
    update = make_event(
        THROUGHPUT_TYPE,
        "Update",
        throughput_request(modelId=CANDIDATE),
        old_request=throughput_request(modelId=SERVING_MODEL),
        physical_id=throughput,
        request_id="update-pt",
    )
    update["ResourceProperties"]["EvaluationGate"] = PROPERTY
    update["OldResourceProperties"]["EvaluationGate"] = PROPERTY
    body = long_path.serve(update, answer["PhysicalResourceId"], signal)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert fake.resources[throughput].model == CANDIDATE

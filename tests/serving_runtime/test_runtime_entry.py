"""The stack's one runtime answers CloudFormation itself: every request gets an answer, also when the core crashes,
cannot be imported, runs out of time, the answer's PUT fails, or Lambda gives up on the invocation (retries
exhausted, throttled until the event's maximum age).

The ResponseURL is a server on 127.0.0.1 that records every PUT body (``put`` is presigned.send_json, the
production PUT without the CloudFormation-bucket allowlist, which 127.0.0.1 would fail; one test shows that).
Bedrock is the fake endpoint; time is a fake Lambda clock; the self-invocation that continues a wait is recorded.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from serving_support import (
    DEPLOYMENT_TYPE,
    FakeLambdaTime,
    deployment_request,
    make_event,
)
from support.events import cfn_event

from lambda_src.entry import answer, handler
from lambda_src.entry.handler import ANSWER_RESERVE_S, CONTINUATION_KEY, Runtime
from lambda_src.job_watcher.presigned import put_json, refusal, send_json

JOB_TYPE = "Custom::BedrockModelCustomizationJob"
RESULT_TYPE = "Custom::BedrockModelCustomizationResult"
EPOCH = 1_800_000_000.0


class ResponseServer:
    """CloudFormation's presigned ResponseURL on 127.0.0.1: records PUT bodies, fails the first ``fail`` of them."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length))
                if server.fail > 0:
                    server.fail -= 1
                    self.send_response(500)
                else:
                    server.bodies.append(payload)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/response?X-Amz-Signature=secret"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Clock(FakeLambdaTime):
    """The Lambda context plus an epoch clock that advances with the recorded sleeps."""

    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Stack-Runtime"
    aws_request_id = "lambda-request-1"

    def now(self) -> float:
        return EPOCH + sum(self.sleeps)


@pytest.fixture
def clock() -> Clock:
    return Clock(remaining_ms=900_000)


def runtime(clock: Clock, client: Any, invoked: list[dict[str, Any]] | None = None, **overrides: Any) -> Runtime:
    record = invoked if invoked is not None else []
    fields: dict[str, Any] = {
        "put": send_json,
        "sleep": clock.sleep,
        "clock": clock.now,
        "invoke_self": record.append,
        "bedrock": lambda: client,
        "env": {"STACK_ID": "stack", "SCHEDULE_RULE": "Poll"},
        "url_refusal": lambda url: None,  # the ResponseURL is 127.0.0.1 here
    }
    fields.update(overrides)
    return Runtime(**fields)


def job_event(cfn: ResponseServer, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
    return cfn_event(
        request_type,
        JOB_TYPE,
        {"ServiceToken": "arn", "Request": {"jobName": "x"}},
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
        logical_id="SupportBot9045E3AD",
        request_id="req-1",
        response_url=cfn.url,
        service_token=None,
        **extra,
    )


def serving_event(cfn: ResponseServer, request_type: str = "Create", **kw: Any) -> dict[str, Any]:
    event = make_event(DEPLOYMENT_TYPE, request_type, deployment_request(), job_arn=None, **kw)
    event["ResponseURL"] = cfn.url
    return event


# ---- answers from the core ---------------------------------------------------------------------------


def test_a_serving_create_waits_until_active_and_answers_success_with_the_attributes(
    cfn: ResponseServer, clock: Clock, fake: FakeBedrock, fake_client: Any
) -> None:
    fake.creating_polls = 3
    out = handler.handle(serving_event(cfn), clock, runtime(clock, fake_client))
    assert out == {"trigger": "cloudformation", "status": "SUCCESS"}
    [body] = cfn.bodies
    assert body["Status"] == "SUCCESS" and body["PhysicalResourceId"].startswith("arn:aws:bedrock:")
    assert body["Data"]["DeploymentArn"] == body["PhysicalResourceId"]
    assert clock.sleeps == [30.0, 30.0]


def test_a_wait_that_outlasts_the_invocation_continues_in_a_new_invocation_which_answers(
    cfn: ResponseServer, clock: Clock, fake: FakeBedrock, fake_client: Any
) -> None:
    fake.creating_polls = 3
    clock.remaining_ms = int((ANSWER_RESERVE_S + 60 + 30 + 15) * 1000)  # two polls, then too little left
    invoked: list[dict[str, Any]] = []
    out = handler.handle(serving_event(cfn), clock, runtime(clock, fake_client, invoked))
    assert out["status"] == "CONTINUED" and cfn.bodies == []
    [continuation] = invoked
    waiting = continuation[CONTINUATION_KEY]
    assert waiting["deadline"] == EPOCH + 55 * 60
    assert waiting["event"]["ResponseURL"] == cfn.url and waiting["event"]["PhysicalResourceId"].startswith("arn:")

    fresh = Clock(remaining_ms=900_000)
    assert handler.handle(continuation, fresh, runtime(fresh, fake_client))["status"] == "SUCCESS"
    assert [b["Status"] for b in cfn.bodies] == ["SUCCESS"]
    assert cfn.bodies[0]["PhysicalResourceId"] == waiting["event"]["PhysicalResourceId"]


def test_a_wait_past_55_minutes_answers_failed_naming_the_limit(
    cfn: ResponseServer, clock: Clock, fake: FakeBedrock, fake_client: Any
) -> None:
    fake.creating_polls = 1000
    clock.remaining_ms = int((ANSWER_RESERVE_S + 60 + 30 + 15) * 1000)
    invoked: list[dict[str, Any]] = []
    handler.handle(serving_event(cfn), clock, runtime(clock, fake_client, invoked))
    continuation = invoked[0]
    late = Clock(remaining_ms=900_000)
    late.sleeps.append(55 * 60.0)  # the continuation runs 55 minutes after the first invocation
    handler.handle(continuation, late, runtime(late, fake_client))
    [body] = cfn.bodies
    assert body["Status"] == "FAILED" and "within 55 minutes" in body["Reason"]
    assert body["PhysicalResourceId"] == continuation[CONTINUATION_KEY]["event"]["PhysicalResourceId"]


def test_a_handler_error_is_answered_failed_with_its_message_and_the_create_failed_marker(
    cfn: ResponseServer, clock: Clock
) -> None:
    event = job_event(cfn)
    event["ResourceProperties"] = {"ServiceToken": "arn"}  # no Request: the core's own HandlerError
    handler.handle(event, clock, runtime(clock, client=None))
    [body] = cfn.bodies
    assert body["Status"] == "FAILED" and "Request" in body["Reason"] and "Unexpected" not in body["Reason"]
    assert body["PhysicalResourceId"] == answer.CREATE_FAILED_MARKER
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        event["StackId"],
        "req-1",
        "SupportBot9045E3AD",
    )


def test_a_crash_in_the_core_is_answered_failed(cfn: ResponseServer, clock: Clock) -> None:
    def broken() -> Any:
        raise RuntimeError("boom")

    event = job_event(cfn, "Update", PhysicalResourceId="arn:aws:bedrock:us-east-1:1:model-customization-job/x/y")
    handler.handle(event, clock, runtime(clock, None, bedrock=broken))
    [body] = cfn.bodies
    assert body["Status"] == "FAILED" and "RuntimeError: boom" in body["Reason"]
    assert body["PhysicalResourceId"] == event["PhysicalResourceId"]


def test_a_core_that_cannot_be_imported_is_answered_failed(
    cfn: ResponseServer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lambda_src.customization_job

    monkeypatch.delattr(lambda_src.customization_job, "handler", raising=False)
    monkeypatch.setitem(sys.modules, "lambda_src.customization_job.handler", None)  # import raises ImportError
    handler.handle(job_event(cfn), clock, runtime(clock, None))
    [body] = cfn.bodies
    assert body["Status"] == "FAILED" and "ModuleNotFoundError" in body["Reason"]


def test_the_deadline_guard_answers_failed_before_lambdas_timeout(cfn: ResponseServer) -> None:
    class Context:
        def __init__(self) -> None:
            self.end = time.monotonic() + ANSWER_RESERVE_S + 1.0  # the guard fires after about 1 s

        def get_remaining_time_in_millis(self) -> int:
            return int((self.end - time.monotonic()) * 1000)

    def stuck() -> Any:
        time.sleep(30)  # a call that blocks past the deadline

    started = time.monotonic()
    context = Context()
    rt = Runtime(send_json, time.sleep, time.time, lambda payload: None, stuck, {}, lambda url: None)
    out = handler.handle(job_event(cfn), context, rt)
    assert time.monotonic() - started < 10
    assert out["status"] == "FAILED"
    [body] = cfn.bodies
    assert "ran out of time" in body["Reason"] and body["PhysicalResourceId"] == answer.CREATE_FAILED_MARKER


def test_a_delete_of_a_create_that_failed_succeeds_without_calling_bedrock(cfn: ResponseServer, clock: Clock) -> None:
    def never() -> Any:
        raise AssertionError("no client needed")

    event = job_event(cfn, "Delete", PhysicalResourceId=answer.CREATE_FAILED_MARKER)
    handler.handle(event, clock, runtime(clock, None, bedrock=never))
    assert [(b["Status"], b["PhysicalResourceId"]) for b in cfn.bodies] == [("SUCCESS", answer.CREATE_FAILED_MARKER)]


def test_an_unknown_resource_type_is_answered_failed(cfn: ResponseServer, clock: Clock) -> None:
    event = job_event(cfn, ResourceType="Custom::Other")
    handler.handle(event, clock, runtime(clock, None))
    assert cfn.bodies[0]["Status"] == "FAILED" and "Custom::Other" in cfn.bodies[0]["Reason"]


def test_a_result_delete_is_answered_by_the_watcher(cfn: ResponseServer, clock: Clock) -> None:
    """The watcher checks the URL itself (a CloudFormation one here) and PUTs through the runtime's ``put``."""
    event = job_event(cfn, "Delete", ResourceType=RESULT_TYPE, PhysicalResourceId="arn:job")
    event["ResponseURL"] = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x"
    event["ResourceProperties"] = {"ServiceToken": "arn", "JobIdentifier": "arn:job"}
    sent: list[tuple[str, Any]] = []
    handler.handle(event, clock, runtime(clock, None, put=lambda url, body: sent.append((url, body))))
    assert [(url, b["Status"], b["PhysicalResourceId"]) for url, b in sent] == [
        (event["ResponseURL"], "SUCCESS", "arn:job")
    ]


# ---- the answer itself ----------------------------------------------------------------------------------


def test_a_lost_response_is_retried_and_then_lambda_retries_the_invocation(cfn: ResponseServer, clock: Clock) -> None:
    cfn.fail = 2
    event = job_event(cfn, ResourceType="Custom::Other")
    handler.handle(event, clock, runtime(clock, None))
    assert len(cfn.bodies) == 1 and clock.sleeps == [1.0, 2.0]

    cfn.fail = 3
    with pytest.raises(answer.AnswerLost) as raised:
        handler.handle(event, clock, runtime(clock, None))
    assert "127.0.0.1" not in str(raised.value) and "secret" not in str(raised.value)


def test_the_production_put_sends_nothing_to_a_url_that_is_not_cloudformations(
    cfn: ResponseServer, clock: Clock
) -> None:
    with pytest.raises(answer.AnswerLost):
        handler.handle(job_event(cfn, ResourceType="Custom::Other"), clock, runtime(clock, None, put=put_json))
    assert cfn.bodies == [] and clock.sleeps == []


def test_a_request_whose_response_url_is_not_cloudformations_starts_nothing(cfn: ResponseServer, clock: Clock) -> None:
    """Only CloudFormation can hand out a URL into its own response bucket: any other is not its request."""

    def never() -> Any:
        raise AssertionError("nothing may be started")

    for event in (
        job_event(cfn),
        failure_record(job_event(cfn), "RetriesExhausted"),
        {CONTINUATION_KEY: {"event": {**serving_event(cfn), "PhysicalResourceId": "arn:x"}, "deadline": EPOCH}},
    ):
        out = handler.handle(event, clock, runtime(clock, None, bedrock=never, url_refusal=refusal))
        assert out["status"] == "REFUSED"
    assert cfn.bodies == []


def test_the_answer_stays_within_4096_bytes() -> None:
    event = {"RequestType": "Create", "StackId": "s", "RequestId": "r", "LogicalResourceId": "L"}
    long = answer.body(event, "FAILED", reason="é" * 5000)
    assert len(json.dumps(long).encode()) <= answer.MAX_BODY_BYTES
    big = answer.body(event, "SUCCESS", physical_id="arn:x", data={"Blob": "x" * 5000})
    assert big["Status"] == "FAILED" and "Data" not in big and "4096" in big["Reason"]


# ---- Lambda gave up: the on-failure record ----------------------------------------------------------------


def failure_record(payload: Any, condition: str, response: dict[str, Any] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": "2026-12-07T23:00:00.000Z",
        "requestContext": {
            "requestId": "lambda-request-0",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:Stack-Runtime:$LATEST",
            "condition": condition,
            "approximateInvokeCount": 3 if condition == "RetriesExhausted" else 0,
        },
        "requestPayload": payload,
    }
    if response is not None:
        record["responsePayload"] = response
    return record


def test_an_invocation_that_crashed_every_attempt_is_answered_failed_from_its_failure_record(
    cfn: ResponseServer, clock: Clock
) -> None:
    crash = {"errorType": "Runtime.ImportModuleError", "errorMessage": "Unable to import module"}
    handler.handle(failure_record(job_event(cfn), "RetriesExhausted", crash), clock, runtime(clock, None))
    [body] = cfn.bodies
    assert body["Status"] == "FAILED" and body["PhysicalResourceId"] == answer.CREATE_FAILED_MARKER
    assert "RetriesExhausted after 3 attempt(s)" in body["Reason"] and "Runtime.ImportModuleError" in body["Reason"]


def test_a_timed_out_invocation_is_answered_failed_from_its_failure_record(cfn: ResponseServer, clock: Clock) -> None:
    timeout = {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 900.00 seconds"}
    event = job_event(cfn, "Delete", PhysicalResourceId="arn:aws:bedrock:us-east-1:1:model-customization-job/x/y")
    handler.handle(failure_record(event, "RetriesExhausted", timeout), clock, runtime(clock, None))
    assert cfn.bodies[0]["PhysicalResourceId"] == event["PhysicalResourceId"]
    assert "Task timed out" in cfn.bodies[0]["Reason"]


def test_a_throttled_request_is_answered_failed_when_it_exceeds_its_age(cfn: ResponseServer, clock: Clock) -> None:
    handler.handle(failure_record(job_event(cfn), "EventAgeExceeded"), clock, runtime(clock, None))
    assert cfn.bodies[0]["Status"] == "FAILED" and "EventAgeExceeded" in cfn.bodies[0]["Reason"]


def test_a_failed_continuation_answers_its_wait(cfn: ResponseServer, clock: Clock) -> None:
    waiting = {**serving_event(cfn), "PhysicalResourceId": "arn:aws:bedrock:us-east-1:1:custom-model-deployment/d"}
    record = failure_record({CONTINUATION_KEY: {"event": waiting, "deadline": EPOCH}}, "RetriesExhausted")
    handler.handle(record, clock, runtime(clock, None))
    assert [(b["Status"], b["PhysicalResourceId"]) for b in cfn.bodies] == [("FAILED", waiting["PhysicalResourceId"])]


def test_failure_records_of_events_or_of_records_are_not_answered(cfn: ResponseServer, clock: Clock) -> None:
    schedule = {"source": "aws.events", "detail-type": "Scheduled Event"}
    for payload in (schedule, failure_record(job_event(cfn), "RetriesExhausted")):
        out = handler.handle(failure_record(payload, "RetriesExhausted"), clock, runtime(clock, None))
        assert out["status"] == "IGNORED"
    assert cfn.bodies == []


def test_a_continuation_invokes_the_unqualified_function_its_policy_names() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:Stack-Runtime"
    assert handler.unqualified(arn) == arn
    assert handler.unqualified(f"{arn}:$LATEST") == arn and handler.unqualified(f"{arn}:live") == arn

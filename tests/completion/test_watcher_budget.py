"""The watcher's time budget: each invocation ends before the Lambda's timeout, and under throttling every
waiting job is signalled within a bounded number of invocations (handles late in the order are not starved).

The stack is a fake behind botocore's Stubbers: each call's answer is computed from the fake stack's state
when the call is made and queued just in time, so the Stubber still checks the request and validates the
answer against the service model. CloudFormation admits ``RATE`` calls per second of a fake clock (a token
bucket); beyond that it answers ``Throttling``, as botocore would after its own retries (which the fake
charges to the clock). The Lambda's remaining time is read from that clock through the context object the
real entry point receives, and ``sleep`` advances it: nothing sleeps, nothing depends on wall time.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from botocore import xform_name

from lambda_src.job_watcher import handler as watcher
from lambda_src.job_watcher.presigned import refusal
from lambda_src.job_watcher.result import NotAnswered
from lambda_src.job_watcher.sweep import Memory, Resource, WatchedJob

from .conftest import PresignedServer
from .stubs import (
    HANDLE_TYPE,
    SCHEDULE_ID,
    SCHEDULE_NAME,
    STACK_ID,
    StubbedClients,
    Watched,
    env_for,
    job,
    job_arn,
    result_request,
    stubbed_clients,
    summary,
)

LAMBDA_TIMEOUT_S = 60.0  # constructs_lib/cdk/completion.py: the watcher's timeout
LATENCY_S = 0.25
THROTTLED_S = 3.0  # what botocore's three attempts with backoff cost before it gives up on Throttling
RATE = 0.5  # CloudFormation calls per second left for the watcher (the account's rate is shared)
BURST = 5
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
MAX_INVOCATIONS = 10
"""Each invocation may start calls for 60 - 26 (one worst-case call) - 2 s = 32 s. CloudFormation costs the listing
(4 pages for 301 resources) and, in a cold container, one GetTemplate; a settled wait costs nothing; each job that
ended costs GetModelCustomizationJob, ListTagsForResource and the PUT. Measured: 3 invocations, warm or cold."""


class LambdaTimeout(BaseException):
    """The runtime ends the invocation: nothing in the function can catch this."""


@dataclass
class Clock:
    now: float = 0.0
    deadline: float = math.inf

    def remaining_ms(self) -> int:
        return int((self.deadline - self.now) * 1000)

    def spend(self, seconds: float) -> None:
        self.now += seconds
        if self.now > self.deadline:
            raise LambdaTimeout(f"the invocation ran {self.now - self.deadline:.1f} s past its timeout")

    sleep = spend


@dataclass
class Context:
    """The Lambda context, as much of it as the watcher reads."""

    clock: Clock

    def get_remaining_time_in_millis(self) -> int:
        return self.clock.remaining_ms()


@dataclass
class FakeStack:
    """``count`` waiting jobs that all completed; CloudFormation throttles beyond RATE per second."""

    aws: StubbedClients
    clock: Clock
    count: int
    waits: dict[str, str] = field(default_factory=dict)
    signals: Counter[str] = field(default_factory=Counter)
    tokens: float = BURST
    refilled_at: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.jobs = [
            Watched(f"Job{i:03d}-{i:012x}-*", f"Job{i:03d}Handle", f"Job{i:03d}Wait", f"Job{i:03d}")
            for i in range(self.count)
        ]
        self.by_handle = {w.handle: w for w in self.jobs}
        self.waits = {w.wait: "CREATE_IN_PROGRESS" for w in self.jobs}
        for client, stubber in (
            (self.aws.clients.cloudformation, self.aws.cloudformation),
            (self.aws.clients.bedrock, self.aws.bedrock),
            (self.aws.clients.events, self.aws.events),
        ):
            client.meta.events.register(
                "provide-client-params", lambda params, model, _s=stubber, **_: self.answer(_s, model.name, params)
            )

    def url(self, w: Watched) -> str:
        return f"https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/{w.handle}?Signature=secret-{w.job}"

    def admitted(self) -> bool:
        """The token bucket on the fake clock."""
        self.tokens = min(BURST, self.tokens + (self.clock.now - self.refilled_at) * RATE)
        self.refilled_at = self.clock.now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def answer(self, stubber: Any, operation: str, params: Mapping[str, Any]) -> None:
        self.calls[operation] += 1
        method = xform_name(operation)
        if stubber is self.aws.cloudformation and not self.admitted():
            self.calls["throttled"] += 1
            self.clock.spend(THROTTLED_S)
            stubber.add_client_error(
                method, "Throttling", "Rate exceeded", http_status_code=400, expected_params=dict(params)
            )
            return
        self.clock.spend(LATENCY_S)
        stubber.add_response(method, self.response(operation, params), dict(params))

    def listing(self) -> list[dict[str, Any]]:
        listed = [summary(SCHEDULE_ID, "AWS::Events::Rule", "UPDATE_COMPLETE", SCHEDULE_NAME)]
        for w in self.jobs:
            listed += [
                summary(w.handle, HANDLE_TYPE, physical_id=self.url(w)),
                summary(w.wait, "AWS::CloudFormation::WaitCondition", self.waits[w.wait], f"{STACK_ID}/w"),
                summary(w.job, "Custom::BedrockModelCustomizationJob", physical_id=job_arn(w.deployed())),
            ]
        return listed

    def response(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if operation == "ListStackResources":
            start = int(params.get("NextToken", "0"))
            listed = self.listing()
            page: dict[str, Any] = {"StackResourceSummaries": listed[start : start + 100]}
            if start + 100 < len(listed):
                page["NextToken"] = str(start + 100)
            return page
        if operation == "DescribeStackResource":
            entry = next(e for e in self.listing() if e["LogicalResourceId"] == params["LogicalResourceId"])
            watched = self.by_handle.get(entry["LogicalResourceId"])
            detail = self.aws.detail(
                entry["LogicalResourceId"],
                entry["PhysicalResourceId"],
                entry["ResourceType"],
                watched.metadata() if watched else None,
            )
            return {"StackResourceDetail": {**detail, "ResourceStatus": entry["ResourceStatus"]}}
        if operation == "GetTemplate":
            resources = {}
            for w in self.jobs:
                resources[w.handle] = {"Type": HANDLE_TYPE, "Metadata": w.metadata()}
                resources[w.wait] = {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {"Count": 1}}
                resources[w.job] = {"Type": "Custom::BedrockModelCustomizationJob", "Properties": {}}
            return {"TemplateBody": json.dumps({"Resources": resources})}
        if operation == "GetModelCustomizationJob":
            name = next(w.deployed() for w in self.jobs if job_arn(w.deployed()) == params["jobIdentifier"])
            return job(name, "Completed")
        if operation == "ListTagsForResource":
            return {"tags": [{"key": "bedrock-customization:stack-id", "value": STACK_ID}]}
        assert operation == "DisableRule"
        return {}

    def put(self, url: str, body: Mapping[str, Any]) -> None:
        """The signal reaches CloudFormation, which settles the wait condition."""
        assert refusal(url) is None
        self.clock.spend(LATENCY_S)
        w = next(w for w in self.jobs if self.url(w) == url)
        self.signals[w.name] += 1
        self.waits[w.wait] = "CREATE_COMPLETE"


@pytest.fixture
def aws() -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        yield stubbed
        stubbed.assert_no_pending_responses()


def invoke(stack: FakeStack, monkeypatch: pytest.MonkeyPatch, gap_s: float = 300.0) -> dict[str, Any]:
    """One invocation through the real entry point, ``gap_s`` after the previous one ended."""
    stack.clock.now += gap_s
    stack.clock.deadline = stack.clock.now + LAMBDA_TIMEOUT_S
    summary_ = watcher.handler(SCHEDULED, Context(stack.clock))
    assert stack.clock.now <= stack.clock.deadline
    return summary_


@pytest.fixture
def entry_point(aws: StubbedClients, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real ``handler``, given the fake clients and the Memory of a container that starts cold."""
    monkeypatch.setattr(watcher, "new_clients", lambda: aws.clients)
    monkeypatch.setattr(watcher, "MEMORY", Memory())
    for name, value in env_for().items():
        monkeypatch.setenv(name, value)


def test_a_hundred_waiting_jobs_under_throttling_are_all_signalled_within_a_bounded_number_of_invocations(
    aws: StubbedClients, entry_point: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    stack = FakeStack(aws, clock, 100)
    monkeypatch.setattr(watcher, "put_json", stack.put)
    monkeypatch.setattr(watcher.time, "sleep", clock.sleep)

    summaries = []
    while not summaries or not summaries[-1]["scheduleDisabled"]:
        assert len(summaries) < MAX_INVOCATIONS, f"{100 - len(stack.signals)} jobs unsignalled after {len(summaries)}"
        summaries.append(invoke(stack, monkeypatch))

    assert set(stack.signals) == {w.name for w in stack.jobs} and set(stack.signals.values()) == {1}
    assert len(summaries) >= 3  # the time budget did bind
    assert all(s["deferred"] and s["signalled"] for s in summaries[:-1])  # progress every time
    last = summaries[-1]  # looked at every handle (the settled ones from memory, without a call) and stopped the poll
    assert len(last["settled"]) + len(last["signalled"]) == 100 and last["deferred"] == last["pending"] == []


def cold(stack: FakeStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new container: its Memory is empty and starts at a position derived from the clock, as at import."""
    monkeypatch.setattr(watcher, "MEMORY", Memory(offset=int(stack.clock.now * 1000) + 7919 * stack.calls.total()))


def test_a_hundred_waiting_jobs_are_all_signalled_within_ten_invocations_when_every_one_starts_cold(
    aws: StubbedClients, entry_point: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold container does not know which handles are settled nor what they watch: it must learn it in a
    number of CloudFormation calls that does not grow with the number of handles."""
    clock = Clock()
    stack = FakeStack(aws, clock, 100)
    monkeypatch.setattr(watcher, "put_json", stack.put)
    monkeypatch.setattr(watcher.time, "sleep", clock.sleep)

    summaries = []
    while not summaries or not summaries[-1]["scheduleDisabled"]:
        assert len(summaries) < MAX_INVOCATIONS, f"{100 - len(stack.signals)} jobs unsignalled after {len(summaries)}"
        cold(stack, monkeypatch)
        summaries.append(invoke(stack, monkeypatch))

    assert set(stack.signals) == {w.name for w in stack.jobs} and set(stack.signals.values()) == {1}
    assert all(s["signalled"] for s in summaries[:-1])  # progress every time


def test_an_event_for_the_one_job_still_waiting_signals_it_in_that_invocation_when_cold(
    aws: StubbedClients, entry_point: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """99 of 100 waits settled; Bedrock's event for the last job reaches a cold container (20 times, each at
    another clock-derived start): its handle is looked at first, so it is signalled in that invocation."""
    clock = Clock()
    stack = FakeStack(aws, clock, 100)
    monkeypatch.setattr(watcher, "put_json", stack.put)
    monkeypatch.setattr(watcher.time, "sleep", clock.sleep)
    for w in stack.jobs:
        stack.waits[w.wait] = "CREATE_COMPLETE"

    signalled_in_time = 0
    for trial in range(20):
        waiting = stack.jobs[(trial * 37) % 100]
        stack.waits[waiting.wait] = "CREATE_IN_PROGRESS"
        before = stack.signals[waiting.name]
        cold(stack, monkeypatch)
        clock.now += 300.0
        clock.deadline = clock.now + LAMBDA_TIMEOUT_S
        event = {
            "source": "aws.bedrock",
            "detail-type": "Model Customization Job State Change",
            "detail": {"jobName": waiting.deployed(), "jobStatus": "Completed"},
        }
        watcher.handler(event, Context(clock))
        signalled_in_time += stack.signals[waiting.name] - before
        stack.waits[waiting.wait] = "CREATE_COMPLETE"

    assert signalled_in_time == 20


def test_a_cold_invocation_costs_the_listing_and_one_template_read_whatever_the_number_of_handles(
    aws: StubbedClients, entry_point: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a cold start costs in CloudFormation calls: ListStackResources (100 resources a page) and one
    GetTemplate for every handle's Metadata; a warm container skips the GetTemplate (docs/architecture.md)."""
    clock = Clock()
    stack = FakeStack(aws, clock, 100)
    monkeypatch.setattr(watcher, "put_json", stack.put)
    monkeypatch.setattr(watcher.time, "sleep", clock.sleep)
    for w in stack.jobs:
        stack.waits[w.wait] = "CREATE_COMPLETE"
    pages = math.ceil((3 * 100 + 1) / 100)

    cold(stack, monkeypatch)
    invoke(stack, monkeypatch)
    assert stack.calls["ListStackResources"] == pages and stack.calls["GetTemplate"] == 1
    assert stack.calls["DescribeStackResource"] == 0
    invoke(stack, monkeypatch)  # warm: the listing only
    assert stack.calls["ListStackResources"] == 2 * pages and stack.calls["GetTemplate"] == 1


def test_an_invocation_with_little_time_left_starts_nothing_and_keeps_the_poll(
    aws: StubbedClients, entry_point: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With less than one worst-case call left, not even the listing is started."""
    clock = Clock(deadline=watcher.CALL_SECONDS)
    stack = FakeStack(aws, clock, 3)
    monkeypatch.setattr(watcher, "put_json", stack.put)

    summary_ = watcher.handler(SCHEDULED, Context(clock))

    assert stack.calls == Counter() and summary_["scheduleDisabled"] is False and clock.now == 0.0


def test_memory_resumes_at_the_first_handle_not_finished_and_a_cold_one_at_its_offset() -> None:
    handles = ["C", "A", "D", "B"]
    assert Memory().order(handles, None) == ["A", "B", "C", "D"]
    assert Memory(offset=6).order(handles, None) == ["C", "D", "A", "B"]  # 6 % 4
    warm = Memory(offset=1)
    warm.resume_at("C", handles)
    assert warm.order(handles, None) == ["C", "D", "A", "B"]
    warm.resume_at("BB", handles)  # a handle that is gone: the next one after it
    assert warm.order(handles, None) == ["C", "D", "A", "B"]


def test_memory_knows_an_unchanged_handle_and_puts_the_events_job_first() -> None:
    watched = WatchedJob("Job-0123-*", "D", "DWait", "DJob", "https://h.s3.amazonaws.com/D?Signature=secret")
    handle = Resource("D", HANDLE_TYPE, "CREATE_COMPLETE", watched.url, "2025-05-01 08:00:00+00:00")
    memory = Memory()
    assert memory.cached(handle) == (False, None)
    memory.remember(handle, watched)
    assert memory.cached(handle) == (True, watched)
    assert memory.cached(replace(handle, updated="2025-05-01 09:00:00+00:00")) == (False, None)  # Metadata changed?
    assert memory.order(["C", "A", "D", "B"], "Job-0123-1a2b3c4d") == ["D", "A", "B", "C"]
    assert "secret" not in repr(memory) and "secret" not in repr(handle)
    memory.resume_at(None, ["A"])
    assert memory.cached(handle) == (False, None)  # a handle that left the stack is forgotten


def test_a_result_request_without_time_for_the_read_and_the_put_is_left_to_lambdas_retry(
    aws: StubbedClients, entry_point: None, presigned: PresignedServer
) -> None:
    """Reading the job (worst case 26 s) and then the PUT (15 s) must fit; if not, nothing is sent and the
    invocation fails (URL-free) so that Lambda retries CloudFormation's asynchronous request."""
    clock = Clock(deadline=watcher.CALL_SECONDS + 10)
    event = result_request(presigned.response_url("response"), job_arn("SupportBot-3f9a2c1b0d4e-1a2b3c4d"))

    with pytest.raises(NotAnswered) as raised:
        watcher.handler(event, Context(clock))

    assert presigned.puts == [] and "out of time" in str(raised.value) and "secret" not in str(raised.value)

"""Which job a handle watches, and in which order handles are looked at: pinned where the mutation run (issue 15,
docs/mutation.md) found no test. Metadata and job names arrive as parsed JSON (DescribeStackResource,
GetModelCustomizationJob), so the values compared here are parsed too, never shared literals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_src.contract import OWNER_TAG_KEY
from lambda_src.job_watcher.budget import Budget
from lambda_src.job_watcher.sweep import (
    Clients,
    Config,
    Memory,
    Resource,
    WatchedJob,
    check_job,
    describe_handle,
    sweep,
    watched_job,
)

HANDLE = "SupportBotCompletionHandle0A1B2C3D5f0e1d2c3b"
URL = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws/handle?X-Amz-Signature=abc"


def parsed(value: Any) -> Any:
    return json.loads(json.dumps(value))


def detail(metadata: Any, *, as_text: bool = True, url: str | None = URL) -> dict[str, Any]:
    """A DescribeStackResource ``StackResourceDetail``: CloudFormation gives the Metadata as a JSON string."""
    entry: dict[str, Any] = {"LogicalResourceId": HANDLE, "Metadata": json.dumps(metadata) if as_text else metadata}
    if url is not None:
        entry["PhysicalResourceId"] = url
    return parsed(entry)


def entry(name_filter: Any, wait: Any = "SupportBotWait", job: Any = "SupportBotJob") -> dict[str, Any]:
    return {"BedrockModelCustomization": {"nameFilter": name_filter, "wait": wait, "job": job}}


# --- the watched job a handle's Metadata names --------------------------------------------------------------


def test_an_exact_name_filter_watches_that_name_only() -> None:
    watched = watched_job(HANDLE, detail(entry("support-bot-v1")))

    assert watched == WatchedJob("support-bot-v1", HANDLE, "SupportBotWait", "SupportBotJob")
    assert watched is not None and watched.url == URL
    assert watched.matches(parsed("support-bot-v1"))
    assert not watched.matches(parsed("support-bot-v10")) and not watched.matches(parsed("support-bot-v"))


def test_a_prefix_filter_watches_every_name_with_that_prefix() -> None:
    watched = watched_job(HANDLE, detail(entry({"prefix": "SupportBot-3f9a2c1b0d4e-"})))

    assert watched is not None and watched.name == "SupportBot-3f9a2c1b0d4e-*"
    assert watched.matches(parsed("SupportBot-3f9a2c1b0d4e-1a2b3c4d"))
    assert watched.matches(parsed("SupportBot-3f9a2c1b0d4e-"))
    assert not watched.matches(parsed("SupportBot-3f9a2c1b0d4f-1a2b3c4d"))
    assert not watched.matches(parsed("SupportBot-3f9a2c1b0d4e"))


def test_metadata_given_as_an_object_is_read_too() -> None:
    watched = watched_job(HANDLE, detail(entry("support-bot-v1"), as_text=False))

    assert watched is not None and watched.name == "support-bot-v1"


def test_a_handle_without_a_url_watches_with_an_empty_url() -> None:
    watched = watched_job(HANDLE, detail(entry("support-bot-v1"), url=None))

    assert watched is not None and watched.url == ""


@pytest.mark.parametrize(
    "metadata",
    [
        "not json at all {",
        None,
        ["BedrockModelCustomization"],
        {"Other": {"nameFilter": "x", "wait": "W", "job": "J"}},
        {"BedrockModelCustomization": "support-bot-v1"},
        entry(""),
        entry({"prefix": ""}),
        entry({"prefix": 3}),
        entry({"suffix": "x"}),
        entry(3),
        entry("support-bot-v1", wait=None),
        entry("support-bot-v1", wait=3),
        entry("support-bot-v1", job=None),
        entry("support-bot-v1", job=["SupportBotJob"]),
    ],
)
def test_a_handle_whose_metadata_names_no_waiting_job_is_not_watched(metadata: Any) -> None:
    raw = metadata if isinstance(metadata, str) else json.dumps(metadata)
    assert watched_job(HANDLE, parsed({"Metadata": raw, "PhysicalResourceId": URL})) is None


def test_a_handle_without_metadata_is_not_watched() -> None:
    assert watched_job(HANDLE, parsed({"PhysicalResourceId": URL})) is None


# --- the order handles are looked at --------------------------------------------------------------------------


def watching(name: str, handle: str) -> WatchedJob:
    return WatchedJob(name, handle, f"{handle}Wait", f"{handle}Job", URL)


def test_a_cold_container_starts_at_its_offset_and_wraps_around() -> None:
    handles = parsed(["C", "A", "D", "B"])

    assert Memory(offset=0).order(handles, None) == ["A", "B", "C", "D"]
    assert Memory(offset=1).order(handles, None) == ["B", "C", "D", "A"]
    assert Memory(offset=6).order(handles, None) == ["C", "D", "A", "B"]
    assert Memory(offset=3).order([], None) == []


def test_a_sweep_resumes_at_the_first_unfinished_handle_even_if_it_is_gone() -> None:
    memory = Memory(offset=3)
    memory.resume_at("B", ["A", "B", "C"])
    assert memory.order(parsed(["A", "B", "C"]), None) == ["B", "C", "A"]

    memory.resume_at("BB", ["A", "C"])  # gone since: start at the next one in order
    assert memory.order(parsed(["A", "B", "C"]), None) == ["C", "A", "B"]

    memory.resume_at("Z", ["A"])  # past the last: wrap to the first
    assert memory.order(parsed(["A", "B"]), None) == ["A", "B"]

    memory.resume_at(None, ["A"])  # finished: a warm container falls back to its offset
    assert memory.order(parsed(["A", "B", "C", "D"]), None) == ["D", "A", "B", "C"]


def test_the_handle_of_a_state_change_events_job_is_looked_at_first() -> None:
    memory = Memory()
    for name, handle in (("fixed-job", "A"), ("SupportBot-1-*", "B"), ("other", "C")):
        resource = Resource(handle, "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL, "t")
        memory.remember(resource, watching(name, handle))

    assert memory.order(["A", "B", "C"], parsed("SupportBot-1-abcd")) == ["B", "A", "C"]
    assert memory.order(["A", "B", "C"], parsed("fixed-job")) == ["A", "B", "C"]
    assert memory.order(["C", "B", "A"], parsed("other")) == ["C", "A", "B"]
    assert memory.order(["A", "B", "C"], parsed("unknown-job")) == ["A", "B", "C"]
    assert memory.order(["A", "B", "C"], None) == ["A", "B", "C"]
    assert memory.order(["A", "B", "C"], "") == ["A", "B", "C"]


def test_a_handle_is_described_again_only_when_the_listing_shows_it_changed() -> None:
    memory = Memory()
    handle = Resource(HANDLE, "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL, "2025-05-01 10:00")
    watched = watching("support-bot-v1", HANDLE)

    assert memory.cached(handle) == (False, None)
    memory.remember(handle, watched)
    again = Resource(
        *parsed([HANDLE, "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL]), "2025-05-01 10:00"
    )
    assert memory.cached(again) == (True, watched)
    assert memory.cached(Resource(HANDLE, "x", "UPDATE_COMPLETE", URL, "2025-05-01 11:00")) == (False, None)
    assert memory.cached(Resource(HANDLE, "x", "UPDATE_COMPLETE", URL + "2", "2025-05-01 10:00")) == (False, None)

    memory.remember(handle, None)  # not this library's handle: remembered as such
    assert memory.cached(handle) == (True, None)

    memory.resume_at(None, ["OtherHandle"])  # the handle left the stack: forgotten
    assert memory.cached(handle) == (False, None)


# --- a handle that is gone, and secrets kept out of logs -------------------------------------------------------


class CloudFormation:
    """DescribeStackResource answering with one parsed error (botocore parses the code from the response)."""

    def __init__(self, code: str, message: str) -> None:
        self.error = ClientError(parsed({"Error": {"Code": code, "Message": message}}), "DescribeStackResource")

    def describe_stack_resource(self, **params: Any) -> Any:
        raise self.error


def describe(code: str, message: str) -> WatchedJob | None:
    clients = Clients(bedrock=None, cloudformation=CloudFormation(code, message), events=None)
    config = Config(stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/Chained/1", schedule_rule="Poll")
    budget = Budget(remaining_ms=lambda: 600_000, sleep=lambda s: None, call_s=10)
    return describe_handle(clients, config, budget, HANDLE)


def test_a_handle_that_no_longer_exists_is_not_watched() -> None:
    assert describe("ValidationError", f"Resource {HANDLE} does not exist for stack Chained") is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDenied", "User is not authorized; the role does not exist"),
        ("ResourceNotFound", "Stack does not exist"),
        ("ValidationError", "1 validation error detected"),
    ],
)
def test_another_error_describing_a_handle_is_raised_not_taken_for_a_gone_handle(code: str, message: str) -> None:
    with pytest.raises(ClientError):
        describe(code, message)


def test_a_handles_presigned_url_is_never_in_a_repr() -> None:
    resource = Resource(HANDLE, "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL, "t")
    watched = watching("support-bot-v1", HANDLE)

    assert "X-Amz-Signature" not in repr(resource) and HANDLE in repr(resource)
    assert "X-Amz-Signature" not in repr(watched) and "support-bot-v1" in repr(watched)
    assert "X-Amz-Signature" not in repr(Memory(handles={HANDLE: ((URL, "t"), watched)}))


# --- one watched job's state ----------------------------------------------------------------------------------------

JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"


class Bedrock:
    """GetModelCustomizationJob answering with ``answer`` (a description, or an error to raise)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def get_model_customization_job(self, **params: Any) -> Any:
        self.calls.append(params["jobIdentifier"])
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def list_tags_for_resource(self, **params: Any) -> Any:
        raise AssertionError("not expected: the job has not ended")


def state_of(bedrock: Bedrock, job_status: str, job_physical_id: str = JOB_ARN) -> str:
    clients = Clients(bedrock=bedrock, cloudformation=None, events=None)
    config = Config(stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/Chained/1", schedule_rule="Poll")
    budget = Budget(remaining_ms=lambda: 600_000, sleep=lambda s: None, call_s=10)
    watched = WatchedJob("SupportBot-1-*", HANDLE, "SupportBotWait", "SupportBotJob", URL)
    resources = {
        "SupportBotWait": Resource("SupportBotWait", "AWS::CloudFormation::WaitCondition", "CREATE_IN_PROGRESS"),
        "SupportBotJob": Resource("SupportBotJob", "Custom::BedrockModelCustomizationJob", job_status, job_physical_id),
    }
    puts: list[Any] = []
    state = check_job(clients, config, budget, resources, watched, lambda url, body: puts.append(body))
    assert not puts
    return state


def test_a_job_bedrock_no_longer_finds_is_still_pending() -> None:
    gone = ClientError(
        parsed({"Error": {"Code": "ResourceNotFoundException", "Message": "no such job"}}), "GetModelCustomizationJob"
    )
    bedrock = Bedrock(gone)

    assert state_of(bedrock, "CREATE_COMPLETE") == "pending" and bedrock.calls == [JOB_ARN]


def test_another_error_reading_the_job_is_raised() -> None:
    denied = ClientError(parsed({"Error": {"Code": "AccessDeniedException", "Message": "no"}}), "GetModel")

    with pytest.raises(ClientError):
        state_of(Bedrock(denied), "CREATE_COMPLETE")


@pytest.mark.parametrize("status", ["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "CREATE_FAILED", "UPDATE_FAILED"])
def test_a_job_resource_not_yet_pointing_at_this_requests_job_is_pending_without_reading_any_job(status: str) -> None:
    """During an update the job resource still names the previous job: nothing is read or signalled."""
    bedrock = Bedrock({"jobName": "SupportBot-1-0ld", "status": "Completed"})

    assert state_of(bedrock, status) == "pending" and bedrock.calls == []


def test_a_job_resource_without_an_arn_is_pending_without_reading_any_job() -> None:
    bedrock = Bedrock({"jobName": "SupportBot-1-0ld", "status": "Completed"})

    assert state_of(bedrock, "CREATE_COMPLETE", "SupportBotJob-physical") == "pending" and bedrock.calls == []


def test_a_running_job_of_the_watched_name_is_pending() -> None:
    bedrock = Bedrock(parsed({"jobName": "SupportBot-1-abcd", "jobArn": JOB_ARN, "status": "InProgress"}))

    assert state_of(bedrock, "UPDATE_COMPLETE") == "pending" and bedrock.calls == [JOB_ARN]


# --- one bad handle does not stop the others -------------------------------------------------------------------------

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Chained/1"


class Stack:
    """CloudFormation for a stack with two waiting jobs: handle A's DescribeStackResource answer is ``broken``."""

    def __init__(self, broken: Any) -> None:
        self.broken = broken

    def list_stack_resources(self, **params: Any) -> Any:
        rows = []
        for name in ("A", "B"):
            rows += [
                (f"Handle{name}", "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL + name),
                (f"Wait{name}", "AWS::CloudFormation::WaitCondition", "CREATE_IN_PROGRESS", "wait"),
                (f"Job{name}", "Custom::BedrockModelCustomizationJob", "CREATE_COMPLETE", JOB_ARN + name),
            ]
        summaries = [
            {"LogicalResourceId": a, "ResourceType": b, "ResourceStatus": c, "PhysicalResourceId": d}
            for a, b, c, d in rows
        ]
        return parsed({"StackResourceSummaries": summaries})

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> Any:
        if LogicalResourceId == "HandleA":
            return self.broken
        metadata = {"BedrockModelCustomization": {"nameFilter": "job-b", "wait": "WaitB", "job": "JobB"}}
        detail = {"LogicalResourceId": "HandleB", "Metadata": json.dumps(metadata), "PhysicalResourceId": URL + "B"}
        return parsed({"StackResourceDetail": detail})


class EndedJobs:
    def get_model_customization_job(self, jobIdentifier: str) -> Any:
        name = "job-" + jobIdentifier[-1].lower()
        return parsed({"jobName": name, "jobArn": jobIdentifier, "status": "Completed", "outputModelArn": MODEL_ARN})

    def list_tags_for_resource(self, resourceARN: str) -> Any:
        return parsed({"tags": [{"key": OWNER_TAG_KEY, "value": STACK}]})


MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/z9y8x7w6v5u4"


@pytest.mark.parametrize(
    "broken",
    [
        {"StackResourceDetail": {"LogicalResourceId": "HandleA", "Metadata": "{not json"}},
        {"StackResourceDetail": {"LogicalResourceId": "HandleA", "Metadata": '{"BedrockModelCustomization": [1]}'}},
        {"StackResourceDetail": {"LogicalResourceId": "HandleA", "Metadata": '{"BedrockModelCustomization": {}}'}},
        {"StackResourceDetail": {"LogicalResourceId": "HandleA", "Metadata": "[]"}},
        {"no": "detail"},  # a garbled answer: an error for handle A only
    ],
)
def test_one_handle_with_malformed_metadata_does_not_stop_the_others_signal(broken: Any) -> None:
    puts: list[tuple[str, Any]] = []
    clients = Clients(bedrock=EndedJobs(), cloudformation=Stack(parsed(broken)), events=None)
    budget = Budget(remaining_ms=lambda: 600_000, sleep=lambda s: None, call_s=10)

    result = sweep(Config(STACK, "Poll"), clients, lambda url, body: puts.append((url, body)), budget, Memory())

    assert result.signalled == ["job-b"]
    assert puts == [
        (URL + "B", {"Status": "SUCCESS", "Reason": puts[0][1]["Reason"], "UniqueId": "job-b", "Data": MODEL_ARN})
    ]

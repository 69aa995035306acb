"""Issue 23: the watcher's sweep — a wait condition that is no longer waiting, and when the backup poll stops.

The events client here records every call instead of raising on an unexpected one: disable_schedule swallows
any error (a Stubber's "unexpected DisableRule" included), so only a record of the calls shows a wrong one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_src.contract import OWNER_TAG_KEY
from lambda_src.job_watcher.budget import Budget
from lambda_src.job_watcher.sweep import Clients, Config, Memory, Resource, WatchedJob, check_job, sweep

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Chained/1"
URL = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws/handle?X-Amz-Signature=abc"
JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"
MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/z9y8x7w6v5u4"
RULE = "Chained-PollRule-1A2B3C"


def parsed(value: Any) -> Any:
    return json.loads(json.dumps(value))


class NoBedrock:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"Bedrock called ({name}) for a wait condition that is not waiting")


@pytest.mark.parametrize(
    "status",
    ["CREATE_COMPLETE", "CREATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_FAILED", "UPDATE_COMPLETE", "DELETE_COMPLETE"],
)
def test_a_wait_condition_no_longer_waiting_is_settled_without_any_call(status: str) -> None:
    clients = Clients(bedrock=NoBedrock(), cloudformation=None, events=None)
    budget = Budget(remaining_ms=lambda: 600_000, sleep=lambda s: None, call_s=10)
    watched = WatchedJob("SupportBot-1-*", "Handle", "SupportBotWait", "SupportBotJob", URL)
    resources = {
        "SupportBotWait": Resource("SupportBotWait", "AWS::CloudFormation::WaitCondition", "".join(status)),
        "SupportBotJob": Resource("SupportBotJob", "Custom::BedrockModelCustomizationJob", "CREATE_COMPLETE", JOB_ARN),
    }
    puts: list[Any] = []

    assert check_job(clients, Config(STACK, "Poll"), budget, resources, watched, lambda u, b: puts.append(b)) == (
        "settled"
    )
    assert puts == []


# --- the backup poll is disabled only when nothing is pending and nothing was deferred --------------------------


class Stack:
    """One waiting job (handle, wait condition, job resource) and the backup poll's rule."""

    def list_stack_resources(self, **params: Any) -> Any:
        rows = [
            ("Handle", "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL),
            ("Wait", "AWS::CloudFormation::WaitCondition", "CREATE_IN_PROGRESS", "wait"),
            ("Job", "Custom::BedrockModelCustomizationJob", "CREATE_COMPLETE", JOB_ARN),
            ("Poll", "AWS::Events::Rule", "CREATE_COMPLETE", RULE),
        ]
        keys = ("LogicalResourceId", "ResourceType", "ResourceStatus", "PhysicalResourceId")
        return parsed({"StackResourceSummaries": [dict(zip(keys, row, strict=True)) for row in rows]})

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> Any:
        metadata = {"BedrockModelCustomization": {"nameFilter": "job-a", "wait": "Wait", "job": "Job"}}
        detail = {"LogicalResourceId": "Handle", "Metadata": json.dumps(metadata), "PhysicalResourceId": URL}
        return parsed({"StackResourceDetail": detail})


class Jobs:
    def __init__(self, status: str) -> None:
        self.status = status

    def get_model_customization_job(self, jobIdentifier: str) -> Any:
        return parsed({"jobName": "job-a", "jobArn": jobIdentifier, "status": self.status, "outputModelArn": MODEL_ARN})

    def list_tags_for_resource(self, resourceARN: str) -> Any:
        return parsed({"tags": [{"key": OWNER_TAG_KEY, "value": STACK}]})


class Events:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def disable_rule(self, **params: Any) -> Any:
        self.calls.append(params)
        return {}


def run_sweep(job_status: str, remaining_ms: Any = lambda: 600_000) -> tuple[Any, Events, list[Any]]:
    events = Events()
    puts: list[Any] = []
    clients = Clients(bedrock=Jobs(job_status), cloudformation=Stack(), events=events)
    budget = Budget(remaining_ms=remaining_ms, sleep=lambda s: None, call_s=10)
    result = sweep(Config(STACK, "Poll"), clients, lambda url, body: puts.append(body), budget, Memory())
    return result, events, puts


def test_a_sweep_that_signals_every_waiting_job_disables_the_backup_poll() -> None:
    result, events, puts = run_sweep("Completed")

    assert result.signalled == ["job-a"] and len(puts) == 1
    assert events.calls == [{"Name": RULE}] and result.schedule_disabled


def test_a_sweep_with_a_job_still_running_leaves_the_backup_poll_enabled() -> None:
    result, events, puts = run_sweep("InProgress")

    assert result.pending == ["job-a"] and result.deferred == [] and puts == []
    assert events.calls == [] and not result.schedule_disabled


def test_a_sweep_that_ran_out_of_time_leaves_the_backup_poll_enabled() -> None:
    """Time for the listing and the handle, then none: the job is deferred, not pending."""
    clock = iter([600_000, 600_000] + [1_000] * 50)
    result, events, puts = run_sweep("Completed", remaining_ms=lambda: next(clock))

    assert result.deferred and result.pending == [] and puts == []
    assert events.calls == [] and not result.schedule_disabled


# --- survivors of the fresh sample (seed 2298456901) -----------------------------------------------------------


def test_a_handle_listed_with_an_earlier_timestamp_or_another_url_is_described_again() -> None:
    """The cache holds for exactly the (URL, last update) it was filled with, whichever way either one moved."""
    memory = Memory()
    handle = Resource("Handle", "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", URL, "2025-05-01 10:00")
    watched = WatchedJob("job-a", "Handle", "Wait", "Job", URL)
    memory.remember(handle, watched)

    assert memory.cached(Resource(*parsed(["Handle", "x", "UPDATE_COMPLETE", URL, "2025-05-01 10:00"]))) == (
        True,
        watched,
    )
    for url, updated in ((URL, "2025-05-01 09:00"), (URL[:-1], "2025-05-01 10:00"), (URL[:-1], "2025-05-01 11:00")):
        assert memory.cached(Resource("Handle", "x", "UPDATE_COMPLETE", url, updated)) == (False, None), (url, updated)

"""The watcher Lambda: event path and poll path each signal an ended job's wait condition exactly once.

AWS calls go to clients under botocore's Stubber (requests validated against the service models); the
signal goes over real HTTP to a server on 127.0.0.1 that records each PUT (the handles' URLs are
CloudFormation-shaped https URLs; the injected ``put`` redirects them there). Generated names are watched
by their synth-time prefix (``<id>-<digest>-*``): the handler adds a suffix per CloudFormation request,
so the watcher reads the job's ARN from the job resource and checks the name it finds against the prefix.
The watcher finds the waiting jobs on each invocation: the stack's resources with their statuses
(ListStackResources, which also gives each handle's presigned URL) and every handle's Metadata (GetTemplate).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_src.job_watcher import handler as watcher
from lambda_src.job_watcher.sweep import Memory

from .conftest import PresignedServer
from .stubs import (
    STACK_ID,
    StubbedClients,
    Watched,
    env_for,
    job,
    job_arn,
    model_arn,
    stubbed_clients,
)

SUPPORT = Watched(
    "SupportBot-3f9a2c1b0d4e-*",
    "SupportBotCompletionHandle0A1B2C3D5f0e1d2c3b",
    "SupportBotCompletionWait4E5F6A7B5f0e1d2c3b",
    "SupportBot7E3A9C1F",
)
PRETRAIN = Watched(
    "PreTrain-8e7d6c5b4a39-*",
    "PreTrainCompletionHandle1A2B3C4Dabcdef0123",
    "PreTrainCompletionWait5E6F7A8Babcdef0123",
    "PreTrainC4D5E6F7",
)
FIXED = Watched(
    "support-bot-v1",
    "FixedCompletionHandle2B3C4D5E0123abcdef",
    "FixedCompletionWait6F7A8B9C0123abcdef",
    "Fixed5A6B7C8D",
)
SUPPORT_JOB = SUPPORT.deployed()
PRETRAIN_JOB = PRETRAIN.deployed()


def state_change(name: str, status: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5c1d2f6e-0000-4000-8000-000000000001",
        "detail-type": "Model Customization Job State Change",
        "source": "aws.bedrock",
        "account": "123456789012",
        "time": "2025-05-01T10:00:00Z",
        "region": "us-east-1",
        "resources": [job_arn(name)],
        "detail": {"jobName": name, "jobArn": job_arn(name), "jobStatus": status},
    }


SCHEDULED = {
    "version": "0",
    "id": "5c1d2f6e-0000-4000-8000-000000000002",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2025-05-01T10:15:00Z",
    "region": "us-east-1",
    "resources": [
        "arn:aws:events:us-east-1:123456789012:rule/Chained-BedrockModelCustomizationWatcherPoll-1AB2C3D4E5F6"
    ],
    "detail": {},
}


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


def invoke(event: dict[str, Any], aws: StubbedClients, memory: Memory | None = None) -> dict[str, Any]:
    aws.flush()
    return watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put, memory=memory)


def assert_no_secret_in_logs(capsys: pytest.CaptureFixture[str], presigned: PresignedServer) -> str:
    out = capsys.readouterr().out
    assert presigned.leaked(out) == []
    return out


# ---- the event path -----------------------------------------------------------------------------


def test_completed_event_signals_success_with_the_model_arn_once(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.disable_schedule()

    summary = invoke(state_change(SUPPORT_JOB, "Completed"), aws)

    assert len(presigned.puts) == 1
    put = presigned.puts[0]
    assert put.path == "/support-handle?X-Amz-Signature=secret-support-handle"
    assert put.body == {
        "Status": "SUCCESS",
        "Reason": f"Bedrock model customization job {SUPPORT_JOB} Completed",
        "UniqueId": SUPPORT_JOB,
        "Data": model_arn(SUPPORT_JOB),
    }
    assert put.headers.get("content-type", "") == ""
    assert summary == {
        "trigger": "event",
        "signalled": [SUPPORT.name],
        "pending": [],
        "settled": [],
        "deferred": [],
        "scheduleDisabled": True,
    }
    assert_no_secret_in_logs(capsys, presigned)


def test_failed_event_signals_failure_with_bedrocks_message_once(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    message = "Validation failed: line 3 of s3://data/train.jsonl is not valid JSON."
    aws.wait(SUPPORT)
    aws.job(
        SUPPORT, job(SUPPORT_JOB, "Failed", failureMessage=message, endTime=job(SUPPORT_JOB, "Completed")["endTime"])
    )
    aws.disable_schedule()

    invoke(state_change(SUPPORT_JOB, "Failed"), aws)

    assert [p.body for p in presigned.puts] == [
        {
            "Status": "FAILURE",
            "Reason": f"Bedrock model customization job {SUPPORT_JOB} Failed: {message}",
            "UniqueId": SUPPORT_JOB,
            "Data": job_arn(SUPPORT_JOB),
        }
    ]
    assert_no_secret_in_logs(capsys, presigned)


def test_an_in_progress_event_signals_nothing_and_keeps_the_poll(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "InProgress"))

    summary = invoke(state_change(SUPPORT_JOB, "InProgress"), aws)

    assert presigned.puts == []
    assert summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False


def test_the_events_job_is_checked_first_and_a_running_job_keeps_the_poll(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """A warm container remembers each unchanged handle's Metadata (no GetTemplate) and which name
    it watches, so an event's job is looked at first."""
    memory = Memory()
    aws.discover({SUPPORT: presigned.url("support-handle"), PRETRAIN: presigned.url("pretrain-handle")})
    for watched, name in ((PRETRAIN, PRETRAIN_JOB), (SUPPORT, SUPPORT_JOB)):  # logical id order
        aws.wait(watched)
        aws.job(watched, job(name, "InProgress"))
    invoke(SCHEDULED, aws, memory)

    aws.discover({SUPPORT: presigned.url("support-handle"), PRETRAIN: presigned.url("pretrain-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.wait(PRETRAIN)
    aws.job(PRETRAIN, job(PRETRAIN_JOB, "InProgress"))
    aws.describe_order = []  # both handles are unchanged since the first invocation described them

    summary = invoke(state_change(SUPPORT_JOB, "Completed"), aws, memory)

    assert [p.body["UniqueId"] for p in presigned.puts] == [SUPPORT_JOB]
    assert summary["signalled"] == [SUPPORT.name] and summary["pending"] == [PRETRAIN.name]
    assert summary["scheduleDisabled"] is False


def test_without_the_template_each_handle_is_described_by_itself(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """GetTemplate denied (a role from before it was granted) or unreadable: DescribeStackResource per handle."""
    aws.discover({SUPPORT: presigned.url("support-handle"), PRETRAIN: presigned.url("pretrain-handle")})
    aws.wait(PRETRAIN)  # logical id order: without the mapping, nothing is put first
    aws.job(PRETRAIN, job(PRETRAIN_JOB, "InProgress"))
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.template_error = "AccessDenied"

    summary = invoke(SCHEDULED, aws)

    assert [p.body["UniqueId"] for p in presigned.puts] == [SUPPORT_JOB]
    assert summary["signalled"] == [SUPPORT.name] and summary["pending"] == [PRETRAIN.name]


# ---- the poll path ------------------------------------------------------------------------------


def test_poll_signals_a_job_whose_event_was_lost_exactly_once(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.disable_schedule()

    summary = invoke(SCHEDULED, aws)

    assert [(p.body["Status"], p.body["Data"]) for p in presigned.puts] == [("SUCCESS", model_arn(SUPPORT_JOB))]
    assert summary["trigger"] == "schedule" and summary["scheduleDisabled"] is True


def test_poll_signals_failure_for_a_stopped_job(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Stopped"))
    aws.disable_schedule()

    invoke(SCHEDULED, aws)

    assert len(presigned.puts) == 1
    assert presigned.puts[0].body["Status"] == "FAILURE"
    reason = presigned.puts[0].body["Reason"]
    assert reason == f"Bedrock model customization job {SUPPORT_JOB} Stopped: stopped before it completed"


def test_after_the_signal_a_poll_finds_the_wait_settled_and_signals_nothing_again(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.disable_schedule()
    invoke(state_change(SUPPORT_JOB, "Completed"), aws)

    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT, "CREATE_COMPLETE")
    aws.disable_schedule()
    summary = invoke(SCHEDULED, aws)

    assert len(presigned.puts) == 1
    assert summary["settled"] == [SUPPORT.name] and summary["signalled"] == []


def test_a_job_not_created_yet_is_pending(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.missing_resource(SUPPORT.wait)
    aws.missing_resource(SUPPORT.job)

    summary = invoke(SCHEDULED, aws)

    assert presigned.puts == []
    assert summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False


def test_a_job_that_ended_before_its_wait_condition_exists_is_signalled_ahead(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """CloudFormation keeps a handle's signals, so the wait condition sees it when it is created."""
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.missing_resource(SUPPORT.wait)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Failed", failureMessage="Could not read s3://data/train.jsonl"))
    aws.disable_schedule()

    invoke(state_change(SUPPORT_JOB, "Failed"), aws)

    assert [p.body["Status"] for p in presigned.puts] == ["FAILURE"]


def test_a_rejected_signal_keeps_the_job_pending_without_leaking_the_url(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    presigned.status = 403
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))

    summary = invoke(SCHEDULED, aws)

    assert len(presigned.puts) == 1
    assert summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False
    out = assert_no_secret_in_logs(capsys, presigned)
    assert "HTTP 403" in out


def test_nothing_left_to_wait_for_disables_the_schedule(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle"), PRETRAIN: presigned.url("pretrain-handle")})
    aws.wait(PRETRAIN, "CREATE_FAILED")  # the poll goes through the jobs in name order
    aws.wait(SUPPORT, "CREATE_COMPLETE")
    aws.disable_schedule()

    summary = invoke(SCHEDULED, aws)

    assert presigned.puts == []
    assert sorted(summary["settled"]) == sorted([SUPPORT.name, PRETRAIN.name]) and summary["scheduleDisabled"]


def test_a_denied_disable_is_logged_and_retried_by_the_next_poll(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT, "CREATE_COMPLETE")
    aws.schedule()
    aws.events.add_client_error("disable_rule", service_error_code="AccessDeniedException", http_status_code=400)

    summary = invoke(SCHEDULED, aws)

    assert summary["scheduleDisabled"] is False
    assert "AccessDeniedException" in capsys.readouterr().out


def test_other_events_are_ignored(aws: StubbedClients, presigned: PresignedServer) -> None:
    assert invoke({"source": "aws.s3", "detail": {}}, aws) == {"trigger": "unknown"}
    assert presigned.puts == []


def test_config_reads_only_constant_size_values_from_the_environment() -> None:
    from lambda_src.job_watcher.sweep import Config

    assert Config.from_env(env_for()) == Config(
        stack_id=STACK_ID, schedule_rule="BedrockModelCustomizationWatcherPoll60B2531E"
    )


def test_a_prefix_matches_the_names_the_handler_makes_and_a_fixed_name_only_itself() -> None:
    from lambda_src.job_watcher.sweep import watched_job

    URL = "https://example.invalid/handle?X-Amz-Signature=secret"

    def read(watched: Watched) -> Any:
        found = watched_job(watched.handle, {"Metadata": json.dumps(watched.metadata()), "PhysicalResourceId": URL})
        assert found is not None and (found.name, found.wait, found.job) == (watched.name, watched.wait, watched.job)
        return found

    support, fixed = read(SUPPORT), read(FIXED)
    assert support.matches("SupportBot-3f9a2c1b0d4e-1a2b3c4d") and support.matches("SupportBot-3f9a2c1b0d4e-0000ffff")
    assert not support.matches("SupportBot-77d1e0aa0bb1-1a2b3c4d")  # another request's job (before a replacement)
    assert not support.matches("SupportBot-3f9a2c1b0d4e")
    assert fixed.matches("support-bot-v1")
    assert not fixed.matches("support-bot-v1-1a2b3c4d") and not fixed.matches("support-bot-v")
    assert URL not in repr(support) and support.url == URL  # the presigned URL never shows in a repr


# ---- discovery: the stack's handles and their Metadata ------------------------------------------


def test_discovery_reads_every_page_and_only_handles_with_this_libraries_metadata(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """60 waiting jobs over pages of 25 resources; a handle of the user's own (no Metadata) is not a job."""
    many = [
        Watched(f"Job{i}-{i:012x}-*", f"Job{i}CompletionHandle{i:08X}", f"Job{i}CompletionWait{i:08X}", f"Job{i}")
        for i in range(60)
    ]
    aws.own_handle("UsersOwnHandle", "https://example.invalid/x")
    aws.discover({w: presigned.url(w.handle) for w in many}, page_size=25)
    for w in many:
        aws.wait(w, "CREATE_COMPLETE")
    aws.disable_schedule()
    ordered = sorted(many, key=lambda w: w.handle)  # a cold Memory looks at handles in logical id order

    summary_ = invoke(SCHEDULED, aws)

    assert presigned.puts == []
    assert summary_["settled"] == [w.name for w in ordered] and summary_["scheduleDisabled"] is True


def test_one_of_sixty_waiting_jobs_ends_and_is_signalled_exactly_once(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    many = {
        Watched(f"Job{i}-{i:012x}-*", f"Job{i}Handle", f"Job{i}Wait", f"Job{i}"): presigned.url(f"job{i}-handle")
        for i in range(60)
    }
    ended = next(w for w in many if w.name.startswith("Job42-"))
    aws.discover(many, page_size=7)
    aws.wait(ended)
    aws.job(ended, job(ended.deployed(), "Completed"))
    for w in sorted(many, key=lambda w: w.name):
        if w is not ended:
            aws.wait(w, "CREATE_COMPLETE")
    aws.disable_schedule()

    summary_ = invoke(state_change(ended.deployed(), "Completed"), aws)

    assert [(p.path.split("?")[0], p.body["UniqueId"]) for p in presigned.puts] == [("/job42-handle", ended.deployed())]
    assert summary_["signalled"] == [ended.name] and len(summary_["settled"]) == 59


def test_a_stack_without_waiting_handles_disables_the_schedule(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({})
    aws.disable_schedule()

    summary_ = invoke(SCHEDULED, aws)

    assert summary_["signalled"] == summary_["pending"] == summary_["settled"] == [] and summary_["scheduleDisabled"]


def test_a_denied_listing_keeps_the_schedule_and_signals_nothing(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.cloudformation.add_client_error("list_stack_resources", service_error_code="AccessDenied", http_status_code=403)

    summary_ = invoke(SCHEDULED, aws)

    assert presigned.puts == [] and summary_["scheduleDisabled"] is False
    assert "AccessDenied" in capsys.readouterr().out


# ---- the job resource tells which job is this request's -----------------------------------------


def test_while_the_job_resource_is_being_updated_nothing_is_read_or_signalled(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """During a replacement the job resource still names the previous job: it must not end this wait."""
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job_resource(SUPPORT, job_arn("SupportBot-77d1e0aa0bb1-9f8e7d6c"), "UPDATE_IN_PROGRESS")

    summary = invoke(SCHEDULED, aws)

    assert presigned.puts == [] and summary["pending"] == [SUPPORT.name]


def test_a_job_resource_naming_an_earlier_requests_job_is_not_this_wait(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Redeploying or reverting: the new handle exists before the job resource points at the new job."""
    aws.discover({SUPPORT: presigned.url("support-handle")})
    earlier = job("SupportBot-77d1e0aa0bb1-9f8e7d6c", "Completed")
    aws.missing_resource(SUPPORT.wait)
    aws.job(SUPPORT, earlier, status="UPDATE_COMPLETE", reads_tags=False)

    summary = invoke(SCHEDULED, aws)

    assert presigned.puts == [] and summary["pending"] == [SUPPORT.name]
    assert "still names an earlier job" in capsys.readouterr().out


def test_a_fixed_name_is_matched_exactly(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({FIXED: presigned.url("fixed-handle")})
    aws.wait(FIXED)
    aws.job(FIXED, job(FIXED.name, "Completed"))
    aws.disable_schedule()

    summary = invoke(state_change(FIXED.name, "Completed"), aws)

    assert [p.body["UniqueId"] for p in presigned.puts] == [FIXED.name]
    assert summary["signalled"] == [FIXED.name]


def test_an_event_for_a_job_of_no_watched_prefix_still_sweeps_in_name_order(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle"), PRETRAIN: presigned.url("pretrain-handle")})
    aws.wait(PRETRAIN, "CREATE_COMPLETE")
    aws.wait(SUPPORT, "CREATE_COMPLETE")
    aws.disable_schedule()

    summary = invoke(state_change("SomeoneElses-0123456789ab-1a2b3c4d", "Completed"), aws)

    assert presigned.puts == [] and summary["settled"] == [PRETRAIN.name, SUPPORT.name]

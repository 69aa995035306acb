"""The watcher reports only jobs of its own stack.

Why an event cannot make it signal: the event's job name only decides which handle is looked at first.
The job whose outcome ends a wait is the one whose ARN is the physical id of this stack's job resource
(DescribeStackResource and ListStackResources are allowed on this stack only), and its name must fit the
handle's filter. So another stack's job with a matching name (the same construct id and request in two
stacks gives the same prefix) is never read. The first test shows it.

What the physical id does not prove: that this stack's handler started the job. A physical id is whatever
the job handler returned, and a handler that adopted an existing job (by name, role and token, all of which
a template can copy) returned another stack's. So before the outcome of an ended job settles a wait (or
gives the Result resource its model), the watcher reads the job's tags: the job handler puts
``bedrock-customization:stack-id = <stack id>`` on every job it creates. One ListTagsForResource per ended
job; a job without this stack's tag gets a FAILURE naming why, never its SUCCESS or model ARN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lambda_src.customization_job import ownership
from lambda_src.job_watcher import handler as watcher
from lambda_src.job_watcher import outcome

from .conftest import PresignedServer
from .stubs import STACK_ID, StubbedClients, Watched, env_for, job, job_arn, result_request, stubbed_clients

SUPPORT = Watched(
    "SupportBot-3f9a2c1b0d4e-*",
    "SupportBotCompletionHandle0A1B2C3D5f0e1d2c3b",
    "SupportBotCompletionWait4E5F6A7B5f0e1d2c3b",
    "SupportBot7E3A9C1F",
)
OURS = SUPPORT.deployed("1a2b3c4d")
THEIRS = SUPPORT.deployed("99aa88bb")  # the same construct id and request in another stack: the same prefix
OTHER_STACK = STACK_ID.replace("stack/Chained/6c7b9a20", "stack/ChainedStaging/0d1e2f30")


def theirs(status: str) -> dict[str, Any]:
    """Another stack's job: same prefix, another job id."""
    return job(THEIRS, status, jobArn=job_arn(THEIRS).replace("/", "/other-", 1))


def state_change(response: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": "aws.bedrock",
        "detail-type": "Model Customization Job State Change",
        "resources": [response["jobArn"]],
        "detail": {"jobName": response["jobName"], "jobArn": response["jobArn"], "jobStatus": response["status"]},
    }


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


def invoke(event: dict[str, Any], aws: StubbedClients) -> dict[str, Any]:
    aws.flush()
    return watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put)


def test_the_owner_tag_is_the_one_the_job_handler_sets() -> None:
    assert outcome.OWNER_TAG_KEY == ownership.OWNER_TAG_KEY


def test_an_event_for_another_stacks_job_with_a_matching_name_signals_nothing(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """Bedrock is asked only about the job this stack's job resource names (the Stubber checks the ARN)."""
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(OURS, "InProgress"))

    summary = invoke(state_change(theirs("Completed")), aws)

    assert presigned.puts == [] and summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False


@pytest.mark.parametrize("owner", [OTHER_STACK, None], ids=["another-stacks-tag", "no-tag"])
def test_a_job_resource_naming_a_job_this_stack_did_not_start_fails_the_wait(
    aws: StubbedClients, presigned: PresignedServer, owner: str | None
) -> None:
    """E.g. a job adopted by name and token: its model never becomes this stack's ``custom_model_arn``."""
    adopted = theirs("Completed")
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, adopted, owner=owner)
    aws.disable_schedule()

    summary = invoke(state_change(adopted), aws)

    carries = "another stack's" if owner else "no"
    assert [p.body for p in presigned.puts] == [
        {
            "Status": "FAILURE",
            "Reason": f"Bedrock model customization job {THEIRS} is not this stack's: it carries {carries} "
            "bedrock-customization:stack-id tag, so its outcome does not end this stack's wait (the job "
            "resource names a job this stack did not start).",
            "UniqueId": THEIRS,
            "Data": adopted["jobArn"],
        }
    ]
    assert summary["signalled"] == [SUPPORT.name]


def test_this_stacks_job_is_signalled_after_its_tag_is_read(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(OURS, "Completed"))  # queues ListTagsForResource with this stack's tag
    aws.disable_schedule()

    invoke(state_change(job(OURS, "Completed")), aws)

    assert [(p.body["Status"], p.body["UniqueId"]) for p in presigned.puts] == [("SUCCESS", OURS)]


def test_a_denied_tag_read_keeps_the_wait_pending_and_names_the_missing_permission(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``bedrock:ListTagsForResource`` the watcher cannot prove ownership: it neither signals nor fails."""
    aws.discover({SUPPORT: presigned.url("support-handle")})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(OURS, "Completed"), reads_tags=False)
    aws.bedrock.add_client_error(
        "list_tags_for_resource", service_error_code="AccessDeniedException", http_status_code=403
    )

    summary = invoke(state_change(job(OURS, "Completed")), aws)

    assert presigned.puts == [] and summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False
    assert "ListTagsForResource: AccessDeniedException" in capsys.readouterr().out


def test_the_result_of_a_job_this_stack_did_not_start_fails_without_its_model(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    adopted = theirs("Completed")
    aws.tags(adopted["jobArn"], OTHER_STACK)  # the tags only: the job itself is never read
    event = result_request(presigned.response_url("response"), adopted["jobArn"])

    assert invoke(event, aws) == {"trigger": "cloudformation", "status": "FAILED"}

    [put] = presigned.puts
    assert put.body["Status"] == "FAILED" and "Data" not in put.body
    assert put.body["Reason"].startswith(f"Bedrock model customization job {adopted['jobArn']} is not this stack's")

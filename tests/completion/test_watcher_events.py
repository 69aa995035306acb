"""Events of the wrong shape: one structured log line and a return, never a traceback or an AWS call.

The function's resource policy lets EventBridge (its rules) and CloudFormation invoke it, and anyone with
``lambda:InvokeFunction`` can send it anything. The Stubbers here have nothing queued: any AWS call fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_src.job_watcher import handler as watcher

from .conftest import PresignedServer
from .stubs import StubbedClients, env_for, job, job_arn, result_request, stubbed_clients

RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/r?X-Amz-Signature=secret-r"
JOB_ARN = job_arn("SupportBot-3f9a2c1b0d4e-1a2b3c4d")


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ([], "the event is a list, not an object"),
        ("RequestType", "the event is a str, not an object"),
        (None, "the event is a NoneType, not an object"),
        (42, "the event is a int, not an object"),
        ({"source": "aws.bedrock"}, "the state-change event's detail is not an object"),
        ({"source": "aws.bedrock", "detail": "Completed"}, "the state-change event's detail is not an object"),
        ({"source": "aws.bedrock", "detail": ["jobName"]}, "the state-change event's detail is not an object"),
        (
            {"source": "aws.bedrock", "detail": {"jobName": 5, "jobStatus": "Completed"}},
            "the state-change event's detail.jobName or jobStatus is not a string",
        ),
        (
            {"source": "aws.bedrock", "detail": {"jobName": "SupportBot-1", "jobStatus": {"x": 1}}},
            "the state-change event's detail.jobName or jobStatus is not a string",
        ),
    ],
)
def test_a_malformed_event_is_one_structured_line(
    aws: StubbedClients, capsys: pytest.CaptureFixture[str], event: Any, reason: str
) -> None:
    assert watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put) == {
        "trigger": "malformed",
        "reason": reason,
    }
    assert logged(capsys) == [{"trigger": "malformed", "outcome": "ignored", "reason": reason}]


@pytest.mark.parametrize("source", [None, ["aws.bedrock"], {"aws": "bedrock"}, 7, "aws.s3"])
def test_an_event_from_another_source_is_ignored(
    aws: StubbedClients, capsys: pytest.CaptureFixture[str], source: Any
) -> None:
    assert watcher.handle({"source": source}, clients=aws.clients, env=env_for(), put=aws.put) == {"trigger": "unknown"}
    shown = source if isinstance(source, str) else None
    assert logged(capsys) == [{"trigger": "unknown", "outcome": "ignored", "source": shown}]


@pytest.mark.parametrize(
    "event",
    [
        {"RequestType": "Create", "ResourceProperties": {"JobIdentifier": JOB_ARN}},
        {"RequestType": "Create", "ResponseURL": None},
        {"RequestType": "Create", "ResponseURL": ["https://x.s3.amazonaws.com/r"]},
        {"RequestType": "Delete", "ResponseURL": 5, "LogicalResourceId": 5},
    ],
)
def test_a_request_without_a_response_url_cannot_be_answered_and_says_so(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    assert watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put) == {
        "trigger": "cloudformation",
        "status": "UNANSWERED",
    }
    assert presigned.puts == []
    [line] = logged(capsys)
    assert line["outcome"] == "malformed" and line["reason"] == "there is no presigned URL"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"ResourceProperties": "JobIdentifier"}, "The request's ResourceProperties is not an object."),
        ({"ResourceProperties": None}, "The request's ResourceProperties is not an object."),
        ({"ResourceProperties": {"JobIdentifier": 7}}, "The Result resource needs the JobIdentifier property"),
        ({"ResourceProperties": {"JobIdentifier": [JOB_ARN]}}, "The Result resource needs the JobIdentifier"),
        ({"RequestType": "Replace"}, "The request's RequestType is not Create, Update or Delete."),
        ({"RequestType": ["Create"]}, "The request's RequestType is not Create, Update or Delete."),
    ],
)
def test_a_request_of_the_wrong_shape_is_answered_failed_with_the_reason(
    aws: StubbedClients,
    presigned: PresignedServer,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, Any],
    reason: str,
) -> None:
    event = result_request(presigned.response_url("response"), JOB_ARN, RequestId=["not", "a", "string"], **fields)

    assert watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put)["status"] == "FAILED"

    [put] = presigned.puts
    assert put.body["Status"] == "FAILED" and put.body["Reason"].startswith(reason)
    assert put.body["RequestId"] == "" and put.body["LogicalResourceId"] == "SupportBotCompletionResult"
    assert logged(capsys)[-1]["outcome"] == "FAILED"


def test_a_bedrock_answer_of_an_unexpected_shape_fails_the_result_not_the_function(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """``validationMetrics`` that holds something else than objects: a clear FAILED, no traceback."""
    response = job("SupportBot-3f9a2c1b0d4e-1a2b3c4d", "Completed")
    aws.tags(response["jobArn"])
    aws.get_job(response)  # validated by the Stubber, then damaged after parsing:
    aws.clients.bedrock.meta.events.register(
        "after-call.bedrock.GetModelCustomizationJob",
        lambda parsed, **_: parsed.update(validationMetrics=["0.25"]),
    )
    event = result_request(presigned.response_url("response"), response["jobArn"])

    assert watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put)["status"] == "FAILED"

    [put] = presigned.puts
    assert put.body["Reason"] == "Unexpected AttributeError: 'str' object has no attribute 'get'"
    logged(capsys)

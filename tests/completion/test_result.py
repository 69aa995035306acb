"""``Custom::BedrockModelCustomizationResult``: reads the job's model and losses, fails when it did not complete.

CloudFormation invokes the watcher directly, so the watcher PUTs the response to the request's presigned
ResponseURL; here the injected ``put`` sends it to a server on 127.0.0.1 that records the PUT. A completed
job's attributes are given only for a job carrying this stack's owner tag.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lambda_src.job_watcher import handler as watcher

from .conftest import PresignedServer
from .stubs import (
    RESULT_TYPE,
    STACK_ID,
    StubbedClients,
    env_for,
    job,
    job_arn,
    model_arn,
    result_request,
    stubbed_clients,
)

NAME = "SupportBot-3f9a2c1b0d4e"
LOGICAL_ID = "SupportBotCompletionResult6CA799C919c402933a"


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


def request(presigned: PresignedServer, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
    return result_request(
        presigned.response_url("response"),
        job_arn(NAME),
        request_type,
        resource_type=RESULT_TYPE,
        properties={"ServiceToken": "arn:...", "ServiceTimeout": "300"},
        service_token="arn:aws:lambda:us-east-1:123456789012:function:Chained-Watcher",
        request_id="0b7c5a38-2a8e-4d3c-9d4e-6f7a8b9c0d1e",
        logical_id=LOGICAL_ID,
        **extra,
    )


def expect_get(aws: StubbedClients, response: dict[str, Any], owner: str | None = STACK_ID) -> None:
    """The job's tags first (``owner``: the stack its owner tag names), then GetModelCustomizationJob."""
    aws.tags(job_arn(NAME), owner)
    aws.bedrock.add_response("get_model_customization_job", response, {"jobIdentifier": job_arn(NAME)})


def respond(event: dict[str, Any], aws: StubbedClients) -> dict[str, Any]:
    return watcher.handle(event, clients=aws.clients, env=env_for(), put=aws.put)


def the_response(presigned: PresignedServer) -> dict[str, Any]:
    assert len(presigned.puts) == 1
    put = presigned.puts[0]
    assert put.path == "/response?X-Amz-Signature=secret-response"
    assert put.headers.get("content-type", "") == ""
    return put.body


def test_completed_job_gives_the_model_arn_and_losses(
    aws: StubbedClients, presigned: PresignedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_get(aws, job(NAME, "Completed"))

    assert respond(request(presigned), aws) == {"trigger": "cloudformation", "status": "SUCCESS"}

    assert the_response(presigned) == {
        "Status": "SUCCESS",
        "Reason": "",
        "PhysicalResourceId": job_arn(NAME),
        "StackId": STACK_ID,
        "RequestId": "0b7c5a38-2a8e-4d3c-9d4e-6f7a8b9c0d1e",
        "LogicalResourceId": LOGICAL_ID,
        "NoEcho": False,
        "Data": {
            "CustomModelArn": model_arn(NAME),
            "CustomModelName": f"{NAME}-model",
            "JobArn": job_arn(NAME),
            "JobName": NAME,
            "TrainingLoss": "0.125",
            "ValidationLoss": "0.25",
        },
    }
    assert presigned.leaked(capsys.readouterr().out) == []


def test_without_validation_data_the_validation_loss_is_empty(aws: StubbedClients, presigned: PresignedServer) -> None:
    response = job(NAME, "Completed")
    del response["validationMetrics"]
    response["validationDataConfig"] = {"validators": []}
    expect_get(aws, response)

    respond(request(presigned), aws)

    assert the_response(presigned)["Data"]["ValidationLoss"] == ""


def test_failed_job_fails_the_resource_quoting_bedrock(aws: StubbedClients, presigned: PresignedServer) -> None:
    expect_get(aws, job(NAME, "Failed", failureMessage="Insufficient training records: 12 (minimum 32)."))

    respond(request(presigned), aws)

    body = the_response(presigned)
    assert body["Status"] == "FAILED"
    assert (
        body["Reason"]
        == f"Bedrock model customization job {NAME} Failed: Insufficient training records: 12 (minimum 32)."
    )
    assert "Data" not in body and body["PhysicalResourceId"] == job_arn(NAME)


def test_a_job_still_running_fails_the_resource(aws: StubbedClients, presigned: PresignedServer) -> None:
    expect_get(aws, job(NAME, "InProgress"))

    respond(request(presigned, "Update", PhysicalResourceId=job_arn("Old-000000000000")), aws)

    body = the_response(presigned)
    assert body["Status"] == "FAILED"
    assert "is InProgress, not Completed" in body["Reason"]
    assert body["PhysicalResourceId"] == job_arn("Old-000000000000")


def test_a_bedrock_error_fails_the_resource_with_its_code(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.tags(job_arn(NAME), STACK_ID)
    aws.bedrock.add_client_error(
        "get_model_customization_job",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
    )

    respond(request(presigned), aws)

    body = the_response(presigned)
    assert body["Status"] == "FAILED"
    assert body["Reason"] == f"GetModelCustomizationJob({job_arn(NAME)}) failed: AccessDeniedException: not authorized"


def test_delete_succeeds_without_reading_the_job(aws: StubbedClients, presigned: PresignedServer) -> None:
    respond(request(presigned, "Delete", PhysicalResourceId=job_arn(NAME)), aws)

    body = the_response(presigned)
    assert body["Status"] == "SUCCESS" and body["PhysicalResourceId"] == job_arn(NAME)

"""The Result resource checks ownership before it reads anything, and its response always fits CloudFormation's
4,096 bytes (issue 19).

"The total size of the response body can't exceed 4096 bytes" and a PhysicalResourceId "can be up to 1 KB in
size" (CloudFormation User Guide, "Custom resource response objects",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). The body measured here
is the one the watcher PUTs (``send_json`` serializes it with ``json.dumps``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_src.job_watcher import handler as watcher

from .conftest import PresignedServer
from .stubs import RESULT_TYPE, STACK_ID, StubbedClients, env_for, job, job_arn, result_request, stubbed_clients

NAME = "SupportBot-3f9a2c1b0d4e"
OTHER_STACK = STACK_ID.replace("stack/Chained/6c7b9a20", "stack/ChainedStaging/0d1e2f30")
CFN_RESPONSE_LIMIT = 4096
PHYSICAL_ID_LIMIT = 1024


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


def request(
    presigned: PresignedServer, job_identifier: Any, request_type: str = "Create", **extra: Any
) -> dict[str, Any]:
    return result_request(
        presigned.response_url("response"),
        job_identifier,
        request_type,
        resource_type=RESULT_TYPE,
        properties={"ServiceToken": "arn:..."},
        request_id="0b7c5a38-2a8e-4d3c-9d4e-6f7a8b9c0d1e",
        **extra,
    )


def sent(presigned: PresignedServer) -> dict[str, Any]:
    [put] = presigned.puts
    body: dict[str, Any] = put.body
    assert len(json.dumps(body).encode()) <= CFN_RESPONSE_LIMIT
    assert 0 < len(body["PhysicalResourceId"].encode()) <= PHYSICAL_ID_LIMIT
    return body


def test_another_stacks_job_is_refused_before_it_is_read(aws: StubbedClients, presigned: PresignedServer) -> None:
    """Only ListTagsForResource is answered: a GetModelCustomizationJob would fail the Stubber, and the other
    stack's failure message never reaches this stack's events."""
    arn = job_arn(NAME)
    aws.tags(arn, OTHER_STACK)

    watcher.handle(request(presigned, arn), clients=aws.clients, env=env_for(), put=aws.put)

    body = sent(presigned)
    assert body["Status"] == "FAILED" and "Data" not in body
    assert "is not this stack's" in body["Reason"] and arn in body["Reason"]


def test_an_untagged_job_is_refused_before_it_is_read(aws: StubbedClients, presigned: PresignedServer) -> None:
    aws.tags(job_arn(NAME), None)

    watcher.handle(request(presigned, job_arn(NAME)), clients=aws.clients, env=env_for(), put=aws.put)

    assert sent(presigned)["Status"] == "FAILED"


def test_this_stacks_job_is_read_after_its_tags(aws: StubbedClients, presigned: PresignedServer) -> None:
    arn = job_arn(NAME)
    aws.tags(arn, STACK_ID)
    aws.get_job(job(NAME, "Failed", failureMessage="Insufficient training records."))

    watcher.handle(request(presigned, arn), clients=aws.clients, env=env_for(), put=aws.put)

    body = sent(presigned)
    assert body["Status"] == "FAILED" and body["Reason"].endswith("Insufficient training records.")
    assert body["PhysicalResourceId"] == arn


@pytest.mark.parametrize(
    "identifier",
    [
        job_arn(NAME) + "x" * 20_000,
        "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/" + "é" * 8_000,
        "j" * 21_000,
        NAME,  # a name, not an ARN: ListTagsForResource takes ARNs only
    ],
)
@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_an_identifier_that_is_not_a_job_arn_fails_within_the_response_limit_without_a_call(
    aws: StubbedClients, presigned: PresignedServer, identifier: str, request_type: str
) -> None:
    extra = {"PhysicalResourceId": identifier} if request_type == "Update" else {}
    watcher.handle(
        request(presigned, identifier, request_type, **extra), clients=aws.clients, env=env_for(), put=aws.put
    )

    body = sent(presigned)
    assert body["Status"] == "FAILED" and "JobIdentifier" in body["Reason"]


def test_a_delete_with_a_huge_physical_id_answers_within_the_limit(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    huge = "p" * 30_000
    watcher.handle(
        request(presigned, huge, "Delete", PhysicalResourceId=huge), clients=aws.clients, env=env_for(), put=aws.put
    )

    assert sent(presigned)["Status"] == "SUCCESS"


def test_a_long_reason_is_clipped_to_what_the_response_has_room_for(
    aws: StubbedClients, presigned: PresignedServer
) -> None:
    """A logical id of CloudFormation's longest (255 characters) and Bedrock's longest message, non-ASCII."""
    arn = job_arn(NAME)
    aws.tags(arn, STACK_ID)
    aws.bedrock.add_client_error(
        "get_model_customization_job", service_error_code="ValidationException", service_message="ü" * 5_000
    )

    watcher.handle(
        request(presigned, arn, LogicalResourceId="R" * 255), clients=aws.clients, env=env_for(), put=aws.put
    )

    body = sent(presigned)
    assert body["Status"] == "FAILED" and body["Reason"].startswith("GetModelCustomizationJob(")

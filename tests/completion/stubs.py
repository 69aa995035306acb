"""Stubbed AWS clients for the watcher, and the responses it reads (validated by botocore's Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from lambda_src.job_watcher.sweep import Clients

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Chained/6c7b9a20-0000-11ef-8000-0a1b2c3d4e5f"
SCHEDULE_ID = "BedrockModelCustomizationWatcherPoll60B2531E"
SCHEDULE_NAME = "Chained-BedrockModelCustomizationWatcherPoll-1AB2C3D4E5F6"
STARTED = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"


def job_arn(name: str) -> str:
    return f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/{name[-12:]}"


def model_arn(name: str) -> str:
    return f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/{name[-12:]}"


def job(name: str, status: str, **extra: Any) -> dict[str, Any]:
    """A GetModelCustomizationJob response as Bedrock returns it for ``status``."""
    response: dict[str, Any] = {
        "jobArn": job_arn(name),
        "jobName": name,
        "outputModelName": f"{name}-model",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-customization/job-role",
        "status": status,
        "creationTime": STARTED,
        "lastModifiedTime": STARTED,
        "baseModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k",
        "trainingDataConfig": {"s3Uri": "s3://data/train.jsonl"},
        "validationDataConfig": {"validators": [{"s3Uri": "s3://data/validation.jsonl"}]},
        "outputDataConfig": {"s3Uri": "s3://out/"},
        "customizationType": "FINE_TUNING",
    }
    if status == "Completed":
        response.update(
            outputModelArn=model_arn(name),
            endTime=STARTED,
            trainingMetrics={"trainingLoss": 0.125},
            validationMetrics=[{"validationLoss": 0.25}],
        )
    response.update(extra)
    return response


@dataclass(frozen=True)
class Watched:
    """A waiting job as its handle's Metadata names it: the name (or prefix and ``*``), and the handle, wait
    and job logical ids."""

    name: str
    handle: str
    wait: str
    job: str

    def deployed(self, suffix: str = "1a2b3c4d") -> str:
        """The job's name on Bedrock: a generated prefix plus the handler's suffix, or the fixed name."""
        return f"{self.name[:-1]}{suffix}" if self.name.endswith("*") else self.name

    def metadata(self) -> dict[str, Any]:
        """The handle's Metadata as the construct writes it."""
        name_filter: Any = {"prefix": self.name[:-1]} if self.name.endswith("*") else self.name
        return {"BedrockModelCustomization": {"nameFilter": name_filter, "wait": self.wait, "job": self.job}}


def env_for() -> dict[str, str]:
    """The watcher's environment: constant-size, whatever the number of waiting jobs."""
    return {"SCHEDULE_RULE": SCHEDULE_ID, "STACK_ID": STACK_ID}


def summary(logical_id: str, type_name: str, status: str = "CREATE_COMPLETE") -> dict[str, Any]:
    """A ListStackResources entry."""
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": f"{logical_id}-physical",
        "ResourceType": type_name,
        "LastUpdatedTimestamp": STARTED,
        "ResourceStatus": status,
    }


@dataclass
class StubbedClients:
    clients: Clients
    bedrock: Stubber
    cloudformation: Stubber
    events: Stubber

    def resource(
        self,
        logical_id: str,
        status: str,
        physical_id: str | None = None,
        type_name: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        detail: dict[str, Any] = {
            "StackName": "Chained",
            "StackId": STACK_ID,
            "LogicalResourceId": logical_id,
            "ResourceType": type_name or "AWS::CloudFormation::WaitCondition",
            "LastUpdatedTimestamp": STARTED,
            "ResourceStatus": status,
        }
        if physical_id is not None:
            detail["PhysicalResourceId"] = physical_id
        if metadata is not None:
            detail["Metadata"] = json.dumps(metadata)
        self.cloudformation.add_response(
            "describe_stack_resource",
            {"StackResourceDetail": detail},
            {"StackName": STACK_ID, "LogicalResourceId": logical_id},
        )

    def missing_resource(self, logical_id: str) -> None:
        self.cloudformation.add_client_error(
            "describe_stack_resource",
            service_error_code="ValidationError",
            service_message=f"Resource {logical_id} does not exist for stack Chained",
            http_status_code=400,
            expected_params={"StackName": STACK_ID, "LogicalResourceId": logical_id},
        )

    def discover(self, handles: dict[Watched, str], page_size: int = 100, others: int = 3) -> None:
        """ListStackResources (pages of ``page_size``; ``others`` resources that are not handles come first)
        and DescribeStackResource of each handle, with its Metadata and its URL as physical id."""
        listed = [summary(f"Other{i}", "AWS::Lambda::Function") for i in range(others)]
        listed += [summary(w.handle, HANDLE_TYPE) for w in handles]
        pages = [listed[i : i + page_size] for i in range(0, len(listed), page_size)] or [[]]
        for number, page in enumerate(pages):
            response: dict[str, Any] = {"StackResourceSummaries": page}
            expected: dict[str, Any] = {"StackName": STACK_ID}
            if number + 1 < len(pages):
                response["NextToken"] = f"page-{number + 1}"
            if number:
                expected["NextToken"] = f"page-{number}"
            self.cloudformation.add_response("list_stack_resources", response, expected)
        for watched, url in handles.items():
            self.resource(watched.handle, "CREATE_COMPLETE", url, HANDLE_TYPE, watched.metadata())

    def handle(self, watched: Watched, url: str) -> None:
        self.discover({watched: url})

    def wait(self, watched: Watched, status: str = "CREATE_IN_PROGRESS") -> None:
        self.resource(watched.wait, status, f"{STACK_ID}/{watched.wait}")

    def job_resource(self, watched: Watched, physical_id: str | None, status: str = "CREATE_COMPLETE") -> None:
        self.resource(watched.job, status, physical_id, "Custom::BedrockModelCustomizationJob")

    def get_job(self, response: dict[str, Any]) -> None:
        """GetModelCustomizationJob by the job's ARN, as the watcher reads it from the job resource."""
        self.bedrock.add_response("get_model_customization_job", response, {"jobIdentifier": response["jobArn"]})

    def job(self, watched: Watched, response: dict[str, Any], status: str = "CREATE_COMPLETE") -> None:
        """The job resource names the job's ARN; the watcher then reads the job by it."""
        self.job_resource(watched, response["jobArn"], status)
        self.get_job(response)

    def job_not_found(self, arn: str) -> None:
        self.bedrock.add_client_error(
            "get_model_customization_job",
            service_error_code="ResourceNotFoundException",
            service_message=f"Job {arn} not found",
            http_status_code=404,
            expected_params={"jobIdentifier": arn},
        )

    def disable_schedule(self) -> None:
        self.resource(SCHEDULE_ID, "UPDATE_COMPLETE", SCHEDULE_NAME, "AWS::Events::Rule")
        self.events.add_response("disable_rule", {}, {"Name": SCHEDULE_NAME})

    def assert_no_pending_responses(self) -> None:
        for stub in (self.bedrock, self.cloudformation, self.events):
            stub.assert_no_pending_responses()


@contextmanager
def stubbed_clients() -> Iterator[StubbedClients]:
    session = boto3.session.Session(region_name=REGION)
    clients = Clients(
        bedrock=session.client("bedrock"),
        cloudformation=session.client("cloudformation"),
        events=session.client("events"),
    )
    with Stubber(clients.bedrock) as b, Stubber(clients.cloudformation) as c, Stubber(clients.events) as e:
        yield StubbedClients(clients, b, c, e)

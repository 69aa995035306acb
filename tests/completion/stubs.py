"""Stubbed AWS clients for the watcher, and the responses it reads (validated by botocore's Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber
from support.events import cfn_event

from lambda_src.job_watcher.sweep import Clients

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Chained/6c7b9a20-0000-11ef-8000-0a1b2c3d4e5f"
SCHEDULE_ID = "BedrockModelCustomizationWatcherPoll60B2531E"
SCHEDULE_NAME = "Chained-BedrockModelCustomizationWatcherPoll-1AB2C3D4E5F6"
STARTED = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
OWNER_TAG_KEY = "bedrock-customization:stack-id"


RESULT_TYPE = "Custom::BedrockModelCustomizationResult"
RESULT_ID = "SupportBotCompletionResult"


def result_request(
    response_url: str | None,
    job_identifier: Any,
    request_type: str = "Create",
    *,
    resource_type: str | None = None,
    properties: dict[str, Any] | None = None,
    request_id: str = "r",
    logical_id: str = RESULT_ID,
    **extra: Any,
) -> dict[str, Any]:
    """A Result resource's CloudFormation request to this stack's watcher (``support.events.cfn_event``).

    ``properties`` go before ``JobIdentifier``; ``extra`` takes cfn_event's keywords and top-level fields. Without
    a ``resource_type`` the request has no ResourceType and no top-level ServiceToken, as most of these tests
    send it: the watcher reads neither.
    """
    extra.setdefault("service_token", None)
    return cfn_event(
        request_type,
        resource_type,
        {**(properties or {}), "JobIdentifier": job_identifier},
        stack_id=STACK_ID,
        logical_id=logical_id,
        request_id=request_id,
        response_url=response_url,
        **extra,
    )


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


def summary(
    logical_id: str, type_name: str, status: str = "CREATE_COMPLETE", physical_id: str | None = "-"
) -> dict[str, Any]:
    """A ListStackResources entry (``physical_id`` None: not created yet; "-": a placeholder id)."""
    entry: dict[str, Any] = {
        "LogicalResourceId": logical_id,
        "ResourceType": type_name,
        "LastUpdatedTimestamp": STARTED,
        "ResourceStatus": status,
    }
    if physical_id is not None:
        entry["PhysicalResourceId"] = f"{logical_id}-physical" if physical_id == "-" else physical_id
    return entry


ENDED = frozenset({"Completed", "Failed", "Stopped"})


@dataclass
class StubbedClients:
    """Stubbed clients plus the stack the watcher will list.

    ``discover``, ``wait``, ``job_resource`` and ``disable_schedule`` describe the stack; ``flush`` (which
    ``invoke`` calls) then queues ListStackResources (every page) and, for a cold ``Memory``, one GetTemplate
    with every handle's Metadata (``describe_order``: DescribeStackResource of those handles instead).
    Bedrock and EventBridge responses are queued at once: each client has its own queue.
    """

    clients: Clients
    bedrock: Stubber
    cloudformation: Stubber
    events: Stubber
    put: Any = None
    listed: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 100
    discovered: bool = False
    describe_order: list[str] | None = None
    """Handles the watcher describes one by one (None: a cold Memory, which reads the template instead)."""
    template_error: str | None = None
    """GetTemplate fails with this error code: the watcher then describes every handle (logical id order)."""

    def detail(
        self, logical_id: str, physical_id: str, type_name: str, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "StackName": "Chained",
            "StackId": STACK_ID,
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": type_name,
            "LastUpdatedTimestamp": STARTED,
            "ResourceStatus": "CREATE_COMPLETE",
        }
        if metadata is not None:
            detail["Metadata"] = json.dumps(metadata)
        return detail

    def discover(self, handles: dict[Watched, str], page_size: int = 100, others: int = 3) -> None:
        """The stack's handles (URL as physical id, the construct's Metadata) after ``others`` resources that
        are not handles; listed in pages of ``page_size``."""
        self.discovered = True
        self.page_size = page_size
        self.listed += [summary(f"Other{i}", "AWS::Lambda::Function") for i in range(others)]
        for watched, url in handles.items():
            self.own_handle(watched.handle, url, watched.metadata())

    def own_handle(self, logical_id: str, url: str, metadata: dict[str, Any] | None = None) -> None:
        """A handle; without ``metadata`` it is one of the user's own, not a waiting job's."""
        self.discovered = True
        self.listed.append(summary(logical_id, HANDLE_TYPE, physical_id=url))
        self.details[logical_id] = self.detail(logical_id, url, HANDLE_TYPE, metadata)

    def handle(self, watched: Watched, url: str) -> None:
        self.discover({watched: url})

    def wait(self, watched: Watched, status: str = "CREATE_IN_PROGRESS") -> None:
        self.listed.append(summary(watched.wait, "AWS::CloudFormation::WaitCondition", status, f"{STACK_ID}/w"))

    def missing_resource(self, logical_id: str) -> None:
        """Not created yet (or gone): simply not in the listing."""

    def job_resource(self, watched: Watched, physical_id: str | None, status: str = "CREATE_COMPLETE") -> None:
        self.listed.append(summary(watched.job, "Custom::BedrockModelCustomizationJob", status, physical_id))

    def get_job(self, response: dict[str, Any]) -> None:
        """GetModelCustomizationJob by the job's ARN, as the watcher reads it from the job resource."""
        self.bedrock.add_response("get_model_customization_job", response, {"jobIdentifier": response["jobArn"]})

    def tags(self, arn: str, owner: str | None = STACK_ID) -> None:
        """ListTagsForResource of a job: the owner tag the job handler sets (``owner`` None: no such tag)."""
        tags = [{"key": "team", "value": "ml"}]
        if owner is not None:
            tags.append({"key": OWNER_TAG_KEY, "value": owner})
        self.bedrock.add_response("list_tags_for_resource", {"tags": tags}, {"resourceARN": arn})

    def job(
        self,
        watched: Watched,
        response: dict[str, Any],
        status: str = "CREATE_COMPLETE",
        owner: str | None = STACK_ID,
        reads_tags: bool | None = None,
    ) -> None:
        """The job resource names the job's ARN; the watcher reads the job by it and, once it ended, its
        tags (``reads_tags`` defaults to whether it ended)."""
        self.job_resource(watched, response["jobArn"], status)
        self.get_job(response)
        ended = response["status"] in ENDED
        if ended if reads_tags is None else reads_tags:
            self.tags(response["jobArn"], owner)

    def job_not_found(self, arn: str) -> None:
        self.bedrock.add_client_error(
            "get_model_customization_job",
            service_error_code="ResourceNotFoundException",
            service_message=f"Job {arn} not found",
            http_status_code=404,
            expected_params={"jobIdentifier": arn},
        )

    def schedule(self) -> None:
        """The backup poll's rule, as the listing shows it."""
        self.listed.append(summary(SCHEDULE_ID, "AWS::Events::Rule", "UPDATE_COMPLETE", SCHEDULE_NAME))

    def disable_schedule(self) -> None:
        self.schedule()
        self.events.add_response("disable_rule", {}, {"Name": SCHEDULE_NAME})

    def flush(self) -> None:
        """Queue the listing and the handles' DescribeStackResource, then start a new stack description."""
        if not self.discovered:
            return
        pages = [self.listed[i : i + self.page_size] for i in range(0, len(self.listed), self.page_size)] or [[]]
        for number, page in enumerate(pages):
            response: dict[str, Any] = {"StackResourceSummaries": page}
            expected: dict[str, Any] = {"StackName": STACK_ID}
            if number + 1 < len(pages):
                response["NextToken"] = f"page-{number + 1}"
            if number:
                expected["NextToken"] = f"page-{number}"
            self.cloudformation.add_response("list_stack_resources", response, expected)
        if self.template_error is not None:
            self.cloudformation.add_client_error(
                "get_template", self.template_error, "denied", 403, expected_params={"StackName": STACK_ID}
            )
            self.describe_order = sorted(self.details)
        elif self.describe_order is None and self.details:  # a cold Memory reads every handle's Metadata at once
            self.cloudformation.add_response("get_template", {"TemplateBody": self.template()}, {"StackName": STACK_ID})
        for logical_id in self.describe_order or []:
            self.cloudformation.add_response(
                "describe_stack_resource",
                {"StackResourceDetail": self.details[logical_id]},
                {"StackName": STACK_ID, "LogicalResourceId": logical_id},
            )
        self.listed, self.details, self.discovered, self.describe_order = [], {}, False, None
        self.template_error = None

    def template(self) -> str:
        """GetTemplate's body: the handles with the Metadata their details carry (JSON, as CDK writes it)."""
        resources: dict[str, Any] = {}
        for logical_id, detail in self.details.items():
            resources[logical_id] = {"Type": HANDLE_TYPE}
            if "Metadata" in detail:
                resources[logical_id]["Metadata"] = json.loads(detail["Metadata"])
        return json.dumps({"Resources": resources})

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

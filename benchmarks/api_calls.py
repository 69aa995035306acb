"""Bedrock API calls per lifecycle, counted by driving the handler with a botocore Stubber.

The handler runs as in Lambda (``customization_job.handler.handle`` with the production client
factory's client) on CloudFormation-shaped events. The Stubber is filled just in time: when the
handler makes a call, a small in-memory Bedrock (``FakeBedrock``) answers it and the answer is queued
on the Stubber, which then validates the request and the response against the service model. So the
counts are what the handler really calls in each situation, not a sequence written down beforehand.
Nothing reaches the network (fake credentials, no IMDS).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.stub import Stubber
from common import LAMBDA_SRC

sys.path.insert(0, str(LAMBDA_SRC.parent))
from lambda_src.contract import OWNER_TAG_KEY  # the tag the handler checks before it acts

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Bench/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/bedrock-customization/{REGION}/Bench/Job0ServiceRole-ABC123"
BASE_MODEL_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k"
JOB_PREFIX = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/"
MODEL_PREFIX = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Bench-ProviderframeworkonEvent"
CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def fake_aws_env() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def request(suffix: str = "3f9a2c", **overrides: Any) -> dict[str, Any]:
    """A FINE_TUNING request as CloudFormation delivers it (every scalar a string)."""
    body: dict[str, Any] = {
        "jobName": f"Job0-{suffix}",
        "customModelName": f"Job0-{suffix}",
        "roleArn": ROLE_ARN,
        "baseModelIdentifier": BASE_MODEL_ARN,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": "s3://bench-data/job0/train.jsonl"},
        "validationDataConfig": {"validators": [{"s3Uri": "s3://bench-data/job0/validation.jsonl"}]},
        "outputDataConfig": {"s3Uri": "s3://bench-data/job0/output/"},
        "hyperParameters": {"epochCount": "2"},
        "jobTags": [{"key": "team", "value": "support"}, {"key": "cost", "value": "cc-1"}],
        "customModelTags": [{"key": "stage", "value": "dev"}],
    }
    body.update(overrides)
    return body


def event(
    request_type: str,
    new: dict[str, Any],
    *,
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
    removal_policy: str = "RETAIN",
    request_id: str = "11111111-2222-3333-4444-555555555555",
) -> dict[str, Any]:
    """A custom-resource event as the CDK Provider framework hands it to the handler."""
    props = {"ServiceToken": SERVICE_TOKEN, "Request": new, "ModelRemovalPolicy": removal_policy}
    props["NamesGenerated"] = "true"
    ev: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "StackId": STACK_ID,
        "RequestId": request_id,
        "LogicalResourceId": "Job0B1A2C3D4",
        "ResourceType": "Custom::BedrockModelCustomizationJob",
        "ResourceProperties": props,
    }
    if physical_id is not None:
        ev["PhysicalResourceId"] = physical_id
    if old is not None:
        ev["OldResourceProperties"] = {**props, "Request": old}
    return ev


class NotFound(Exception):
    pass


def _owned(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """Tags as the handler writes them at create: the request's, and this stack's owner tag."""
    return {**{t["key"]: t["value"] for t in tags or []}, OWNER_TAG_KEY: STACK_ID}


@dataclass
class FakeBedrock:
    """Just enough Bedrock to answer the handler: jobs and models by name or ARN, and their tags. A job set
    up by a scenario was created by this stack's handler before, so it and its model carry the owner tag."""

    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # ARN -> tags
    counter: int = 0

    def add_job(self, req: dict[str, Any], status: str, *, with_model: bool = False) -> str:
        self.counter += 1
        arn = f"{JOB_PREFIX}job{self.counter:06d}"
        self.tags[arn] = _owned(req.get("jobTags"))
        job = {
            "jobArn": arn,
            "jobName": req["jobName"],
            "outputModelName": req["customModelName"],
            "roleArn": req["roleArn"],
            "status": status,
            "creationTime": CREATED,
            "baseModelArn": BASE_MODEL_ARN,
            "trainingDataConfig": req["trainingDataConfig"],
            "validationDataConfig": req.get("validationDataConfig", {"validators": []}),
            "outputDataConfig": req["outputDataConfig"],
        }
        if req.get("clientRequestToken"):
            job["clientRequestToken"] = req["clientRequestToken"]
        if with_model:
            model_arn = f"{MODEL_PREFIX}model{self.counter:06d}"
            job["outputModelArn"] = model_arn
            self.tags[model_arn] = _owned(req.get("customModelTags"))
            self.models[req["customModelName"]] = {
                "modelArn": model_arn,
                "modelName": req["customModelName"],
                "creationTime": CREATED,
                "jobArn": arn,
                "jobName": req["jobName"],
            }
        self.jobs[req["jobName"]] = job
        return arn

    def _job(self, identifier: str) -> dict[str, Any]:
        for job in self.jobs.values():
            if identifier in (job["jobName"], job["jobArn"]):
                return job
        raise NotFound(identifier)

    def _tags(self, arn: str) -> dict[str, str]:
        if arn not in self.tags:
            raise NotFound(arn)
        return self.tags[arn]

    def _model(self, identifier: str) -> dict[str, Any]:
        for model in self.models.values():
            if identifier in (model["modelName"], model["modelArn"]):
                return model
        raise NotFound(identifier)

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "CreateModelCustomizationJob":
            arn = self.add_job(params, "InProgress")
            self.tags[arn] = {t["key"]: t["value"] for t in params.get("jobTags", [])}  # as the handler sent them
            return {"jobArn": arn}
        if operation == "GetModelCustomizationJob":
            return dict(self._job(params["jobIdentifier"]))
        if operation == "StopModelCustomizationJob":
            self._job(params["jobIdentifier"])["status"] = "Stopping"
            return {}
        if operation == "GetCustomModel":
            return dict(self._model(params["modelIdentifier"]))
        if operation == "DeleteCustomModel":
            model = self._model(params["modelIdentifier"])
            del self.models[model["modelName"]]
            return {}
        if operation == "TagResource":
            self._tags(params["resourceARN"]).update({t["key"]: t["value"] for t in params["tags"]})
            return {}
        if operation == "UntagResource":
            tags = self._tags(params["resourceARN"])
            for key in params["tagKeys"]:
                tags.pop(key, None)
            return {}
        if operation == "ListTagsForResource":
            return {"tags": [{"key": k, "value": v} for k, v in self._tags(params["resourceARN"]).items()]}
        if operation == "ListModelCustomizationJobs":
            return {"modelCustomizationJobSummaries": []}
        if operation == "ListCustomModels":
            return {"modelSummaries": []}
        raise AssertionError(f"FakeBedrock does not know {operation}")


class CountingStubber(Stubber):  # type: ignore[misc]
    """A Stubber that asks ``FakeBedrock`` for each answer when the call arrives, and counts the calls."""

    def __init__(self, client: Any, bedrock: FakeBedrock) -> None:
        super().__init__(client)
        self.bedrock = bedrock
        self.calls: list[str] = []
        self._methods = {api: method for method, api in client.meta.method_to_api_mapping.items()}

    def _assert_expected_params(self, model: Any, params: Any, context: Any, **kwargs: Any) -> None:
        if not self._queue:
            self.calls.append(model.name)
            method = self._methods[model.name]
            try:
                self.add_response(method, self.bedrock.answer(model.name, params))
            except NotFound as missing:
                self.add_client_error(method, "ResourceNotFoundException", f"{missing} not found", 404)
        super()._assert_expected_params(model, params, context, **kwargs)


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 600_000


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    prepare: Callable[[FakeBedrock], list[dict[str, Any]]]  # sets the world up, returns the events to send


def _create(bedrock: FakeBedrock) -> list[dict[str, Any]]:
    return [event("Create", request())]


def _tag_update(*, status: str, with_model: bool) -> Callable[[FakeBedrock], list[dict[str, Any]]]:
    def prepare(bedrock: FakeBedrock) -> list[dict[str, Any]]:
        old = request()
        arn = bedrock.add_job(old, status, with_model=with_model)
        # one job tag changed, one removed; one model tag changed
        new = request(
            jobTags=[{"key": "team", "value": "platform"}],
            customModelTags=[{"key": "stage", "value": "prod"}],
        )
        return [event("Update", new, old=old, physical_id=arn, request_id="aaaaaaaa-0000-0000-0000-000000000001")]

    return prepare


def _replacement(bedrock: FakeBedrock) -> list[dict[str, Any]]:
    """An update that needs a new job (hyperparameters changed, new generated names), then
    CloudFormation's clean-up Delete of the old job, which is still running."""
    old = request()
    old_arn = bedrock.add_job(old, "InProgress")
    new = request(suffix="77d1e0", hyperParameters={"epochCount": "3"})
    return [
        event("Update", new, old=old, physical_id=old_arn, request_id="aaaaaaaa-0000-0000-0000-000000000002"),
        event("Delete", old, physical_id=old_arn, request_id="aaaaaaaa-0000-0000-0000-000000000003"),
    ]


def _delete(*, status: str, with_model: bool, policy: str) -> Callable[[FakeBedrock], list[dict[str, Any]]]:
    def prepare(bedrock: FakeBedrock) -> list[dict[str, Any]]:
        req = request()
        arn = bedrock.add_job(req, status, with_model=with_model)
        return [event("Delete", req, physical_id=arn, removal_policy=policy)]

    return prepare


SCENARIOS = [
    Scenario("create", "Create (happy path)", _create),
    Scenario(
        "tag-update-running",
        "Tag update, job running (no model yet)",
        _tag_update(status="InProgress", with_model=False),
    ),
    Scenario(
        "tag-update-completed",
        "Tag update, job completed (model exists)",
        _tag_update(status="Completed", with_model=True),
    ),
    Scenario("replacement", "Replacement: Update (new job) + clean-up Delete of the running old job", _replacement),
    Scenario(
        "delete-running",
        "Delete, job running, RETAIN",
        _delete(status="InProgress", with_model=False, policy="RETAIN"),
    ),
    Scenario(
        "delete-completed-destroy",
        "Delete, job completed, DESTROY (model deleted)",
        _delete(status="Completed", with_model=True, policy="DESTROY"),
    ),
]


def _import_handler() -> Any:
    if str(LAMBDA_SRC.parent) not in sys.path:
        sys.path.insert(0, str(LAMBDA_SRC.parent))
    from lambda_src.customization_job import client as client_module
    from lambda_src.customization_job import handler

    return handler, client_module


def count_calls() -> list[dict[str, Any]]:
    """Run every scenario; per scenario: API calls per event, by operation, and any error."""
    os.environ.update(fake_aws_env())
    os.environ.pop("AWS_PROFILE", None)
    handler, client_module = _import_handler()
    results = []
    for scenario in SCENARIOS:
        bedrock = FakeBedrock()
        client = client_module.new_bedrock_client()
        stubber = CountingStubber(client, bedrock)
        per_event: list[int] = []
        error = None
        with stubber:
            for ev in scenario.prepare(bedrock):
                before = len(stubber.calls)
                try:
                    with contextlib.redirect_stdout(io.StringIO()):  # the handler's JSON log lines
                        handler.handle(ev, _Context(), client=client, sleep=lambda _s: None)
                except Exception as exc:  # reported, not raised: the table shows which lifecycle broke
                    error = f"{type(exc).__name__}: {exc}"
                    per_event.append(len(stubber.calls) - before)
                    break
                per_event.append(len(stubber.calls) - before)
        results.append(
            {
                "scenario": scenario.name,
                "description": scenario.description,
                "calls": len(stubber.calls),
                "per_event": per_event,
                "by_operation": dict(Counter(stubber.calls)),
                "sequence": list(stubber.calls),
                "error": error,
            }
        )
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(count_calls(), indent=1))

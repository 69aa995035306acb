"""Every job of app.py through create → update (tags) → update (replacement) → delete, over HTTP on moto,
and through create → a refused update → CloudFormation's UPDATE_ROLLBACK.

The handler runs unchanged with its production client config, pointed at moto_server on 127.0.0.1.
After each step a separate client checks what the API now holds. moto differs from AWS in ways
docs/fault-matrix.md lists ("moto's gaps": it keeps jobs InProgress, creates the custom model with the job, drops
customizationConfig, finds jobs by name only); assertions rely on nothing else of moto's. The request
carries generated names' bases; the jobs and models on the server, and the attributes the handler
returns, carry the suffix of the CloudFormation request that started them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.idempotency import client_request_token
from lambda_src.customization_job.operations import coerce_request

from .harness import CloudFormation, StackTemplate, effective_request

JOBS = [
    ("BedrockFineTuning", "SupportBot"),
    ("BedrockRft", "MathTutor"),
    ("BedrockPrivateNetwork", "ClaimsClassifier"),
    pytest.param(
        "BedrockDistillation",
        "NovaLiteStudent",
        marks=pytest.mark.xfail(
            raises=HandlerError,
            strict=True,
            reason="moto 5.2 requires trainingDataConfig.s3Uri and rejects invocation-log training data, "
            "which AWS accepts; strict, so a moto that accepts it turns this into a failure to remove",
        ),
    ),
]


def job_logical_id(stack: StackTemplate, construct_id: str) -> str:
    matches = [lid for lid in stack.job_logical_ids() if lid.startswith(construct_id)]
    assert len(matches) == 1, f"{stack.stack_name}: expected one job {construct_id}, found {matches}"
    return matches[0]


def tags(observer: Any, arn: str) -> dict[str, str]:
    return {t["key"]: t["value"] for t in observer.list_tags_for_resource(resourceARN=arn)["tags"]}


def as_dict(tag_list: Any) -> dict[str, str]:
    return {t["key"]: t["value"] for t in tag_list or []}


def owned(tag_list: Any, stack_id: str) -> dict[str, str]:
    """The tags a job or model of this stack carries: the request's and the stack's owner tag."""
    return {**as_dict(tag_list), "bedrock-customization:stack-id": stack_id}


def retagged(properties: dict[str, Any]) -> dict[str, Any]:
    """A tags-only change as the construct renders it: one tag changed or added, one removed, keys sorted."""
    changed = copy.deepcopy(properties)
    request = changed["Request"]
    for field in ("jobTags", "customModelTags"):
        current = as_dict(request.get(field))
        if current:
            current.pop(sorted(current)[-1])  # removed
        current["deployment"] = "blue"  # added
        current["owner"] = "ml-platform-oncall"
        request[field] = [{"key": k, "value": v} for k, v in sorted(current.items())]
    return changed


def with_tags_of(properties: dict[str, Any], tagged: dict[str, Any]) -> dict[str, Any]:
    """The next version's properties, carrying the tags the previous step set (the user kept them)."""
    merged = copy.deepcopy(properties)
    for field in ("jobTags", "customModelTags"):
        merged["Request"][field] = copy.deepcopy(tagged["Request"][field])
    return merged


def job(observer: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = observer.get_model_customization_job(jobIdentifier=name)
    return found


def model_exists(observer: Any, name: str) -> bool:
    try:
        observer.get_custom_model(modelIdentifier=name)
        return True
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False


def assert_deployed_names(data: dict[str, Any], request: dict[str, Any]) -> tuple[str, str]:
    """The names the handler reports: the request's bases and one suffix, valid for both API patterns."""
    job_name, model_name = data["JobName"], data["CustomModelName"]
    suffix = job_name.rsplit("-", 1)[-1]
    assert re.fullmatch(r"[0-9a-f]{8}", suffix)
    assert job_name == f"{request['jobName']}-{suffix}" and model_name == f"{request['customModelName']}-{suffix}"
    assert len(job_name) <= 63 and len(model_name) <= 63
    return job_name, model_name


def all_jobs(observer: Any) -> list[dict[str, Any]]:
    summaries: list[dict[str, Any]] = observer.list_model_customization_jobs()["modelCustomizationJobSummaries"]
    return summaries


@pytest.mark.parametrize("policy", ["RETAIN", "DESTROY"])
@pytest.mark.parametrize(("stack_name", "construct_id"), JOBS)
def test_job_lifecycle_against_moto_server(
    templates: dict[str, StackTemplate],
    next_templates: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, str], CloudFormation],
    create_roles: Callable[[StackTemplate], None],
    observer: Any,
    handler_client: Any,
    stack_name: str,
    construct_id: str,
    policy: str,
) -> None:
    stack = templates[stack_name]
    logical_id = job_logical_id(stack, construct_id)
    create_roles(stack)
    first = stack.job_properties(logical_id)
    first["ModelRemovalPolicy"] = policy  # what the construct renders for model_removal_policy
    cfn = cloudformation(stack, logical_id)
    request = effective_request(first)

    # ---- create ----------------------------------------------------------------------------------
    created = cfn.create(first)

    job_arn = created["PhysicalResourceId"]
    assert created["Data"]["JobArn"] == job_arn
    job_name, model_name = assert_deployed_names(created["Data"], request)
    described = job(observer, job_name)
    assert described["jobArn"] == job_arn and described["status"] == "InProgress"
    assert observer.get_custom_model(modelIdentifier=model_name)["jobArn"] == job_arn  # moto makes it at once
    assert described["roleArn"] == request["roleArn"]
    assert described["clientRequestToken"] == client_request_token(
        stack.stack_id,
        logical_id,
        cfn.last_event["RequestId"] if cfn.last_event else "",
        coerce_request(handler_client, request),
    )
    assert described.get("hyperParameters", {}) == request.get("hyperParameters", {})
    assert tags(observer, job_arn) == owned(request.get("jobTags"), stack.stack_id)
    assert len(all_jobs(observer)) == 1

    # ---- update: tags only -----------------------------------------------------------------------
    tagged = retagged(first)
    result, replaced = cfn.update(tagged)

    assert replaced is None and result["PhysicalResourceId"] == job_arn
    assert result["Data"] == created["Data"], "the kept job's names, read from Bedrock"
    assert tags(observer, job_arn) == owned(effective_request(tagged)["jobTags"], stack.stack_id)
    model_arn = observer.get_custom_model(modelIdentifier=model_name)["modelArn"]
    assert tags(observer, model_arn) == owned(effective_request(tagged)["customModelTags"], stack.stack_id)
    assert len(all_jobs(observer)) == 1, "a tag change must not start a job"

    # ---- update: nothing changed (ModelRemovalPolicy is not part of the request) -------------------
    result, replaced = cfn.update(copy.deepcopy(tagged))

    assert replaced is None and result["Data"] == created["Data"]
    assert len(all_jobs(observer)) == 1

    # ---- update: replacement (a training setting changed; the construct generated new names) -----
    second = with_tags_of(next_templates[stack_name].job_properties(logical_id), tagged)
    second["ModelRemovalPolicy"] = policy
    new_request = effective_request(second)
    assert new_request["jobName"] != request["jobName"], "the construct must generate a new job name"
    assert new_request["customModelName"] != request["customModelName"]

    result, replaced = cfn.update(second)

    new_arn = result["PhysicalResourceId"]
    assert replaced == job_arn and new_arn != job_arn
    new_job_name, new_model_name = assert_deployed_names(result["Data"], new_request)
    assert job(observer, new_job_name)["status"] == "InProgress"
    assert job(observer, new_job_name).get("hyperParameters", {}) == new_request.get("hyperParameters", {})
    assert tags(observer, new_arn) == owned(new_request["jobTags"], stack.stack_id)
    assert {j["jobArn"] for j in all_jobs(observer)} == {job_arn, new_arn}

    # ---- delete: CloudFormation's cleanup of the old job, then the stack's deletion ---------------
    cfn.delete(replaced, tagged)

    assert job(observer, job_name)["status"] == "Stopped"
    assert job(observer, new_job_name)["status"] == "InProgress"
    assert model_exists(observer, model_name) is (policy == "RETAIN")

    cfn.delete()

    assert job(observer, new_job_name)["status"] == "Stopped"
    assert model_exists(observer, new_model_name) is (policy == "RETAIN")
    assert [j["jobName"] for j in all_jobs(observer) if j["status"] == "InProgress"] == []


@pytest.mark.parametrize(("stack_name", "construct_id"), JOBS)
def test_update_rollback_keeps_the_running_job_against_moto_server(
    templates: dict[str, StackTemplate],
    next_templates: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, str], CloudFormation],
    create_roles: Callable[[StackTemplate], None],
    observer: Any,
    stack_name: str,
    construct_id: str,
) -> None:
    """v1 runs; Bedrock refuses v2's job, so the update fails; CloudFormation rolls back with an Update to v1
    (old properties: v2) on v1's job. That job implements v1: it is kept, and no job is started."""
    stack = templates[stack_name]
    logical_id = job_logical_id(stack, construct_id)
    create_roles(stack)
    cfn = cloudformation(stack, logical_id)
    created = cfn.create(stack.job_properties(logical_id))
    v1_arn, v1_name = created["PhysicalResourceId"], created["Data"]["JobName"]

    refused = next_templates[stack_name].job_properties(logical_id)  # a training setting changed: new names
    refused["Request"]["trainingDataConfig"]["s3Uri"] = "https://example.com/train.jsonl"  # not an S3 URI
    with pytest.raises(HandlerError, match=r"ValidationException"):
        cfn.update(refused)
    assert [j["jobArn"] for j in all_jobs(observer)] == [v1_arn], "the refused job does not exist"

    result = cfn.roll_back_update(refused)

    assert result == created, "the same physical id and the v1 job's actual names"
    assert [(j["jobArn"], j["jobName"], j["status"]) for j in all_jobs(observer)] == [(v1_arn, v1_name, "InProgress")]
    assert job(observer, v1_name).get("hyperParameters", {}) == cfn.properties["Request"].get("hyperParameters", {})

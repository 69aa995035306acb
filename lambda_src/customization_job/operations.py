"""The Bedrock calls of the job lifecycle, each with its retries and its failure reasons.

This is the only module that talks to AWS; decisions about *what* to call live in decisions.py.

Identifying jobs and models: Get/Stop/DeleteCustomModel accept a name or an ARN (``jobIdentifier``,
``modelIdentifier``), and names are unique per account and Region. A job is found by its ARN (the
resource's physical id). Where the endpoint cannot find a job by ARN -- an ARN (with ``:`` and
``/``) travels URL-encoded in the request path, and servers that mis-decode it, as moto 5.2 does
(docs/fault-matrix.md, "moto's gaps"), answer "not found" -- the jobs whose name contains the name the
properties carry (a generated name's base, or the user's name) are listed, and the one with our ARN
is then addressed by its name. A job by a similar name that is not ours is never stopped; a model
is taken for ours only when GetCustomModel names our job, so a model not made by our job is never
deleted or tagged. Tagging takes the ARN in the request body, so it uses ARNs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ..kernel.log import log_event
from ..kernel.retry import Budget, NoTimeLeft, Retrier, RetriesExhausted
from . import calls, errors, ownership
from .calls import exhausted_reason, is_transient, transient_budget
from .client import BedrockClient
from .coercion import coerce, incomplete
from .decisions import TagChanges
from .errors import HandlerError

T = TypeVar("T")

CREATE_OPERATION = "CreateModelCustomizationJob"
IAM_PROPAGATION_S = 120.0


def coerce_request(client: BedrockClient, request: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's strings → the types of the client's CreateModelCustomizationJob input shape."""
    shape = client.meta.service_model.operation_model(CREATE_OPERATION).input_shape
    coerced: dict[str, Any] = coerce(request, shape)
    return coerced


def incomplete_request(client: BedrockClient, request: dict[str, Any], where: str) -> list[str]:
    """What a coerced request lacks of CreateModelCustomizationJob's required members (empty: complete)."""
    shape = client.meta.service_model.operation_model(CREATE_OPERATION).input_shape
    return incomplete(request, shape, where)


def start_job(
    client: BedrockClient, request: dict[str, Any], retrier: Retrier, *, names_generated: bool = True, owner: str = ""
) -> str:
    """Exactly one CreateModelCustomizationJob on the happy path; returns the job ARN.

    ``request`` must already carry its deterministic clientRequestToken: every retry below reuses it,
    so a create that reached Bedrock before failing on the way back returns the same job. Before
    giving up on errors that may hide a successful create (throttling, 5xx, network, time), the job
    is looked up by name: if it carries our token it is ours, and reporting failure would orphan it
    (the CDK Provider framework skips the Delete that follows a failed Create). A job is taken for
    ours only when it carries both our token and the owner tag ``owner`` (the stack id): a token alone
    can be copied by anyone who sees the template.
    """
    job_name = str(request.get("jobName", ""))
    action = f"Starting model customization job {job_name!r}"
    iam = Budget("iam-propagation", total_s=IAM_PROPAGATION_S, base_s=2.0, cap_s=20.0)
    transient = transient_budget()

    def budget_for(error: Exception) -> Budget | None:
        if isinstance(error, ClientError) and errors.is_iam_propagation(error):
            return iam
        return transient if is_transient(error) else None

    try:
        response = retrier.run(lambda: client.create_model_customization_job(**request), budget_for)
        return str(response["jobArn"])
    except NoTimeLeft as no_time:
        raise errors.no_time_left(action, str(no_time)) from no_time
    except RetriesExhausted as exhausted:
        if exhausted.budget is not iam:
            adopted = _ours_after_all(client, request, retrier, owner)
            if adopted is not None:
                return adopted
        if exhausted.budget is iam and isinstance(exhausted.error, ClientError):
            raise errors.iam_not_ready(
                str(request.get("roleArn", "")),
                iam.waited_s,
                errors.error_code(exhausted.error),
                errors.error_message(exhausted.error),
            ) from exhausted.error
        raise exhausted_reason(action, exhausted) from exhausted.error
    except ParamValidationError as error:
        raise errors.invalid_request(
            action, "ParamValidationError", " ".join(str(error).split()), creating=True
        ) from error
    except ClientError as error:
        if errors.is_name_conflict(error):
            return _adopt_or_fail(client, request, error, retrier, names_generated=names_generated, owner=owner)
        code, message = errors.error_code(error), errors.error_message(error)
        if code == "ServiceQuotaExceededException":
            raise errors.quota_exceeded(job_name, message) from error
        raise errors.invalid_request(action, code, message, creating=True) from error


def _ours_after_all(client: BedrockClient, request: dict[str, Any], retrier: Retrier, owner: str) -> str | None:
    """One last look (no retries) for a job this request started although no answer said so."""
    job_name = str(request.get("jobName", ""))
    if not job_name or retrier.spare_s() < 0:
        return None
    try:
        job = client.get_model_customization_job(jobIdentifier=job_name)
        if job.get("clientRequestToken") != request.get("clientRequestToken"):
            return None
        tags = client.list_tags_for_resource(resourceARN=str(job["jobArn"])).get("tags")
    except (ClientError, HTTPClientError, BotocoreConnectionError):
        return None
    if not ownership.is_owned(tags, owner):
        return None
    log_event(**retrier.log_fields, action="adopt-existing-job", jobName=job_name, jobArn=job["jobArn"])
    return str(job["jobArn"])


def _adopt_or_fail(
    client: BedrockClient,
    request: dict[str, Any],
    conflict: ClientError,
    retrier: Retrier,
    *,
    names_generated: bool,
    owner: str,
) -> str:
    """A job by our name exists: ours if it carries our token (an earlier try of this request) and our
    owner tag."""
    job_name = str(request.get("jobName", ""))
    existing = describe_job(client, job_name, retrier)
    if (
        existing is not None
        and existing.get("clientRequestToken") == request.get("clientRequestToken")
        and ownership.is_owned(read_tags(client, str(existing["jobArn"]), retrier), owner)
    ):
        log_event(**retrier.log_fields, action="adopt-existing-job", jobName=job_name, jobArn=existing["jobArn"])
        return str(existing["jobArn"])
    raise errors.name_in_use(
        job_name,
        str(request.get("customModelName", "")),
        str(existing["jobArn"]) if existing else None,
        errors.error_message(conflict),
        names_generated=names_generated,
    ) from conflict


def describe_job(
    client: BedrockClient, job_identifier: str, retrier: Retrier, *, refused_is_missing: bool = False
) -> dict[str, Any] | None:
    """GetModelCustomizationJob by ARN or name; ``None`` when Bedrock does not know it (or, with
    ``refused_is_missing``, refuses the identifier as invalid)."""
    action = f"Reading model customization job {job_identifier}"
    try:
        job: dict[str, Any] = calls.run(
            retrier, action, lambda: client.get_model_customization_job(jobIdentifier=job_identifier)
        )
        return job
    except ClientError as error:
        if errors.is_not_found(error):
            return None
        if refused_is_missing and errors.error_code(error) == "ValidationException":
            return None
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


@dataclass(frozen=True)
class FoundJob:
    """A job's description, and the identifier to address it with: its ARN, or its name where the ARN failed."""

    description: dict[str, Any]
    identifier: str

    @property
    def status(self) -> str:
        return str(self.description.get("status", ""))


def find_job(client: BedrockClient, job_arn: str, name_hint: str | None, retrier: Retrier) -> FoundJob | None:
    """The job whose ARN is ``job_arn``: asked by ARN; when that finds nothing, among the jobs whose
    name contains ``name_hint`` (listed), and then addressed by its name (see the module docstring)."""
    job = describe_job(client, job_arn, retrier, refused_is_missing=True)
    if job is not None and job.get("jobArn") == job_arn:
        return FoundJob(job, job_arn)
    if not name_hint:
        return None
    log_event(**retrier.log_fields, action="find-job", jobArn=job_arn, outcome="not-by-arn-listing-by-name")
    for summary in list_jobs(client, name_hint, retrier):
        name = str(summary.get("jobName") or "")
        if summary.get("jobArn") != job_arn or not name:
            continue
        job = describe_job(client, name, retrier)
        if job is not None and job.get("jobArn") == job_arn:
            return FoundJob(job, name)
    return None


MAX_LIST_PAGES = 20


def list_jobs(client: BedrockClient, name_contains: str, retrier: Retrier) -> Iterator[dict[str, Any]]:
    """ListModelCustomizationJobs summaries whose name contains ``name_contains``, page by page as the
    caller reads them (at most ``MAX_LIST_PAGES`` pages)."""
    action = f"Listing model customization jobs named like {name_contains!r}"
    params: dict[str, Any] = {"nameContains": name_contains, "maxResults": 100}
    for _ in range(MAX_LIST_PAGES):
        try:
            page: dict[str, Any] = calls.run(retrier, action, partial(client.list_model_customization_jobs, **params))
        except ClientError as error:
            raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error
        yield from page.get("modelCustomizationJobSummaries") or []
        if not page.get("nextToken"):
            return
        params = {**params, "nextToken": page["nextToken"]}


def stop_job(client: BedrockClient, job: FoundJob, retrier: Retrier) -> tuple[str, FoundJob | None]:
    """Stop an InProgress job; a Conflict means it ended meanwhile, which is just as good.

    Returns the outcome and, when the job was read again, its newer description (it may have
    completed meanwhile, and then has a model).
    """
    action = f"Stopping model customization job {job.identifier}"
    try:
        calls.run(retrier, action, lambda: client.stop_model_customization_job(jobIdentifier=job.identifier))
        return "stopped", None
    except ClientError as error:
        if errors.is_not_found(error):
            return "not-found", None
        if errors.error_code(error) == "ConflictException":
            latest = describe_job(client, job.identifier, retrier)
            if latest is None:
                return "not-found", None
            if latest.get("status") != "InProgress":
                return "already-ending", FoundJob(latest, job.identifier)
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


@dataclass(frozen=True)
class FoundModel:
    arn: str
    name: str


def find_model(
    client: BedrockClient, job_arn: str, job_name: str | None, candidates: list[str], retrier: Retrier
) -> FoundModel | None:
    """The custom model made by job ``job_arn``: the first candidate (name or ARN) that leads to it.

    A model is ours when GetCustomModel names our job (its jobArn, or its jobName when no ARN is
    given); a model by the same name made by another job is left alone.
    """
    for identifier in dict.fromkeys(c for c in candidates if c):
        model = _read_model(client, identifier, retrier)
        if model is None:
            continue
        made_by = model.get("jobArn")
        if made_by == job_arn or (not made_by and job_name and model.get("jobName") == job_name):
            return FoundModel(str(model["modelArn"]), str(model["modelName"]))
        log_event(**retrier.log_fields, action="find-model", model=identifier, outcome="made-by-another-job")
    return None


def _read_model(client: BedrockClient, identifier: str, retrier: Retrier) -> dict[str, Any] | None:
    action = f"Reading custom model {identifier}"
    try:
        model: dict[str, Any] = calls.run(retrier, action, lambda: client.get_custom_model(modelIdentifier=identifier))
        return model
    except ClientError as error:
        if errors.is_not_found(error):
            return None
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


def delete_model(client: BedrockClient, model: FoundModel, retrier: Retrier) -> str:
    """DeleteCustomModel (by name, see the module docstring); gone already is success, in use fails."""
    action = f"Deleting custom model {model.arn}"
    try:
        calls.run(retrier, action, lambda: client.delete_custom_model(modelIdentifier=model.name))
        return "deleted"
    except ClientError as error:
        if errors.is_not_found(error):
            return "not-found"
        message = errors.error_message(error)
        if errors.error_code(error) == "ConflictException":
            raise HandlerError(
                f"{action} failed: Bedrock said the model is in use ({message!r}). Delete what uses it "
                "(provisioned throughput, custom model deployment, running jobs) and retry, or set "
                "model_removal_policy to RETAIN to keep the model when the job resource is deleted."
            ) from error
        raise errors.invalid_request(action, errors.error_code(error), message) from error


def read_tags(client: BedrockClient, resource_arn: str, retrier: Retrier) -> list[dict[str, Any]]:
    """ListTagsForResource: the resource's tags as ``[{key, value}]`` (empty when Bedrock does not know it)."""
    action = f"Reading the tags of {resource_arn}"
    try:
        response = calls.run(retrier, action, lambda: client.list_tags_for_resource(resourceARN=resource_arn))
    except ClientError as error:
        if errors.is_not_found(error):
            return []
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error
    tags = response.get("tags")
    return [t for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []


def apply_tag_changes(client: BedrockClient, resource_arn: str, changes: TagChanges, retrier: Retrier) -> None:
    """TagResource for new/changed values, UntagResource for removed keys."""
    action = f"Updating tags of {resource_arn}"
    try:
        if changes.to_set:
            tags = [{"key": k, "value": v} for k, v in changes.to_set.items()]
            calls.run(retrier, action, lambda: client.tag_resource(resourceARN=resource_arn, tags=tags))
        if changes.to_remove:
            keys = list(changes.to_remove)
            calls.run(retrier, action, lambda: client.untag_resource(resourceARN=resource_arn, tagKeys=keys))
    except ClientError as error:
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


def stack_creation_time(cloudformation: Any, stack_id: str, retrier: Retrier) -> datetime | None:
    """DescribeStacks on this stack (by id): its CreationTime, or None when CloudFormation does not say."""
    action = f"Reading the creation time of stack {stack_id}"
    try:
        response = calls.run(retrier, action, lambda: cloudformation.describe_stacks(StackName=stack_id))
    except ClientError as error:
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error
    stacks = response.get("Stacks")
    first = stacks[0] if isinstance(stacks, list) and stacks and isinstance(stacks[0], dict) else {}
    created = first.get("CreationTime")
    return created if isinstance(created, datetime) else None

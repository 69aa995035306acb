"""The Bedrock calls of the job lifecycle, each with its retries and its failure reasons.

This is the only module that talks to AWS; decisions about *what* to call live in decisions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from . import errors
from .client import BedrockClient
from .coercion import coerce
from .decisions import TagChanges
from .errors import HandlerError
from .log import log_event
from .retry import Budget, Retrier, RetriesExhausted

T = TypeVar("T")

CREATE_OPERATION = "CreateModelCustomizationJob"
IAM_PROPAGATION_S = 120.0


def _transient_budget() -> Budget:
    return Budget("transient", total_s=60.0, base_s=1.0, cap_s=16.0)


def _is_transient(error: Exception) -> bool:
    if isinstance(error, HTTPClientError | BotocoreConnectionError):
        return True
    return isinstance(error, ClientError) and errors.is_transient(error)


def coerce_request(client: BedrockClient, request: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's strings → the types of the client's CreateModelCustomizationJob input shape."""
    shape = client.meta.service_model.operation_model(CREATE_OPERATION).input_shape
    coerced: dict[str, Any] = coerce(request, shape)
    return coerced


def _call(retrier: Retrier, action: str, call: Callable[[], T]) -> T:
    """Run ``call`` retrying only throttling/5xx/network errors; other errors propagate unchanged."""
    transient = _transient_budget()
    try:
        return retrier.run(call, lambda e: transient if _is_transient(e) else None)
    except RetriesExhausted as exhausted:
        raise _exhausted(action, exhausted) from exhausted.error


def _exhausted(action: str, exhausted: RetriesExhausted) -> HandlerError:
    error = exhausted.error
    code = errors.error_label(error)
    message = errors.error_message(error) if isinstance(error, ClientError) else str(error)
    if exhausted.out_of_time:
        return errors.out_of_time(action, code, message)
    return errors.still_failing(action, code, message, exhausted.budget.waited_s)


def start_job(client: BedrockClient, request: dict[str, Any], retrier: Retrier) -> str:
    """Exactly one CreateModelCustomizationJob on the happy path; returns the job ARN.

    ``request`` must already carry its deterministic clientRequestToken: every retry below reuses it,
    so a create that reached Bedrock before failing on the way back returns the same job.
    """
    job_name = str(request.get("jobName", ""))
    action = f"Starting model customization job {job_name!r}"
    iam = Budget("iam-propagation", total_s=IAM_PROPAGATION_S, base_s=2.0, cap_s=20.0)
    transient = _transient_budget()

    def budget_for(error: Exception) -> Budget | None:
        if isinstance(error, ClientError) and errors.is_iam_propagation(error):
            return iam
        return transient if _is_transient(error) else None

    try:
        response = retrier.run(lambda: client.create_model_customization_job(**request), budget_for)
        return str(response["jobArn"])
    except RetriesExhausted as exhausted:
        if exhausted.budget is iam and isinstance(exhausted.error, ClientError):
            raise errors.iam_not_ready(
                str(request.get("roleArn", "")),
                iam.waited_s,
                errors.error_code(exhausted.error),
                errors.error_message(exhausted.error),
            ) from exhausted.error
        raise _exhausted(action, exhausted) from exhausted.error
    except ParamValidationError as error:
        raise errors.invalid_request(action, "ParamValidationError", " ".join(str(error).split())) from error
    except ClientError as error:
        if errors.is_name_conflict(error):
            return _adopt_or_fail(client, request, error, retrier)
        code, message = errors.error_code(error), errors.error_message(error)
        if code == "ServiceQuotaExceededException":
            raise errors.quota_exceeded(job_name, message) from error
        raise errors.invalid_request(action, code, message) from error


def _adopt_or_fail(client: BedrockClient, request: dict[str, Any], conflict: ClientError, retrier: Retrier) -> str:
    """A job by our name exists: ours if it carries our token (an earlier try of this request)."""
    job_name = str(request.get("jobName", ""))
    existing = describe_job(client, job_name, retrier)
    if existing is not None and existing.get("clientRequestToken") == request.get("clientRequestToken"):
        log_event(**retrier.log_fields, action="adopt-existing-job", jobName=job_name, jobArn=existing["jobArn"])
        return str(existing["jobArn"])
    raise errors.name_in_use(
        job_name,
        str(request.get("customModelName", "")),
        str(existing["jobArn"]) if existing else None,
        errors.error_message(conflict),
    ) from conflict


def describe_job(client: BedrockClient, job_identifier: str, retrier: Retrier) -> dict[str, Any] | None:
    """GetModelCustomizationJob by ARN or name; ``None`` when Bedrock does not know it."""
    action = f"Reading model customization job {job_identifier}"
    try:
        job: dict[str, Any] = _call(
            retrier, action, lambda: client.get_model_customization_job(jobIdentifier=job_identifier)
        )
        return job
    except ClientError as error:
        if errors.is_not_found(error):
            return None
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


def stop_job(client: BedrockClient, job_arn: str, retrier: Retrier) -> str:
    """Stop an InProgress job; a Conflict means it ended meanwhile, which is just as good."""
    action = f"Stopping model customization job {job_arn}"
    try:
        _call(retrier, action, lambda: client.stop_model_customization_job(jobIdentifier=job_arn))
        return "stopped"
    except ClientError as error:
        if errors.is_not_found(error):
            return "not-found"
        if errors.error_code(error) == "ConflictException":
            job = describe_job(client, job_arn, retrier)
            if job is None or job.get("status") != "InProgress":
                return "already-ending"
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error


def delete_model(client: BedrockClient, model_identifier: str, retrier: Retrier) -> str:
    """DeleteCustomModel; a model already gone is success, a model in use fails with the reason."""
    action = f"Deleting custom model {model_identifier}"
    try:
        _call(retrier, action, lambda: client.delete_custom_model(modelIdentifier=model_identifier))
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


def apply_tag_changes(client: BedrockClient, resource_arn: str, changes: TagChanges, retrier: Retrier) -> None:
    """TagResource for new/changed values, UntagResource for removed keys."""
    action = f"Updating tags of {resource_arn}"
    try:
        if changes.to_set:
            tags = [{"key": k, "value": v} for k, v in changes.to_set.items()]
            _call(retrier, action, lambda: client.tag_resource(resourceARN=resource_arn, tags=tags))
        if changes.to_remove:
            keys = list(changes.to_remove)
            _call(retrier, action, lambda: client.untag_resource(resourceARN=resource_arn, tagKeys=keys))
    except ClientError as error:
        raise errors.invalid_request(action, errors.error_code(error), errors.error_message(error)) from error

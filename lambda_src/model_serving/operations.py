"""The Bedrock calls of the serving lifecycle, each with its retries and its failure reasons.

The only module of this package that talks to AWS (with ``handler.py`` choosing what to call). Every call
retries throttling, 5xx and network errors within the invocation's time (kernel ``Retrier``); botocore's own
standard-mode retries sit below that. A create carries a clientRequestToken derived from the CloudFormation
request, so a retried create returns the same resource; where Bedrock answers a retry with "name taken"
instead, the resource is adopted only when it carries this stack's owner tag and this request's token tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ..contract import SERVING_TOKEN_TAG_KEY
from ..customization_job import calls, ownership
from ..customization_job import errors as job_errors
from ..customization_job.calls import exhausted_reason, is_transient, transient_budget
from ..customization_job.client import BedrockClient
from ..customization_job.coercion import coerce, incomplete
from ..customization_job.decisions import tags_as_dict
from ..customization_job.errors import HandlerError
from ..kernel.log import log_event
from ..kernel.retry import Budget, NoTimeLeft, Retrier, RetriesExhausted
from . import decisions, errors
from .kinds import Kind

T = TypeVar("T")
_VALUE = re.compile(r"value: .*?, type:")

IAM_PROPAGATION_S = 60.0
"""A handler role created in the same deployment may be refused for a while (AccessDenied) until IAM propagates."""


def coerce_request(client: BedrockClient, kind: Kind, request: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's strings -> the types of the kind's Create input shape (``modelUnits`` "2" -> 2)."""
    shape = client.meta.service_model.operation_model(kind.create_operation).input_shape
    coerced: dict[str, Any] = coerce(dict(request), shape)
    return coerced


def incomplete_request(client: BedrockClient, kind: Kind, request: Mapping[str, Any], where: str) -> list[str]:
    """What a coerced request lacks of the kind's Create required members (empty: complete)."""
    shape = client.meta.service_model.operation_model(kind.create_operation).input_shape
    return incomplete(request, shape, where)


def _refused(action: str, error: ClientError) -> HandlerError:
    return errors.invalid(action, job_errors.error_code(error), job_errors.error_message(error))


def describe(client: BedrockClient, kind: Kind, identifier: str, retrier: Retrier) -> dict[str, Any] | None:
    """The Get response for an ARN or name; None when Bedrock does not know it."""
    action = f"Reading {kind.noun} {identifier}"
    get = getattr(client, f"get_{kind.api}")
    try:
        live: dict[str, Any] = calls.run(retrier, action, lambda: get(**{kind.identifier_param: identifier}))
        return live
    except ClientError as error:
        if job_errors.is_not_found(error):
            return None
        raise _refused(action, error) from error


def create(
    client: BedrockClient, kind: Kind, request: dict[str, Any], retrier: Retrier, *, owner: str, names_generated: bool
) -> str:
    """One Create on the happy path; returns the new resource's ARN.

    ``request`` carries its derived token and the handler's tags already. Before failing on an error that may
    hide a successful create (throttling, 5xx, a dropped response), and on "name taken", the resource by this
    name is looked up: one that carries this stack's owner tag and this request's token tag is this request's.
    """
    name = str(request.get(kind.name_field, ""))
    action = f"Creating {kind.noun} {name!r}"
    create_call = getattr(client, f"create_{kind.api}")
    iam = Budget("iam-propagation", total_s=IAM_PROPAGATION_S, base_s=2.0, cap_s=20.0)
    transient = transient_budget()

    def budget_for(error: Exception) -> Budget | None:
        if isinstance(error, ClientError) and job_errors.error_code(error) == "AccessDeniedException":
            return iam
        return transient if is_transient(error) else None

    try:
        response = retrier.run(lambda: create_call(**request), budget_for)
        return str(response[kind.arn_field])
    except NoTimeLeft as no_time:
        raise job_errors.no_time_left(action, str(no_time)) from no_time
    except RetriesExhausted as exhausted:
        if exhausted.budget is not iam:
            adopted = _ours(client, kind, request, retrier, owner, last_look=True)
            if adopted is not None:
                return adopted
        if isinstance(exhausted.error, ClientError) and exhausted.budget is iam:
            raise _refused(action, exhausted.error) from exhausted.error
        raise exhausted_reason(action, exhausted) from exhausted.error
    except ParamValidationError as error:
        # botocore quotes the offending values ("value: <text>, type: ..."): names only, as for the logs
        described = _VALUE.sub("value: <not shown>, type:", " ".join(str(error).split()))
        raise errors.invalid(action, "ParamValidationError", described) from error
    except ClientError as error:
        if job_errors.is_name_conflict(error):
            adopted = _ours(client, kind, request, retrier, owner, last_look=False)
            if adopted is not None:
                return adopted
            live = describe(client, kind, name, retrier)
            existing = str(live.get(kind.arn_field)) if live else None
            message = job_errors.error_message(error)
            raise errors.name_in_use(kind, name, existing, message, names_generated=names_generated) from error
        raise _refused(action, error) from error


def _ours(
    client: BedrockClient, kind: Kind, request: Mapping[str, Any], retrier: Retrier, owner: str, *, last_look: bool
) -> str | None:
    """The resource named as in ``request`` when this request created it (owner tag and token tag), else None.

    ``last_look``: after retries ran out; one try per call, and nothing raised (the original error is reported).
    """
    name = str(request.get(kind.name_field, ""))
    token = request.get("clientRequestToken")
    if not name or not token:
        return None
    try:
        if last_look:
            if retrier.spare_s() < 0:
                return None
            live = getattr(client, f"get_{kind.api}")(**{kind.identifier_param: name})
            arn = str(live[kind.arn_field])
            tags = client.list_tags_for_resource(resourceARN=arn).get("tags")
        else:
            found = describe(client, kind, name, retrier)
            if found is None:
                return None
            arn = str(found[kind.arn_field])
            tags = read_tags(client, arn, retrier)
    except (ClientError, HTTPClientError, BotocoreConnectionError):
        if last_look:
            return None
        raise
    if not ownership.is_owned(tags, owner) or tags_as_dict(tags).get(SERVING_TOKEN_TAG_KEY) != token:
        return None
    log_event(**retrier.log_fields, action="adopt-existing", arn=arn, name=name, outcome="created-by-this-request")
    return arn


def swap(
    client: BedrockClient, kind: Kind, arn: str, model: str | None, retrier: Retrier, *, rename: str | None = None
) -> str:
    """Point the resource at ``model`` and/or rename it (UpdateCustomModelDeployment / UpdateProvisionedModelThroughput
    with ``desiredProvisionedModelName``); ``model`` None: a rename only.

    "swapping" when Bedrock took the update. After a refusal of a swap the resource is read: "under-way" when it
    moves to (or serves) ``model`` already (an earlier attempt whose answer was lost did act), "busy" when Bedrock
    is still moving it elsewhere (a swap that outlasted the previous deployment, which a rollback now undoes:
    is_complete asks again once it has settled); any other refusal fails with Bedrock's words.
    """
    action = f"Swapping {kind.noun} {arn} to model {model}" if model else f"Renaming {kind.noun} {arn} to {rename!r}"
    update = getattr(client, f"update_{kind.api}")
    params: dict[str, Any] = {kind.identifier_param: arn}
    if model:
        params[kind.update_model_param] = model
    if rename and kind.rename_param:
        params[kind.rename_param] = rename
    try:
        calls.run(retrier, action, lambda: update(**params))
        return "swapping"
    except ClientError as error:
        if job_errors.is_not_found(error):
            raise errors.gone(kind, arn, "swap the model" if model else "rename") from error
        live = _read_after_refusal(client, kind, arn, retrier) if model and not rename else None
        if live is not None and model and not decisions.swap_needed(kind, live, model):
            return "under-way"
        if live is not None and decisions.busy(live):
            return "busy"
        raise _refused(action, error) from error


def _read_after_refusal(client: BedrockClient, kind: Kind, arn: str, retrier: Retrier) -> dict[str, Any] | None:
    """The resource as it is after Bedrock refused an update; None when it cannot be read (the refusal stands)."""
    try:
        return describe(client, kind, arn, retrier)
    except HandlerError:
        return None


def delete(client: BedrockClient, kind: Kind, arn: str, retrier: Retrier) -> str:
    """Delete by ARN: "deleted"; "not-found" when it is gone already; "busy" when Bedrock refuses with a
    ConflictException (the resource is still being created or updated: is_complete asks again)."""
    action = f"Deleting {kind.noun} {arn}"
    remove = getattr(client, f"delete_{kind.api}")
    try:
        calls.run(retrier, action, lambda: remove(**{kind.identifier_param: arn}))
        return "deleted"
    except ClientError as error:
        if job_errors.is_not_found(error):
            return "not-found"
        if job_errors.error_code(error) == "ConflictException":
            return "busy"
        raise _refused(action, error) from error


def read_tags(client: BedrockClient, arn: str, retrier: Retrier) -> list[dict[str, Any]]:
    """ListTagsForResource as ``[{key, value}]`` (empty when Bedrock does not know the resource)."""
    action = f"Reading the tags of {arn}"
    try:
        response = calls.run(retrier, action, lambda: client.list_tags_for_resource(resourceARN=arn))
    except ClientError as error:
        if job_errors.is_not_found(error):
            return []
        raise _refused(action, error) from error
    tags = response.get("tags")
    return [t for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []


def apply_tags(
    client: BedrockClient, arn: str, to_set: Mapping[str, str], to_remove: tuple[str, ...], retrier: Retrier
) -> None:
    """TagResource for new and changed values, UntagResource for removed keys."""
    action = f"Updating the tags of {arn}"
    try:
        if to_set:
            tags = [{"key": k, "value": v} for k, v in to_set.items()]
            calls.run(retrier, action, lambda: client.tag_resource(resourceARN=arn, tags=tags))
        if to_remove:
            keys = list(to_remove)
            calls.run(retrier, action, lambda: client.untag_resource(resourceARN=arn, tagKeys=keys))
    except ClientError as error:
        raise _refused(action, error) from error


def read_job(client: BedrockClient, job_arn: str, retrier: Retrier) -> dict[str, Any] | None:
    """GetModelCustomizationJob (the quality gate's metrics); None when Bedrock does not know the job."""
    action = f"Reading model customization job {job_arn} for the quality gate"
    try:
        job: dict[str, Any] = calls.run(
            retrier, action, lambda: client.get_model_customization_job(jobIdentifier=job_arn)
        )
        return job
    except ClientError as error:
        if job_errors.is_not_found(error):
            return None
        raise _refused(action, error) from error


def read_model(client: BedrockClient, model: str, retrier: Retrier) -> dict[str, Any] | None:
    """GetCustomModel (its ``jobArn`` and ``baseModelArn``); None when Bedrock does not know the model."""
    action = f"Reading custom model {model}"
    try:
        found: dict[str, Any] = calls.run(retrier, action, lambda: client.get_custom_model(modelIdentifier=model))
        return found
    except ClientError as error:
        if job_errors.is_not_found(error):
            return None
        raise _refused(action, error) from error

"""``Custom::BedrockModelCustomizationResult``: the trained model's ARN and losses as resource attributes.

CloudFormation invokes the watcher function directly (no Provider framework), so this module answers by
PUTting the response to the request's presigned ResponseURL itself, and only to a URL CloudFormation could
have made (``presigned.refusal``): a request with any other URL is logged and left unanswered. The resource
is created after the job's wait condition succeeded; it fails, quoting Bedrock, when the job did not
complete, and when the job is not this stack's (no owner tag with this stack's id).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..contract import PROP_JOB_IDENTIFIER
from ..kernel.errors import clip
from ..kernel.log import describe_error, log_event
from .budget import Budget, OutOfTime
from .outcome import MAX_REASON, NotCompleted, not_this_stacks, owner_in, result_data
from .presigned import Put, PutFailed, refusal

REQUEST_TYPES = ("Create", "Update", "Delete")
UNANSWERED = "UNANSWERED"


class NotAnswered(Exception):
    """No response was sent: raised so that Lambda retries CloudFormation's asynchronous invocation.
    Its message holds no URL and it chains nothing."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def respond(event: Mapping[str, Any], bedrock: Any, put: Put, budget: Budget, stack_id: str) -> dict[str, Any]:
    """Answer one custom-resource request; returns the response body that was sent (``Status`` UNANSWERED
    when the request carries no URL the watcher may PUT to)."""
    url = event.get("ResponseURL")
    refused = refusal(url)
    if refused is not None:
        outcome = "refused" if isinstance(url, str) and url else "malformed"
        log_event(
            resource="result", logicalResourceId=_text(event.get("LogicalResourceId")), outcome=outcome, reason=refused
        )
        return {"Status": UNANSWERED, "Reason": refused}
    request_type = event.get("RequestType")
    properties = event.get("ResourceProperties")
    job_id = _text(properties.get(PROP_JOB_IDENTIFIER)) if isinstance(properties, Mapping) else ""
    physical_id = _text(event.get("PhysicalResourceId")) or job_id or _text(event.get("LogicalResourceId")) or "result"
    body: dict[str, Any] = {
        "StackId": _text(event.get("StackId")),
        "RequestId": _text(event.get("RequestId")),
        "LogicalResourceId": _text(event.get("LogicalResourceId")),
        "PhysicalResourceId": physical_id,
        "Status": "SUCCESS",
        "Reason": "",
        "NoEcho": False,
    }
    out_of_time = False
    try:
        if request_type not in REQUEST_TYPES:
            raise NotCompleted("The request's RequestType is not Create, Update or Delete.")
        if not isinstance(properties, Mapping):
            raise NotCompleted("The request's ResourceProperties is not an object.")
        if request_type != "Delete":
            if not job_id:
                raise NotCompleted(f"The Result resource needs the {PROP_JOB_IDENTIFIER} property (the job's ARN).")
            job = budget.call(bedrock.get_model_customization_job, jobIdentifier=job_id)
            data = result_data(job)
            job_arn = str(job.get("jobArn") or job_id)
            owner = owner_in(budget.call(bedrock.list_tags_for_resource, resourceARN=job_arn).get("tags"))
            if owner != stack_id:
                raise NotCompleted(not_this_stacks(job, owner))
            body.update(Data=data, PhysicalResourceId=job_arn)
    except NotCompleted as error:
        body.update(Status="FAILED", Reason=str(error))
    except OutOfTime:
        out_of_time = True
    except ClientError as error:
        detail = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "GetModelCustomizationJob")
        body.update(
            Status="FAILED",
            Reason=clip(f"{operation}({job_id}) failed: {detail.get('Code')}: {detail.get('Message')}", MAX_REASON),
        )
    except Exception as error:  # every request must be answered, or CloudFormation waits for its timeout
        body.update(Status="FAILED", Reason=f"Unexpected {describe_error(error)}")
    fields = {"resource": "result", "requestType": _text(request_type), "logicalResourceId": body["LogicalResourceId"]}
    if out_of_time:
        reason = "out of time reading the job; Lambda retries"
        log_event(logging.ERROR, **fields, job=job_id, outcome="not-answered", reason=reason)
        raise NotAnswered(f"out of time reading {job_id or 'the job'} from Bedrock; Lambda retries the request")
    try:
        put(str(url), body)
    except PutFailed as error:
        log_event(logging.ERROR, **fields, job=job_id, outcome="not-answered", reason=str(error))
        raise
    log_event(**fields, job=job_id, outcome=body["Status"], reason=body["Reason"])
    return body

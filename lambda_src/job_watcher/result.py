"""``Custom::BedrockModelCustomizationResult``: the trained model's ARN and losses as resource attributes.

CloudFormation invokes the watcher function directly (no Provider framework), so this module answers by
PUTting the response to the request's presigned ResponseURL itself, and only to a URL CloudFormation could
have made (``presigned.refusal``): a request with any other URL is logged and left unanswered. The resource
is created after the job's wait condition succeeded; it fails, quoting Bedrock, when the job did not
complete, and when the job is not this stack's (no owner tag with this stack's id). Ownership comes first: the
job's tags are read before the job, so nothing of another stack's job (its failure message) is ever read.

The response fits CloudFormation's limits ("The total size of the response body can't exceed 4096 bytes"; a
PhysicalResourceId "can be up to 1 KB in size": CloudFormation User Guide, "Custom resource response objects",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html): an identifier longer
than that is not a job ARN and is never echoed, and the reason is clipped to the room left.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
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
RESPONSE_LIMIT = 4096
"""Bytes of a custom-resource response body (the JSON ``presigned.send_json`` PUTs)."""
PHYSICAL_ID_LIMIT = 1024
"""Bytes of a PhysicalResourceId."""
LOGGED_ID_LIMIT = 200
_JOB_ARN = re.compile(r"arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:model-customization-job/[!-~]+")


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
    shown_id = clip(job_id, LOGGED_ID_LIMIT)
    body: dict[str, Any] = {
        "StackId": _text(event.get("StackId")),
        "RequestId": _text(event.get("RequestId")),
        "LogicalResourceId": _text(event.get("LogicalResourceId")),
        "PhysicalResourceId": physical_id(event, job_id),
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
            if not is_job_arn(job_id):
                raise NotCompleted(
                    f"The Result resource needs the {PROP_JOB_IDENTIFIER} property: the job's ARN (the job resource's "
                    "Ref); "
                    f"got {'nothing' if not job_id else repr(clip(job_id, 100))}."
                )
            owner = owner_in(budget.call(bedrock.list_tags_for_resource, resourceARN=job_id).get("tags"))
            if owner != stack_id:
                raise NotCompleted(not_this_stacks({"jobArn": job_id}, owner))
            job = budget.call(bedrock.get_model_customization_job, jobIdentifier=job_id)
            body.update(Data=result_data(job), PhysicalResourceId=job_id)
    except NotCompleted as error:
        body.update(Status="FAILED", Reason=str(error))
    except OutOfTime:
        out_of_time = True
    except ClientError as error:
        detail = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "GetModelCustomizationJob")
        body.update(
            Status="FAILED",
            Reason=clip(f"{operation}({shown_id}) failed: {detail.get('Code')}: {detail.get('Message')}", MAX_REASON),
        )
    except Exception as error:  # every request must be answered, or CloudFormation waits for its timeout
        body.update(Status="FAILED", Reason=f"Unexpected {describe_error(error)}")
    fields = {"resource": "result", "requestType": _text(request_type), "logicalResourceId": body["LogicalResourceId"]}
    if out_of_time:
        reason = "out of time reading the job; Lambda retries"
        log_event(logging.ERROR, **fields, job=shown_id, outcome="not-answered", reason=reason)
        raise NotAnswered(f"out of time reading {shown_id or 'the job'} from Bedrock; Lambda retries the request")
    if not fit(body):
        reason = "the request's StackId, RequestId or LogicalResourceId leave no room for a response"
        log_event(logging.ERROR, **fields, job=shown_id, outcome="malformed", reason=reason)
        return {"Status": UNANSWERED, "Reason": reason}
    try:
        put(str(url), body)
    except PutFailed as error:
        log_event(logging.ERROR, **fields, job=shown_id, outcome="not-answered", reason=str(error))
        raise
    log_event(**fields, job=shown_id, outcome=body["Status"], reason=body["Reason"])
    return body


def is_job_arn(value: str) -> bool:
    """A model customization job's ARN, within the physical id's limit (ListTagsForResource takes ARNs only)."""
    return len(value.encode()) <= PHYSICAL_ID_LIMIT and _JOB_ARN.fullmatch(value) is not None


def physical_id(event: Mapping[str, Any], job_id: str) -> str:
    """The id to answer with until the job is read: the request's own, else the job's, else the logical id;
    one over CloudFormation's limit (no genuine request carries one) as a digest of itself."""
    candidates = (_text(event.get("PhysicalResourceId")), job_id, _text(event.get("LogicalResourceId")))
    chosen = next((c for c in candidates if c), "result")
    if len(chosen.encode()) <= PHYSICAL_ID_LIMIT:
        return chosen
    return "result-" + hashlib.sha256(chosen.encode()).hexdigest()


def fit(body: dict[str, Any]) -> bool:
    """Clip ``body``'s Reason until the serialized body fits ``RESPONSE_LIMIT``; False when even no reason does.

    Each pass removes at least the excess: a character takes as many bytes serialized (JSON escapes included)
    as in UTF-8, or more.
    """
    for _ in range(8):
        excess = len(json.dumps(body).encode()) - RESPONSE_LIMIT
        if excess <= 0:
            return True
        reason = str(body.get("Reason") or "")
        if not reason:
            return False
        body["Reason"] = clip(reason, max(len(reason.encode()) - excess, 0))
        if len(body["Reason"]) >= len(reason):  # nothing left to take
            body["Reason"] = ""
    return len(json.dumps(body).encode()) <= RESPONSE_LIMIT

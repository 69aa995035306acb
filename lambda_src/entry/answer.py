"""The custom-resource response: a body within CloudFormation's 4,096 bytes, PUT with a few retries.

CloudFormation's response object is limited to 4,096 bytes ("Custom resource response objects" in the
CloudFormation User Guide, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html);
a larger body fails the resource with an error that does not say why, so the reason is clipped in bytes and
Data that cannot fit turns the answer into a FAILED that says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..job_watcher.presigned import WORST_CASE_SECONDS, Put, PutFailed
from ..kernel.errors import clip
from ..kernel.log import log_event

MAX_BODY_BYTES = 4096
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
"""The physical id of a Create that failed: the CDK Provider framework's own marker, so a Delete of a resource
whose Create failed under the framework (before an upgrade) or under this runtime is recognised alike."""
PUT_ATTEMPTS = 3
PUT_BACKOFF_S = (1.0, 2.0)


class AnswerLost(Exception):
    """Every PUT of the answer failed: raised so that Lambda retries the invocation (its message holds no URL)."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def body(
    event: Mapping[str, Any],
    status: str,
    *,
    reason: str = "",
    physical_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The response to ``event``; a failed Create without a physical id gets the framework's marker."""
    physical = physical_id or _text(event.get("PhysicalResourceId"))
    if not physical:
        physical = CREATE_FAILED_MARKER if status == "FAILED" else _text(event.get("RequestId")) or "unknown"
    out: dict[str, Any] = {
        "Status": status,
        "Reason": reason or status,
        "PhysicalResourceId": physical,
        "StackId": _text(event.get("StackId")),
        "RequestId": _text(event.get("RequestId")),
        "LogicalResourceId": _text(event.get("LogicalResourceId")),
        "NoEcho": False,
    }
    if data:
        out["Data"] = dict(data)
    size = len(json.dumps(out).encode())
    if size > MAX_BODY_BYTES and "Data" in out:
        del out["Data"]
        out["Status"] = "FAILED"
        out["Reason"] = f"The response's Data would be {size} bytes, over CloudFormation's {MAX_BODY_BYTES}."
        if status == "SUCCESS" and _text(event.get("RequestType")) == "Create" and not physical_id:
            out["PhysicalResourceId"] = CREATE_FAILED_MARKER
    reason = out["Reason"]
    while len(json.dumps(out).encode()) > MAX_BODY_BYTES and reason:
        # as sent (JSON escapes non-ASCII): cut the reason by the overflow, in UTF-8 bytes, until it fits
        overflow = len(json.dumps(out).encode()) - MAX_BODY_BYTES
        shorter = clip(reason, max(len(reason.encode()) - overflow, 0))
        reason = shorter if shorter != reason else ""
        out["Reason"] = reason
    return out


def send(
    put: Put,
    url: str,
    response: Mapping[str, Any],
    *,
    remaining_s: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """PUT the answer; retried twice (1 s, 2 s) while the invocation has time for another attempt, then
    AnswerLost. A refused URL (not CloudFormation's) is not retried: nothing was sent and nothing could be."""
    fields = {"logicalResourceId": response.get("LogicalResourceId"), "status": response.get("Status")}
    for attempt in range(1, PUT_ATTEMPTS + 1):
        try:
            put(url, response)
            log_event(action="answer", attempt=attempt, outcome="sent", **fields)
            return
        except PutFailed as error:
            log_event(action="answer", attempt=attempt, outcome="put-failed", reason=str(error), **fields)
            if attempt == PUT_ATTEMPTS or type(error).__name__ == "PutRefused":
                break
            pause = PUT_BACKOFF_S[attempt - 1]
            if remaining_s() < pause + WORST_CASE_SECONDS:
                break
            sleep(pause)
    raise AnswerLost(f"the answer to {fields['logicalResourceId']} could not be sent; Lambda retries the invocation")

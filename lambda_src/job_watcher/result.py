"""``Custom::BedrockModelCustomizationResult``: the trained model's ARN and losses as resource attributes.

CloudFormation invokes the watcher function directly (no Provider framework), so this module answers by
PUTting the response to the request's presigned ResponseURL itself. The resource is created after the
job's wait condition succeeded; it fails, quoting Bedrock, when the job did not complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .log import log_event
from .outcome import NotCompleted, result_data
from .presigned import Put


def respond(event: Mapping[str, Any], bedrock: Any, put: Put) -> dict[str, Any]:
    """Answer one custom-resource request; returns the response body that was sent."""
    request_type = str(event.get("RequestType"))
    job_id = str((event.get("ResourceProperties") or {}).get("JobIdentifier") or "")
    physical_id = str(event.get("PhysicalResourceId") or job_id or event.get("LogicalResourceId") or "result")
    body: dict[str, Any] = {
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "PhysicalResourceId": physical_id,
        "Status": "SUCCESS",
        "Reason": "",
        "NoEcho": False,
    }
    try:
        if request_type != "Delete":
            if not job_id:
                raise NotCompleted("The Result resource needs the JobIdentifier property (the job's ARN).")
            job = bedrock.get_model_customization_job(jobIdentifier=job_id)
            body["Data"] = result_data(job)
            body["PhysicalResourceId"] = str(job.get("jobArn") or job_id)
    except NotCompleted as error:
        body.update(Status="FAILED", Reason=str(error))
    except ClientError as error:
        detail = error.response.get("Error", {})
        body.update(
            Status="FAILED",
            Reason=f"GetModelCustomizationJob({job_id}) failed: {detail.get('Code')}: {detail.get('Message')}",
        )
    except Exception as error:  # every request must be answered, or CloudFormation waits for its timeout
        body.update(Status="FAILED", Reason=f"Unexpected {type(error).__name__}: {error}")
    put(str(event["ResponseURL"]), body)
    log_event(
        resource="result",
        requestType=request_type,
        logicalResourceId=event.get("LogicalResourceId"),
        job=job_id,
        outcome=body["Status"],
        reason=body["Reason"],
    )
    return body

"""What an ended job means for its wait condition and its Result resource (pure, from GetModelCustomizationJob)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..contract import (
    ATTR_CUSTOM_MODEL_ARN,
    ATTR_CUSTOM_MODEL_NAME,
    ATTR_JOB_ARN,
    ATTR_JOB_NAME,
    ATTR_TRAINING_LOSS,
    ATTR_VALIDATION_LOSS,
)
from ..contract import OWNER_TAG_KEY as OWNER_TAG_KEY
from ..kernel.errors import clip

COMPLETED = "Completed"
ENDED_UNSUCCESSFULLY = frozenset({"Failed", "Stopped"})
ENDED = ENDED_UNSUCCESSFULLY | {COMPLETED}
MAX_REASON = 900
"""UTF-8 bytes: CloudFormation shows the reason in stack events; Bedrock's failure messages can be long."""


@dataclass(frozen=True)
class Signal:
    """The body of a wait condition signal; ``UniqueId`` is the job name, so a repeat counts once."""

    status: str
    reason: str
    unique_id: str
    data: str

    def body(self) -> dict[str, str]:
        return {"Status": self.status, "Reason": self.reason, "UniqueId": self.unique_id, "Data": self.data}


def _clip(text: str) -> str:
    return clip(text, MAX_REASON)


def failure_text(job: Mapping[str, Any]) -> str:
    """``Bedrock model customization job <name> Failed: <failureMessage>``."""
    name = job.get("jobName") or job.get("jobArn") or "?"
    status = job.get("status", "?")
    message = str(job.get("failureMessage") or "").strip()
    if not message:
        message = "stopped before it completed" if status == "Stopped" else "Bedrock gave no failure message"
    return _clip(f"Bedrock model customization job {name} {status}: {message}")


def signal_for(job: Mapping[str, Any]) -> Signal | None:
    """SUCCESS with the model ARN when Completed, FAILURE with Bedrock's message when Failed or Stopped,
    None while the job has not ended (InProgress, Stopping)."""
    status = job.get("status")
    name = str(job.get("jobName") or "")
    if status == COMPLETED:
        model_arn = str(job.get("outputModelArn") or "")
        return Signal("SUCCESS", _clip(f"Bedrock model customization job {name} Completed"), name, model_arn)
    if status in ENDED_UNSUCCESSFULLY:
        return Signal("FAILURE", failure_text(job), name, str(job.get("jobArn") or ""))
    return None


def owner_in(tags: Any) -> str | None:
    """The stack id a ListTagsForResource ``tags`` list names as the job's owner, else None."""
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, Mapping) and tag.get("key") == OWNER_TAG_KEY:
            return str(tag.get("value"))
    return None


def not_this_stacks(job: Mapping[str, Any], owner: str | None) -> str:
    """Why an ended job's outcome must not settle this stack's wait: another stack (or no handler) started it."""
    name = job.get("jobName") or job.get("jobArn") or "?"
    carries = "another stack's" if owner else "no"
    return _clip(
        f"Bedrock model customization job {name} is not this stack's: it carries {carries} {OWNER_TAG_KEY} tag, "
        "so its outcome does not end this stack's wait (the job resource names a job this stack did not start)."
    )


def foreign_signal(job: Mapping[str, Any], owner: str | None) -> Signal:
    """FAILURE for a wait whose job resource names a job of another stack: never its SUCCESS or model."""
    return Signal("FAILURE", not_this_stacks(job, owner), str(job.get("jobName") or ""), str(job.get("jobArn") or ""))


class NotCompleted(Exception):
    """The Result resource cannot give attributes: the job did not complete."""


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def result_data(job: Mapping[str, Any]) -> dict[str, str]:
    """The Result resource's attributes; raises NotCompleted (with the reason CloudFormation shows)."""
    status = job.get("status")
    name = job.get("jobName") or job.get("jobArn") or "?"
    if status in ENDED_UNSUCCESSFULLY:
        raise NotCompleted(failure_text(job))
    if status != COMPLETED:
        raise NotCompleted(
            f"Bedrock model customization job {name} is {status}, not Completed: its wait condition ended before "
            "the job did, so there is no trained model to report yet."
        )
    model_arn = job.get("outputModelArn")
    if not model_arn:
        raise NotCompleted(f"Bedrock model customization job {name} is Completed but reports no outputModelArn.")
    validation = job.get("validationMetrics") or []
    first_validation = validation[0].get("validationLoss") if validation else None
    return {
        ATTR_CUSTOM_MODEL_ARN: str(model_arn),
        ATTR_CUSTOM_MODEL_NAME: str(job.get("outputModelName") or ""),
        ATTR_JOB_ARN: str(job.get("jobArn") or ""),
        ATTR_JOB_NAME: str(job.get("jobName") or ""),
        ATTR_TRAINING_LOSS: _number((job.get("trainingMetrics") or {}).get("trainingLoss")),
        ATTR_VALIDATION_LOSS: _number(first_validation),
    }

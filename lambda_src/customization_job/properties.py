"""Read the CloudFormation custom-resource event into a typed value.

Only the parts the handler needs are kept; ``ServiceToken`` and unknown top-level properties are
ignored, so the construct can add properties without breaking older handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import HandlerError


class RemovalPolicy(Enum):
    """What happens to the trained custom model when the resource is deleted."""

    RETAIN = "RETAIN"
    DESTROY = "DESTROY"


@dataclass(frozen=True)
class ResourceEvent:
    """The fields of a custom-resource event; requests are still CloudFormation's raw strings."""

    request_type: str
    stack_id: str
    logical_id: str
    request_id: str
    physical_id: str | None
    request: dict[str, Any]
    old_request: dict[str, Any] | None
    removal_policy: RemovalPolicy
    names_generated: bool


def parse_event(event: dict[str, Any]) -> ResourceEvent:
    """Validate the event's shape; raise ``HandlerError`` with the offending property named."""
    request_type = str(event.get("RequestType", ""))
    if request_type not in ("Create", "Update", "Delete"):
        raise HandlerError(f"Unsupported RequestType {request_type!r}; expected Create, Update or Delete.")
    props = event.get("ResourceProperties") or {}
    old_props = event.get("OldResourceProperties")
    lenient = request_type == "Delete"
    return ResourceEvent(
        request_type=request_type,
        stack_id=str(event.get("StackId", "")),
        logical_id=str(event.get("LogicalResourceId", "")),
        request_id=str(event.get("RequestId", "")),
        physical_id=event.get("PhysicalResourceId"),
        request=_request(props, required=not lenient),
        old_request=_request(old_props, required=False) if isinstance(old_props, dict) else None,
        removal_policy=_removal_policy(props.get("ModelRemovalPolicy"), lenient=lenient),
        names_generated=str(props.get("NamesGenerated", "false")).strip().lower() == "true",
    )


def _request(props: dict[str, Any], *, required: bool) -> dict[str, Any]:
    request = props.get("Request")
    if isinstance(request, dict):
        return request
    if required:
        raise HandlerError(
            "ResourceProperties.Request must be a map of CreateModelCustomizationJob parameters; "
            f"got {type(request).__name__}."
        )
    return {}


def _removal_policy(value: Any, *, lenient: bool) -> RemovalPolicy:
    """Default RETAIN; on Delete an unreadable value also means RETAIN, never losing a model by accident."""
    if value is None or value == "":
        return RemovalPolicy.RETAIN
    try:
        return RemovalPolicy(str(value).strip().upper())
    except ValueError:
        if lenient:
            return RemovalPolicy.RETAIN
        raise HandlerError(
            f"ModelRemovalPolicy must be RETAIN or DESTROY, got {value!r} (construct prop model_removal_policy)."
        ) from None

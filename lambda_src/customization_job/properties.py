"""Read the CloudFormation custom-resource event into a typed value.

Only the parts the handler needs are kept; ``ServiceToken`` and unknown top-level properties are
ignored, so the construct can add properties without breaking older handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..contract import PROP_ADOPT_UNTAGGED, PROP_NAMES_GENERATED, PROP_REMOVAL_POLICY, PROP_REQUEST, PROP_TAGS
from ..kernel import envelope
from .errors import HandlerError

NOTHING_DONE = "Nothing was started or changed."


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
    adopt_untagged: bool = False
    """The job opted in to claiming an untagged job this stack started before the owner tag."""


def parse_event(event: Any) -> ResourceEvent:
    """Validate the event's shape (first ``kernel.envelope``: a well-formed CloudFormation request); raise
    ``HandlerError`` naming the offending field, never a raw ``AttributeError``. An Update must carry usable old
    properties: without them every field would look changed, and the handler would start a replacement job
    (and untag the old one) for nothing."""
    malformed = envelope.refusal(event)
    if malformed is not None:
        raise HandlerError(f"{malformed} {NOTHING_DONE}")
    request_type = event.get("RequestType")
    identity = {field: event_identifier(event, field) for field in ("StackId", "LogicalResourceId", "RequestId")}
    physical_id = event.get("PhysicalResourceId")
    props = properties_map(event.get("ResourceProperties"), "ResourceProperties")
    lenient = request_type == "Delete"
    request = _request(props, "ResourceProperties", required=not lenient)
    old_request: dict[str, Any] | None = None
    if request_type == "Update":
        old_props = event.get("OldResourceProperties")
        old = old_props.get(PROP_REQUEST) if isinstance(old_props, dict) else old_props
        if not isinstance(old, dict):
            raise HandlerError(
                f"Update without usable OldResourceProperties.Request (got {type(old).__name__}): without the "
                "old request the handler cannot tell a tag change from a new job, so no job was started and no "
                "tag was changed. Redeploy from a template this construct synthesized."
            )
        old_request = _request(old_props, "OldResourceProperties", required=True)
    return ResourceEvent(
        request_type=str(request_type),
        stack_id=identity["StackId"],
        logical_id=identity["LogicalResourceId"],
        request_id=identity["RequestId"],
        physical_id=physical_id if isinstance(physical_id, str) else None,
        request=request,
        old_request=old_request,
        removal_policy=_removal_policy(props.get(PROP_REMOVAL_POLICY), lenient=lenient),
        names_generated=str(props.get(PROP_NAMES_GENERATED, "false")).strip().lower() == "true",
        adopt_untagged=props.get(PROP_ADOPT_UNTAGGED) == "true",
    )


TAG_PROPS = {"jobTags": "job_tags", "customModelTags": "custom_model_tags"}


_shown = envelope.shown


def event_identifier(event: dict[str, Any], field: str) -> str:
    """A string field of the event (StackId, RequestId, ...), or a HandlerError naming it."""
    value = event.get(field, "")
    if not isinstance(value, str):
        raise HandlerError(f"The event's {field} must be a string; got {type(value).__name__}.")
    return value


def properties_map(props: Any, where: str) -> dict[str, Any]:
    """A properties map of the event (absent: empty), or a HandlerError naming where it is."""
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise HandlerError(f"{where} must be a map of properties; got {type(props).__name__}.")
    return props


def _request(props: dict[str, Any], where: str, *, required: bool) -> dict[str, Any]:
    """The ``Request`` map; its tags checked where a malformed list would otherwise read as "no tags"."""
    request = props.get(PROP_REQUEST)
    if not isinstance(request, dict):
        if required:
            raise HandlerError(
                f"{where}.Request must be a map of CreateModelCustomizationJob parameters; "
                f"got {type(request).__name__}."
            )
        return {}
    if required:
        for field, prop in TAG_PROPS.items():
            _check_tags(request.get(field), f"{where}.Request.{field}", prop)
    return with_scope_tags(request, props.get(PROP_TAGS), where)


def with_scope_tags(request: dict[str, Any], scope_tags: Any, where: str) -> dict[str, Any]:
    """The request with the ``Tags`` property (``Tags.of(scope)``, a map) added to both tag lists, the request's
    own tags winning, sorted by key as the construct used to send them: what the API receives is the same
    whichever template version sent it, so an upgrade alone changes no tag and starts no job."""
    if scope_tags is None or scope_tags == {}:
        return request
    if not isinstance(scope_tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in scope_tags.items()
    ):
        raise HandlerError(
            f"{where}.{PROP_TAGS} must be a map of string tags (from Tags.of(scope)); got {_shown(scope_tags)}. "
            "Nothing was changed."
        )
    merged = dict(request)
    for field in TAG_PROPS:
        own = request.get(field)
        # a Delete reads its request leniently (unchecked tags): only well-formed entries count
        explicit = {t["key"]: t.get("value", "") for t in own if _is_tag(t)} if isinstance(own, list) else {}
        combined = {**scope_tags, **explicit}
        merged[field] = [{"key": k, "value": v} for k, v in sorted(combined.items())]
    return merged


def _check_tags(tags: Any, where: str, prop: str) -> None:
    """``[{key: str, value: str}, ...]`` or absent: anything else fails rather than being read as no tags."""
    if tags is None:
        return
    if not isinstance(tags, list):
        problem = f"got {type(tags).__name__}"
    else:
        bad = [(i, t) for i, t in enumerate(tags) if not _is_tag(t)]
        if not bad:
            return
        problem = f"entry {bad[0][0]} is {_shown(bad[0][1])}"
    raise HandlerError(
        f"{where} must be a list of {{key, value}} maps of strings (construct prop {prop}); {problem}. "
        "Nothing was changed."
    )


def _is_tag(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("key"), str) and isinstance(entry.get("value", ""), str)


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

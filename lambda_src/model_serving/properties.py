"""Read a serving resource's CloudFormation event into a typed value (no AWS calls).

CloudFormation delivers every scalar as a string; the ``Request`` is coerced to the API's types later (it
needs the client's service model). Unknown properties are ignored, so the construct can add some without
breaking older handlers. On Delete the parsing is lenient: a resource must always be deletable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..contract import (
    COMMITTED_FAIL,
    COMMITTED_RETAIN,
    GATE_MAX_TRAINING_LOSS,
    GATE_MAX_VALIDATION_LOSS,
    PROP_COMMITTED_REMOVAL,
    PROP_EVALUATION_GATE,
    PROP_JOB_ARN,
    PROP_NAMES_GENERATED,
    PROP_QUALITY_GATE,
    PROP_REQUEST,
)
from ..customization_job.errors import HandlerError
from ..customization_job.properties import event_identifier, properties_map
from ..kernel import envelope
from ..model_evaluation.gate import EvaluationGate, parse_evaluation
from .kinds import KINDS, Kind, kind_of_arn


@dataclass(frozen=True)
class Gate:
    """The most training and validation loss a model may have to be served (None: not checked)."""

    max_training_loss: float | None = None
    max_validation_loss: float | None = None


@dataclass(frozen=True)
class ServingEvent:
    request_type: str
    kind: Kind
    stack_id: str
    logical_id: str
    request_id: str
    physical_id: str | None
    request: dict[str, Any]
    old_request: dict[str, Any] | None
    names_generated: bool
    old_names_generated: bool
    gate: Gate | None
    evaluation: EvaluationGate | None
    """The evaluation gate (issue 21), read fail-closed; None when the property is absent."""
    job_arn: str | None
    committed_removal: str
    old_committed_removal: str
    """An Update's old value: what the Delete of a replaced throughput will see."""
    data: dict[str, Any]
    """What on_event returned as Data (in is_complete's event only)."""


def parse_event(event: Any) -> ServingEvent:
    """Validate the event's shape (first ``kernel.envelope``: a well-formed CloudFormation request); a
    ``HandlerError`` names the offending field and that nothing was changed."""
    malformed = envelope.refusal(event)
    if malformed is not None:
        raise HandlerError(f"{malformed} Nothing was created or changed.")
    request_type = event.get("RequestType")
    lenient = request_type == "Delete"
    identity = {field: event_identifier(event, field) for field in ("StackId", "LogicalResourceId", "RequestId")}
    physical_id = event.get("PhysicalResourceId")
    physical_id = physical_id if isinstance(physical_id, str) else None
    kind = _kind(event.get("ResourceType"), physical_id)
    props = properties_map(event.get("ResourceProperties"), "ResourceProperties")
    request = _request(props, "ResourceProperties", kind, required=not lenient)
    old_request: dict[str, Any] | None = None
    old_props: dict[str, Any] = {}
    if request_type == "Update":
        old_props = properties_map(event.get("OldResourceProperties"), "OldResourceProperties")
        if not isinstance(old_props.get(PROP_REQUEST), dict):
            raise HandlerError(
                "Update without usable OldResourceProperties.Request: without the old request the handler cannot "
                f"tell a model swap from a replacement, so the {kind.noun} was left as it was. Redeploy from a "
                "template this construct synthesized."
            )
        old_request = _request(old_props, "OldResourceProperties", kind, required=True)
    data = event.get("Data")
    return ServingEvent(
        request_type=str(request_type),
        kind=kind,
        stack_id=identity["StackId"],
        logical_id=identity["LogicalResourceId"],
        request_id=identity["RequestId"],
        physical_id=physical_id,
        request=request,
        old_request=old_request,
        names_generated=_flag(props.get(PROP_NAMES_GENERATED)),
        old_names_generated=_flag(old_props.get(PROP_NAMES_GENERATED)),
        gate=None if lenient else parse_gate(props.get(PROP_QUALITY_GATE)),
        evaluation=None if lenient else parse_evaluation(props.get(PROP_EVALUATION_GATE)),
        job_arn=_text(props.get(PROP_JOB_ARN)),
        committed_removal=_committed_removal(props.get(PROP_COMMITTED_REMOVAL), lenient=lenient),
        old_committed_removal=_committed_removal(old_props.get(PROP_COMMITTED_REMOVAL), lenient=True),
        data=data if isinstance(data, dict) else {},
    )


def parse_gate(value: Any) -> Gate | None:
    """``{MaxTrainingLoss, MaxValidationLoss}`` as strings, at least one of them; absent (None): no gate.

    Fails closed: a gate that is present but cannot be read (not a map, empty, a key this handler does not know
    such as a misspelled ``maxTrainingLoss``, a threshold that is empty or not a number) refuses before anything
    changes, never reads as "no gate".
    """
    if value is None:
        return None
    known = (GATE_MAX_TRAINING_LOSS, GATE_MAX_VALIDATION_LOSS)
    if not isinstance(value, dict) or not value:
        raise HandlerError(
            f"{PROP_QUALITY_GATE} must be a map with {' and/or '.join(known)}; got {_shown(value)}, which this "
            "handler cannot read, so it refuses rather than serve ungated. Nothing was changed. Set the gate "
            "with the construct's gate= prop."
        )
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        raise HandlerError(
            f"{PROP_QUALITY_GATE} has key(s) {', '.join(unknown)} this handler does not know (it reads "
            f"{', '.join(known)}; keys are case-sensitive), so it refuses rather than serve ungated. Nothing was "
            "changed. Set the gate with the construct's gate= prop, or update the handler (cdk deploy)."
        )
    return Gate(
        max_training_loss=_threshold(value, GATE_MAX_TRAINING_LOSS),
        max_validation_loss=_threshold(value, GATE_MAX_VALIDATION_LOSS),
    )


def _threshold(gate: dict[str, Any], name: str) -> float | None:
    if name not in gate:
        return None
    value = gate[name]
    try:
        number = float(value.strip()) if isinstance(value, str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise HandlerError(
            f"{PROP_QUALITY_GATE}.{name} must be a number of 0 or more; got {_shown(value)} (construct prop gate). "
            "Nothing was changed."
        )
    return number


def _kind(resource_type: Any, physical_id: str | None) -> Kind:
    kind = (KINDS.get(resource_type) if isinstance(resource_type, str) else None) or kind_of_arn(physical_id)
    if kind is None:
        expected = " or ".join(KINDS)
        raise HandlerError(f"Unsupported ResourceType {_shown(resource_type)}; this handler serves {expected}.")
    return kind


def _request(props: dict[str, Any], where: str, kind: Kind, *, required: bool) -> dict[str, Any]:
    request = props.get(PROP_REQUEST)
    if not isinstance(request, dict):
        if required:
            raise HandlerError(
                f"{where}.Request must be a map of {kind.create_operation} parameters; got {type(request).__name__}. "
                "Nothing was changed."
            )
        return {}
    if required:
        _check_tags(request.get("tags"), f"{where}.Request.tags")
    return request


def _check_tags(tags: Any, where: str) -> None:
    """``[{key: str, value: str}, ...]`` or absent: anything else fails rather than being read as no tags."""
    if tags is None:
        return
    good = isinstance(tags, list) and all(
        isinstance(t, dict) and isinstance(t.get("key"), str) and isinstance(t.get("value", ""), str) for t in tags
    )
    if not good:
        raise HandlerError(
            f"{where} must be a list of {{key, value}} maps of strings (construct prop tags); got "
            f"{_shown(tags)}. Nothing was changed."
        )


def _committed_removal(value: Any, *, lenient: bool) -> str:
    """FAIL (default) or RETAIN; on Delete an unreadable value means FAIL: never keep billing silently."""
    text = str(value).strip().upper() if value not in (None, "") else COMMITTED_FAIL
    if text in (COMMITTED_FAIL, COMMITTED_RETAIN):
        return text
    if lenient:
        return COMMITTED_FAIL
    raise HandlerError(
        f"{PROP_COMMITTED_REMOVAL} must be {COMMITTED_FAIL} or {COMMITTED_RETAIN}; got {_shown(value)}. "
        "Nothing was changed."
    )


def _flag(value: Any) -> bool:
    return str(value if value is not None else "false").strip().lower() == "true"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_shown = envelope.shown

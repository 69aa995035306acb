"""What to do for a serving resource, decided from data alone (no AWS calls).

- Update: the model served changes in place (a swap: the ARN applications call stays); tags change in place; a
  throughput's name changes in place; anything else (a deployment's name, description, model units, commitment,
  a throughput's model of another base model) needs a new resource. The live resource is the
  reference, not only the old properties: CloudFormation's UPDATE_ROLLBACK sends the properties the resource
  already has, and then nothing needs replacing (a failed swap's rollback is a swap back).
- Progress: is the resource ready, still on its way, or failed (is_complete).
- Delete: a committed throughput whose term has not ended cannot be deleted: fail, or retain on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..contract import (
    COMMITTED_RETAIN,
    OWNER_TAG_KEY,
    PREVIOUS_MODEL_TAG_KEY,
    SERVING_TOKEN_TAG_KEY,
    serving_settled,
    serving_update_failed,
)
from ..customization_job.decisions import TagChanges, tag_changes
from ..customization_job.idempotency import suffix_in
from ..customization_job.ownership import is_owner_key
from . import errors
from .kinds import THROUGHPUT, Kind

HANDLER_TAG_KEYS = (OWNER_TAG_KEY, SERVING_TOKEN_TAG_KEY)


def is_handler_key(key: Any) -> bool:
    """The handler's own tags (any case, as IAM compares keys): never changed or removed by a tag update."""
    return is_owner_key(key) or (
        isinstance(key, str) and key.lower() in (SERVING_TOKEN_TAG_KEY, PREVIOUS_MODEL_TAG_KEY)
    )


def user_tag_changes(old_tags: Any, new_tags: Any) -> TagChanges:
    """The tag changes from the old to the new request, the handler's keys left out."""
    changes = tag_changes(old_tags, new_tags)
    return TagChanges(
        to_set={k: v for k, v in changes.to_set.items() if not is_handler_key(k)},
        to_remove=tuple(k for k in changes.to_remove if not is_handler_key(k)),
    )


@dataclass(frozen=True)
class Create:
    """A new resource (and physical id); ``replaces`` the old ARN, which CloudFormation deletes afterwards."""

    replaces: str | None = None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class InPlace:
    """Keep the resource: point it at ``model`` when ``swap``, rename it when ``rename``, and apply ``tags``."""

    arn: str
    model: str
    swap: bool = False
    tags: TagChanges = field(default_factory=TagChanges)
    rename: bool = False
    """The request's name differs from the live one and the kind renames in place (the handler derives it)."""


Decision = Create | InPlace


def _blank(value: Any) -> bool:
    return value is None or value == ""


def name_matches(live_name: Any, requested: Any, *, generated: bool) -> bool:
    """Whether the live resource's name is the request's: equal, or (generated) the base plus a request suffix."""
    if not isinstance(live_name, str) or not isinstance(requested, str):
        return False
    if live_name == requested:
        return True
    return generated and suffix_in(live_name, requested) is not None


def needs_new_resource(
    kind: Kind, live: Mapping[str, Any], request: Mapping[str, Any], *, generated: bool
) -> list[str]:
    """The request's fields the live resource differs in and cannot change in place (sorted)."""
    differing = [
        f
        for f in kind.replacement_fields
        if not (_blank(request.get(f)) and _blank(live.get(f))) and request.get(f) != live.get(f)
    ]
    if kind.rename_param is None and not name_matches(
        live.get(kind.name_field), request.get(kind.name_field), generated=generated
    ):
        differing.append(kind.name_field)
    return sorted(differing)


def decide_update(
    kind: Kind,
    physical_id: str | None,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    *,
    names_generated: bool,
    old_names_generated: bool,
) -> Decision:
    """In place when the live resource (``live``: its Get response) can take the new request, else a new one.

    In place, the model is swapped unless the resource serves it already and is not moving to another one (a
    throughput's model given by name, which Bedrock reports only as an ARN, is swapped whenever the name changed).

    A generated name's base that changed between requests alone does not replace anything: the name is the
    construct's choice, and the live resource keeps the one it has.
    """
    if not kind.is_arn(physical_id) or live is None:
        return Create()
    changed = needs_new_resource(kind, live, new, generated=names_generated)
    if changed == [kind.name_field] and names_generated and old_names_generated:
        changed = []
    if changed:
        fixed_name = new.get(kind.name_field)
        if not names_generated and fixed_name and fixed_name == live.get(kind.name_field):
            raise errors.name_reused_on_replacement(kind, physical_id, changed, str(fixed_name))
        return Create(replaces=physical_id, changed=tuple(changed))
    model = str(new.get(kind.model_field) or "")
    by_name_changed = not model.startswith("arn:") and model != old.get(kind.model_field)
    renamed = not name_matches(live.get(kind.name_field), new.get(kind.name_field), generated=names_generated)
    return InPlace(
        physical_id,
        model,
        swap=swap_needed(kind, live, model) or by_name_changed,
        tags=user_tag_changes(old.get("tags"), new.get("tags")),
        rename=kind.rename_param is not None and renamed and not (names_generated and old_names_generated),
    )


def base_model_id(arn: Any) -> str | None:
    """``amazon.nova-micro-v1:0`` from a foundation-model ARN or id (the context-length suffix left out, as a
    throughput's ``foundationModelArn`` and a custom model's ``baseModelArn`` may spell the same base either way;
    an inference, not documented); None when unknown."""
    if not isinstance(arn, str) or not arn:
        return None
    model_id = arn.split("foundation-model/", 1)[-1]
    return ":".join(model_id.split(":")[:2])


def cross_base(kind: Kind, live: Mapping[str, Any], served_base: Any, new_base: Any) -> tuple[str, str] | None:
    """(old base, new base) when the kind swaps only within a base model and the new model's base differs from the
    one the resource serves (a throughput's own ``foundationModelArn`` first); None when it may swap."""
    if not kind.same_base_swaps_only:
        return None
    old = base_model_id(live.get("foundationModelArn")) or base_model_id(served_base)
    new = base_model_id(new_base)
    return (old, new) if old and new and old != new else None


# ---- progress (is_complete) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    model_arn: str


@dataclass(frozen=True)
class Waiting:
    status: str


@dataclass(frozen=True)
class Failed:
    message: str
    swap: bool
    """Whether a swap failed (the resource itself still serves its previous model)."""


Progress = Ready | Waiting | Failed


def serves(kind: Kind, live: Mapping[str, Any], model: str) -> bool:
    """Whether ``live`` serves ``model`` now. A throughput's model may be given by name: then what Bedrock wants
    it to serve (``desiredModelArn``) is what it serves once it is settled."""
    served = live.get("modelArn")
    if kind is THROUGHPUT and not model.startswith("arn:"):
        return served == live.get("desiredModelArn")
    details = live.get("updateDetails")
    if isinstance(details, Mapping) and details.get("updateStatus") == "UpdateCompleted":
        # GetCustomModelDeployment: updateDetails (CustomModelDeploymentUpdateDetails) names the model of the last
        # update; once it is UpdateCompleted that model serves, even while the top-level modelArn still lags.
        return bool(details.get("modelArn") == model)
    return served == model


def _settled(kind: Kind, live: Mapping[str, Any]) -> bool:
    return serving_settled(live, throughput=kind is THROUGHPUT)


def progress(kind: Kind, live: Mapping[str, Any], model: str) -> Progress:
    """Where a resource that should serve ``model`` stands."""
    message = str(live.get("failureMessage") or "").strip() or "no failure message"
    if live.get("status") == "Failed":
        return Failed(message, swap=False)
    details = live.get("updateDetails")
    if (
        isinstance(details, Mapping)
        and serving_update_failed(live)
        and details.get("modelArn") == model
        and not serves(kind, live, model)
    ):
        return Failed(message, swap=True)
    if _settled(kind, live):
        if serves(kind, live, model):
            return Ready(model if model.startswith("arn:") else str(live.get("modelArn")))
        if live.get("failureMessage"):
            return Failed(message, swap=True)
    return Waiting(str(live.get("status") or "unknown"))


def moving_to(kind: Kind, live: Mapping[str, Any], model: str) -> bool:
    """Whether a swap to ``model`` is under way already: asked for by this very request before (a retried
    invocation, or a retried call whose answer was lost). Bedrock refuses a second update of a throughput while
    one is in progress, and the swap under way is the one wanted: wait for it."""
    if kind is THROUGHPUT:
        return live.get("status") == "Updating" and model.startswith("arn:") and live.get("desiredModelArn") == model
    details = live.get("updateDetails")
    return (
        isinstance(details, Mapping) and details.get("updateStatus") == "Updating" and details.get("modelArn") == model
    )


def busy(live: Mapping[str, Any]) -> bool:
    """Whether Bedrock is still creating the resource or moving it to a model (it refuses another update until
    then): a swap asked for now is asked again once it has settled."""
    if live.get("status") in ("Creating", "Updating"):
        return True
    details = live.get("updateDetails")
    return isinstance(details, Mapping) and details.get("updateStatus") == "Updating"


def swap_needed(kind: Kind, live: Mapping[str, Any], model: str) -> bool:
    """Whether the resource must be told to serve ``model``: it does not and is not moving to it, or it is moving
    to another model."""
    return not (serves(kind, live, model) and _settled(kind, live)) and not moving_to(kind, live, model)


# ---- delete -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteIt:
    pass


@dataclass(frozen=True)
class Committed:
    """A throughput under a commitment that has not ended: ``retain`` it, or refuse."""

    duration: str
    expires: datetime | None
    retain: bool


def committed_term(live: Mapping[str, Any], now: datetime) -> tuple[str, datetime | None] | None:
    """(duration, end) of a commitment that has not ended at ``now``; None without one (or once it ended)."""
    duration = live.get("commitmentDuration")
    if not duration:
        return None
    expires = live.get("commitmentExpirationTime")
    if isinstance(expires, datetime):
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=now.tzinfo)
        return (str(duration), expires) if expires > now else None
    return str(duration), None


def plan_delete(kind: Kind, live: Mapping[str, Any], committed_removal: str, now: datetime) -> DeleteIt | Committed:
    term = committed_term(live, now) if kind is THROUGHPUT else None
    if term is None:
        return DeleteIt()
    return Committed(term[0], term[1], retain=committed_removal == COMMITTED_RETAIN)

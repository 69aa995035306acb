"""What to do for a CloudFormation request, decided from data alone (no AWS calls).

Jobs are immutable: apart from tags, any change to the request needs a new job, whose ARN becomes the
new physical id; CloudFormation then sends a Delete for the old one. The exception is the Update of
CloudFormation's UPDATE_ROLLBACK: it carries the properties the job behind the physical id was
started with (and the failed ones as the old properties), so that job is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from .errors import names_reused_on_replacement, token_reused_on_replacement
from .idempotency import request_digest, request_digest_in
from .properties import RemovalPolicy

_JOB_ARN = re.compile(r"arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:model-customization-job/\S+")
TAG_FIELDS = ("jobTags", "customModelTags")
NAME_FIELDS = ("jobName", "customModelName")


def is_job_arn(value: Any) -> TypeGuard[str]:
    """A failed create leaves CloudFormation's default physical id, which is not a job ARN."""
    return isinstance(value, str) and _JOB_ARN.fullmatch(value) is not None


@dataclass(frozen=True)
class TagChanges:
    """Tags to add or overwrite, and tag keys to remove."""

    to_set: dict[str, str] = field(default_factory=dict)
    to_remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.to_set or self.to_remove)


@dataclass(frozen=True)
class StartJob:
    """Call CreateModelCustomizationJob; ``replaces`` is the old job's ARN on an update."""

    replaces: str | None = None


@dataclass(frozen=True)
class UpdateTags:
    job_arn: str
    job_tags: TagChanges
    model_tags: TagChanges


@dataclass(frozen=True)
class KeepJob:
    job_arn: str


@dataclass(frozen=True)
class KeepCurrentJob:
    """The request changed, yet the job behind the physical id implements the new one: the Update of an
    UPDATE_ROLLBACK. Keep that job; only the tags go back to the request's (the old request's tags
    may have been applied before the update failed)."""

    job_arn: str
    job_tags: TagChanges
    model_tags: TagChanges


@dataclass(frozen=True)
class FindJob:
    """The physical id is not a job ARN (an older version of the resource) and the request is unchanged:
    look for the job the request names before starting anything."""

    physical_id: str | None


Decision = StartJob | UpdateTags | KeepJob | KeepCurrentJob | FindJob


@dataclass(frozen=True)
class DeletePlan:
    stop_job: bool
    look_for_model: bool


def tags_as_dict(tags: Any) -> dict[str, str]:
    """``[{key, value}]`` as a dict; malformed entries are skipped (botocore rejects them on create)."""
    if not isinstance(tags, list):
        return {}
    return {str(t["key"]): str(t.get("value", "")) for t in tags if isinstance(t, dict) and "key" in t}


def tag_changes(old_tags: Any, new_tags: Any) -> TagChanges:
    old, new = tags_as_dict(old_tags), tags_as_dict(new_tags)
    return TagChanges(
        to_set={k: v for k, v in new.items() if old.get(k) != v},
        to_remove=tuple(sorted(k for k in old if k not in new)),
    )


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Request fields other than tags whose (coerced) values differ."""
    keys = (set(old) | set(new)) - set(TAG_FIELDS)
    return sorted(k for k in keys if old.get(k) != new.get(k))


def implements(job: Mapping[str, Any] | None, request: Mapping[str, Any]) -> bool:
    """Whether ``job`` (a GetModelCustomizationJob description) was started for ``request`` (coerced,
    tags aside): its handler-derived clientRequestToken carries the request's digest."""
    digest = request_digest_in(job.get("clientRequestToken")) if job is not None else None
    return digest is not None and digest == request_digest(request)


def needs_current_job(physical_id: str | None, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """``decide_update`` wants the description of the physical id's job: only a changed request on a job
    ARN may be a rollback to that job."""
    return is_job_arn(physical_id) and bool(changed_fields(old, new))


def decide_update(
    physical_id: str | None,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    names_generated: bool,
    current_job: Mapping[str, Any] | None = None,
) -> Decision:
    """Tags only → tag in place; no change → keep; else a new job (with new names and token), unless
    ``current_job`` (the physical id's job, read where ``needs_current_job``) already implements the
    new request: then the update is a rollback to it (``KeepCurrentJob``).

    A physical id that is not a job ARN comes from an older version of the resource: with an unchanged
    request the job it stands for is looked up (``FindJob``); with a changed one a new job is started.
    """
    changed = changed_fields(old, new)
    if not is_job_arn(physical_id):
        return StartJob() if changed else FindJob(physical_id)
    if changed and implements(current_job, new):
        return KeepCurrentJob(
            physical_id,
            tag_changes(old.get("jobTags"), new.get("jobTags")),
            tag_changes(old.get("customModelTags"), new.get("customModelTags")),
        )
    if changed:
        reused = {f: str(new[f]) for f in NAME_FIELDS if new.get(f) and new.get(f) == old.get(f)}
        if reused and not names_generated:
            raise names_reused_on_replacement(physical_id, changed, reused)
        token = new.get("clientRequestToken")
        if token and token == old.get("clientRequestToken"):
            raise token_reused_on_replacement(physical_id, changed)
        return StartJob(replaces=physical_id)
    job_tags = tag_changes(old.get("jobTags"), new.get("jobTags"))
    model_tags = tag_changes(old.get("customModelTags"), new.get("customModelTags"))
    if job_tags or model_tags:
        return UpdateTags(physical_id, job_tags, model_tags)
    return KeepJob(physical_id)


def plan_delete(job: dict[str, Any], policy: RemovalPolicy) -> DeletePlan:
    """Stop a running job (nothing keeps billing after a rollback); look for its model only on DESTROY.

    Bedrock reports ``outputModelArn`` once the model exists, and a Completed job always has one; a
    job that failed or was stopped has none, so there is nothing to look for.
    """
    status = job.get("status")
    has_model = bool(job.get("outputModelArn")) or status == "Completed"
    return DeletePlan(
        stop_job=status == "InProgress",
        look_for_model=policy is RemovalPolicy.DESTROY and has_model,
    )

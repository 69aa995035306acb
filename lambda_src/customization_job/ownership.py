"""Which jobs and models belong to this stack: a tag the handler sets at create and checks before it acts.

The handler's role may create jobs in any template that uses this stack's service token, so "the job the
properties name" proves nothing: a template could name another team's job and its role. What proves
ownership is the tag ``OWNER_TAG_KEY = <CloudFormation stack id>``, which the handler puts on every job and
custom model it creates (whatever the request says about that key). IAM enforces the same tag: the
handler's role may stop a job, delete a model or remove tags only where the resource carries it, may
create only with it, and may tag only with it in the request (constructs_lib/cdk/permissions.py). The handler
checks it in code before every stop, delete, retag or adoption, so a job that is not this stack's is left
alone with a log line instead of failing on AccessDenied.

Jobs started by handler versions before the tag existed carry no owner tag, and IAM refuses to tag an
untagged resource. Only a job whose resource opted in (``adopt_untagged_jobs``, which adds one IAM statement)
may be claimed, and only one this stack started (``claimable``): it runs as a role under this stack's role
path (which only this stack's handler may pass while the stack exists) *and* it started after this stack,
by its id, was created. The role path holds only the stack's name, and nothing in such a job holds the stack
id (its clientRequestToken and name suffix digest the stack id with the CloudFormation request id, which a
later request cannot know), so the creation time of the stack (DescribeStacks) is what tells this stack from
an earlier, deleted one of the same name. Any other untagged job is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..contract import OWNER_TAG_KEY as OWNER_TAG_KEY
from ..contract import ROLE_PATH_ROOT
from .decisions import TAG_FIELDS, TagChanges, tags_as_dict


def with_owner_tags(request: Mapping[str, Any], stack_id: str, fields: tuple[str, ...] = TAG_FIELDS) -> dict[str, Any]:
    """The request with the owner tag in each of its tag lists ``fields`` (default: the job's and its model's),
    a user value for the key replaced."""
    tagged = dict(request)
    for field in fields:
        tags = [t for t in _tag_list(request.get(field)) if not is_owner_key(t.get("key"))]
        tagged[field] = [*tags, {"key": OWNER_TAG_KEY, "value": stack_id}]
    return tagged


def is_owner_key(key: Any) -> bool:
    """IAM compares tag keys in conditions without regard to case: so does the handler when it protects the key."""
    return isinstance(key, str) and key.lower() == OWNER_TAG_KEY


def has_owner(tags: Any) -> bool:
    """Whether ``tags`` hold an owner tag at all (any stack's, the key in any case)."""
    return any(is_owner_key(key) for key in tags_as_dict(tags))


def owner_of(tags: Any) -> str | None:
    """The stack id in a ``[{key, value}]`` tag list (ListTagsForResource), else None."""
    return tags_as_dict(tags).get(OWNER_TAG_KEY)


def stack_role_prefix(stack_id: str) -> str | None:
    """The ARN prefix of the job roles the construct creates for the stack ``stack_id`` (None if no stack ARN)."""
    found = re.fullmatch(r"arn:([^:]+):cloudformation:([^:]+):(\d{12}):stack/([^/]+)/.+", stack_id)
    if found is None:
        return None
    partition, region, account, name = found.groups()
    return f"arn:{partition}:iam::{account}:role/{ROLE_PATH_ROOT}/{region}/{name}/"


def under_role_path(tags: Any, job: Mapping[str, Any], stack_id: str) -> bool:
    """A job from before the owner tag that some stack of this stack's name started: no owner tag in any case,
    and it runs as a role under the role path of that name."""
    prefix = stack_role_prefix(stack_id)
    role = job.get("roleArn")
    untagged = not has_owner(tags)
    return untagged and prefix is not None and isinstance(role, str) and role.startswith(prefix)


def claimable(tags: Any, job: Mapping[str, Any], stack_id: str, stack_created: datetime | None) -> bool:
    """A job from before the owner tag that this stack (by id) started: ``under_role_path``, and it started at
    or after ``stack_created`` (this stack's CreationTime; None: unknown, nothing is claimable)."""
    started = job.get("creationTime")
    if not (under_role_path(tags, job, stack_id) and isinstance(stack_created, datetime)):
        return False
    try:
        return isinstance(started, datetime) and started >= stack_created
    except TypeError:  # one time zone-aware, the other not: not provably after
        return False


def is_owned(tags: Any, stack_id: str) -> bool:
    """Whether a resource with ``tags`` was created by this stack's handler (an empty stack id owns nothing)."""
    return bool(stack_id) and owner_of(tags) == stack_id


def guarded(changes: TagChanges, stack_id: str) -> TagChanges:
    """Tag changes that leave the owner tag as it is: the key is never removed, and every TagResource
    carries it (the role may tag only with it), so a call with other tags sets it to its own value."""
    to_set = {k: v for k, v in changes.to_set.items() if not is_owner_key(k)}
    to_remove = tuple(k for k in changes.to_remove if not is_owner_key(k))
    if to_set:
        to_set[OWNER_TAG_KEY] = stack_id
    return TagChanges(to_set=to_set, to_remove=to_remove)


def _tag_list(tags: Any) -> list[dict[str, Any]]:
    return [t for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []

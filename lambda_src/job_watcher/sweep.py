"""Find the waiting jobs of this stack that ended and signal their wait conditions, once each.

Each invocation (a state-change event or the backup poll) lists the stack's resources (ListStackResources,
every page: statuses and physical ids of the wait conditions, handles, job resources and the schedule rule),
then learns what each ``AWS::CloudFormation::WaitConditionHandle`` watches: the handle's Metadata
(``BedrockModelCustomization``: the job's name filter and the logical ids of its wait condition and job
resource) for every handle at once from one GetTemplate, and its presigned URL from the listing. A warm
container remembers both while the listing shows the handle unchanged, so it skips the GetTemplate; a
handle the template does not hold is described by itself (DescribeStackResource). For each handle:

- its wait condition already settled (created, failed, gone): nothing to do;
- the job has not started yet, or is InProgress / Stopping: still pending. The job is the one whose ARN
  is the job resource's physical id once that resource is created or updated, and only if its name matches
  the watched name or prefix: until the resource points at this request's job (during a replacement it
  still names the previous one), there is nothing to signal. A state-change event only decides which
  handle is looked at first; its content never chooses a job or a URL;
- the job ended: it must carry this stack's owner tag (ListTagsForResource), which the job handler sets at
  create, since the job resource's physical id is only as trustworthy as whatever wrote it. Then PUT to the
  handle's URL (https on an amazonaws.com host only) SUCCESS with the model ARN, or FAILURE with Bedrock's
  message; a job of another stack gets FAILURE naming that. The job name is the UniqueId, so a repeat
  counts once.

Time: a call starts only while its worst case fits in the invocation (``Budget``); throttling is retried
with backoff under the same rule. When time runs short the remaining handles are left for the next
invocation, which starts at the first of them (``Memory``), so handles late in the order are not starved.
When no job is pending and every handle was looked at, the poll's own schedule rule is disabled; a deploy
that adds a waiting job changes the rule's description and CloudFormation enables it again.
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ..contract import ENV_SCHEDULE_RULE, ENV_STACK_ID, METADATA_KEY
from ..kernel.errors import error_code
from ..kernel.log import describe_error, log_event
from .budget import Budget, OutOfTime
from .outcome import foreign_signal, owner_in, signal_for
from .presigned import Put, PutFailed, refusal

WAITING = "CREATE_IN_PROGRESS"
JOB_IN_PLACE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
"""Job resource statuses whose physical id is the job of the current request."""
PREFIX_MARK = "*"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"


@dataclass(frozen=True)
class WatchedJob:
    """A job name (or a name prefix ending in ``*``), the logical ids of its wait condition handle, wait
    condition and job resource, and the handle's presigned URL (a secret: never in a log or a repr)."""

    name: str
    handle: str
    wait: str
    job: str
    url: str = field(default="", repr=False, compare=False)

    def matches(self, job_name: str) -> bool:
        """Whether Bedrock's ``job_name`` is this watched job's: the same name, or one with its prefix."""
        if self.name.endswith(PREFIX_MARK):
            return job_name.startswith(self.name[: -len(PREFIX_MARK)])
        return job_name == self.name


@dataclass(frozen=True)
class Resource:
    """One ListStackResources entry. A handle's physical id is its presigned URL, hence no repr."""

    logical_id: str
    type: str
    status: str
    physical_id: str = field(default="", repr=False)
    updated: str = ""


@dataclass(frozen=True)
class Config:
    """What the construct tells the watcher through environment variables: constant-size, no URLs, no secrets."""

    stack_id: str
    schedule_rule: str

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Config:
        return Config(stack_id=env[ENV_STACK_ID], schedule_rule=env[ENV_SCHEDULE_RULE])


@dataclass(frozen=True)
class Clients:
    bedrock: Any
    cloudformation: Any
    events: Any


@dataclass
class Memory:
    """What a warm Lambda container keeps between invocations (a cold one starts empty).

    ``cursor``: where the next sweep starts. A sweep that ran out of time (or into errors) resumes at the
    first handle it did not finish instead of starting over, so handles late in the order are not starved;
    a cold container starts at ``offset`` (from the clock at import), so no position is favoured either.
    ``handles``: each handle's watched job (None: not this library's), kept with what the listing showed of
    the handle (physical id, last update): while that is unchanged the template is not read again. It also
    puts a state-change event's job first (cold too: the template is read before the order is set); a stale
    entry only reorders.
    """

    offset: int = 0
    cursor: str | None = None
    handles: dict[str, tuple[tuple[str, str], WatchedJob | None]] = field(default_factory=dict, repr=False)

    def order(self, handles: Sequence[str], first: str | None) -> list[str]:
        ids = sorted(handles)
        if not ids:
            return []
        start = bisect_left(ids, self.cursor) if self.cursor is not None else self.offset
        start %= len(ids)
        rotated = ids[start:] + ids[:start]
        promoted = [h for h in rotated if first and (w := self.handles.get(h, ((), None))[1]) and w.matches(first)]
        return promoted + [h for h in rotated if h not in promoted]

    def cached(self, handle: Resource) -> tuple[bool, WatchedJob | None]:
        """(True, watched job) when the handle is unchanged since it was described, else (False, None)."""
        seen, watched = self.handles.get(handle.logical_id, ((), None))
        return (True, watched) if seen == (handle.physical_id, handle.updated) else (False, None)

    def remember(self, handle: Resource, watched: WatchedJob | None) -> None:
        self.handles[handle.logical_id] = ((handle.physical_id, handle.updated), watched)

    def resume_at(self, handle: str | None, present: Sequence[str]) -> None:
        self.cursor = handle
        self.handles = {h: entry for h, entry in self.handles.items() if h in present}


@dataclass
class SweepResult:
    signalled: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    """Handles not looked at: the invocation's time ran short (their logical ids)."""
    schedule_disabled: bool = False


def _label(error: Exception) -> str:
    """An error for a log line: a ClientError's code, a PutFailed's own text, else its type and scrubbed text
    (botocore's parser errors quote the response body, which holds the handles' URLs)."""
    if isinstance(error, ClientError):
        return f"{getattr(error, 'operation_name', '')}: {error_code(error)}"
    if isinstance(error, PutFailed):
        return str(error)
    return describe_error(error)


def list_resources(clients: Clients, config: Config, budget: Budget) -> dict[str, Resource]:
    """ListStackResources, every page, by logical id."""
    resources: dict[str, Resource] = {}
    request: dict[str, str] = {"StackName": config.stack_id}
    while True:
        page = budget.call(clients.cloudformation.list_stack_resources, **request)
        for summary in page.get("StackResourceSummaries", []):
            logical_id = str(summary["LogicalResourceId"])
            resources[logical_id] = Resource(
                logical_id,
                str(summary.get("ResourceType", "")),
                str(summary.get("ResourceStatus", "")),
                str(summary.get("PhysicalResourceId") or ""),
                str(summary.get("LastUpdatedTimestamp", "")),
            )
        token = page.get("NextToken")
        if not token:
            return resources
        request["NextToken"] = str(token)


def _filter_key(name_filter: Any) -> str | None:
    """The rule's filter as a watched name: the exact name, or the prefix followed by ``*``."""
    if isinstance(name_filter, str) and name_filter:
        return name_filter
    if isinstance(name_filter, Mapping) and isinstance(name_filter.get("prefix"), str) and name_filter["prefix"]:
        return str(name_filter["prefix"]) + PREFIX_MARK
    return None


def watched_job(logical_id: str, detail: Mapping[str, Any]) -> WatchedJob | None:
    """The waiting job a handle's DescribeStackResource detail describes, or None for another handle."""
    raw = detail.get("Metadata")
    try:
        metadata = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    entry = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    if not isinstance(entry, Mapping):
        return None
    name, wait, job = _filter_key(entry.get("nameFilter")), entry.get("wait"), entry.get("job")
    if name is None or not isinstance(wait, str) or not isinstance(job, str):
        return None
    return WatchedJob(name, logical_id, wait, job, str(detail.get("PhysicalResourceId") or ""))


def template_metadata(clients: Clients, config: Config, budget: Budget) -> dict[str, Any] | None:
    """GetTemplate on this stack: every resource's Metadata by logical id, in one call whatever the number of
    handles (None when the body is not JSON, as a CDK template always is)."""
    body = budget.call(clients.cloudformation.get_template, StackName=config.stack_id).get("TemplateBody")
    if isinstance(body, str):  # botocore decodes a JSON body into a dict; a string is YAML or undecoded JSON
        try:
            body = json.loads(body)
        except ValueError:
            return None
    resources = body.get("Resources") if isinstance(body, Mapping) else None
    if not isinstance(resources, Mapping):
        return None
    return {str(k): v.get("Metadata") for k, v in resources.items() if isinstance(v, Mapping)}


def learn_handles(
    clients: Clients, config: Config, budget: Budget, memory: Memory, handles: Sequence[Resource]
) -> None:
    """Remember what the handles ``memory`` does not know yet watch, from one GetTemplate (their URLs are their
    physical ids in the listing). A cold container thus costs one call more than a warm one, not one per handle.
    A handle the template does not hold (an older one being deleted, or the call failed) is left unknown: the
    sweep describes it by itself."""
    unknown = [h for h in handles if not memory.cached(h)[0]]
    if not unknown:
        return
    try:
        metadata = template_metadata(clients, config, budget)
    except OutOfTime:
        return
    except Exception as error:  # AccessDenied, a garbled answer: DescribeStackResource per handle, as before
        log_event(logging.WARNING, outcome="template-unread", error=_label(error))
        return
    if metadata is None:
        return
    for handle in unknown:
        if handle.logical_id in metadata:
            detail = {"Metadata": metadata[handle.logical_id], "PhysicalResourceId": handle.physical_id}
            memory.remember(handle, watched_job(handle.logical_id, detail))


def describe_handle(clients: Clients, config: Config, budget: Budget, logical_id: str) -> WatchedJob | None:
    """The watched job a handle's Metadata names (None for a handle that is not this library's, or gone)."""
    try:
        response = budget.call(
            clients.cloudformation.describe_stack_resource, StackName=config.stack_id, LogicalResourceId=logical_id
        )
    except ClientError as error:
        message = str(error.response.get("Error", {}).get("Message", ""))
        if error_code(error) == "ValidationError" and "does not exist" in message:
            return None
        raise
    return watched_job(logical_id, response["StackResourceDetail"])


def _get_job(clients: Clients, budget: Budget, job_arn: str) -> Mapping[str, Any] | None:
    try:
        job: Mapping[str, Any] = budget.call(clients.bedrock.get_model_customization_job, jobIdentifier=job_arn)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return job


def job_owner(clients: Clients, budget: Budget, job_arn: str) -> str | None:
    """The stack id in the job's owner tag (ListTagsForResource), or None."""
    return owner_in(budget.call(clients.bedrock.list_tags_for_resource, resourceARN=job_arn).get("tags"))


def check_job(
    clients: Clients, config: Config, budget: Budget, resources: Mapping[str, Resource], job: WatchedJob, put: Put
) -> str:
    """``settled``, ``pending`` or ``signalled`` for one watched job."""
    wait = resources.get(job.wait)
    if wait is not None and wait.status != WAITING:
        return "settled"
    if not job.url:
        log_event(job=job.name, outcome="settled", detail="wait condition handle has no URL")
        return "settled"
    refused = refusal(job.url)
    if refused is not None:
        log_event(job=job.name, outcome="refused", reason=refused)
        return "pending"
    resource = resources.get(job.job)
    job_arn = resource.physical_id if resource is not None else ""
    if resource is None or resource.status not in JOB_IN_PLACE or not job_arn.startswith("arn:"):
        log_event(job=job.name, outcome="pending", detail="job not created yet")
        return "pending"
    found = _get_job(clients, budget, job_arn)
    if found is None or not job.matches(str(found.get("jobName") or "")):
        detail = "job not found" if found is None else "the job resource still names an earlier job"
        log_event(job=job.name, outcome="pending", detail=detail)
        return "pending"
    signal = signal_for(found)
    if signal is None:
        log_event(job=job.name, jobName=found.get("jobName"), outcome="pending", status=found.get("status"))
        return "pending"
    owner = job_owner(clients, budget, job_arn)
    if owner != config.stack_id:
        signal = foreign_signal(found, owner)
        log_event(logging.WARNING, job=job.name, jobName=found.get("jobName"), outcome="not-this-stacks", owner=owner)
    budget.start()
    put(job.url, signal.body())
    log_event(
        job=job.name,
        jobName=found.get("jobName"),
        outcome="signalled",
        status=found.get("status"),
        signal=signal.status,
    )
    return "signalled"


def disable_schedule(clients: Clients, config: Config, budget: Budget, resources: Mapping[str, Resource]) -> bool:
    """Stop the backup poll: nothing this stack waits for is still running."""
    rule = resources.get(config.schedule_rule)
    if rule is None or not rule.physical_id:
        return False
    try:
        budget.call(clients.events.disable_rule, Name=rule.physical_id)
    except OutOfTime:
        log_event(logging.WARNING, outcome="schedule-not-disabled", error="out of time")
        return False
    except Exception as error:  # ClientError, BotoCoreError, a garbled answer: the next poll tries again
        log_event(logging.WARNING, outcome="schedule-not-disabled", error=_label(error))
        return False
    log_event(outcome="schedule-disabled", rule=rule.physical_id)
    return True


def sweep(
    config: Config, clients: Clients, put: Put, budget: Budget, memory: Memory, first: str | None = None
) -> SweepResult:
    """Look at every handle the time allows, the one for ``first`` (a state-change event's job name) first."""
    result = SweepResult()
    try:
        resources = list_resources(clients, config, budget)
    except OutOfTime:
        log_event(logging.WARNING, outcome="out-of-time", detail="could not list the stack's resources in time")
        return result  # the schedule stays enabled: the next invocation tries again
    except Exception as error:  # ClientError, BotoCoreError, botocore's ResponseParserError (not a BotoCoreError)
        log_event(logging.ERROR, outcome="error", detail="could not list the stack's waiting jobs", error=_label(error))
        return result
    handles = [r.logical_id for r in resources.values() if r.type == HANDLE_TYPE]
    learn_handles(clients, config, budget, memory, [resources[h] for h in handles])
    order = memory.order(handles, first)
    unfinished: list[str] = []
    for position, handle in enumerate(order):
        label = handle
        try:
            known, watched = memory.cached(resources[handle])
            if not known:
                watched = describe_handle(clients, config, budget, handle)
                memory.remember(resources[handle], watched)
            if watched is None:
                continue
            label = watched.name
            state = check_job(clients, config, budget, resources, watched, put)
        except OutOfTime:
            result.deferred = list(order[position:])
            unfinished += result.deferred
            log_event(
                logging.WARNING,
                outcome="out-of-time",
                deferred=len(result.deferred),
                detail="left for the next invocation",
            )
            break
        except Exception as error:  # ClientError, BotoCoreError, PutFailed, a malformed answer: this handle only
            log_event(logging.ERROR, job=label, outcome="error", error=_label(error))
            unfinished.append(handle)
            state = "pending"
        getattr(result, state).append(label)
    memory.resume_at(unfinished[0] if unfinished else None, handles)
    if not result.pending and not result.deferred:
        result.schedule_disabled = disable_schedule(clients, config, budget, resources)
    return result

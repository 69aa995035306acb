"""Find the waiting jobs of this stack that ended and signal their wait conditions, once each.

Each invocation (a state-change event or the backup poll) first finds the jobs the stack waits for: the
stack's ``AWS::CloudFormation::WaitConditionHandle`` resources (ListStackResources, every page) whose
Metadata (DescribeStackResource) has a ``BedrockModelCustomization`` entry with the job's name filter and
the logical ids of its wait condition and job resource; the handle's physical id is its presigned URL.
Then it looks at every one of them:

- its wait condition already settled (created, failed, gone): nothing to do;
- the job has not started yet, or is InProgress / Stopping: still pending. The job is the one whose ARN
  is the job resource's physical id (DescribeStackResource) once that resource is created or updated,
  and only if its name matches the watched name or prefix: until the resource points at this request's
  job (during a replacement it still names the previous one), there is nothing to signal;
- the job ended: PUT to the handle's presigned URL SUCCESS with the model ARN, or FAILURE with
  Bedrock's failure message. The job name is the signal's UniqueId, so a repeated signal counts once.

When no job is pending, the poll's own schedule rule is disabled; a deploy that adds a waiting job changes
the rule's description and CloudFormation enables it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .log import log_event
from .outcome import signal_for
from .presigned import Put, PutFailed

WAITING = "CREATE_IN_PROGRESS"
JOB_IN_PLACE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
"""Job resource statuses whose physical id is the job of the current request."""
PREFIX_MARK = "*"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
METADATA_KEY = "BedrockModelCustomization"


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
class Config:
    """What the construct tells the watcher through environment variables: constant-size, no URLs, no secrets."""

    stack_id: str
    schedule_rule: str

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Config:
        return Config(stack_id=env["STACK_ID"], schedule_rule=env["SCHEDULE_RULE"])


@dataclass(frozen=True)
class Clients:
    bedrock: Any
    cloudformation: Any
    events: Any


@dataclass
class SweepResult:
    signalled: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    schedule_disabled: bool = False


def _error_code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _stack_resource(clients: Clients, config: Config, logical_id: str) -> Mapping[str, Any] | None:
    """DescribeStackResource, or None when the resource does not exist (yet, or any more)."""
    try:
        response = clients.cloudformation.describe_stack_resource(
            StackName=config.stack_id, LogicalResourceId=logical_id
        )
    except ClientError as error:
        message = str(error.response.get("Error", {}).get("Message", ""))
        if _error_code(error) == "ValidationError" and "does not exist" in message:
            return None
        raise
    detail: Mapping[str, Any] = response["StackResourceDetail"]
    return detail


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


def discover(clients: Clients, config: Config) -> list[WatchedJob]:
    """The stack's waiting jobs, in name order: its wait condition handles that carry a job's Metadata."""
    handles: list[str] = []
    request: dict[str, str] = {"StackName": config.stack_id}
    while True:
        page = clients.cloudformation.list_stack_resources(**request)
        for summary in page.get("StackResourceSummaries", []):
            if summary.get("ResourceType") == HANDLE_TYPE:
                handles.append(str(summary["LogicalResourceId"]))
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = str(token)
    jobs: list[WatchedJob] = []
    for logical_id in handles:
        detail = _stack_resource(clients, config, logical_id)
        found = watched_job(logical_id, detail) if detail is not None else None
        if found is not None:
            jobs.append(found)
    return sorted(jobs, key=lambda job: (job.name, job.handle))


def _get_job(clients: Clients, job_arn: str) -> Mapping[str, Any] | None:
    try:
        job: Mapping[str, Any] = clients.bedrock.get_model_customization_job(jobIdentifier=job_arn)
    except ClientError as error:
        if _error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return job


def check_job(clients: Clients, config: Config, job: WatchedJob, put: Put) -> str:
    """``settled``, ``pending`` or ``signalled`` for one watched job."""
    wait = _stack_resource(clients, config, job.wait)
    if wait is not None and wait.get("ResourceStatus") != WAITING:
        return "settled"
    resource = _stack_resource(clients, config, job.job)
    job_arn = str(resource.get("PhysicalResourceId") or "") if resource is not None else ""
    if resource is None or resource.get("ResourceStatus") not in JOB_IN_PLACE or not job_arn.startswith("arn:"):
        log_event(job=job.name, outcome="pending", detail="job not created yet")
        return "pending"
    found = _get_job(clients, job_arn)
    if found is None or not job.matches(str(found.get("jobName") or "")):
        detail = "job not found" if found is None else "the job resource still names an earlier job"
        log_event(job=job.name, outcome="pending", detail=detail)
        return "pending"
    signal = signal_for(found)
    if signal is None:
        log_event(job=job.name, jobName=found.get("jobName"), outcome="pending", status=found.get("status"))
        return "pending"
    if not job.url:
        log_event(job=job.name, outcome="settled", detail="wait condition handle has no URL")
        return "settled"
    put(job.url, signal.body())
    log_event(
        job=job.name,
        jobName=found.get("jobName"),
        outcome="signalled",
        status=found.get("status"),
        signal=signal.status,
    )
    return "signalled"


def disable_schedule(clients: Clients, config: Config) -> bool:
    """Stop the backup poll: nothing this stack waits for is still running."""
    try:
        rule = _stack_resource(clients, config, config.schedule_rule)
        if rule is None or not rule.get("PhysicalResourceId"):
            return False
        clients.events.disable_rule(Name=rule["PhysicalResourceId"])
    except ClientError as error:
        log_event(outcome="schedule-not-disabled", error=_error_code(error))
        return False
    log_event(outcome="schedule-disabled", rule=rule["PhysicalResourceId"])
    return True


def sweep(config: Config, clients: Clients, put: Put, first: str | None = None) -> SweepResult:
    """Check every watched job (the one ``first``, a state-change event's job name, matches before the others)."""
    result = SweepResult()
    try:
        jobs = discover(clients, config)
    except ClientError as error:
        log_event(outcome="error", detail="could not list the stack's waiting jobs", error=_error_code(error))
        return result  # the schedule stays enabled: the next poll tries again
    ordered: Sequence[WatchedJob] = sorted(jobs, key=lambda job: not (first and job.matches(first)))
    for job in ordered:
        try:
            state = check_job(clients, config, job, put)
        except (ClientError, PutFailed) as error:
            detail = _error_code(error) if isinstance(error, ClientError) else str(error)
            log_event(job=job.name, outcome="error", error=type(error).__name__, detail=detail)
            state = "pending"
        getattr(result, state).append(job.name)
    if not result.pending:
        result.schedule_disabled = disable_schedule(clients, config)
    return result

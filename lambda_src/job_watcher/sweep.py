"""Find the waiting jobs of this stack that ended and signal their wait conditions, once each.

Each invocation (a state-change event or the backup poll) looks at every job the stack waits for:

- its wait condition already settled (created, failed, gone): nothing to do;
- the job has not started yet, or is InProgress / Stopping: still pending. The job is the one whose ARN
  is the job resource's physical id (DescribeStackResource) once that resource is created or updated,
  and only if its name matches the watched name or prefix: until the resource points at this request's
  job (during a replacement it still names the previous one), there is nothing to signal;
- the job ended: read the handle's presigned URL from CloudFormation (the handle's physical id) and PUT
  SUCCESS with the model ARN, or FAILURE with Bedrock's failure message. The job name is the signal's
  UniqueId, so a repeated signal counts once.

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


@dataclass(frozen=True)
class WatchedJob:
    """A job name (or a name prefix ending in ``*``) and the logical ids of its wait condition handle, wait
    condition and job resource."""

    name: str
    handle: str
    wait: str
    job: str

    def matches(self, job_name: str) -> bool:
        """Whether Bedrock's ``job_name`` is this watched job's: the same name, or one with its prefix."""
        if self.name.endswith(PREFIX_MARK):
            return job_name.startswith(self.name[: -len(PREFIX_MARK)])
        return job_name == self.name


@dataclass(frozen=True)
class Config:
    """What the construct tells the watcher through environment variables (no URLs, no secrets)."""

    stack_id: str
    schedule_rule: str
    jobs: tuple[WatchedJob, ...]

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Config:
        mapping = json.loads(env.get("WATCHED_JOBS") or "{}")
        jobs = tuple(WatchedJob(name, ids[0], ids[1], ids[2]) for name, ids in sorted(mapping.items()))
        return Config(stack_id=env["STACK_ID"], schedule_rule=env["SCHEDULE_RULE"], jobs=jobs)


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
    handle = _stack_resource(clients, config, job.handle)
    url = handle.get("PhysicalResourceId") if handle is not None else None
    if not url:
        log_event(job=job.name, outcome="settled", detail="wait condition handle not in the stack")
        return "settled"
    put(url, signal.body())
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
    ordered: Sequence[WatchedJob] = sorted(config.jobs, key=lambda job: not (first and job.matches(first)))
    result = SweepResult()
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

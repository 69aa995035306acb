"""Wait for a job to end inside the deploy: wait condition, Result resource, and the stack's job watcher.

Per waiting job (``CompletionWait``, 3 resources, in the construct tree under ``<job>/Completion``, each named
by its logical id):

- ``Handle``: an ``AWS::CloudFormation::WaitConditionHandle``, DependsOn the job. Its physical id is a
  presigned URL; the watcher reads it from CloudFormation when it signals, so it never appears in an
  environment variable, a log line or an output;
- ``Wait``: an ``AWS::CloudFormation::WaitCondition`` (Count 1, Timeout at most 12 h), DependsOn the job;
- ``Result``: a ``Custom::BedrockModelCustomizationResult`` served by the watcher function, DependsOn the
  wait: ``CustomModelArn``, ``TrainingLoss`` and ``ValidationLoss`` as attributes. It fails, quoting
  Bedrock, when the job did not complete.

Handle and wait carry a digest of the job's request and timeout in their logical ids, and the result a
digest of the request: a replaced job gets a new wait (CloudFormation never re-waits an existing one),
and jobs trained on this job's model change their request when this job is replaced.

Per stack, only when some job waits (``JobWatcher``, 8 resources, and 2 more per further 20 waiting jobs):
the watcher function with its role and log group; a rule for Bedrock's ``Model Customization Job State
Change`` events of the waiting jobs (the signal within seconds; one rule, and its invoke permission, per 20
waiting jobs, so that each event pattern stays within EventBridge's 2,048 characters); a 15-minute schedule
as the backup for a lost event, which the watcher disables once no waiting job runs (its description
carries a digest of the waiting jobs, so a deploy that adds one enables it again; it DependsOn every
handle, so when it is enabled again the new handles exist and the watcher sees their jobs as pending); and
a separate policy that lets the watcher disable that one rule.

A generated job name is known at synth only up to its prefix (``<construct id>-<digest>-``; the handler
adds a suffix per CloudFormation request), so the rule matches it with EventBridge prefix matching and the
watcher by the same prefix; a name the user fixed is matched exactly. Each handle carries the job's
mapping as CloudFormation Metadata, ``{"BedrockModelCustomization": {"nameFilter": <the rule's filter>,
"wait": <wait condition logical id>, "job": <job logical id>}}`` (the job resource's physical id is the job
ARN it polls); the watcher finds the handles and their URLs with ListStackResources on its own stack and
reads every handle's Metadata with one GetTemplate (DescribeStackResource for a handle the template
lacks), so its environment holds only constant-size values and the
number of waiting jobs per stack is not bounded by Lambda's 4 KB of environment variables.

Order, without cycles: watcher (function, state-change rules and their permissions) -> Job -> Handle and
Wait -> Result; every Handle -> schedule. The job's events reach the watcher from its start; a handle exists
only once its job does, so during a replacement the watcher never reads the old job's ARN for a new wait.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import math
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, cast

from aws_cdk import (
    CfnResource,
    CustomResource,
    Duration,
    Stack,
    Token,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct, DependencyGroup, IConstruct

from .. import contract
from ..rules import validation as v
from . import permissions
from ._lazy import lazy_any, lazy_string
from .provider import JobProvider
from .stack_facts import facts_of, path_of, unique_id

RESULT_TYPE = contract.RESULT_RESOURCE_TYPE
WATCHER_ID = "BedrockModelCustomizationWatcher"
EVENT_SOURCE = "aws.bedrock"
STATE_CHANGE = "Model Customization Job State Change"
POLL_INTERVAL = Duration.minutes(15)
RESULT_TIMEOUT = Duration.minutes(5)
RESULT_TIMEOUT_SECONDS = str(RESULT_TIMEOUT.to_seconds())
WAIT_TYPE = "AWS::CloudFormation::WaitCondition"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
PATH_METADATA_CONTEXT = "aws:cdk:enable-path-metadata"
PATH_METADATA_KEY = "aws:cdk:path"
"""CDK's context key and Metadata key for construct paths on resources (``cx-api``), which ``cdk synth`` turns on."""
_JOB_REF = "JobRef"
_SERVICE_TOKEN = "WatcherServiceToken"
"""Parameters of a wait's included template, replaced at construction: the job's ``Ref``, the watcher's ARN."""
DIGEST_LEN = 10
METADATA_KEY = contract.METADATA_KEY
"""The handle's Metadata key under which the watcher finds the job's name filter, wait and job logical ids."""
JOBS_PER_RULE = 20
"""Name filters per state-change rule: 20 of the longest (a 63-character name prefix) fit 2,048 characters."""
MAX_EVENT_PATTERN = 2048
"""EventBridge's default event pattern size quota, in characters (Amazon EventBridge quotas)."""
PREFIX_MARK = "*"
"""Ends a waiting-set key that is a name prefix; ``*`` is not valid in a job name."""

NameFilter = str | Mapping[str, str]
"""How EventBridge recognizes a job's events: its exact name, or ``{"prefix": "<name prefix>"}``."""


class JobStatus(Enum):
    """``jobStatus`` values of Bedrock's state-change events (``status`` in GetModelCustomizationJob)."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


def state_change_pattern(
    job_names: Sequence[NameFilter],
    statuses: Sequence[JobStatus | str] | None = None,
    *,
    job_arns: Sequence[str] = (),
) -> events.EventPattern:
    """Bedrock's state-change events for these jobs (exact names or ``{"prefix": ...}`` filters, or the jobs'
    ARNs, which Bedrock puts in the event's ``resources``), optionally only some statuses."""
    detail: dict[str, list[Any]] = {}
    if job_names:
        detail["jobName"] = [x if isinstance(x, str) else dict(x) for x in job_names]
    if statuses:
        allowed = {s.value for s in JobStatus}
        values = [s.value if isinstance(s, JobStatus) else s for s in statuses]
        for value in values:
            if value not in allowed:
                raise v.ValidationError(
                    f"Invalid statuses {value!r}: Bedrock reports {', '.join(sorted(allowed))} (or use JobStatus)."
                )
        detail["jobStatus"] = values
    return events.EventPattern(
        source=[EVENT_SOURCE],
        detail_type=[STATE_CHANGE],
        detail=detail or None,
        resources=list(job_arns) or None,
    )


def timeout_seconds(timeout: Duration) -> int:
    """Whole seconds for the wait condition (Completion.wait checked the 1 minute to 12 hours bounds)."""
    return math.ceil(timeout.to_milliseconds() / 1000)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:DIGEST_LEN]


def _is_prefix_filter(name_filter: Any) -> bool:
    return (
        isinstance(name_filter, Mapping) and list(name_filter) == ["prefix"] and isinstance(name_filter["prefix"], str)
    )


@cache
def _template_dir() -> Path:
    """This process's own folder for the wait templates (``mkdtemp``: private, removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="cdk-bedrock-customization-waits-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _include(
    scope: Construct, construct_id: str, template: Mapping[str, Any], **parameters: Any
) -> cfn_include.CfnInclude:
    """``CfnInclude`` of a template given as data (CfnInclude reads a file, once, in its constructor)."""
    text = json.dumps(template)
    path = _template_dir() / f"{hashlib.sha256(text.encode()).hexdigest()}.json"
    path.write_text(text)
    try:
        return cfn_include.CfnInclude(scope, construct_id, template_file=str(path), parameters=parameters)
    finally:
        path.unlink()


@dataclass(frozen=True)
class _Watched:
    """One waiting job as the watcher sees it: its name filter and the logical ids of its handle, wait and job."""

    key: str
    name_filter: Any
    ids: tuple[str, str, str]


class JobWatcher(Construct):
    """One per stack: signals the wait conditions of the stack's waiting jobs and serves their results."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._watched: list[_Watched] = []

        # The stack's runtime is the watcher. Its function at the watcher's path (the ServiceToken of the Result
        # resources of stacks deployed before issue 20, which an update cannot change; a Result's logical id is in
        # the digest of a job trained on its model) receives the events and the schedule and answers the Results.
        # What only the watcher needs goes on the runtime's role: the jobs (read only); the handles (their
        # Metadata and presigned URLs) and the schedule's name: this stack only.
        runtime = JobProvider.of(stack)
        for statement in permissions.watcher(stack):
            runtime.grant(statement)
        self.schedule = events.Rule(
            self,
            "Poll",
            schedule=events.Schedule.rate(POLL_INTERVAL),
            description=lazy_string(self._schedule_description),
        )
        self.function = runtime.function(self, "Watcher")
        self.function.add_environment(contract.ENV_STACK_ID, stack.stack_id)
        self.function.add_environment(
            contract.ENV_SCHEDULE_RULE, stack.get_logical_id(cast(CfnResource, self.schedule.node.default_child))
        )
        self.schedule.add_target(targets.LambdaFunction(self.function))
        # DependsOn every waiting job's handle, rendered once at synth (one callback per stack, none per job).
        schedule_cfn = cast(CfnResource, self.schedule.node.default_child)
        schedule_cfn.add_override("DependsOn", lazy_any(lambda: sorted({item.ids[0] for item in self._watched})))
        # What every waiting job DependsOn: the watcher's function and its state-change rules with their invoke
        # permissions, so that no event of the job is missed. Not the schedule: it DependsOn every handle, and a
        # handle DependsOn its job.
        self.before_jobs = DependencyGroup(self.function)
        self.state_change_rules: list[events.Rule] = []
        self.state_changes = self._add_state_change_rule()
        # In the runtime's separate policy: in the role's own policy the rule's ARN would close a cycle
        # (role -> rule -> function -> role).
        runtime.own_resources.add_statements(
            iam.PolicyStatement(actions=["events:DisableRule"], resources=[self.schedule.rule_arn])
        )

    @staticmethod
    def of(scope: IConstruct) -> JobWatcher:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(WATCHER_ID)
        if isinstance(existing, JobWatcher):
            return existing
        return JobWatcher(stack, WATCHER_ID)

    def _add_state_change_rule(self) -> events.Rule:
        """The state-change rule for the waiting jobs ``JOBS_PER_RULE * n`` to ``JOBS_PER_RULE * (n + 1) - 1``."""
        index = len(self.state_change_rules)
        rule = events.Rule(
            self,
            "StateChanges" if index == 0 else f"StateChanges{index + 1}",
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=[STATE_CHANGE]),
            description="State changes of the Bedrock model customization jobs this stack waits for.",
        )
        cast(CfnResource, rule.node.default_child).add_property_override(
            "EventPattern.detail.jobName", lazy_any(lambda: self._name_filters(index))
        )
        rule.add_target(targets.LambdaFunction(self.function))  # its invoke permission is the rule's child
        self.before_jobs.add(rule)
        self.state_change_rules.append(rule)
        return rule

    def watch(self, name_filter: NameFilter, ids: tuple[str, str, str]) -> None:
        """Watch a job: ``name_filter`` as resolved at construction, ``ids`` the logical ids of its handle, wait
        condition and job (Python data: the handle's Metadata is written by ``CompletionWait``)."""
        if isinstance(name_filter, str):
            key = name_filter
        elif _is_prefix_filter(name_filter):
            key = str(name_filter["prefix"]) + PREFIX_MARK
        else:
            raise v.ValidationError(
                f"Invalid job_name {json.dumps(name_filter)}: a job that waits needs a name known at synth (the "
                "watcher matches its events by name); leave job_name unset to get a generated one."
            )
        self._watched.append(_Watched(key, name_filter, ids))
        if len(self._watched) > JOBS_PER_RULE * len(self.state_change_rules):
            self._add_state_change_rule()

    # ---- rendered at synth -------------------------------------------------------------------------

    def _resolved(self) -> dict[str, tuple[Any, list[str]]]:
        """Waiting-set key (exact name, or prefix and ``*``) -> (the rule's filter, [handle, wait, job logical ids])."""
        return {item.key: (item.name_filter, list(item.ids)) for item in self._watched}

    def _waiting_set(self) -> str:
        mapping = {key: ids for key, (_, ids) in self._resolved().items()}
        return json.dumps(mapping, sort_keys=True, separators=(",", ":"))

    def _name_filters(self, index: int) -> list[Any]:
        """The name filters of state-change rule ``index``; each rule's event pattern within EventBridge's quota."""
        filters = [name_filter for _, (name_filter, _) in sorted(self._resolved().items())]
        chunk = filters[index * JOBS_PER_RULE : (index + 1) * JOBS_PER_RULE]
        pattern = {"source": [EVENT_SOURCE], "detail-type": [STATE_CHANGE], "detail": {"jobName": chunk}}
        size = len(json.dumps(pattern))
        if size > MAX_EVENT_PATTERN:
            raise v.ValidationError(
                f"Invalid completion for {len(self._watched)} jobs in stack {Stack.of(self).stack_name}: the event "
                f"pattern of state-change rule {index + 1} ({len(chunk)} job names, {size} characters) exceeds "
                f"EventBridge's {MAX_EVENT_PATTERN}-character event pattern quota; use shorter job names."
            )
        return chunk

    def _schedule_description(self) -> str:
        return (
            "Backup poll for the Bedrock customization jobs this stack waits for; the watcher disables it when "
            f"none is running. Waiting set {_digest(self._waiting_set())}."
        )


class CompletionWait:
    """Handle, wait condition and Result resource of one job (see the module docstring), at ``<job>/Completion``.

    The three resources are one small CloudFormation template, written here as plain data and brought in by CDK's
    own ``CfnInclude`` (one kernel call for the three, their properties, Metadata and the Result's DependsOn on the
    wait): their logical ids are computed in Python (CDK's own for the paths of the library's first versions, plus
    the digests) and kept by the include, which names each resource in the construct tree by its logical id. The
    include depends on the job (handle, wait and result after it), and the job on the watcher's rules: a handful
    of kernel calls per waiting job (issue 20).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job: CustomResource,
        name_filter: NameFilter,
        request_digest: str,
        timeout: Duration,
        timeout_s: int | None = None,
    ) -> None:
        facts = facts_of(scope)
        watcher: JobWatcher = facts.once("job-watcher", lambda: JobWatcher.of(facts.stack))
        service_token: str = facts.once("watcher-service-token", lambda: watcher.function.function_arn)
        path_metadata: bool = facts.once(
            "path-metadata", lambda: bool(facts.stack.node.try_get_context(PATH_METADATA_CONTEXT))
        )
        seconds = timeout_seconds(timeout) if timeout_s is None else timeout_s
        stack_path = path_of(facts.stack)
        job_path = path_of(scope)
        in_stack = job_path[len(stack_path) + 1 :] if stack_path else job_path
        wait_digest = _digest(request_digest, str(seconds))
        ids = (
            f"{unique_id(f'{in_stack}/{construct_id}/Handle')}{wait_digest}",
            f"{unique_id(f'{in_stack}/{construct_id}/Wait')}{wait_digest}",
            unique_id(f"{in_stack}/Resource"),
        )
        self.result_id = f"{unique_id(f'{in_stack}/{construct_id}/Result')}{_digest(request_digest)}"
        resolved_filter = facts.stack.resolve(name_filter) if v.is_token(json.dumps(name_filter)) else name_filter
        watcher.watch(resolved_filter, ids)

        def metadata(logical_id: str, **entries: Any) -> dict[str, Any]:
            if path_metadata:  # what CDK writes on the resources it creates itself, when the app asks for it
                entries[PATH_METADATA_KEY] = f"{job_path}/{construct_id}/{logical_id}"
            return {"Metadata": entries} if entries else {}

        template = {
            "Parameters": {_JOB_REF: {"Type": "String"}, _SERVICE_TOKEN: {"Type": "String"}},
            "Resources": {
                ids[0]: {
                    "Type": HANDLE_TYPE,
                    **metadata(
                        ids[0], **{METADATA_KEY: {"nameFilter": resolved_filter, "wait": ids[1], "job": ids[2]}}
                    ),
                },
                ids[1]: {
                    "Type": WAIT_TYPE,
                    "Properties": {"Count": 1, "Handle": {"Ref": ids[0]}, "Timeout": str(seconds)},
                    **metadata(ids[1]),
                },
                self.result_id: {
                    "Type": RESULT_TYPE,
                    "DependsOn": [ids[1]],
                    "Properties": {
                        "ServiceToken": {"Ref": _SERVICE_TOKEN},
                        "ServiceTimeout": RESULT_TIMEOUT_SECONDS,
                        contract.PROP_JOB_IDENTIFIER: {"Ref": _JOB_REF},
                    },
                    **metadata(self.result_id),
                },
            },
        }
        self.resources = _include(
            scope, construct_id, template, **{_JOB_REF: {"Ref": ids[2]}, _SERVICE_TOKEN: service_token}
        )
        # Handle, wait and result after the job; the job after the watcher's state-change rules and function.
        self.resources.node.add_dependency(job)
        job.node.add_dependency(watcher.before_jobs)
        self._result: CfnResource | None = None

    @property
    def result(self) -> CfnResource:
        """The ``Custom::BedrockModelCustomizationResult`` resource (looked up once, when first asked for)."""
        if self._result is None:
            self._result = self.resources.get_resource(self.result_id)
        return self._result

    @property
    def custom_model_arn(self) -> str:
        return self._attribute(contract.ATTR_CUSTOM_MODEL_ARN)

    @property
    def training_loss(self) -> str:
        return self._attribute(contract.ATTR_TRAINING_LOSS)

    @property
    def validation_loss(self) -> str:
        return self._attribute(contract.ATTR_VALIDATION_LOSS)

    def _attribute(self, name: str) -> str:
        return Token.as_string(self.result.get_att(name))

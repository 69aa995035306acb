"""Entry point of the custom resource: CloudFormation event in, ``{PhysicalResourceId, Data}`` out.

Runs as the ``on_event_handler`` of aws-cdk-lib's ``custom_resources.Provider``: the return value
becomes the resource's physical id and attributes, and a raised exception's message becomes the
CloudFormation failure reason. Lambda handler string: ``customization_job.handler.on_event``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..contract import ATTR_CUSTOM_MODEL_NAME, ATTR_JOB_ARN, ATTR_JOB_NAME
from ..kernel.client import max_call_seconds
from ..kernel.log import invocation, log_event
from ..kernel.retry import Retrier, Sleep
from . import operations, ownership
from .client import BedrockClient, new_bedrock_client, new_cloudformation_client
from .decisions import (
    FindJob,
    KeepCurrentJob,
    StartJob,
    TagChanges,
    UpdateTags,
    decide_update,
    is_job_arn,
    needs_current_job,
    plan_delete,
)
from .errors import HandlerError, not_owned, old_request_incomplete, unexpected, unreadable
from .idempotency import client_request_token, name_suffix, suffix_in, suffixed_name
from .properties import ResourceEvent, parse_event
from .service_model import use_bundled_service_model

# Before any client exists: botocore reads AWS_DATA_PATH when a session builds its loader.
use_bundled_service_model()

ADOPTION_HINT = (
    " A job this stack started before the handler tagged its jobs (its role under this stack's role path) can be "
    "claimed by setting adopt_untagged_jobs=True on the job and deploying again."
)

SAFETY_MARGIN_S = 20.0
"""Lambda time kept after the last call to answer CloudFormation (the Provider framework's PUT)."""


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point: the request id of the invocation goes on its log lines."""
    with invocation(context):
        return handle(event, context, client=new_bedrock_client(), sleep=time.sleep)


def handle(
    event: Any,
    context: LambdaContext,
    *,
    client: BedrockClient,
    sleep: Sleep = time.sleep,
    stacks: Callable[[], Any] = new_cloudformation_client,
) -> dict[str, Any]:
    """``on_event`` with its dependencies injected: tests pass a stubbed client and a recording sleep.
    ``stacks`` makes the CloudFormation client, only when an opted-in claim needs this stack's creation time.

    Every failure leaves as a ``HandlerError`` (its message is the CloudFormation reason) after a structured
    ``fail`` line; an exception of any other type is a bug, reported as such rather than as a bare traceback.
    """
    try:
        ev = parse_event(event)
    except Exception as error:
        failure = error if isinstance(error, HandlerError) else unreadable(error)
        fields = {k: event.get(k) for k in ("RequestType", "LogicalResourceId")} if isinstance(event, dict) else {}
        log_event(
            logging.ERROR,
            action="fail",
            outcome="failed",
            error=type(error).__name__,
            reason=str(failure),
            **_scalars(fields),
        )
        if failure is error:
            raise
        raise failure from error
    log_fields = {"requestType": ev.request_type, "logicalResourceId": ev.logical_id}
    retrier = Retrier(
        sleep,
        context.get_remaining_time_in_millis,
        margin_s=SAFETY_MARGIN_S,
        call_limit_s=max_call_seconds(client.meta.config),
        log_fields=log_fields,
    )
    lifecycle = _Lifecycle(ev, client, retrier, stacks)
    try:
        if ev.request_type == "Create":
            return lifecycle.create()
        if ev.request_type == "Update":
            return lifecycle.update()
        return lifecycle.delete()
    except HandlerError as error:
        lifecycle.log("fail", logging.ERROR, outcome="failed", error=type(error).__name__, reason=str(error))
        raise
    except Exception as error:
        failure = unexpected(ev.request_type, error)
        lifecycle.log("fail", logging.ERROR, outcome="failed", error=type(error).__name__, reason=str(failure))
        raise failure from error


@dataclass(frozen=True)
class Names:
    """A job's name and its custom model's name: as requested, or as Bedrock knows them."""

    job: str
    model: str

    @staticmethod
    def requested(request: dict[str, Any]) -> Names:
        return Names(str(request.get("jobName") or ""), str(request.get("customModelName") or ""))


def names_of_job(job: dict[str, Any], requested: Names) -> Names:
    """The names a job actually has: its name from GetModelCustomizationJob, its model's name derived.

    A generated job name and model name carry the same suffix after their requested bases, so the name
    the model was created under follows from the job's name; names the user fixed (and names from
    before suffixes) have no suffix and are as requested. ``outputModelName`` is the fallback only when
    the request names no model: endpoints do not all report the created name there (moto does not).
    """
    job_name = _text(job.get("jobName")) or requested.job
    if not requested.model:
        return Names(job_name, _text(job.get("outputModelName")) or "")
    suffix = suffix_in(job_name, requested.job) if requested.job else None
    return Names(job_name, suffixed_name(requested.model, suffix) if suffix else requested.model)


class _Lifecycle:
    """The three request types, sharing the event, client and retry policy of one invocation."""

    def __init__(
        self, ev: ResourceEvent, client: BedrockClient, retrier: Retrier, stacks: Callable[[], Any] | None = None
    ) -> None:
        self.ev, self.client, self.retrier = ev, client, retrier
        self.stacks = stacks or new_cloudformation_client
        self._adoption_hint = ""  # set by _owns for an untagged job the resource did not opt in to claim

    def log(self, action: str, level: int = logging.INFO, /, **fields: Any) -> None:
        log_event(
            level,
            **{
                "requestType": self.ev.request_type,
                "logicalResourceId": self.ev.logical_id,
                "jobName": _text(self.ev.request.get("jobName")),
                "action": action,
                **fields,
            },
        )

    def create(self) -> dict[str, Any]:
        return self._start(operations.coerce_request(self.client, self.ev.request), replaces=None)

    def update(self) -> dict[str, Any]:
        new = operations.coerce_request(self.client, self.ev.request)
        old = operations.coerce_request(self.client, self.ev.old_request or {})
        missing = operations.incomplete_request(self.client, old, "OldResourceProperties.Request")
        if missing:
            raise old_request_incomplete(missing, self.ev.logical_id, "no job was started and no tag was changed")
        physical_id = self.ev.physical_id
        current = self._current_job(physical_id, new) if needs_current_job(physical_id, old, new) else None
        decision = decide_update(
            physical_id,
            old,
            new,
            names_generated=self.ev.names_generated,
            current_job=current.description if current else None,
        )
        if isinstance(decision, StartJob):
            return self._start(new, replaces=decision.replaces)
        if isinstance(decision, FindJob):
            return self._find_or_start(new, decision)
        if isinstance(decision, KeepCurrentJob):
            return self._keep_current_job(decision, current, new)
        names = self._names_of(decision.job_arn, new)
        if isinstance(decision, UpdateTags):
            self._update_tags(decision, names)
        else:
            self.log("keep-job", jobArn=decision.job_arn, outcome="unchanged")
        return self._response(decision.job_arn, names)

    def delete(self) -> dict[str, Any]:
        physical_id = self.ev.physical_id
        if not is_job_arn(physical_id):
            self.log("delete", physicalResourceId=physical_id, outcome="no-job-to-delete")
            return {"PhysicalResourceId": physical_id}
        found = operations.find_job(self.client, physical_id, _text(self.ev.request.get("jobName")), self.retrier)
        if found is None:
            self.log("delete", jobArn=physical_id, outcome="job-not-found")
            return {"PhysicalResourceId": physical_id}
        status = found.status
        plan = plan_delete(found.description, self.ev.removal_policy)
        if (plan.stop_job or plan.look_for_model) and not self._owns(physical_id, found.description):
            self.log("delete", jobArn=physical_id, jobStatus=status, outcome="not-owned")
            raise not_owned(physical_id, "stop it or delete its model", self._owner_tag, self._adoption_hint)
        if plan.stop_job:
            outcome, latest = operations.stop_job(self.client, found, self.retrier)
            self.log("stop-job", jobArn=physical_id, outcome=outcome)
            found = latest or found
        if plan_delete(found.description, self.ev.removal_policy).look_for_model:
            self._delete_model(physical_id, found)
        self.log(
            "delete",
            jobArn=physical_id,
            jobStatus=status,
            removalPolicy=self.ev.removal_policy.value,
            outcome="done",
        )
        return {"PhysicalResourceId": physical_id}

    def _delete_model(self, job_arn: str, found: operations.FoundJob) -> None:
        job = found.description
        names = names_of_job(job, Names.requested(self.ev.request))
        candidates = [names.model, _text(job.get("outputModelName")), _text(job.get("outputModelArn"))]
        model = operations.find_model(self.client, job_arn, names.job, [c for c in candidates if c], self.retrier)
        if model is None:
            self.log("delete-model", jobArn=job_arn, outcome="no-model-of-this-job")
            return
        if not self._claims_model(job_arn, model):
            return
        outcome = operations.delete_model(self.client, model, self.retrier)
        self.log("delete-model", jobArn=job_arn, modelArn=model.arn, outcome=outcome)

    def _start(self, request: dict[str, Any], *, replaces: str | None) -> dict[str, Any]:
        request = ownership.with_owner_tags(self._with_names(self._with_token(request)), self.ev.stack_id)
        job_arn = operations.start_job(
            self.client, request, self.retrier, names_generated=self.ev.names_generated, owner=self.ev.stack_id
        )
        names = Names.requested(request)
        self.log("start-job", jobArn=job_arn, jobName=names.job, replaces=replaces, outcome="started")
        return self._response(job_arn, names)

    def _with_token(self, request: dict[str, Any]) -> dict[str, Any]:
        """The user's token, else one derived from this CloudFormation request and the request's content
        (names still the bases), so that a later rollback can tell which request the job implements."""
        if request.get("clientRequestToken"):
            return request
        token = client_request_token(self.ev.stack_id, self.ev.logical_id, self.ev.request_id, request)
        return {**request, "clientRequestToken": token}

    def _with_names(self, request: dict[str, Any]) -> dict[str, Any]:
        """Generated names as sent: the request's bases plus a suffix unique to this CloudFormation request
        (the same on its retries), because Bedrock never frees a name an earlier request's job took."""
        if not self.ev.names_generated:
            return request
        suffix = name_suffix(self.ev.stack_id, self.ev.logical_id, self.ev.request_id)
        named = dict(request)
        for field in ("jobName", "customModelName"):
            base = _text(request.get(field))
            if base is not None:
                named[field] = suffixed_name(base, suffix)
        return named

    def _names_of(self, job_arn: str, request: dict[str, Any]) -> Names:
        """The names of the job the resource keeps: as requested when the user fixed them, else Bedrock's."""
        requested = Names.requested(request)
        if not self.ev.names_generated:
            return requested
        found = operations.find_job(self.client, job_arn, requested.job or None, self.retrier)
        if found is None:
            self.log("read-names", jobArn=job_arn, outcome="job-not-found")
            return requested
        return names_of_job(found.description, requested)

    def _find_or_start(self, request: dict[str, Any], decision: FindJob) -> dict[str, Any]:
        """An unchanged request on a resource whose physical id predates job ARNs: adopt the job it named.

        Only a job that this stack's handler created (the owner tag) and that runs as this request's service
        role is taken for ours; any other job by that name makes the create below fail with the
        name-collision explanation.
        """
        job_name = _text(request.get("jobName"))
        job = operations.describe_job(self.client, job_name, self.retrier) if job_name else None
        if job is not None and job.get("roleArn") == request.get("roleArn") and self._owns(str(job.get("jobArn")), job):
            self.log(
                "adopt-existing-job",
                jobArn=job.get("jobArn"),
                physicalResourceId=decision.physical_id,
                outcome="unchanged",
            )
            return self._response(str(job["jobArn"]), names_of_job(job, Names.requested(request)))
        return self._start(request, replaces=None)

    def _current_job(self, job_arn: str | None, request: dict[str, Any]) -> operations.FoundJob | None:
        """The physical id's job, for ``decide_update`` to see whether it implements ``request`` already.

        A job that implements the request has the request's job name (or base) in its name, so that is
        the hint for endpoints that cannot find jobs by ARN. Best effort: a job that cannot be read is
        taken not to implement the request, so the update goes on as it would without the look.
        """
        if not job_arn:
            return None
        try:
            return operations.find_job(self.client, job_arn, _text(request.get("jobName")), self.retrier)
        except HandlerError as error:
            self.log("read-current-job", jobArn=job_arn, outcome="unreadable", reason=str(error))
            return None

    def _keep_current_job(
        self, decision: KeepCurrentJob, current: operations.FoundJob | None, request: dict[str, Any]
    ) -> dict[str, Any]:
        """UPDATE_ROLLBACK: the physical id's job was started for this very request; keep it, its names
        and its model, and put back the request's tags where the failed update may have changed them."""
        requested = Names.requested(request)
        names = names_of_job(current.description, requested) if current else requested
        job_tags, model_tags = self._apply_tags(decision.job_arn, decision.job_tags, decision.model_tags, names)
        self.log(
            "keep-job",
            jobArn=decision.job_arn,
            jobName=names.job,
            jobTags=job_tags,
            modelTags=model_tags,
            outcome="rollback-to-current-job",
        )
        return self._response(decision.job_arn, names)

    def _update_tags(self, decision: UpdateTags, names: Names) -> None:
        job_tags, model_tags = self._apply_tags(decision.job_arn, decision.job_tags, decision.model_tags, names)
        outcome = "not-owned" if job_tags == "not-owned" else "updated"
        self.log("update-tags", jobArn=decision.job_arn, jobTags=job_tags, modelTags=model_tags, outcome=outcome)

    def _apply_tags(self, job_arn: str, job_tags: TagChanges, model_tags: TagChanges, names: Names) -> tuple[str, str]:
        """Tag the job and, once it exists, its model; returns the two outcomes for the log.

        Only a job of this stack is retagged, and never its owner tag. A job that is not this stack's keeps
        its tags and the update succeeds (logged): failing it would fail CloudFormation's rollback as well,
        which sends a tag change back, and leave the stack in UPDATE_ROLLBACK_FAILED."""
        job_tags = ownership.guarded(job_tags, self.ev.stack_id)
        model_tags = ownership.guarded(model_tags, self.ev.stack_id)
        if (job_tags or model_tags) and not self._owns(job_arn, lambda: self._description(job_arn, names)):
            self.log("update-tags", jobArn=job_arn, outcome="not-owned-tags-unchanged", ownerTag=self._owner_tag)
            return "not-owned", "not-owned"
        if job_tags:
            operations.apply_tag_changes(self.client, job_arn, job_tags, self.retrier)
        model_outcome = "unchanged"
        if model_tags:
            model = operations.find_model(
                self.client, job_arn, names.job or None, [names.model] if names.model else [], self.retrier
            )
            if model is not None and self._claims_model(job_arn, model):
                operations.apply_tag_changes(self.client, model.arn, model_tags, self.retrier)
                model_outcome = "updated"
            elif model is not None:
                model_outcome = "not-owned"
            else:
                # The model does not exist yet: it will carry the tags of the request that started the job.
                model_outcome = "no-model-yet"
        return ("updated" if job_tags else "unchanged"), model_outcome

    @property
    def _owner_tag(self) -> str:
        return f"{ownership.OWNER_TAG_KEY}={self.ev.stack_id}"

    def _owns(self, job_arn: str, job: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None) -> bool:
        """Whether the job carries this stack's owner tag. A job this stack started before the tag existed
        (``ownership.claimable``: read from ``job``, its description or how to get it) is tagged first, only
        when the resource opted in (``adopt_untagged_jobs``); IAM refuses the tag otherwise."""
        tags = operations.read_tags(self.client, job_arn, self.retrier)
        self._adoption_hint = ""
        if ownership.is_owned(tags, self.ev.stack_id):
            return True
        if ownership.has_owner(tags):
            return False  # another stack's: nothing to look up
        if not self.ev.adopt_untagged:
            self._adoption_hint = ADOPTION_HINT
            self.log("claim-job", jobArn=job_arn, outcome="untagged-not-adopted")
            return False
        described = job() if callable(job) else job
        if described is None or not ownership.under_role_path(tags, described, self.ev.stack_id):
            return False
        created = operations.stack_creation_time(self.stacks(), self.ev.stack_id, self.retrier)
        if not ownership.claimable(tags, described, self.ev.stack_id, created):
            self.log("claim-job", jobArn=job_arn, outcome="started-before-this-stack", stackCreated=str(created))
            return False
        self._claim(job_arn)
        self.log("claim-job", jobArn=job_arn, outcome="tagged-as-this-stacks", roleArn=described.get("roleArn"))
        return True

    def _claims_model(self, job_arn: str, model: operations.FoundModel) -> bool:
        """The model of this stack's job is this stack's when it carries the owner tag (it does from its
        creation). An untagged one (made before the tag existed; ``find_model`` checked that this job made it)
        is tagged only when the resource opted in (``adopt_untagged_jobs``); otherwise it is kept (IAM would
        refuse the tag). One with another stack's tag is left alone."""
        tags = operations.read_tags(self.client, model.arn, self.retrier)
        if ownership.is_owned(tags, self.ev.stack_id):
            return True
        if ownership.has_owner(tags):
            self.log("claim-model", jobArn=job_arn, modelArn=model.arn, outcome="another-stacks-model")
            return False
        if not self.ev.adopt_untagged:
            self.log("claim-model", jobArn=job_arn, modelArn=model.arn, outcome="untagged-model-kept")
            return False
        self._claim(model.arn)
        self.log("claim-model", jobArn=job_arn, modelArn=model.arn, outcome="tagged-as-this-stacks")
        return True

    def _claim(self, arn: str) -> None:
        owner = TagChanges(to_set={ownership.OWNER_TAG_KEY: self.ev.stack_id})
        operations.apply_tag_changes(self.client, arn, owner, self.retrier)

    def _description(self, job_arn: str, names: Names) -> Mapping[str, Any] | None:
        found = operations.find_job(self.client, job_arn, names.job or None, self.retrier)
        return found.description if found else None

    @staticmethod
    def _response(job_arn: str, names: Names) -> dict[str, Any]:
        """The physical id and the attributes: the names are the job's actual ones, suffix included."""
        return {
            "PhysicalResourceId": job_arn,
            "Data": {ATTR_JOB_ARN: job_arn, ATTR_JOB_NAME: names.job, ATTR_CUSTOM_MODEL_NAME: names.model},
        }


def _scalars(fields: dict[str, Any]) -> dict[str, str]:
    """Event fields fit for a log line: strings only (a malformed event may carry anything)."""
    return {k: v for k, v in fields.items() if isinstance(v, str)}


def _text(value: Any) -> str | None:
    """A non-empty string property, else None."""
    return value if isinstance(value, str) and value else None


__all__ = ["HandlerError", "handle", "on_event"]

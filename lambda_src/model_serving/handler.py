"""Entry points of the serving resources under the Provider framework: ``on_event`` acts, ``is_complete`` waits.

``Custom::BedrockCustomModelDeployment`` and ``Custom::BedrockProvisionedModelThroughput``; the physical id is
the resource's ARN. ``on_event`` returns ``{PhysicalResourceId, Data}``; the framework then calls
``is_complete`` with that merged into the event until it answers ``{"IsComplete": true, "Data": ...}`` (its
Data wins) or its total timeout fails the resource. A raised exception's message is the failure reason.

- Create: quality gate, then one Create with a token derived from the request, the owner and token tags,
  a generated name suffixed per request; is_complete until Active / InService.
- Update: in place when the live resource can take the request (decisions.decide_update): gate, swap the
  model (if it does not serve it already), tags; else a new resource, gated, under a new physical id. A swap
  asked for again while it is under way is waited for; one Bedrock refuses while it still moves the resource to
  another model (a rollback after a swap that outlasted the Provider's timeout) is asked again by is_complete.
- Delete: only this stack's resource (owner tag); a committed throughput whose term has not ended fails or
  is retained (CommittedRemoval); is_complete until the resource is gone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from ..contract import (
    ATTR_MODEL_ARN,
    COMMITTED_FAIL,
    OWNER_TAG_KEY,
    PREVIOUS_MODEL_TAG_KEY,
    SERVING_TOKEN_TAG_KEY,
)
from ..customization_job import ownership
from ..customization_job.client import BedrockClient, new_bedrock_client
from ..customization_job.errors import HandlerError, old_request_incomplete, unreadable
from ..customization_job.idempotency import client_request_token, name_suffix, suffixed_name
from ..customization_job.service_model import use_bundled_service_model
from ..kernel.client import max_call_seconds
from ..kernel.log import describe_error, invocation, log_event
from ..kernel.retry import Retrier, Sleep
from . import decisions, errors, gate, operations
from .kinds import THROUGHPUT
from .properties import ServingEvent, parse_event

use_bundled_service_model()

SAFETY_MARGIN_S = 20.0
"""Lambda time kept after the last call to answer the Provider framework."""
AWAIT = "ServingAwaits"
"""on_event's Data key that tells is_complete what else to do: on Delete, wait for the resource to be gone (and
ask again while Bedrock was busy); on Update, swap once Bedrock has settled the resource."""
AWAIT_DELETION = "deletion"
AWAIT_RETRY = "deletion-when-not-busy"
AWAIT_SWAP = "swap-when-not-busy"
"""on_event's Data on Update: Bedrock refused the swap while still moving the resource elsewhere; is_complete
swaps once it has settled."""
IN_PLACE = "ServingInPlace"
"""on_event's Data key on an in-place Update: a failure is then not a creation's (CloudFormation deletes nothing)."""

Now = Callable[[], datetime]


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


def _now() -> datetime:
    return datetime.now(UTC)


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation(context):
        return handle(event, context, client=new_bedrock_client())


def is_complete(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation(context):
        return check(event, context, client=new_bedrock_client())


def handle(
    event: Any,
    context: LambdaContext,
    *,
    client: BedrockClient,
    sleep: Sleep = time.sleep,
    now: Now = _now,
    evaluated: str | None = None,
) -> dict[str, Any]:
    """``on_event`` with its dependencies injected (tests pass a stubbed client, a recording sleep, a clock).
    ``evaluated``: the model whose evaluation gate the caller has just run and passed (entry.evaluation); any other
    model an EvaluationGate would put in front of users raises ``EvaluationNeeded`` before anything changes."""
    return _guarded(event, context, client, sleep, now, lambda life: life.act(), evaluated)


def check(
    event: Any, context: LambdaContext, *, client: BedrockClient, sleep: Sleep = time.sleep, now: Now = _now
) -> dict[str, Any]:
    """``is_complete`` with its dependencies injected."""
    return _guarded(event, context, client, sleep, now, lambda life: life.progress())


def _guarded(
    event: Any,
    context: LambdaContext,
    client: BedrockClient,
    sleep: Sleep,
    now: Now,
    step: Callable[[_Lifecycle], dict[str, Any]],
    evaluated: str | None = None,
) -> dict[str, Any]:
    """Every failure leaves as a ``HandlerError`` after a structured ``fail`` line; any other exception is a bug."""
    try:
        ev = parse_event(event)
    except Exception as error:
        failure = error if isinstance(error, HandlerError) else unreadable(error)
        fields = {k: event.get(k) for k in ("RequestType", "LogicalResourceId")} if isinstance(event, dict) else {}
        shown = {k: v for k, v in fields.items() if isinstance(v, str)}
        log_event(
            logging.ERROR, action="fail", outcome="failed", error=type(error).__name__, reason=str(failure), **shown
        )
        if failure is error:
            raise
        raise failure from error
    retrier = Retrier(
        sleep,
        context.get_remaining_time_in_millis,
        margin_s=SAFETY_MARGIN_S,
        call_limit_s=max_call_seconds(client.meta.config),
        log_fields={"requestType": ev.request_type, "logicalResourceId": ev.logical_id},
    )
    life = _Lifecycle(ev, client, retrier, now, evaluated)
    try:
        return step(life)
    except errors.EvaluationNeeded as needed:
        life.log("evaluation-gate", modelArn=needed.model, incumbent=needed.incumbent, outcome="needs-evaluation")
        raise
    except HandlerError as error:
        life.log("fail", logging.ERROR, outcome="failed", error=type(error).__name__, reason=str(error))
        raise
    except Exception as error:
        life.log("fail", logging.ERROR, outcome="failed", error=describe_error(error))
        raise errors.unexpected(ev.request_type, error) from error


class _Lifecycle:
    """One invocation's event, client, retry policy and clock."""

    def __init__(
        self, ev: ServingEvent, client: BedrockClient, retrier: Retrier, now: Now, evaluated: str | None = None
    ) -> None:
        self.ev, self.client, self.retrier, self.now = ev, client, retrier, now
        self.evaluated = evaluated
        self.kind = ev.kind
        self._models: dict[str, dict[str, Any] | None] = {}

    def model_record(self, model: str) -> dict[str, Any] | None:
        """GetCustomModel, once per invocation and model."""
        if model not in self._models:
            self._models[model] = operations.read_model(self.client, model, self.retrier)
        return self._models[model]

    def log(self, action: str, level: int = logging.INFO, /, **fields: Any) -> None:
        log_event(
            level,
            requestType=self.ev.request_type,
            logicalResourceId=self.ev.logical_id,
            resourceType=self.kind.resource_type,
            action=action,
            **fields,
        )

    # ---- on_event ---------------------------------------------------------------------------------

    def act(self) -> dict[str, Any]:
        if self.ev.request_type == "Create":
            return self._create(self._coerced(self.ev.request), replaces=None)
        if self.ev.request_type == "Update":
            return self._update()
        return self._delete()

    def _coerced(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return operations.coerce_request(self.client, self.kind, request)

    def _create(self, request: dict[str, Any], *, replaces: str | None) -> dict[str, Any]:
        model = str(request.get(self.kind.model_field) or "")
        self._gate(model, swap_from=None, replaces=replaces)
        request = self._as_sent(request)
        arn = operations.create(
            self.client,
            self.kind,
            request,
            self.retrier,
            owner=self.ev.stack_id,
            names_generated=self.ev.names_generated,
        )
        name = str(request.get(self.kind.name_field) or "")
        self.log("create", arn=arn, name=name, modelArn=model, replaces=replaces, outcome="creating")
        return self._response(arn, name, model)

    def _as_sent(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request with the derived token, the per-request name suffix and the handler's two tags."""
        ev = self.ev
        untagged = {k: v for k, v in request.items() if k not in ("tags", "clientRequestToken")}
        token = client_request_token(ev.stack_id, ev.logical_id, ev.request_id, untagged)
        sent = {**untagged, "clientRequestToken": token}
        name = request.get(self.kind.name_field)
        if ev.names_generated and isinstance(name, str) and name:
            sent[self.kind.name_field] = suffixed_name(name, name_suffix(ev.stack_id, ev.logical_id, ev.request_id))
        user_tags = [t for t in request.get("tags") or [] if not decisions.is_handler_key(t.get("key"))]
        sent["tags"] = [*user_tags, {"key": SERVING_TOKEN_TAG_KEY, "value": token}]
        return ownership.with_owner_tags(sent, ev.stack_id, fields=("tags",))

    def _update(self) -> dict[str, Any]:
        new = self._coerced(self.ev.request)
        old = self._coerced(self.ev.old_request or {})
        missing = operations.incomplete_request(self.client, self.kind, old, "OldResourceProperties.Request")
        if missing:
            left = f"the {self.kind.noun} was left as it was and nothing was created"
            raise old_request_incomplete(missing, self.ev.logical_id, left)
        physical_id = self.ev.physical_id
        live = (
            operations.describe(self.client, self.kind, physical_id, self.retrier)
            if self.kind.is_arn(physical_id)
            else None
        )
        if live is None and self.kind.is_arn(physical_id):
            raise errors.gone(self.kind, physical_id, "update it")
        decision = decisions.decide_update(
            self.kind,
            physical_id,
            old,
            new,
            live,
            names_generated=self.ev.names_generated,
            old_names_generated=self.ev.old_names_generated,
        )
        if isinstance(decision, decisions.InPlace) and decision.swap and live is not None:
            decision = self._within_base(decision, live)
        if isinstance(decision, decisions.Create):
            if decision.replaces and live is not None:
                self._refuse_committed_replacement(decision.replaces, live)
            self.log("replace", arn=decision.replaces, changed=list(decision.changed), outcome="new-resource")
            return self._create(new, replaces=decision.replaces)
        assert live is not None
        return self._in_place(decision, live)

    def _within_base(self, decision: decisions.InPlace, live: Mapping[str, Any]) -> decisions.Decision:
        """A swap the kind cannot make (a throughput to a model of another base model) becomes a replacement; a
        committed throughput refuses it before anything is sent, unless its CommittedRemoval is RETAIN (then it
        stays in the account, as for any replacement)."""
        if not self.kind.same_base_swaps_only:
            return decision
        record = self.model_record(decision.model) or {}
        served = str(live.get("modelArn") or "")
        served_base = None
        if not live.get("foundationModelArn") and served:
            served_base = (self.model_record(served) or {}).get("baseModelArn")
        bases = decisions.cross_base(self.kind, live, served_base, record.get("baseModelArn"))
        if bases is None:
            return decision
        name = str(live.get(self.kind.name_field) or "")
        term = decisions.committed_term(live, self.now())
        if term is not None and self.ev.old_committed_removal == COMMITTED_FAIL:
            raise errors.cross_base_committed(decision.arn, name, bases[0], bases[1], term[0])
        fixed = self.ev.request.get(self.kind.name_field)
        if not self.ev.names_generated and fixed and fixed == name:
            raise errors.name_reused_on_replacement(self.kind, decision.arn, ["base model"], str(fixed))
        self.log("cross-base", arn=decision.arn, fromBase=bases[0], toBase=bases[1], outcome="new-resource")
        return decisions.Create(replaces=decision.arn, changed=("base model",))

    def _refuse_committed_replacement(self, arn: str, live: Mapping[str, Any]) -> None:
        """A committed throughput cannot be deleted after its replacement: refuse before creating a second one,
        unless the old properties asked to retain it."""
        if self.kind is not THROUGHPUT:
            return
        term = decisions.committed_term(live, self.now())
        if term is not None and self.ev.old_committed_removal == COMMITTED_FAIL:
            name = str(live.get(self.kind.name_field) or "")
            raise errors.committed_refused(arn, name, term[0], term[1], replacing=True)

    def _in_place(self, decision: decisions.InPlace, live: Mapping[str, Any]) -> dict[str, Any]:
        """Gate first (nothing changes when it refuses), then the owner check, the tags and the swap."""
        arn, model = decision.arn, decision.model
        name = str(live.get(self.kind.name_field) or "")
        rename = self._new_name() if decision.rename else None
        served = str(live.get("modelArn") or "")
        under_way = not decision.swap and decisions.moving_to(self.kind, live, model)
        live_tags = None
        if self.ev.evaluation is not None and (decision.swap or under_way):
            live_tags = operations.read_tags(self.client, arn, self.retrier)
        if (decision.swap or under_way) and not self._back_to_previous(arn, model, live_tags):
            self._gate(model, swap_from=served, replaces=arn)  # a swap under way is not waited for ungated
        if decision.swap or decision.tags or rename:
            tags_now = live_tags if live_tags is not None else operations.read_tags(self.client, arn, self.retrier)
            owned = ownership.is_owned(tags_now, self.ev.stack_id)
            if not owned and (decision.swap or rename):
                raise errors.not_owned(
                    self.kind, arn, "swap the model of" if decision.swap else "rename", self._owner_tag
                )
            if not owned:
                self.log("update-tags", arn=arn, outcome="not-owned-tags-unchanged", ownerTag=self._owner_tag)
            elif decision.tags:
                tags = ownership.guarded(decision.tags, self.ev.stack_id)
                operations.apply_tags(self.client, arn, tags.to_set, tags.to_remove, self.retrier)
                self.log("update-tags", arn=arn, set=len(tags.to_set), removed=len(tags.to_remove), outcome="updated")
        if rename and not decision.swap:
            outcome = operations.swap(self.client, self.kind, arn, None, self.retrier, rename=rename)
            self.log("rename", arn=arn, fromName=name, name=rename, outcome=outcome)
            name = rename
        if decision.swap:
            if self.ev.evaluation is not None and served:
                # what a rollback (or a later swap back) goes to is the model that served before: not gated again
                previous = {OWNER_TAG_KEY: self.ev.stack_id, PREVIOUS_MODEL_TAG_KEY: served}
                operations.apply_tags(self.client, arn, previous, (), self.retrier)
            swapped = operations.swap(self.client, self.kind, arn, model, self.retrier, rename=rename)
            self.log("swap", arn=arn, name=name, fromModelArn=served, modelArn=model, renamed=rename, outcome=swapped)
            name = rename or name
            if swapped == "busy":
                response = self._response(arn, name, model)
                response["Data"][AWAIT] = AWAIT_SWAP
                response["Data"][IN_PLACE] = "true"
                return response
        else:
            outcome = "swap-under-way" if under_way else "serves-it-already"
            self.log("keep", arn=arn, name=name, modelArn=model, outcome=outcome)
        response = self._response(arn, name, model)
        response["Data"][IN_PLACE] = "true"
        return response

    def _new_name(self) -> str:
        """The request's name as it would be created: a generated base gets this request's suffix."""
        ev = self.ev
        name = str(ev.request.get(self.kind.name_field) or "")
        if ev.names_generated and name:
            return suffixed_name(name, name_suffix(ev.stack_id, ev.logical_id, ev.request_id))
        return name

    def _back_to_previous(self, arn: str, model: str, tags: list[dict[str, Any]] | None) -> bool:
        """A swap back to the model this resource served before its last gated swap (a rollback of that swap, or
        going back by hand) is not evaluated again: that model served, and a rollback must not fail on a judge."""
        if self.ev.evaluation is None or tags is None:
            return False
        previous = next((t.get("value") for t in tags if t.get("key") == PREVIOUS_MODEL_TAG_KEY), None)
        if previous != model or not ownership.is_owned(tags, self.ev.stack_id):
            return False
        self.log("evaluation-gate", arn=arn, modelArn=model, outcome="back-to-previous-model-not-gated")
        return True

    def _gate(self, model: str, *, swap_from: str | None, replaces: str | None = None) -> None:
        """Before a model reaches users: the metrics of the job that trained it (GetCustomModel ``jobArn``, not the
        job the event names, which must agree) within the thresholds, else fail (nothing changed). An evaluation
        gate the caller has not run for this model raises EvaluationNeeded (a refusal to any other caller)."""
        if self.ev.evaluation is not None and self.evaluated != model:
            incumbent = replaces
            if incumbent is None:
                base = (self.model_record(model) or {}).get("baseModelArn")
                incumbent = str(base or "")
                if not incumbent:
                    why = "Bedrock records no base model for it, so there is nothing to compare it with"
                    raise errors.gate_cannot_vouch(self.kind, model, why, swap_from=swap_from)
            raise errors.EvaluationNeeded(
                self.kind, model, swap_from=swap_from, incumbent=incumbent, swap=replaces is not None
            )
        gate_ = self.ev.gate
        if gate_ is None:
            return
        record = self.model_record(model)
        if record is None:
            raise errors.gate_cannot_vouch(self.kind, model, "Bedrock does not know the model", swap_from=swap_from)
        job_arn = record.get("jobArn")
        if not isinstance(job_arn, str) or not job_arn:
            why = "Bedrock records no customization job for it (GetCustomModel has no jobArn: an imported model?)"
            raise errors.gate_cannot_vouch(self.kind, model, why, swap_from=swap_from)
        if self.ev.job_arn and self.ev.job_arn != job_arn:
            self.log("quality-gate", jobArn=self.ev.job_arn, trainedBy=job_arn, modelArn=model, outcome="wrong-job")
            raise errors.gate_wrong_job(self.kind, model, self.ev.job_arn, job_arn, swap_from=swap_from)
        job = operations.read_job(self.client, job_arn, self.retrier) or {"status": "not found"}
        refusals = gate.refusals(gate_, job)
        if refusals:
            self.log("quality-gate", jobArn=job_arn, modelArn=model, outcome="refused")
            raise errors.gate_refused(self.kind, model, job_arn, refusals, swap_from=swap_from)
        self.log("quality-gate", jobArn=job_arn, modelArn=model, metrics=gate.metrics_text(job), outcome="passed")

    def _delete(self) -> dict[str, Any]:
        arn = self.ev.physical_id
        if not self.kind.is_arn(arn):
            self.log("delete", physicalResourceId=arn, outcome="nothing-to-delete")
            return {"PhysicalResourceId": arn}
        live = operations.describe(self.client, self.kind, arn, self.retrier)
        if live is None:
            self.log("delete", arn=arn, outcome="not-found")
            return {"PhysicalResourceId": arn}
        if not ownership.is_owned(operations.read_tags(self.client, arn, self.retrier), self.ev.stack_id):
            self.log("delete", arn=arn, outcome="not-owned")
            raise errors.not_owned(self.kind, arn, "delete", self._owner_tag)
        name = str(live.get(self.kind.name_field) or "")
        plan = decisions.plan_delete(self.kind, live, self.ev.committed_removal, self.now())
        if isinstance(plan, decisions.Committed):
            expires = plan.expires.isoformat() if plan.expires else None
            if not plan.retain:
                self.log("delete", arn=arn, name=name, commitmentExpirationTime=expires, outcome="refused-committed")
                raise errors.committed_refused(arn, name, plan.duration, plan.expires, replacing=False)
            self.log(
                "delete",
                logging.WARNING,
                arn=arn,
                name=name,
                commitmentDuration=plan.duration,
                commitmentExpirationTime=expires,
                outcome="retained-committed",
                advice=f"delete it after the term ends: {self.kind.cli_delete} {arn}",
            )
            return {"PhysicalResourceId": arn}
        outcome = operations.delete(self.client, self.kind, arn, self.retrier)
        self.log("delete", arn=arn, name=name, status=live.get("status"), outcome=outcome)
        awaits = {"deleted": AWAIT_DELETION, "busy": AWAIT_RETRY}.get(outcome)
        return {"PhysicalResourceId": arn, "Data": {AWAIT: awaits} if awaits else {}}

    # ---- is_complete ------------------------------------------------------------------------------

    def progress(self) -> dict[str, Any]:
        arn = self.ev.physical_id
        if self.ev.request_type == "Delete":
            return self._deleted(arn)
        if not self.kind.is_arn(arn):
            raise HandlerError(
                f"is_complete got physical id {arn!r}, not a {self.kind.noun} ARN: a bug in the handler."
            )
        model = str(self._coerced(self.ev.request).get(self.kind.model_field) or "")
        live = operations.describe(self.client, self.kind, arn, self.retrier)
        if live is None:
            # Just created, Bedrock may not list it yet (eventual consistency): wait. A resource that really is
            # gone fails with the Provider's total timeout.
            self.log("await", arn=arn, outcome="not-visible-yet")
            return {"IsComplete": False}
        name = str(live.get(self.kind.name_field) or "")
        if self.ev.data.get(AWAIT) == AWAIT_SWAP and decisions.swap_needed(self.kind, live, model):
            # on_event's swap was refused while Bedrock was moving the resource elsewhere: ask again once settled
            if decisions.busy(live):
                swapped = "busy"
            else:
                self._require_owned(arn, "swap the model of")
                swapped = operations.swap(self.client, self.kind, arn, model, self.retrier)
            self.log("swap", arn=arn, name=name, fromModelArn=live.get("modelArn"), modelArn=model, outcome=swapped)
            return {"IsComplete": False}
        state = decisions.progress(self.kind, live, model)
        if isinstance(state, decisions.Failed):
            self.log("await", arn=arn, name=name, status=live.get("status"), outcome="failed")
            if state.swap:
                raise errors.swap_failed(self.kind, arn, str(live.get("modelArn") or ""), model, state.message)
            if self.ev.data.get(IN_PLACE) == "true":
                raise errors.update_failed(self.kind, arn, name, state.message)
            raise errors.creation_failed(self.kind, arn, name, state.message)
        if isinstance(state, decisions.Waiting):
            self.log("await", arn=arn, name=name, status=state.status, outcome="waiting")
            return {"IsComplete": False}
        self.log("await", arn=arn, name=name, modelArn=state.model_arn, outcome=self.kind.ready_status)
        return {"IsComplete": True, "Data": self._response(arn, name, state.model_arn)["Data"]}

    def _deleted(self, arn: str | None) -> dict[str, Any]:
        """Gone yet? A delete Bedrock refused as busy (a resource still Creating or Updating) is asked again."""
        awaits = self.ev.data.get(AWAIT)
        if awaits not in (AWAIT_DELETION, AWAIT_RETRY) or not self.kind.is_arn(arn):
            return {"IsComplete": True}
        live = operations.describe(self.client, self.kind, arn, self.retrier)
        outcome = "gone" if live is None else "waiting"
        if live is not None and awaits == AWAIT_RETRY:
            self._require_owned(arn, "delete")
            outcome = operations.delete(self.client, self.kind, arn, self.retrier)
        self.log("await-deletion", arn=arn, status=live.get("status") if live else None, outcome=outcome)
        return {"IsComplete": live is None}

    # ---- helpers ----------------------------------------------------------------------------------

    def _require_owned(self, arn: str, action: str) -> None:
        """is_complete's event carries on_event's Data, which whoever invokes the function can forge: before it
        deletes or updates anything, the resource must carry this stack's owner tag, as on_event checks."""
        if not ownership.is_owned(operations.read_tags(self.client, arn, self.retrier), self.ev.stack_id):
            self.log("await", arn=arn, outcome="not-owned")
            raise errors.not_owned(self.kind, arn, action, self._owner_tag)

    @property
    def _owner_tag(self) -> str:
        return f"{OWNER_TAG_KEY}={self.ev.stack_id}"

    def _response(self, arn: str, name: str, model: str) -> dict[str, Any]:
        return {
            "PhysicalResourceId": arn,
            "Data": {self.kind.attr_arn: arn, self.kind.attr_name: name, ATTR_MODEL_ARN: model},
        }


__all__ = ["HandlerError", "check", "handle", "is_complete", "on_event"]

"""The evaluation gate inside the runtime's wait: ``runner.advance`` steps before a serving Create or swap.

The serving core raises ``EvaluationNeeded`` (nothing changed yet) when an ``EvaluationGate`` must vouch for a
model. The entry then steps the runner (temporary deployment, answers, judge, cleanup) in this invocation,
pausing ``POLL_INTERVAL_S`` between steps that changed nothing, and continues in a new invocation of itself with
the runner's small JSON state in the payload, as serving waits do. All of it shares the serving wait's deadline
(55 minutes: CloudFormation waits at most an hour for a custom resource); an evaluation that has not finished
``CLEANUP_RESERVE_S`` before it is aborted (judge stopped, temporary deployment deleted) and refused, fail closed.

Passed: the serving core runs again with ``evaluated=<model>`` and creates or swaps; the scores, the evaluation
job ARN and the report location join the resource's attributes. Refused, or any error: ``abort``, cleanup, and
the request fails with the runner's reason; the serving resource was never touched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..contract import (
    ATTR_EVALUATION_CANDIDATE_SCORES,
    ATTR_EVALUATION_INCUMBENT_SCORES,
    ATTR_EVALUATION_JOB_ARN,
    ATTR_EVALUATION_REPORT,
    CONTINUATION_KEY,
)
from ..customization_job.errors import HandlerError
from ..customization_job.idempotency import client_request_token, name_suffix
from ..kernel.log import describe_error, log_event
from ..kernel.retry import Retrier
from ..model_evaluation import gate as core
from ..model_evaluation import host, judge, runner

PAYLOAD_KEY = "evaluation"
"""The continuation payload's key for the gate's plan and the runner's state."""
CLEANUP_RESERVE_S = 10 * 60.0
"""Kept before the wait's deadline to stop the judge and delete the temporary deployment (an on-demand deployment
still Creating refuses deletion until it settles)."""
STEP_RESERVE_S = 180.0
"""A step runs only with this much Lambda time left (an answering step is 50 Converse calls); else continue."""
SCORE_DIGITS = 4


def plan_of(needed: Any) -> dict[str, Any]:
    """What the serving core's EvaluationNeeded says, as JSON for the continuation payload."""
    return {
        "model": needed.model,
        "incumbent": needed.incumbent,
        "swap": bool(needed.swap),
        "swap_from": needed.swap_from,
        "noun": needed.noun,
    }


def context_of(event: Mapping[str, Any], plan: Mapping[str, Any]) -> runner.Context:
    """The runner's fixed inputs: the gate read again (fail closed) from the request, names and token derived from
    the CloudFormation request (the same on every retry and continuation of it)."""
    gate = core.parse_evaluation((event.get("ResourceProperties") or {}).get("EvaluationGate"))
    if gate is None:
        raise HandlerError("The evaluation gate disappeared from the request between steps: a bug in the runtime.")
    stack, logical, request_id = (str(event.get(k) or "") for k in ("StackId", "LogicalResourceId", "RequestId"))
    model = str(plan["model"])
    return runner.Context(
        gate=gate,
        candidate_model=model,
        incumbent_id=str(plan["incumbent"]),
        swap=bool(plan["swap"]),
        swap_from=plan.get("swap_from"),
        noun=str(plan["noun"]),
        job_name=core.evaluation_job_name(logical, name_suffix(stack, logical, request_id)),
        token=client_request_token(stack, logical, request_id, {"evaluation": model}),
        owner=stack,
    )


def attributes(verdict: Mapping[str, Any]) -> dict[str, str]:
    """The serving resource's evaluation attributes (strings; the scores as compact JSON per side)."""

    def scores(side: str) -> str:
        values = verdict.get(side) or {}
        if not values:
            return ""
        return json.dumps({k: round(float(v), SCORE_DIGITS) for k, v in values.items()}, separators=(",", ":"))

    return {
        ATTR_EVALUATION_JOB_ARN: str(verdict.get("job_arn") or ""),
        ATTR_EVALUATION_REPORT: str(verdict.get("report") or ""),
        ATTR_EVALUATION_CANDIDATE_SCORES: scores("candidate"),
        ATTR_EVALUATION_INCUMBENT_SCORES: scores("reference"),
    }


def out_of_time_reason(ctx: runner.Context, state: Mapping[str, Any], limit_min: float) -> str:
    answered = state.get("answered")
    prompts = f"{answered} prompt(s) answered so far" if answered is not None else "no prompt answered yet"
    return (
        f"Evaluation gate refused model {ctx.candidate_model}: the evaluation did not finish within CloudFormation's "
        f"hour for a custom resource (this runtime stops at {limit_min:.0f} minutes; phase {state.get('phase')}, "
        f"{prompts}), so the gate cannot vouch for it. The judge was stopped and the candidate's temporary host "
        f"deleted; nothing was swapped or created. Use fewer prompts in {ctx.gate.dataset_uri} (or fewer metrics), "
        "or give the gate timeout=Duration.hours(n) (up to 12) to run it on a wait condition, then deploy again."
    )


class Stepper:
    """One invocation's stepping of the runner: its clients, clock and continuation edge."""

    def __init__(
        self,
        event: Mapping[str, Any],
        plan: Mapping[str, Any],
        *,
        clients: Callable[[str], Any],
        bedrock: Any,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        remaining_s: Callable[[], float],
        poll_s: float,
        continue_reserve_s: float,
    ) -> None:
        self.event, self.plan = event, plan
        self.ctx = context_of(event, plan)
        self.bedrock, self.runtime, self.s3 = bedrock, clients("bedrock-runtime"), clients("s3")
        self.clock, self.sleep, self.remaining_s = clock, sleep, remaining_s
        self.poll_s, self.continue_reserve_s = poll_s, continue_reserve_s
        self.late_reason: Callable[[runner.Context, Mapping[str, Any], float], str] = out_of_time_reason
        """Why the wait's deadline refuses (the long path, evaluation_wait.py, names its own limit)."""
        self.retrier = Retrier(
            sleep,
            lambda: int(remaining_s() * 1000),
            margin_s=continue_reserve_s,
            call_limit_s=30.0,
            log_fields={"logicalResourceId": event.get("LogicalResourceId"), "gate": "evaluation"},
        )

    def run(self, state: dict[str, Any], deadline: float, limit_min: float) -> tuple[str, dict[str, Any]]:
        """Step until done ("done"), or until this invocation should hand over ("continue"). Any error aborts the
        gate first (judge stopped, cleanup started) and is then carried in the verdict."""
        while state.get("phase") != "done":
            now = self.clock()
            if state.get("phase") != "cleanup" and now + CLEANUP_RESERVE_S > deadline:
                refusal = {"promoted": False, "reason": self.late_reason(self.ctx, state, limit_min)}
                state = self._abort({**state, "verdict": refusal})
                continue
            if state.get("phase") == "cleanup" and now + self.poll_s > deadline:
                return "done", state  # cleanup outlasted the wait: reported in the reason (leftover)
            if self.remaining_s() < STEP_RESERVE_S + self.continue_reserve_s:
                return "continue", state
            before = state
            try:
                state = json.loads(json.dumps(self._advance(state)))
            except HandlerError as error:
                state = self._abort({**state, "verdict": {"promoted": False, "reason": str(error)}})
            except Exception as error:
                reason = f"Evaluation gate refused model {self.ctx.candidate_model}: {describe_error(error)}"
                log_event(logging.ERROR, action="evaluation-gate", outcome="error", reason=reason)
                state = self._abort({**state, "verdict": {"promoted": False, "reason": reason}})
            log_event(
                action="evaluation-gate",
                logicalResourceId=self.event.get("LogicalResourceId"),
                phase=state.get("phase"),
                outcome="step",
            )
            if state == before and state.get("phase") != "done":
                if self.remaining_s() < self.poll_s + STEP_RESERVE_S + self.continue_reserve_s:
                    return "continue", state
                self.sleep(self.poll_s)
        return "done", state

    def confirm(self, state: Mapping[str, Any]) -> str | None:
        """Why a passing verdict does not hold, or None. The verdict rode in a continuation payload, which whoever
        may invoke the function could forge: before anything serves, it is read again from Bedrock and S3, and the
        job must be this request's (its report under this request's job name)."""
        verdict = state.get("verdict") or {}
        job_arn = str(verdict.get("job_arn") or "")
        refused = f"Evaluation gate refused model {self.ctx.candidate_model}"
        if not job_arn:
            return f"{refused}: the passing verdict names no evaluation job, so it cannot be checked."
        try:
            step = judge.poll(
                self.bedrock,
                self.s3,
                self.retrier,
                self.ctx.gate,
                job_arn,
                swap=self.ctx.swap,
                noun=self.ctx.noun,
                candidate_model=self.ctx.candidate_model,
                swap_from=self.ctx.swap_from,
            )
        except HandlerError as error:
            return f"{refused}: its passing verdict could not be confirmed. {error}"
        expected = core.report_prefix(self.ctx.gate.output_uri, self.ctx.job_name)
        if not isinstance(step, judge.Judged) or step.report != expected:
            return f"{refused}: evaluation job {job_arn} is not this request's finished evaluation ({expected})."
        return None if step.promoted else step.reason or refused

    def abort(self, state: dict[str, Any], reason: str) -> dict[str, Any]:
        """Stop the judge, then clean up for as long as this invocation allows (the wait is over)."""
        state = self._abort({**state, "verdict": {"promoted": False, "reason": reason}})
        while state.get("phase") != "done" and self.remaining_s() > self.poll_s + self.continue_reserve_s:
            before = state
            try:
                state = json.loads(json.dumps(self._advance(state)))
            except Exception as error:
                log_event(
                    logging.ERROR, action="evaluation-abort", outcome="cleanup-failed", error=describe_error(error)
                )
                break
            if state == before:
                self.sleep(self.poll_s)
        return state

    def _advance(self, state: dict[str, Any]) -> dict[str, Any]:
        return runner.advance(
            self.ctx,
            state,
            bedrock=self.bedrock,
            runtime=self.runtime,
            s3=self.s3,
            retrier=self.retrier,
            now=self.clock,
        )

    def _abort(self, state: dict[str, Any]) -> dict[str, Any]:
        try:
            return runner.abort(state, bedrock=self.bedrock, retrier=self.retrier, job_name=self.ctx.job_name)
        except Exception as error:  # the judge could not be stopped: still clean up the deployment
            log_event(logging.ERROR, action="evaluation-gate", outcome="stop-failed", error=describe_error(error))
            return {**state, "phase": "cleanup", "verdict": state.get("verdict") or {"promoted": False}}


def leftover(state: Mapping[str, Any]) -> str:
    """What the refusal reason adds when cleanup did not finish in time (each temporary host and its delete command)."""
    return host.leftover(dict(state))


def continuation(event: Mapping[str, Any], deadline: float, plan: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    return {CONTINUATION_KEY: {"event": dict(event), "deadline": deadline, PAYLOAD_KEY: {**plan, "state": state}}}

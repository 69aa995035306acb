"""The evaluation gate as a continuation: ``advance(state)`` does one bounded step and returns the next state.

Made for a runtime that answers itself across invocations (the per-stack runtime that replaces the Provider
framework): it calls ``advance`` once per wake-up, stores the returned state (a small JSON-able dict), and stops
when ``state["phase"] == "done"`` (then ``state["verdict"]``). Nothing here sleeps for Bedrock. Phases:

1. ``deploy``: host the candidate in a temporary serving resource of this stack (host.py: an on-demand deployment,
   or a no-commitment provisioned throughput where Bedrock does not serve the model on demand), because a custom
   model cannot be invoked by its own ARN and an evaluation job cannot name a deployment.
2. ``deploying``: one look; ready (Active / InService): go on; Failed: refuse (or, in Auto, fall back).
3. ``answering``: a batch of prompts to both models through Converse, written to S3 as a part; the last batch
   writes the evaluation data set (every record with both answers).
4. ``judging``: start the evaluation job, then one poll per step (judge.py).
5. ``cleanup``: delete the temporary host, whatever the verdict; then ``done``.

A refusal or an error in any phase after ``deploy`` still passes through ``cleanup`` (``abort``), so no temporary
resource outlives the gate; the serving resource itself is never touched here.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..customization_job import calls
from ..customization_job.errors import HandlerError
from ..kernel.retry import Retrier
from . import gate as core
from . import host, judge

BATCH = 25
"""Prompts answered per step (two Converse calls each): a step stays well inside one Lambda invocation."""


@dataclass(frozen=True)
class Context:
    """What the serving resource's event gives the gate (fixed for the whole run)."""

    gate: core.EvaluationGate
    candidate_model: str
    incumbent_id: str
    """What answers for the incumbent: the serving deployment or throughput ARN, or the base model id."""
    swap: bool
    swap_from: str | None
    noun: str
    job_name: str
    """The evaluation job's name (gate.evaluation_job_name); also names the temporary host and the S3 keys."""
    token: str
    owner: str
    """The stack id: the owner tag of the temporary host."""
    timeout_s: float = 12 * 3600.0
    """How long the whole gate may take (the job wait machinery's limit); past it, the gate refuses and cleans up."""


def initial(now: Callable[[], float] = time.time) -> dict[str, Any]:
    return {"phase": "deploy", "started": now()}


def advance(
    ctx: Context,
    state: dict[str, Any],
    *,
    bedrock: Any,
    runtime: Any,
    s3: Any,
    retrier: Retrier,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """One step. A refusal, an error (HandlerError) or the gate's timeout comes back as ``phase: cleanup`` with
    ``verdict.reason`` set, so cleanup always runs."""
    phase = state.get("phase")
    elapsed = now() - float(state.get("started", now()))
    if phase not in ("cleanup", "done") and elapsed > ctx.timeout_s:
        reason = (
            f"Evaluation gate refused model {ctx.candidate_model}: the evaluation did not finish within "
            f"{ctx.timeout_s / 3600:g} h (phase {phase}), so the gate cannot vouch for it. Nothing was swapped or "
            "created; the candidate's temporary host is deleted and the evaluation job stopped."
        )
        verdict = {"promoted": False, "reason": reason}
        return abort({**state, "verdict": verdict}, bedrock=bedrock, retrier=retrier, job_name=ctx.job_name)
    try:
        if phase == "deploy":
            return {**host.start(ctx, state, bedrock, retrier), "phase": "deploying"}
        if phase == "deploying":
            return _deploying(ctx, state, bedrock, retrier)
        if phase == "answering":
            return _answer(ctx, state, runtime, s3, retrier)
        if phase == "judging":
            return _judge(ctx, state, bedrock, s3, retrier)
    except HandlerError as error:
        if state.get("job_arn") and not state.get("verdict"):
            judge.stop(bedrock, retrier, str(state["job_arn"]), expected_name=ctx.job_name)
        return {**state, "phase": "cleanup", "verdict": {"promoted": False, "reason": str(error)}}
    if phase == "cleanup":
        return _cleanup(ctx, state, bedrock, retrier)
    return state


def abort(state: dict[str, Any], *, bedrock: Any, retrier: Retrier, job_name: str | None = None) -> dict[str, Any]:
    """Rollback, delete or timeout while the gate runs: stop the judge, then clean up like any refusal. ``job_name``:
    this request's evaluation job name; a judge named otherwise in the (forgeable) state is not stopped."""
    if state.get("job_arn") and not (state.get("verdict") or {}).get("job_arn"):
        judge.stop(bedrock, retrier, str(state["job_arn"]), expected_name=job_name)
    return {**state, "phase": "cleanup", "verdict": state.get("verdict") or {"promoted": False, "reason": "aborted"}}


# ---- phases -------------------------------------------------------------------------------------------------


def _deploying(ctx: Context, state: dict[str, Any], bedrock: Any, retrier: Retrier) -> dict[str, Any]:
    ready, state = host.look(ctx, state, bedrock, retrier)
    return {**state, "phase": "answering", "answered": 0, "parts": 0} if ready else state


def _bucket_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _answer(ctx: Context, state: dict[str, Any], runtime: Any, s3: Any, retrier: Retrier) -> dict[str, Any]:
    bucket, key = _bucket_key(ctx.gate.dataset_uri)
    action = f"Reading the evaluation prompts {ctx.gate.dataset_uri}"
    try:
        body = calls.run(retrier, action, lambda: s3.get_object(Bucket=bucket, Key=key))["Body"].read()
    except ClientError as error:
        raise HandlerError(f"{action} failed: {error}. Nothing was swapped or created.") from error
    records = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
    start = int(state.get("answered", 0))
    batch = records[start : start + BATCH]
    lines = [
        json.dumps(
            core.precomputed_record(
                record,
                _converse(runtime, retrier, str(host.current(state)), record["prompt"]),
                _converse(runtime, retrier, ctx.incumbent_id, record["prompt"]),
            )
        )
        for record in batch
    ]
    out_bucket, out_key = _bucket_key(core.report_prefix(ctx.gate.output_uri, ctx.job_name))
    part = int(state.get("parts", 0))
    part_key = f"{out_key}input/part-{part:04d}.jsonl"
    calls.run(
        retrier,
        "Writing answers",
        lambda: s3.put_object(Bucket=out_bucket, Key=part_key, Body="\n".join(lines).encode()),
    )
    answered, parts = start + len(batch), part + 1
    if answered < len(records):
        return {**state, "answered": answered, "parts": parts}
    combined = []
    for index in range(parts):
        got = calls.run(
            retrier,
            "Reading answers",
            functools.partial(s3.get_object, Bucket=out_bucket, Key=f"{out_key}input/part-{index:04d}.jsonl"),
        )
        combined.append(got["Body"].read().decode("utf-8"))
    dataset_key = f"{out_key}input/prompts.jsonl"
    calls.run(
        retrier,
        "Writing the data set",
        lambda: s3.put_object(Bucket=out_bucket, Key=dataset_key, Body="\n".join(combined).encode()),
    )
    return {
        **state,
        "phase": "judging",
        "answered": answered,
        "parts": parts,
        "dataset": f"s3://{out_bucket}/{dataset_key}",
    }


def _converse(runtime: Any, retrier: Retrier, model_id: str, prompt: str) -> str:
    action = f"Asking {model_id} for an answer"
    try:
        response = calls.run(retrier, action, lambda: runtime.converse(**core.converse_request(model_id, prompt)))
    except ClientError as error:
        raise HandlerError(f"{action} failed: {error}. Nothing was swapped or created.") from error
    return core.answer_of(response) or ""


def _judge(ctx: Context, state: dict[str, Any], bedrock: Any, s3: Any, retrier: Retrier) -> dict[str, Any]:
    if not state.get("job_arn"):
        request = core.evaluation_job_request(
            ctx.gate, job_name=ctx.job_name, dataset_uri=str(state["dataset"]), token=ctx.token, owner=ctx.owner
        )
        return {**state, "job_arn": judge.start(bedrock, retrier, request)}
    step = judge.poll(
        bedrock,
        s3,
        retrier,
        ctx.gate,
        str(state["job_arn"]),
        swap=ctx.swap,
        noun=ctx.noun,
        candidate_model=ctx.candidate_model,
        swap_from=ctx.swap_from,
    )
    if isinstance(step, judge.Judging):
        return state
    verdict = {
        "promoted": step.promoted,
        "reason": step.reason,
        "candidate": step.candidate,
        "reference": step.reference,
        "job_arn": step.job_arn,
        "report": step.report,
    }
    return {**state, "phase": "cleanup", "verdict": verdict}


def _cleanup(ctx: Context, state: dict[str, Any], bedrock: Any, retrier: Retrier) -> dict[str, Any]:
    state = host.release(ctx, state, bedrock, retrier)
    return {**state, "phase": "done"} if host.released(state) else state

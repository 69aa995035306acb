"""The evaluation gate's long path: an evaluation that may outlast CloudFormation's hour, on a wait condition.

The construct (constructs_lib/cdk/evaluation_wait.py) adds, per serving resource and candidate model, a
``Custom::BedrockModelEvaluation`` resource, a wait condition handle and a wait condition (at most 12 hours) that the
serving resource depends on. Here:

- ``on_request``: the Evaluation resource. Create finds the incumbent (DescribeStackResource of the serving
  resource on its own stack: its physical id; none yet: the candidate's base model), answers CloudFormation at once
  (physical id: the evaluation job's name, derived from the request as the in-hour path derives it), then starts
  the runner in a new asynchronous invocation of the function. Update changes nothing (a new candidate is a new
  resource). Delete (rollback, replacement, stack delete) stops the judge and deletes the temporary host
  (deployment or throughput), found by their deterministic names (ListEvaluationJobs ``nameContains``;
  GetCustomModelDeployment by name) and only where they carry this stack's owner tag.
- ``on_continuation``: one invocation of the runner's steps (entry/evaluation.py's Stepper), as the in-hour path
  does, until it ends; then a signal to the handle: SUCCESS with ``{"jobArn": ...}``, or FAILURE with the runner's
  reason (both score sets). Each continuation first checks that its Evaluation resource still exists with this
  physical id; if not (deleted by a rollback), it aborts and signals nothing.
- ``on_failure``: Lambda gave up on a continuation: abort (judge stopped, temporary host deleted) and signal
  FAILURE naming the condition.
- ``confirm``: the serving resource's side. The wait condition's Data is whatever was PUT to a URL anyone who can
  read the stack's resources can read, so it only names a job: the job must be the one this Evaluation resource
  started (its name is the Ref), Completed, and its report must promote the candidate, read again from Bedrock and
  S3, exactly as a continuation's verdict is confirmed on the in-hour path.

The handle's URL is read from CloudFormation when signalling, never carried in an event or logged; it is PUT only
where ``runtime.put`` allows (job_watcher/presigned.py: CloudFormation's own wait-condition buckets).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..contract import (
    CONTINUATION_KEY,
    EVALUATION_DIGEST_LEN,
    NAME_SUFFIX_LEN,
    PROP_EVAL_CANDIDATE,
    PROP_EVAL_HANDLE,
    PROP_EVAL_SERVING,
    PROP_EVAL_SERVING_TYPE,
    PROP_EVAL_TIMEOUT,
    PROP_EVALUATION_GATE,
    PROP_EVALUATION_WAIT,
    WAIT_EVALUATION,
    WAIT_SIGNAL,
)
from ..customization_job import calls
from ..customization_job.errors import HandlerError
from ..kernel.errors import clip
from ..kernel.log import describe_error, log_event
from ..kernel.retry import Retrier
from ..model_evaluation import gate as core
from ..model_evaluation import judge, runner
from ..model_serving import operations
from ..model_serving.kinds import DEPLOYMENT, KINDS
from . import answer, evaluation

CONTINUATION_FIELD = "evaluationWait"
"""The continuation payload's key for a long-path evaluation: ``{**plan, "state": runner state}``."""
SIGNAL_MARGIN_S = 5 * 60.0
"""The runtime signals at least this long before the wait condition's Timeout (its clock starts a little later)."""
SIGNAL_ATTEMPTS = 3
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
JOB_NAME = re.compile(r"[a-z0-9](-*[a-z0-9]){0,62}")
EVALUATION_NAME = re.compile(rf"(^|-)eval-[0-9a-f]{{{NAME_SUFFIX_LEN}}}$")
"""How gate.evaluation_job_name ends every name it makes (``-eval-<the request's 8 hex digits>``)."""
"""botocore's EvaluationJobName pattern: the Evaluation resource's physical id."""
MAX_REASON_BYTES = 3000
"""A signal's Reason, clipped in UTF-8 bytes (CloudFormation shows it in the wait condition's stack event)."""


@dataclass(frozen=True)
class Edge:
    """What the entry (handler.py) lends this module: its Runtime, the Stepper factory and this invocation's time."""

    runtime: Any
    stepper: Callable[[Mapping[str, Any], Mapping[str, Any]], evaluation.Stepper]
    remaining_s: Callable[[], float]


def _props(event: Mapping[str, Any]) -> Mapping[str, Any]:
    props = event.get("ResourceProperties")
    return props if isinstance(props, Mapping) else {}


def _text(props: Mapping[str, Any], key: str) -> str:
    value = props.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HandlerError(
            f"The evaluation resource's {key} property is missing or empty ({str(value)[:60]!r}); it is written by "
            "the library's serving construct. Nothing was started."
        )
    return value.strip()


# ---- the Evaluation resource ---------------------------------------------------------------------------------


def on_request(event: Mapping[str, Any], edge: Edge, after: list[Callable[[], None]]) -> dict[str, Any]:
    """The answer to the Evaluation resource's request; ``after`` gets what runs once it is sent (the runner)."""
    request_type = event.get("RequestType")
    if request_type == "Delete":
        _delete(event, edge)
        return answer.body(event, "SUCCESS")
    if request_type == "Update":
        # the candidate is in the logical id (a new one is a new resource): nothing to evaluate again
        return answer.body(event, "SUCCESS")
    props = _props(event)
    if core.parse_evaluation(props.get(PROP_EVALUATION_GATE)) is None:  # present but unreadable: it raised
        raise HandlerError(
            f"The evaluation resource has no {PROP_EVALUATION_GATE}; it is written by the library's serving construct. "
            "Nothing was started."
        )
    plan = _plan(event, edge)
    ctx = evaluation.context_of(event, plan)
    if plan.get("serving"):
        log_event(action="evaluation-wait", modelArn=plan["model"], outcome="already-serving")
        data = json.dumps({"alreadyServing": plan["model"]})
        after.append(lambda: signal(event, edge, "SUCCESS", "The candidate serves already.", data))
    else:
        deadline = edge.runtime.clock() + timeout_s(event) - SIGNAL_MARGIN_S
        payload = continuation(event, deadline, plan, runner.initial(now=edge.runtime.clock))
        after.append(lambda: _start(event, edge, payload))
    log_event(action="evaluation-wait", modelArn=plan["model"], incumbent=plan["incumbent"], outcome="started")
    return answer.body(event, "SUCCESS", physical_id=ctx.job_name)


def timeout_s(event: Mapping[str, Any]) -> float:
    text = _text(_props(event), PROP_EVAL_TIMEOUT)
    try:
        return float(text)
    except ValueError as error:
        raise HandlerError(f"The evaluation resource's {PROP_EVAL_TIMEOUT} is not a number ({text[:20]!r}).") from error


def _plan(event: Mapping[str, Any], edge: Edge) -> dict[str, Any]:
    """What the serving core would say in EvaluationNeeded: the incumbent is the serving resource's physical id (a
    swap) or, before it exists, the candidate's base model (a first serve)."""
    props = _props(event)
    candidate = _text(props, PROP_EVAL_CANDIDATE)
    kind = KINDS.get(_text(props, PROP_EVAL_SERVING_TYPE))
    if kind is None:
        raise HandlerError(f"The evaluation resource's {PROP_EVAL_SERVING_TYPE} is not a serving resource type.")
    bedrock = edge.runtime.bedrock()
    retrier = edge.stepper(event, _stub_plan(candidate, kind.noun)).retrier
    physical = _physical_id(event, edge, _text(props, PROP_EVAL_SERVING))
    if kind.is_arn(physical):
        live = operations.describe(bedrock, kind, physical, retrier) or {}
        served = str(live.get("modelArn") or "") or None
        return {
            "model": candidate,
            "incumbent": physical,
            "swap": True,
            "swap_from": served,
            "noun": kind.noun,
            "serving": served == candidate,
        }
    base = (operations.read_model(bedrock, candidate, retrier) or {}).get("baseModelArn")
    if not base:
        raise HandlerError(
            f"Evaluation gate refused model {candidate}: Bedrock records no base model for it, so there is nothing "
            f"to compare it with. No {kind.noun} was created."
        )
    return {"model": candidate, "incumbent": str(base), "swap": False, "swap_from": None, "noun": kind.noun}


def _stub_plan(candidate: str, noun: str) -> dict[str, Any]:
    return {"model": candidate, "incumbent": "", "swap": False, "swap_from": None, "noun": noun}


def _physical_id(event: Mapping[str, Any], edge: Edge, logical_id: str) -> str | None:
    """A resource's physical id in this stack, None when it does not exist (yet) or is being deleted."""
    detail = _stack_resource(event, edge, logical_id)
    physical = detail.get("PhysicalResourceId") if detail else None
    return str(physical) if physical else None


def _alive(request: Mapping[str, Any], edge: Edge, job_name: str) -> bool:
    """Whether this continuation's Evaluation resource is still in the stack as this request made it: present, not
    being deleted, with this physical id (or none yet: CloudFormation may not have read the answer)."""
    detail = _stack_resource(request, edge, str(request.get("LogicalResourceId") or ""))
    if detail is None:
        return False
    physical = detail.get("PhysicalResourceId")
    return not physical or physical == job_name


def _stack_resource(event: Mapping[str, Any], edge: Edge, logical_id: str) -> Mapping[str, Any] | None:
    """DescribeStackResource on the event's own stack (the only stack IAM lets it read)."""
    stack = str(event.get("StackId") or "")
    client = edge.runtime.clients("cloudformation")
    retrier = Retrier(edge.runtime.sleep, lambda: int(edge.remaining_s() * 1000), margin_s=30.0, call_limit_s=30.0)
    describe = functools.partial(client.describe_stack_resource, StackName=stack, LogicalResourceId=logical_id)
    try:
        found = calls.run(retrier, f"Reading {logical_id} from the stack", describe)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError":
            return None  # "Resource <id> does not exist for stack <stack>"
        raise HandlerError(f"Reading {logical_id} from the stack failed: {describe_error(error)}.") from error
    detail = found.get("StackResourceDetail") or {}
    if str(detail.get("ResourceStatus") or "").startswith("DELETE"):
        return None
    return detail if isinstance(detail, Mapping) else None


def continuation(event: Mapping[str, Any], deadline: float, plan: Mapping[str, Any], state: Any) -> dict[str, Any]:
    return {
        CONTINUATION_KEY: {"event": dict(event), "deadline": deadline, CONTINUATION_FIELD: {**plan, "state": state}}
    }


def _start(event: Mapping[str, Any], edge: Edge, payload: Mapping[str, Any]) -> None:
    """After CloudFormation has the answer: the runner's first invocation; if it cannot start, the wait fails."""
    try:
        edge.runtime.invoke_self(payload)
    except Exception as error:
        reason = f"The evaluation could not be started (invoking the runtime failed: {describe_error(error)})."
        signal(event, edge, "FAILURE", reason + " Deploy again.", "")


def _delete(event: Mapping[str, Any], edge: Edge) -> None:
    """Stop the judge and delete the temporary host (a deployment or a throughput), all found by the evaluation job's
    name, which is this resource's physical id. A Delete is a request of its own, so the Create's token cannot be
    derived from it: the runner's cleanup checks the name and this stack's owner tag (host.is_ours)."""
    name = str(event.get("PhysicalResourceId") or "")
    if not JOB_NAME.fullmatch(name) or not EVALUATION_NAME.search(name):
        return  # not a name this resource's Create gave it: nothing was started
    bedrock = edge.runtime.bedrock()
    plan = _stub_plan(str(_props(event).get(PROP_EVAL_CANDIDATE) or ""), DEPLOYMENT.noun)
    stepper = edge.stepper(event, plan)
    stepper.ctx = dataclasses.replace(stepper.ctx, job_name=name, token="")
    state: dict[str, Any] = {"phase": "judging"}
    job_arn = _judge_named(bedrock, stepper.retrier, name)
    if job_arn:
        state["job_arn"] = job_arn
    left = stepper.abort(state, "the evaluation resource was deleted")
    log_event(action="evaluation-delete", judge=bool(job_arn), outcome=left.get("phase"))
    leftover = evaluation.leftover(left)
    if leftover:
        log_event(logging.WARNING, action="evaluation-delete", outcome="leftover", reason=leftover)


def _judge_named(bedrock: Any, retrier: Any, name: str) -> str | None:
    """The evaluation job of this exact name, if Bedrock has one (ListEvaluationJobs, every page)."""
    token: str | None = None
    while True:
        request: dict[str, Any] = {"nameContains": name}
        if token:
            request["nextToken"] = token
        page = calls.run(
            retrier, "Finding the evaluation job", functools.partial(bedrock.list_evaluation_jobs, **request)
        )
        for summary in page.get("jobSummaries") or []:
            if summary.get("jobName") == name:
                return str(summary.get("jobArn"))
        token = page.get("nextToken")
        if not token:
            return None


# ---- the runner's continuations --------------------------------------------------------------------------------


def on_continuation(request: Mapping[str, Any], deadline: float, gate: Mapping[str, Any], edge: Edge) -> dict[str, Any]:
    """Step the runner; continue, or signal the verdict. Returns a summary for the entry's return value."""
    plan = {k: v for k, v in gate.items() if k != "state"}
    state = dict(gate.get("state") or {})
    stepper = _long_stepper(request, plan, edge, deadline)
    if not _alive(request, edge, stepper.ctx.job_name):
        left = stepper.abort(state, "the evaluation resource no longer exists")
        log_event(action="evaluation-wait", outcome="resource-gone-aborted", phase=left.get("phase"))
        return {"trigger": "continuation", "status": "ABORTED"}
    outcome, state = stepper.run(state, deadline, timeout_s(request) / 60)
    if outcome == "continue":
        edge.runtime.invoke_self(continuation(request, deadline, plan, state))
        log_event(action="evaluation-wait", outcome="continued", phase=state.get("phase"))
        return {"trigger": "continuation", "status": "CONTINUED"}
    verdict = state.get("verdict") or {}
    if verdict.get("promoted") is True and state.get("phase") == "done":
        data = json.dumps({"jobArn": str(verdict.get("job_arn") or "")})
        signal(request, edge, "SUCCESS", f"Evaluation passed: {verdict.get('job_arn')}", data)
        return {"trigger": "continuation", "status": "SUCCESS"}
    reason = str(verdict.get("reason") or "the evaluation gate gave no verdict") + evaluation.leftover(state)
    signal(request, edge, "FAILURE", reason, "")
    return {"trigger": "continuation", "status": "FAILURE"}


def _long_stepper(request: Mapping[str, Any], plan: Mapping[str, Any], edge: Edge, deadline: float) -> Any:
    """The in-hour path's Stepper with the long path's limit: it refuses at the deadline less its cleanup reserve
    (so cleanup and the signal fit before the wait condition's Timeout), with a reason that names the gate's
    timeout; the runner's own limit (runner.Context.timeout_s, counted from the Create) is a minute later, a
    backstop."""
    stepper = edge.stepper(request, plan)
    limit = timeout_s(request) - SIGNAL_MARGIN_S - evaluation.CLEANUP_RESERVE_S + 60.0
    stepper.ctx = dataclasses.replace(stepper.ctx, timeout_s=max(60.0, limit))

    def late(ctx: runner.Context, state: Mapping[str, Any], _: float) -> str:
        answered = state.get("answered")
        return (
            f"Evaluation gate refused model {ctx.candidate_model}: the evaluation did not finish within the gate's "
            f"timeout ({timeout_s(request) / 3600:g} h, the wait condition's; phase {state.get('phase')}, "
            f"{answered if answered is not None else 'no'} prompt(s) answered), so the gate cannot vouch for it. The "
            "judge was stopped and the candidate's temporary host deleted; nothing was swapped or created. Give the "
            "gate a longer timeout (at most 12 hours) or use fewer prompts, then deploy again."
        )

    stepper.late_reason = late
    return stepper


def on_failure(request: Mapping[str, Any], gate: Mapping[str, Any], condition: str, edge: Edge) -> None:
    """Lambda gave up on a continuation: stop the judge, delete the temporary host, signal FAILURE."""
    plan = {k: v for k, v in gate.items() if k != "state"}
    state = gate.get("state")
    left: dict[str, Any] = dict(state) if isinstance(state, Mapping) else {}
    try:
        stepper = edge.stepper(request, plan)
        left = stepper.abort(left, "aborted: the runtime's continuation failed")
    except Exception as error:
        log_event(logging.ERROR, trigger="failure-record", action="evaluation-abort", error=describe_error(error))
    reason = (
        f"Evaluation gate refused model {plan.get('model')}: the stack's runtime function did not continue the "
        f"evaluation ({condition}), so the gate cannot vouch for it. The judge was stopped; nothing was swapped or "
        f"created. See the function's log group; deploy again.{evaluation.leftover(left)}"
    )
    signal(request, edge, "FAILURE", reason, "")


def signal(event: Mapping[str, Any], edge: Edge, status: str, reason: str, data: str) -> None:
    """PUT the wait condition signal to the handle's presigned URL, read from the stack (never from the event)."""
    handle = _text(_props(event), PROP_EVAL_HANDLE)
    evaluation_id = str(event.get("LogicalResourceId") or "")
    # The handle is this Evaluation's (the construct gives both the same digest of candidate and timeout), never
    # another wait of the stack (a job's), whatever an event names.
    same_digest = handle[-EVALUATION_DIGEST_LEN:] == evaluation_id[-EVALUATION_DIGEST_LEN:]
    detail = _stack_resource(event, edge, handle) if same_digest and handle != evaluation_id else None
    url = detail.get("PhysicalResourceId") if detail and detail.get("ResourceType") == HANDLE_TYPE else None
    if not url:
        log_event(logging.ERROR, action="evaluation-signal", outcome="no-handle-of-this-evaluation", handle=handle)
        return
    body = {
        "Status": status,
        "Reason": clip(reason, MAX_REASON_BYTES),
        "UniqueId": str(event.get("PhysicalResourceId") or event.get("RequestId") or "evaluation"),
        "Data": data,
    }
    failure: str | None = None
    for attempt in range(SIGNAL_ATTEMPTS):
        try:
            edge.runtime.put(url, body)
            log_event(action="evaluation-signal", status=status, outcome="signalled")
            return
        except Exception as error:  # PutFailed / PutRefused: their text never holds the URL
            failure = str(error)
            if attempt + 1 < SIGNAL_ATTEMPTS:
                edge.runtime.sleep(2.0**attempt)
    log_event(logging.ERROR, action="evaluation-signal", status=status, outcome="lost", error=failure)
    raise HandlerError(f"The wait condition signal could not be sent ({failure}).")


# ---- the serving resource's side -------------------------------------------------------------------------------


def confirm(event: Mapping[str, Any], stepper: Any) -> tuple[dict[str, Any] | None, str]:
    """(the verdict to serve with, "") when a signalled job is this Evaluation's and its report promotes the
    candidate; else (None, the refusal)."""
    ctx = stepper.ctx
    refused = f"Evaluation gate refused model {ctx.candidate_model}"
    wait = _props(event).get(PROP_EVALUATION_WAIT)
    expected = wait.get(WAIT_EVALUATION) if isinstance(wait, Mapping) else None
    if not isinstance(expected, str) or not expected:
        return None, f"{refused}: the {PROP_EVALUATION_WAIT} property names no evaluation, so nothing can vouch for it."
    jobs = _signalled_jobs(wait.get(WAIT_SIGNAL) if isinstance(wait, Mapping) else None)
    if not jobs:
        return None, f"{refused}: the wait condition's signal names no evaluation job, so it cannot be checked."
    ctx = dataclasses.replace(ctx, job_name=expected)
    wanted = core.report_prefix(ctx.gate.output_uri, expected)
    reason = f"{refused}: no signalled evaluation job is this evaluation's ({wanted})."
    for job_arn in jobs:
        try:
            step = judge.poll(
                stepper.bedrock,
                stepper.s3,
                stepper.retrier,
                ctx.gate,
                job_arn,
                swap=ctx.swap,
                noun=ctx.noun,
                candidate_model=ctx.candidate_model,
                swap_from=ctx.swap_from,
            )
        except HandlerError as error:
            reason = f"{refused}: its passing verdict could not be confirmed. {error}"
            continue
        if not isinstance(step, judge.Judged) or step.report != wanted:
            continue
        if not step.promoted:
            return None, step.reason or refused
        verdict = {
            "promoted": True,
            "candidate": step.candidate,
            "reference": step.reference,
            "job_arn": step.job_arn,
            "report": step.report,
        }
        return verdict, ""
    return None, reason


def _signalled_jobs(data: Any) -> list[str]:
    """The evaluation job ARNs in ``Fn::GetAtt Wait.Data``: a JSON object of each signal's UniqueId and Data
    ("Access signal data", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-waitcondition.html),
    each Data our ``{"jobArn": ...}``; anything else names no job."""
    try:
        signals = json.loads(data) if isinstance(data, str) else None
    except ValueError:
        return []
    if not isinstance(signals, Mapping):
        return []
    found = []
    for value in signals.values():
        try:
            parsed = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            continue
        job = parsed.get("jobArn") if isinstance(parsed, Mapping) else None
        if isinstance(job, str) and job.startswith("arn:") and ":evaluation-job/" in job:
            found.append(job)
    return found[:5]

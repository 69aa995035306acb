"""Lambda entry point ``entry.handler.handler``: every invocation of the stack's runtime comes through here.

What arrives (CloudFormation and EventBridge invoke the function asynchronously):

- a CloudFormation request (``RequestType``, ``ResponseURL``): a job, a serving resource or a Result. Jobs and
  serving resources are answered here from their cores' return value or exception; a serving Create or Update
  then waits until Bedrock has the resource ready, polling every 30 s inside the invocation and continuing in a
  new asynchronous invocation of this function (``CONTINUATION``) before this one runs out, for at most 55
  minutes (CloudFormation waits at most an hour for a custom resource). A Result is the watcher's: it PUTs its
  own answer;
- a continuation of such a wait;
- a record of an asynchronous invocation that failed for good (``requestContext.condition`` RetriesExhausted or
  EventAgeExceeded), delivered because this function is its own on-failure destination: a CloudFormation request
  in it is answered FAILED, naming the condition;
- anything else (Bedrock state-change events, the backup schedule): the job watcher.

Whatever the core does (raises, cannot be imported, blocks past the deadline guard), the request is answered;
only an answer that could not be PUT raises, so that Lambda retries the invocation.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..contract import (
    CONTINUATION_KEY,
    DEPLOYMENT_RESOURCE_TYPE,
    EVALUATION_RESOURCE_TYPE,
    JOB_RESOURCE_TYPE,
    PROP_EVALUATION_GATE,
    PROP_EVALUATION_WAIT,
    RESULT_RESOURCE_TYPE,
    THROUGHPUT_RESOURCE_TYPE,
)
from ..job_watcher.presigned import WORST_CASE_SECONDS, Put, put_json, refusal
from ..kernel.log import describe_error, invocation, log_event
from . import answer
from .deadline import DeadlineReached, guard

POLL_INTERVAL_S = 30.0
"""As the Provider framework's waiter polled is_complete."""
WAIT_LIMIT_S = 55 * 60.0
"""CloudFormation waits at most an hour for a custom resource operation; the runtime answers first, with a reason."""
ANSWER_RESERVE_S = answer.PUT_ATTEMPTS * WORST_CASE_SECONDS + sum(answer.PUT_BACKOFF_S)
"""Kept at the end of every invocation for the answer's PUT attempts: the deadline guard fires before it."""
CONTINUE_RESERVE_S = ANSWER_RESERVE_S + 60.0
"""A wait continues in a new invocation when less than one poll and this remain (a check's calls, the invoke)."""
SERVING_TYPES = (DEPLOYMENT_RESOURCE_TYPE, THROUGHPUT_RESOURCE_TYPE)
UNLIMITED_MS = 15 * 60 * 1000
LONG_EVALUATION = "evaluationWait"
"""A continuation of the evaluation gate's long path (evaluation_wait.CONTINUATION_FIELD)."""


@dataclass(frozen=True)
class Runtime:
    """The edges the entry uses: tests pass a ``put`` to a local server, a fake clock, sleep and self-invoke."""

    put: Put
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    invoke_self: Callable[[Mapping[str, Any]], None]
    bedrock: Callable[[], Any]
    env: Mapping[str, str]
    url_refusal: Callable[[Any], str | None] = refusal
    """Why a ResponseURL must not be answered (presigned.refusal: only CloudFormation's response buckets)."""
    clients: Callable[[str], Any] = lambda name: _client(name)
    """The evaluation gate's other clients: ``bedrock-runtime`` (Converse) and ``s3`` (prompts, answers, report)."""


def _client(name: str) -> Any:
    import boto3

    from ..customization_job.client import CLIENT_CONFIG

    return boto3.session.Session().client(name, config=CLIENT_CONFIG)


def _real(context: Any) -> Runtime:
    def invoke_self(payload: Mapping[str, Any]) -> None:
        import boto3

        from ..kernel.client import client_config

        client = boto3.client("lambda", config=client_config(2, 5, 3))
        client.invoke(
            FunctionName=unqualified(context.invoked_function_arn),
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )

    def bedrock() -> Any:
        from ..customization_job.client import new_bedrock_client

        return new_bedrock_client()

    return Runtime(put_json, time.sleep, time.time, invoke_self, bedrock, os.environ)


def unqualified(function_arn: str) -> str:
    """The function's ARN without a version or alias: the one resource OwnResources lets it invoke (the context's
    ``invoked_function_arn`` carries the qualifier the caller used, if any)."""
    return ":".join(function_arn.split(":")[:7])


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    with invocation(context):
        return handle(event, context, _real(context))


def handle(event: Any, context: Any, runtime: Runtime) -> dict[str, Any]:
    """``handler`` with its edges injected."""
    if not isinstance(event, Mapping):
        log_event(trigger="malformed", outcome="ignored", reason=f"the event is a {type(event).__name__}")
        return {"trigger": "malformed"}
    if _is_failure_record(event):
        return _on_failure_record(event, context, runtime)
    if CONTINUATION_KEY in event:
        return _on_continuation(event, context, runtime)
    if "RequestType" in event and event.get("ResourceType") in (JOB_RESOURCE_TYPE, *SERVING_TYPES):
        if _refused(event, runtime):
            return {"trigger": "cloudformation", "status": "REFUSED"}
        return _answering(event, context, runtime, lambda: _request(event, context, runtime))
    if "RequestType" in event and event.get("ResourceType") == EVALUATION_RESOURCE_TYPE:
        if _refused(event, runtime):
            return {"trigger": "cloudformation", "status": "REFUSED"}
        return _evaluation_resource(event, context, runtime)
    return _watcher(event, context, runtime)


def _refused(request: Mapping[str, Any], runtime: Runtime) -> bool:
    """A request whose answer could not go to CloudFormation starts nothing: only CloudFormation could have sent a
    URL into its own response bucket (presigned.cloudformation_bucket), so anything else is not its request."""
    reason = runtime.url_refusal(request.get("ResponseURL"))
    if reason is None:
        return False
    fields = {k: request.get(k) for k in ("RequestType", "LogicalResourceId") if isinstance(request.get(k), str)}
    log_event(logging.WARNING, trigger="cloudformation", outcome="refused", reason=reason, **fields)
    return True


# ---- the safety net ---------------------------------------------------------------------------------


def _remaining_s(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (remaining() if callable(remaining) else UNLIMITED_MS) / 1000


def _is_handler_error(error: BaseException) -> bool:
    """The cores' own errors (customization_job.errors.HandlerError): their message is the reason to show."""
    return any(cls.__name__ == "HandlerError" for cls in type(error).__mro__)


def _answering(
    request: Mapping[str, Any], context: Any, runtime: Runtime, core: Callable[[], dict[str, Any] | None]
) -> dict[str, Any]:
    """Run ``core`` under the deadline guard and answer ``request`` with what it returns (a response body), or
    FAILED with what it raised. None: the core continued in a new invocation, which answers."""
    started = runtime.clock()
    try:
        with guard(_remaining_s(context) - ANSWER_RESERVE_S):
            response = core()
    except DeadlineReached:
        ran = round(runtime.clock() - started)
        response = answer.body(
            request,
            "FAILED",
            reason=f"The runtime ran out of time after {ran} s (Lambda's timeout, less {ANSWER_RESERVE_S:.0f} s kept "
            "to answer); nothing more was done. Deploy again; if it recurs, see the function's log group.",
        )
    except answer.AnswerLost:
        raise
    except Exception as error:
        reason = str(error) if _is_handler_error(error) else f"Unexpected error in the runtime: {describe_error(error)}"
        log_event(logging.ERROR, action="fail", outcome="failed", error=type(error).__name__, reason=reason)
        response = answer.body(request, "FAILED", reason=reason)
    if response is None:
        return {"trigger": "cloudformation", "status": "CONTINUED"}
    answer.send(
        runtime.put,
        str(request.get("ResponseURL") or ""),
        response,
        remaining_s=lambda: _remaining_s(context),
        sleep=runtime.sleep,
    )
    return {"trigger": "cloudformation", "status": response["Status"]}


# ---- CloudFormation requests -----------------------------------------------------------------------


def _request(event: Mapping[str, Any], context: Any, runtime: Runtime) -> dict[str, Any] | None:
    physical = event.get("PhysicalResourceId")
    if event.get("RequestType") == "Delete" and physical == answer.CREATE_FAILED_MARKER:
        log_event(action="delete", outcome="create-had-failed", logicalResourceId=event.get("LogicalResourceId"))
        return answer.body(event, "SUCCESS")
    if event.get("ResourceType") == JOB_RESOURCE_TYPE:
        from ..customization_job import handler as job

        result = job.handle(dict(event), context, client=runtime.bedrock(), sleep=runtime.sleep)
        return answer.body(event, "SUCCESS", physical_id=result["PhysicalResourceId"], data=result.get("Data"))
    from ..model_serving import errors as serving_errors
    from ..model_serving import handler as serving

    deadline = runtime.clock() + WAIT_LIMIT_S
    try:
        result = serving.handle(dict(event), context, client=runtime.bedrock(), sleep=runtime.sleep)
    except serving_errors.EvaluationNeeded as needed:
        from . import evaluation

        plan = evaluation.plan_of(needed)
        if PROP_EVALUATION_WAIT in (event.get("ResourceProperties") or {}):
            return _evaluated_on_wait(event, plan, deadline, context, runtime)
        return _evaluate(event, plan, runner_initial(runtime), deadline, context, runtime)
    return _serve(event, result, deadline, context, runtime)


def runner_initial(runtime: Runtime) -> dict[str, Any]:
    from ..model_evaluation import runner

    return runner.initial(now=runtime.clock)


def _serve(
    event: Mapping[str, Any], result: dict[str, Any], deadline: float, context: Any, runtime: Runtime
) -> dict[str, Any] | None:
    """The serving core's answer: a Delete that needs no wait is answered, anything else waits until ready."""
    from ..model_serving import handler as serving

    data = result.get("Data") or {}
    if event.get("RequestType") == "Delete" and serving.AWAIT not in data:
        return answer.body(event, "SUCCESS", physical_id=result["PhysicalResourceId"], data=data)
    if PROP_EVALUATION_GATE in (event.get("ResourceProperties") or {}):
        # Fn::GetAtt of a key the answer lacks fails the stack: without an evaluation this time (no swap, or a
        # swap back), the gate's attributes are empty
        from .evaluation import attributes

        result = {**result, "Data": {**attributes({}), **data}}
    waiting = {**event, **result, "PhysicalResourceId": result["PhysicalResourceId"]}
    return _wait(waiting, deadline, context, runtime)


def _evaluate(
    event: Mapping[str, Any],
    plan: Mapping[str, Any],
    state: dict[str, Any],
    deadline: float,
    context: Any,
    runtime: Runtime,
) -> dict[str, Any] | None:
    """Step the evaluation gate (entry/evaluation.py); passed: create or swap as the serving core decides."""
    from . import evaluation

    stepper = _stepper(event, plan, context, runtime)
    outcome, state = stepper.run(state, deadline, WAIT_LIMIT_S / 60)
    if outcome == "continue":
        runtime.invoke_self(evaluation.continuation(event, deadline, plan, state))
        log_event(action="continue-evaluation", logicalResourceId=event.get("LogicalResourceId"), outcome="continued")
        return None
    verdict = state.get("verdict") or {}
    if verdict.get("promoted") is not True or state.get("phase") != "done":
        reason = str(verdict.get("reason") or "the evaluation gate gave no verdict") + evaluation.leftover(state)
        log_event(logging.ERROR, action="evaluation-gate", outcome="refused", reason=reason)
        return answer.body(event, "FAILED", reason=reason)
    doubt = stepper.confirm(state)
    if doubt is not None:
        log_event(logging.ERROR, action="evaluation-gate", outcome="verdict-not-confirmed", reason=doubt)
        return answer.body(event, "FAILED", reason=doubt)
    return _promote(event, plan, verdict, deadline, context, runtime)


def _evaluated_on_wait(
    event: Mapping[str, Any], plan: Mapping[str, Any], deadline: float, context: Any, runtime: Runtime
) -> dict[str, Any] | None:
    """The long path (entry/evaluation_wait.py): the evaluation ran before this request, on a wait condition whose
    signal names the job; the verdict is confirmed from Bedrock and S3 before anything serves."""
    from . import evaluation_wait

    verdict, reason = evaluation_wait.confirm(event, _stepper(event, plan, context, runtime))
    if verdict is None:
        log_event(logging.ERROR, action="evaluation-gate", outcome="verdict-not-confirmed", reason=reason)
        return answer.body(event, "FAILED", reason=reason)
    return _promote(event, plan, verdict, deadline, context, runtime)


def _promote(
    event: Mapping[str, Any],
    plan: Mapping[str, Any],
    verdict: Mapping[str, Any],
    deadline: float,
    context: Any,
    runtime: Runtime,
) -> dict[str, Any] | None:
    """A confirmed passing verdict: the serving core creates or swaps, and the gate's attributes join the answer."""
    from ..model_serving import handler as serving
    from . import evaluation

    log_event(action="evaluation-gate", modelArn=plan.get("model"), jobArn=verdict.get("job_arn"), outcome="passed")
    result = serving.handle(
        dict(event), context, client=runtime.bedrock(), sleep=runtime.sleep, evaluated=str(plan["model"])
    )
    result = {**result, "Data": {**(result.get("Data") or {}), **evaluation.attributes(verdict)}}
    return _serve(event, result, deadline, context, runtime)


def _wait(event: dict[str, Any], deadline: float, context: Any, runtime: Runtime) -> dict[str, Any] | None:
    """Poll the serving resource until it is ready (or gone), continue in a new invocation, or time out."""
    from ..model_serving import handler as serving

    client = runtime.bedrock()
    while True:
        state = serving.check(event, context, client=client, sleep=runtime.sleep)
        if state.get("IsComplete"):
            data = {**(event.get("Data") or {}), **(state.get("Data") or {})}
            return answer.body(event, "SUCCESS", physical_id=event["PhysicalResourceId"], data=data)
        if runtime.clock() + POLL_INTERVAL_S > deadline:
            return answer.body(
                event,
                "FAILED",
                reason=f"{event.get('PhysicalResourceId')} was not ready within {WAIT_LIMIT_S / 60:.0f} minutes "
                "(CloudFormation waits at most an hour for a custom resource). Bedrock may still finish it: check "
                "its status, then deploy again.",
            )
        if _remaining_s(context) < POLL_INTERVAL_S + CONTINUE_RESERVE_S:
            runtime.invoke_self({CONTINUATION_KEY: {"event": event, "deadline": deadline}})
            log_event(action="continue-wait", logicalResourceId=event.get("LogicalResourceId"), outcome="continued")
            return None
        runtime.sleep(POLL_INTERVAL_S)


def _on_continuation(event: Mapping[str, Any], context: Any, runtime: Runtime) -> dict[str, Any]:
    payload = event.get(CONTINUATION_KEY)
    request = payload.get("event") if isinstance(payload, Mapping) else None
    deadline = payload.get("deadline") if isinstance(payload, Mapping) else None
    gate = payload.get("evaluation") if isinstance(payload, Mapping) else None
    waiting = payload.get(LONG_EVALUATION) if isinstance(payload, Mapping) else None
    if isinstance(waiting, Mapping) and isinstance(request, Mapping) and isinstance(deadline, int | float):
        return _on_long_evaluation(request, float(deadline), waiting, context, runtime)
    if isinstance(gate, Mapping) and isinstance(request, Mapping) and isinstance(deadline, int | float):
        if not isinstance(gate.get("state"), Mapping) or not all(k in gate for k in ("model", "incumbent", "noun")):
            log_event(
                trigger="continuation", outcome="ignored", reason="the evaluation state is not of the expected shape"
            )
            return {"trigger": "malformed"}
        if _refused(request, runtime):
            return {"trigger": "continuation", "status": "REFUSED"}
        plan = {k: v for k, v in gate.items() if k != "state"}
        state = dict(gate["state"])
        return _answering(
            request, context, runtime, lambda: _evaluate(request, plan, state, float(deadline), context, runtime)
        )
    if not isinstance(request, Mapping) or not isinstance(deadline, int | float) or "PhysicalResourceId" not in request:
        log_event(trigger="continuation", outcome="ignored", reason="the continuation is not of the expected shape")
        return {"trigger": "malformed"}
    if _refused(request, runtime):
        return {"trigger": "continuation", "status": "REFUSED"}
    waiting = dict(request)
    return _answering(waiting, context, runtime, lambda: _wait(waiting, float(deadline), context, runtime))


# ---- failed asynchronous invocations ------------------------------------------------------------------


def _is_failure_record(event: Mapping[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, Mapping) and "condition" in context and "requestPayload" in event


def _on_failure_record(event: Mapping[str, Any], context: Any, runtime: Runtime) -> dict[str, Any]:
    """Lambda gave up on an invocation (its retries, or the event's maximum age): answer its request FAILED."""
    record = event["requestContext"]
    payload = event.get("requestPayload")
    leftover = ""
    if isinstance(payload, Mapping) and isinstance(payload.get(CONTINUATION_KEY), Mapping):
        continued = payload[CONTINUATION_KEY]
        payload = continued.get("event")
        if isinstance(payload, Mapping) and isinstance(continued.get(LONG_EVALUATION), Mapping):
            return _long_evaluation_failed(payload, continued[LONG_EVALUATION], record, context, runtime)
        if isinstance(payload, Mapping) and isinstance(continued.get("evaluation"), Mapping):
            leftover = _abort_evaluation(payload, continued["evaluation"], context, runtime)
    condition = str(record.get("condition"))
    if not isinstance(payload, Mapping) or "ResponseURL" not in payload or _is_failure_record(payload):
        log_event(logging.WARNING, trigger="failure-record", condition=condition, outcome="nothing-to-answer")
        return {"trigger": "failure-record", "status": "IGNORED"}
    if _refused(payload, runtime):
        return {"trigger": "failure-record", "status": "REFUSED"}
    returned = event.get("responsePayload")
    error = ""
    if isinstance(returned, Mapping) and returned.get("errorType"):
        error = f": {returned.get('errorType')}: {returned.get('errorMessage', '')}"
    reason = (
        f"The stack's runtime function did not answer this request ({condition} after "
        f"{record.get('approximateInvokeCount', '?')} attempt(s){error}). See the function's log group; deploy again."
        f"{leftover}"
    )
    log_event(logging.ERROR, trigger="failure-record", condition=condition, outcome="FAILED")
    response = answer.body(payload, "FAILED", reason=reason)
    answer.send(
        runtime.put,
        str(payload.get("ResponseURL")),
        response,
        remaining_s=lambda: _remaining_s(context),
        sleep=runtime.sleep,
    )
    return {"trigger": "failure-record", "status": "FAILED"}


def _stepper(event: Mapping[str, Any], plan: Mapping[str, Any], context: Any, runtime: Runtime) -> Any:
    """The evaluation gate's stepper for one request, on this invocation's edges and time."""
    from . import evaluation

    return evaluation.Stepper(
        event,
        plan,
        clients=runtime.clients,
        bedrock=runtime.bedrock(),
        clock=runtime.clock,
        sleep=runtime.sleep,
        remaining_s=lambda: _remaining_s(context) - ANSWER_RESERVE_S,
        poll_s=POLL_INTERVAL_S,
        continue_reserve_s=CONTINUE_RESERVE_S,
    )


def _abort_evaluation(request: Mapping[str, Any], gate: Mapping[str, Any], context: Any, runtime: Runtime) -> str:
    """An evaluation gate whose continuation Lambda gave up on: stop its judge and delete its temporary deployment
    (as far as one invocation gets); what is left is named in the reason."""
    from . import evaluation

    state = gate.get("state")
    if not isinstance(state, Mapping) or state.get("phase") == "done":
        return ""
    try:
        plan = {k: v for k, v in gate.items() if k != "state"}
        stepper = _stepper(request, plan, context, runtime)
        left = stepper.abort(dict(state), "aborted: the runtime's continuation failed")
    except Exception as error:
        log_event(logging.ERROR, trigger="failure-record", action="evaluation-abort", error=describe_error(error))
        left = dict(state)
    log_event(trigger="failure-record", action="evaluation-abort", outcome=left.get("phase"))
    return evaluation.leftover(left)


# ---- the evaluation gate's long path (entry/evaluation_wait.py) ----------------------------------------------


def _edge(context: Any, runtime: Runtime) -> Any:
    from . import evaluation_wait

    return evaluation_wait.Edge(
        runtime=runtime,
        stepper=lambda event, plan: _stepper(event, plan, context, runtime),
        remaining_s=lambda: _remaining_s(context) - ANSWER_RESERVE_S,
    )


def _evaluation_resource(event: Mapping[str, Any], context: Any, runtime: Runtime) -> dict[str, Any]:
    """The Evaluation resource: answered first, then (Create) the runner starts in a new invocation."""
    from ..kernel.envelope import refusal as envelope_refusal
    from . import evaluation_wait

    after: list[Callable[[], None]] = []

    def core() -> dict[str, Any]:
        refused = envelope_refusal(event)
        if refused is not None:
            return answer.body(event, "FAILED", reason=f"Refusing a malformed request: {refused}.")
        return evaluation_wait.on_request(event, _edge(context, runtime), after)

    result = _answering(event, context, runtime, core)
    for step in after:
        step()
    return result


def _on_long_evaluation(
    request: Mapping[str, Any], deadline: float, waiting: Mapping[str, Any], context: Any, runtime: Runtime
) -> dict[str, Any]:
    from . import evaluation_wait

    if not isinstance(waiting.get("state"), Mapping) or not all(k in waiting for k in ("model", "incumbent", "noun")):
        log_event(trigger="continuation", outcome="ignored", reason="the evaluation state is not of the expected shape")
        return {"trigger": "malformed"}
    if _refused(request, runtime):
        return {"trigger": "continuation", "status": "REFUSED"}
    edge = _edge(context, runtime)
    try:
        with guard(_remaining_s(context) - ANSWER_RESERVE_S):
            return evaluation_wait.on_continuation(request, deadline, waiting, edge)
    except DeadlineReached:
        evaluation_wait.on_failure(request, waiting, "the runtime ran out of time", edge)
        return {"trigger": "continuation", "status": "FAILURE"}


def _long_evaluation_failed(
    request: Mapping[str, Any], waiting: Mapping[str, Any], record: Mapping[str, Any], context: Any, runtime: Runtime
) -> dict[str, Any]:
    """Lambda gave up on a long-path continuation: CloudFormation has its answer, so the wait condition is told."""
    from . import evaluation_wait

    if _refused(request, runtime):
        return {"trigger": "failure-record", "status": "REFUSED"}
    condition = f"{record.get('condition')} after {record.get('approximateInvokeCount', '?')} attempt(s)"
    log_event(logging.ERROR, trigger="failure-record", condition=str(record.get("condition")), outcome="FAILURE")
    evaluation_wait.on_failure(request, waiting, condition, _edge(context, runtime))
    return {"trigger": "failure-record", "status": "SIGNALLED"}


def _reraise(error: Exception) -> dict[str, Any]:
    raise error


# ---- the watcher ------------------------------------------------------------------------------------


def _watcher(event: Mapping[str, Any], context: Any, runtime: Runtime) -> dict[str, Any]:
    """Bedrock's state-change events, the backup schedule and the Result requests (which the watcher answers)."""
    if "RequestType" in event and event.get("ResourceType") != RESULT_RESOURCE_TYPE:
        return _answering(
            event,
            context,
            runtime,
            lambda: answer.body(
                event, "FAILED", reason=f"This function serves no resource of type {event.get('ResourceType')!r}."
            ),
        )
    try:
        from ..job_watcher import handler as watcher
    except Exception as error:  # a Result request is still answered (FAILED) when the watcher cannot load
        if "RequestType" not in event:
            raise
        failure = error
        return _answering(event, context, runtime, lambda: _reraise(failure))

    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return watcher.handle(
        event,
        clients=watcher.new_clients(),
        env=runtime.env,
        put=runtime.put,
        remaining_ms=remaining if callable(remaining) else None,
        memory=watcher.MEMORY,
    )

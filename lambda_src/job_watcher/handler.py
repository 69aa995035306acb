"""Lambda entry point ``job_watcher.handler.handler``: one function for three kinds of invocation.

- ``Model Customization Job State Change`` events (source ``aws.bedrock``): react within seconds;
- the stack's backup schedule (source ``aws.events``): a lost event delays the signal by one interval;
- CloudFormation requests for ``Custom::BedrockModelCustomizationResult`` (they carry ``RequestType``).

Anything else, or an event of the wrong shape, is logged as one structured line and ignored: no traceback.
Only a Result request that could not be answered raises (a URL-free NotAnswered or PutFailed), so that
Lambda retries CloudFormation's asynchronous invocation.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3

from ..kernel.client import client_config, max_call_seconds
from ..kernel.log import describe_error, invocation, log_event
from . import result
from .budget import Budget
from .presigned import WORST_CASE_SECONDS, Put, PutFailed, put_json
from .sweep import Clients, Config, Memory, sweep

# botocore logs every response body at DEBUG, and DescribeStackResource's holds a handle's presigned URL:
# whatever log level the function is given, the kernel's logging keeps botocore, boto3 and urllib3 at WARNING.

CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
MAX_ATTEMPTS = 3  # in total, the first one included
CLIENT_CONFIG = client_config(CONNECT_TIMEOUT_S, READ_TIMEOUT_S, MAX_ATTEMPTS)

RETRY_SLACK_S = 1.0
"""Slack per botocore retry: the watcher counts one second, not the up to 5 s an ``x-amz-retry-after`` answer
may add (the handler's figure). So one call counts 26 s, and a 60 s invocation may start calls for 32 s; with
5 s it would count 34 s and leave 24 s."""
CALL_SECONDS = max(max_call_seconds(CLIENT_CONFIG, retry_after_s=RETRY_SLACK_S), float(WORST_CASE_SECONDS))
"""The longest one call can take: a client call under CLIENT_CONFIG, or a presigned PUT."""
MEMORY = Memory(offset=time.time_ns() // 1_000_000)
"""Kept while this container is warm; a cold one starts at a clock-derived position."""
UNLIMITED_MS = 10**9


def new_clients() -> Clients:
    return Clients(
        bedrock=boto3.client("bedrock", config=CLIENT_CONFIG),
        cloudformation=boto3.client("cloudformation", config=CLIENT_CONFIG),
        events=boto3.client("events", config=CLIENT_CONFIG),
    )


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point: the invocation's remaining time and request id come from the Lambda context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    with invocation(context):
        return handle(
            event,
            clients=new_clients(),
            env=os.environ,
            put=put_json,
            remaining_ms=remaining if callable(remaining) else None,
            memory=MEMORY,
        )


def handle(
    event: Any,
    *,
    clients: Clients,
    env: Mapping[str, str],
    put: Put,
    remaining_ms: Callable[[], int] | None = None,
    sleep: Callable[[float], None] | None = None,
    memory: Memory | None = None,
) -> dict[str, Any]:
    """``handler`` with its dependencies injected: tests pass stubbed clients, a ``put`` that reaches a local
    server, a fake clock and sleep, and a fresh ``Memory`` (default: a cold one that starts at the first handle)."""
    budget = Budget(remaining_ms or (lambda: UNLIMITED_MS), sleep or time.sleep, CALL_SECONDS)
    try:
        return _dispatch(event, clients, env, put, budget, memory if memory is not None else Memory())
    except (PutFailed, result.NotAnswered):
        raise  # a Result request was not answered: Lambda retries it (the message names no URL)
    except Exception as error:  # a bug or an answer of an unexpected shape: one line, never a traceback
        summary = {"trigger": "error", "outcome": "error", "error": describe_error(error)}
        log_event(logging.ERROR, **summary)
        return summary


def _malformed(reason: str) -> dict[str, Any]:
    log_event(trigger="malformed", outcome="ignored", reason=reason)
    return {"trigger": "malformed", "reason": reason}


def _dispatch(
    event: Any, clients: Clients, env: Mapping[str, str], put: Put, budget: Budget, memory: Memory
) -> dict[str, Any]:
    if not isinstance(event, Mapping):
        return _malformed(f"the event is a {type(event).__name__}, not an object")
    config = Config.from_env(env)
    if "RequestType" in event:
        body = result.respond(event, clients.bedrock, put, budget.reserving(WORST_CASE_SECONDS), config.stack_id)
        return {"trigger": "cloudformation", "status": body["Status"]}
    source = event.get("source")
    first: str | None = None
    if source == "aws.bedrock":
        trigger = "event"
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            return _malformed("the state-change event's detail is not an object")
        first, status = detail.get("jobName"), detail.get("jobStatus")
        if not isinstance(first, str) or not isinstance(status, str | None):
            return _malformed("the state-change event's detail.jobName or jobStatus is not a string")
        log_event(trigger=trigger, job=first, jobStatus=status)
    elif source == "aws.events":
        trigger = "schedule"
    else:
        log_event(trigger="unknown", outcome="ignored", source=source if isinstance(source, str) else None)
        return {"trigger": "unknown"}
    outcome = sweep(config, clients, put, budget, memory, first=first)
    summary = {
        "trigger": trigger,
        "signalled": outcome.signalled,
        "pending": outcome.pending,
        "settled": outcome.settled,
        "deferred": outcome.deferred,
        "scheduleDisabled": outcome.schedule_disabled,
    }
    log_event(**summary)
    return summary

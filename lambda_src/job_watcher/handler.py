"""Lambda entry point ``job_watcher.handler.handler``: one function for three kinds of invocation.

- ``Model Customization Job State Change`` events (source ``aws.bedrock``): react within seconds;
- the stack's backup schedule (source ``aws.events``): a lost event delays the signal by one interval;
- CloudFormation requests for ``Custom::BedrockModelCustomizationResult`` (they carry ``RequestType``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from . import result
from .log import log_event
from .presigned import Put, put_json
from .sweep import Clients, Config, sweep

CLIENT_CONFIG = BotoConfig(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)


def new_clients() -> Clients:
    return Clients(
        bedrock=boto3.client("bedrock", config=CLIENT_CONFIG),
        cloudformation=boto3.client("cloudformation", config=CLIENT_CONFIG),
        events=boto3.client("events", config=CLIENT_CONFIG),
    )


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point."""
    return handle(event, clients=new_clients(), env=os.environ, put=put_json)


def handle(event: Mapping[str, Any], *, clients: Clients, env: Mapping[str, str], put: Put) -> dict[str, Any]:
    """``handler`` with its dependencies injected (tests pass stubbed clients and a local URL)."""
    if "RequestType" in event:
        body = result.respond(event, clients.bedrock, put)
        return {"trigger": "cloudformation", "status": body["Status"]}
    source = event.get("source")
    first: str | None = None
    if source == "aws.bedrock":
        trigger = "event"
        first = (event.get("detail") or {}).get("jobName")
        log_event(trigger=trigger, job=first, jobStatus=(event.get("detail") or {}).get("jobStatus"))
    elif source == "aws.events":
        trigger = "schedule"
    else:
        log_event(trigger="unknown", outcome="ignored", source=source)
        return {"trigger": "unknown"}
    outcome = sweep(Config.from_env(env), clients, put, first=first)
    summary = {
        "trigger": trigger,
        "signalled": outcome.signalled,
        "pending": outcome.pending,
        "settled": outcome.settled,
        "scheduleDisabled": outcome.schedule_disabled,
    }
    log_event(**summary)
    return summary

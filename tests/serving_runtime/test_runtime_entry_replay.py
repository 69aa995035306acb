"""app.py's serving stacks replayed through the stack's runtime entry (issue 20), as CloudFormation now reaches it.

test_serving_template_replay.py drives the serving core the way the Provider framework did (on_event, then
is_complete); here every request goes through ``entry.handler.handle``: the runtime acts, waits, continues in a
new invocation of itself when its time runs short, and PUTs its answer to the ResponseURL, a server on
127.0.0.1. Create, a retrain's swap and Delete of the synthesized deployment and throughput, against the fake
Bedrock endpoint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from integration.harness import CloudFormation, StackTemplate
from test_runtime_entry import Clock, ResponseServer
from test_serving_template_replay import (  # noqa: F401  (templates, retrained: module fixtures)
    BOTH,
    Served,
    ServingCloudFormation,
    add_job,
    retrained,
    serving_logical_id,
    serving_properties,
    templates,
    trained,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.entry import handler
from lambda_src.entry.handler import Runtime
from lambda_src.job_watcher.presigned import send_json


class RuntimeEntry:
    """CloudFormation's side of one request: invoke the entry (and the continuations it asks for) until the answer
    arrives at the ResponseURL; a FAILED answer raises with its reason, as CloudFormation reports it."""

    def __init__(self, client: Any, server: ResponseServer, remaining_ms: int = 200_000) -> None:
        self.client, self.server, self.remaining_ms = client, server, remaining_ms
        self.invocations = 0

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        pending: list[dict[str, Any]] = [{**copy.deepcopy(event), "ResponseURL": self.server.url}]
        answered = len(self.server.bodies)
        while pending:
            clock = Clock(remaining_ms=self.remaining_ms)
            runtime = Runtime(
                send_json, clock.sleep, clock.now, pending.append, lambda: self.client, {}, lambda url: None
            )
            handler.handle(pending.pop(0), clock, runtime)
            self.invocations += 1
            assert self.invocations < 50
        (body,) = self.server.bodies[answered:]
        if body["Status"] == "FAILED":
            raise HandlerError(body["Reason"])
        return {"PhysicalResourceId": body["PhysicalResourceId"], "Data": body.get("Data", {})}


@pytest.fixture
def through_entry(
    fake_client: Any,
    cfn: ResponseServer,
) -> Callable[[StackTemplate, Served], tuple[CloudFormation, RuntimeEntry]]:
    def for_stack(stack: StackTemplate, served: Served) -> tuple[CloudFormation, RuntimeEntry]:
        entry = RuntimeEntry(fake_client, cfn)
        return ServingCloudFormation(stack, serving_logical_id(stack, served), entry), entry

    return for_stack


@pytest.mark.parametrize("served", BOTH)
def test_create_swap_and_delete_through_the_runtime_entry(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],  # noqa: F811
    retrained: dict[str, StackTemplate],  # noqa: F811
    through_entry: Callable[[StackTemplate, Served], tuple[CloudFormation, RuntimeEntry]],
    served: Served,
) -> None:
    stack, next_stack = templates[served.stack], retrained[served.stack]
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=-0.3)
    add_job(fake, v2, first, margin=-0.2)
    fake.creating_polls, fake.updating_polls, fake.deletion_polls = 8, 6, 2
    cloudformation, entry = through_entry(stack, served)

    created = cloudformation.create(first)
    arn = created["PhysicalResourceId"]
    assert (fake.resources[arn].status, fake.resources[arn].model) == (served.ready, v1.model_arn)
    assert created["Data"][served.arn_attribute] == arn and created["Data"]["ModelArn"] == v1.model_arn
    assert entry.invocations >= 2, "the wait outlasted one invocation and continued in another"

    swapped, replaced = cloudformation.update(serving_properties(next_stack, served, v2))
    assert replaced is None and swapped["PhysicalResourceId"] == arn
    assert fake.resources[arn].model == v2.model_arn and swapped["Data"]["ModelArn"] == v2.model_arn

    deleted = cloudformation.delete()
    assert deleted["PhysicalResourceId"] == arn and arn not in fake.resources

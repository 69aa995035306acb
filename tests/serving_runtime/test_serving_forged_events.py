"""The serving handler creates nothing for an event that is not a well-formed CloudFormation request (issue 19):
``on_event`` and ``is_complete`` fail with a reason naming the field and a ``fail`` line, before any Bedrock call,
and no exception of another type leaves them.

A real client under botocore's Stubber with no answers queued; every API call it is asked for is recorded, and
a call at all fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_TYPE,
    NEW_MODEL_ARN,
    THROUGHPUT_ARN,
    THROUGHPUT_TYPE,
    FakeLambdaTime,
    deployment_request,
    make_event,
    throughput_request,
)
from support.forged import nested, refused

from lambda_src.model_serving import handler

NOTHING = object()
Step = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def calls(bedrock: Any) -> Iterator[list[str]]:
    made: list[str] = []
    bedrock.meta.events.register("provide-client-params.bedrock", lambda model, **_: made.append(model.name))
    with Stubber(bedrock):
        yield made


@pytest.fixture(params=["on_event", "is_complete"])
def step(request: pytest.FixtureRequest, bedrock: Any, lambda_time: FakeLambdaTime) -> Step:
    entry = handler.handle if request.param == "on_event" else handler.check
    return lambda event: entry(event, lambda_time, client=bedrock, sleep=lambda_time.sleep)


def apply(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    for field, value in changes.items():
        if value is NOTHING:
            event.pop(field, None)
        else:
            event[field] = value
    return event


def create(**changes: Any) -> dict[str, Any]:
    return apply(make_event(DEPLOYMENT_TYPE, "Create", deployment_request()), **changes)


def swap(old: Any = None, **changes: Any) -> dict[str, Any]:
    event = make_event(
        DEPLOYMENT_TYPE,
        "Update",
        deployment_request(modelArn=NEW_MODEL_ARN),
        old_request=deployment_request(),
        physical_id=DEPLOYMENT_ARN,
    )
    if old is not None:
        event["OldResourceProperties"]["Request"] = old
    return apply(event, **changes)


def throughput_update(old: dict[str, Any]) -> dict[str, Any]:
    return make_event(
        THROUGHPUT_TYPE, "Update", throughput_request(modelUnits="2"), old_request=old, physical_id=THROUGHPUT_ARN
    )


CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "create without StackId": (create(StackId=NOTHING), ("StackId",)),
    "create with an empty StackId": (create(StackId=""), ("StackId",)),
    "create with an empty LogicalResourceId": (create(LogicalResourceId=""), ("LogicalResourceId",)),
    "update without a physical id": (swap(PhysicalResourceId=NOTHING), ("PhysicalResourceId",)),
    "update with a number as physical id": (swap(PhysicalResourceId=42), ("PhysicalResourceId", "int")),
    "delete with a list as physical id": (
        apply(make_event(DEPLOYMENT_TYPE, "Delete", deployment_request()), PhysicalResourceId=[DEPLOYMENT_ARN]),
        ("PhysicalResourceId",),
    ),
    "a request nested 990 levels deep": (
        make_event(DEPLOYMENT_TYPE, "Create", deployment_request(description=nested(990))),
        ("nests deeper than 32 levels",),
    ),
    "a Data map nested 990 levels deep": (
        swap(Data=nested(990)),
        ("nests deeper than 32 levels", "Data"),
    ),
}

ON_EVENT_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "update whose old request is empty": (swap({}), ("OldResourceProperties.Request.modelArn is missing",)),
    "update whose old request lacks its model": (
        swap(deployment_request(modelArn=None)),
        ("OldResourceProperties.Request.modelArn is missing",),
    ),
    "update whose old model is a map": (
        swap(deployment_request(modelArn={})),
        ("OldResourceProperties.Request.modelArn is dict",),
    ),
    "update whose old throughput has no model units": (
        throughput_update(throughput_request(modelUnits=None)),
        ("OldResourceProperties.Request.modelUnits is missing",),
    ),
    "update whose old model units are not a number": (
        throughput_update(throughput_request(modelUnits="many")),
        ("OldResourceProperties.Request.modelUnits is str, expected integer",),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_event_creates_nothing_and_names_the_field(
    step: Step, calls: list[str], capsys: pytest.CaptureFixture[str], case: str
) -> None:
    event, fragments = CASES[case]

    reason = refused(step, event, capsys)

    assert all(fragment in reason for fragment in fragments), reason
    assert "unexpectedly" not in reason and calls == []


@pytest.mark.parametrize("case", ON_EVENT_CASES)
def test_an_update_whose_old_request_is_incomplete_creates_nothing(
    bedrock: Any, lambda_time: FakeLambdaTime, calls: list[str], capsys: pytest.CaptureFixture[str], case: str
) -> None:
    event, fragments = ON_EVENT_CASES[case]

    def on_event(e: dict[str, Any]) -> dict[str, Any]:
        return handler.handle(e, lambda_time, client=bedrock, sleep=lambda_time.sleep)

    reason = refused(on_event, event, capsys)

    assert all(fragment in reason for fragment in fragments), reason
    assert "continue-update-rollback" in reason and calls == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
NOT_A_STRING = st.none() | st.booleans() | st.integers() | st.lists(st.text(), max_size=2) | st.just({})


@st.composite
def malformed(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed serving event broken in one way that makes it not a CloudFormation request, plus noise."""
    request_type = draw(st.sampled_from(["Create", "Update", "Delete"]))
    event = make_event(
        DEPLOYMENT_TYPE,
        request_type,
        deployment_request(modelArn=NEW_MODEL_ARN),
        old_request=deployment_request() if request_type == "Update" else None,
        physical_id=DEPLOYMENT_ARN if request_type != "Create" else None,
        data=draw(
            st.sampled_from(
                [None, {"ServingAwaits": "deletion-when-not-busy"}, {"ServingAwaits": "swap-when-not-busy"}]
            )
        ),
    )
    breaks = ["stack", "ids", "depth"] + (["physical-id"] if request_type != "Create" else [])
    broken = draw(st.sampled_from(breaks))
    if broken == "stack":
        event["StackId"] = draw(NOT_A_STRING | st.just("") | st.text(max_size=30).filter(lambda t: ":stack/" not in t))
    elif broken == "ids":
        event[draw(st.sampled_from(["RequestId", "LogicalResourceId"]))] = draw(NOT_A_STRING | st.just(""))
    elif broken == "physical-id":
        event["PhysicalResourceId"] = draw(NOT_A_STRING | st.just(""))
    else:
        target = draw(st.sampled_from([event, event["ResourceProperties"], event["ResourceProperties"]["Request"]]))
        target[draw(st.sampled_from(["Data", "QualityGate", "tags", "Extra"]))] = nested(
            draw(st.integers(min_value=33, max_value=1_500)), draw(JSON)
        )
    for key, value in draw(st.dictionaries(st.sampled_from(["Noise", "ServiceToken"]), JSON, max_size=2)).items():
        event[key] = value
    return event


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=malformed())
def test_many_malformed_events_fail_named_without_a_call(
    step: Step, calls: list[str], capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    reason = refused(step, event, capsys)

    assert "unexpectedly" not in reason and "could not read" not in reason
    assert calls == []

"""Events that are not well-formed CloudFormation requests start nothing (issue 19): each fails with a reason
naming the field and a structured ``fail`` line, before any Bedrock call, and no exception of another type
ever leaves the handler.

The client is a real one under botocore's Stubber with no answers queued, and every API call it is asked to
make is recorded: a call at all fails the test. A table covers the cases the security review found; a
property-based test (hypothesis) feeds many more: a well-formed event broken in one way, with noise added.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import JOB_ARN, Run, base_request, make_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.forged import fail_lines, nested, refused

from lambda_src.customization_job.errors import HandlerError

NOTHING = object()
"""A field removed from the event."""


@pytest.fixture
def calls(bedrock: Any) -> Iterator[list[str]]:
    """Every API call the handler asks the client for (validated or not, answered or not)."""
    made: list[str] = []
    bedrock.meta.events.register("provide-client-params.bedrock", lambda model, **_: made.append(model.name))
    with Stubber(bedrock):
        yield made


def update(old: Any = None, **changes: Any) -> dict[str, Any]:
    event = make_event("Update", base_request(epochCount="3"), old_request=base_request(), physical_id=JOB_ARN)
    if old is not None:
        event["OldResourceProperties"]["Request"] = old
    return apply(event, changes)


def apply(event: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for field, value in changes.items():
        if value is NOTHING:
            event.pop(field, None)
        else:
            event[field] = value
    return event


def without(field: str) -> dict[str, Any]:
    request = base_request()
    del request[field]
    return request


CASES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "create without StackId": (apply(make_event("Create", base_request()), {"StackId": NOTHING}), ("StackId",)),
    "create with an empty StackId": (apply(make_event("Create", base_request()), {"StackId": ""}), ("StackId",)),
    "create with a StackId that is no stack ARN": (
        apply(make_event("Create", base_request()), {"StackId": "Demo"}),
        ("StackId", "stack ARN"),
    ),
    "create with an empty RequestId": (apply(make_event("Create", base_request()), {"RequestId": ""}), ("RequestId",)),
    "update without a physical id": (update(PhysicalResourceId=NOTHING), ("PhysicalResourceId",)),
    "update with a number as physical id": (update(PhysicalResourceId=42), ("PhysicalResourceId", "int")),
    "update with an empty physical id": (update(PhysicalResourceId=""), ("PhysicalResourceId",)),
    "delete with a number as physical id": (
        apply(make_event("Delete", base_request()), {"PhysicalResourceId": 42}),
        ("PhysicalResourceId",),
    ),
    "update whose old request is empty": (update({}), ("Request.baseModelIdentifier is missing",)),
    "update whose old request lacks roleArn": (update(without("roleArn")), ("OldResourceProperties.Request.roleArn",)),
    "update whose old base model is a map": (
        update(base_request(baseModelIdentifier={})),
        ("OldResourceProperties.Request.baseModelIdentifier",),
    ),
    "update whose old training data is a string": (
        update(base_request(trainingDataConfig="s3://x")),
        ("trainingDataConfig is str, expected structure",),
    ),
    "a job name nested 990 levels deep": (
        make_event("Create", base_request(jobName=nested(990))),
        ("nests deeper than 32 levels", "ResourceProperties.Request.jobName"),
    ),
    "old properties nested 990 levels deep": (
        update(base_request(hyperParameters=nested(990))),
        ("nests deeper than 32 levels",),
    ),
    "an extra top-level field nested 5,000 levels deep": (
        apply(make_event("Delete", base_request(), physical_id=JOB_ARN), {"Extra": nested(5_000)}),
        ("nests deeper",),
    ),
    "an event of 30,000 values": (
        apply(make_event("Create", base_request()), {"Extra": list(range(30_000))}),
        ("more than 20000 values",),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_event_starts_nothing_and_names_the_field(
    run: Run, calls: list[str], capsys: pytest.CaptureFixture[str], case: str
) -> None:
    event, fragments = CASES[case]

    reason = refused(run, copy.deepcopy(event) if "nested" not in case else event, capsys)

    for fragment in fragments:
        assert fragment in reason
    assert "unexpectedly" not in reason and "bug" not in reason
    assert calls == []


@pytest.mark.parametrize("job_tags", ["not-a-list", ["x"], [{"value": "v"}], [{"key": 5}], [None]])
def test_a_delete_with_scope_tags_and_malformed_job_tags_is_answered(run: Run, calls: list[str], job_tags: Any) -> None:
    """A Delete reads its properties leniently (a resource must always be deletable): malformed tags are not
    read as tags, and never raise a KeyError or TypeError."""
    event = make_event("Delete", base_request(jobTags=job_tags), physical_id="SupportBotJob-PLACEHOLDER")
    event["ResourceProperties"]["Tags"] = {"team": "ml"}

    assert run(event) == {"PhysicalResourceId": "SupportBotJob-PLACEHOLDER"}
    assert calls == []


# ---- many malformed events ---------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
NOT_A_STRING = st.none() | st.booleans() | st.integers() | st.lists(st.text(), max_size=2) | st.just({})
REQUIRED = ("jobName", "customModelName", "roleArn", "baseModelIdentifier", "trainingDataConfig", "outputDataConfig")


@st.composite
def malformed(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed event, broken in one of the ways that make it not a CloudFormation request, plus noise."""
    request_type = draw(st.sampled_from(["Create", "Update", "Delete"]))
    event = make_event(
        request_type,
        base_request(),
        old_request=base_request(epochCount="1") if request_type == "Update" else None,
        physical_id=JOB_ARN if request_type != "Create" else None,
    )
    breaks = ["stack", "request-id", "logical-id", "depth", "type"]
    if request_type != "Create":
        breaks.append("physical-id")
    if request_type == "Update":
        breaks.append("old-request")
    broken = draw(st.sampled_from(breaks))
    if broken == "stack":
        event["StackId"] = draw(NOT_A_STRING | st.just("") | st.text(max_size=30).filter(lambda t: ":stack/" not in t))
    elif broken in ("request-id", "logical-id"):
        event["RequestId" if broken == "request-id" else "LogicalResourceId"] = draw(NOT_A_STRING | st.just(""))
    elif broken == "physical-id":
        event["PhysicalResourceId"] = draw(NOT_A_STRING | st.just(""))
    elif broken == "type":
        event["RequestType"] = draw(NOT_A_STRING | st.text(max_size=8).filter(lambda t: t not in event["RequestType"]))
    elif broken == "depth":
        where = draw(st.sampled_from(["ResourceProperties", "Request", "OldResourceProperties", "top"]))
        deep = nested(draw(st.integers(min_value=33, max_value=1_500)), draw(JSON))
        target = {
            "ResourceProperties": event["ResourceProperties"],
            "Request": event["ResourceProperties"]["Request"],
            "OldResourceProperties": event.get("OldResourceProperties", event),
            "top": event,
        }[where]
        target[draw(st.sampled_from(["jobName", "jobTags", "Extra", "Tags"]))] = deep
    else:  # old-request
        old = event["OldResourceProperties"]["Request"]
        field = draw(st.sampled_from(REQUIRED))
        old[field] = draw(st.none() | st.just("") | st.just({}) | st.lists(st.text(), max_size=1) | st.integers())
        if field in ("trainingDataConfig", "outputDataConfig") and isinstance(old[field], dict):
            old[field] = draw(st.just([]) | st.just(7))
    for key, value in draw(
        st.dictionaries(st.sampled_from(["Noise", "Data", "ServiceToken"]), JSON, max_size=2)
    ).items():
        event[key] = value
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=malformed())
def test_many_malformed_events_fail_named_without_a_call(
    run: Run, calls: list[str], capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    reason = refused(run, event, capsys)

    assert "unexpectedly" not in reason and "could not read" not in reason
    assert calls == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(properties=JSON, request_=JSON, tags=JSON, deep=st.integers(min_value=0, max_value=1_200))
def test_a_delete_of_no_job_with_any_properties_is_answered_or_refused_by_name(
    run: Run,
    calls: list[str],
    capsys: pytest.CaptureFixture[str],
    properties: Any,
    request_: Any,
    tags: Any,
    deep: int,
) -> None:
    """Whatever the properties hold, a Delete of a resource without a job answers or fails by name: never a
    raw exception, never a call."""
    event = make_event("Delete", base_request(), physical_id="SupportBotJob-PLACEHOLDER")
    props = properties if not isinstance(properties, dict) else {**properties, "Request": request_, "Tags": tags}
    event["ResourceProperties"] = nested(deep, props) if deep % 3 == 0 else props
    capsys.readouterr()
    try:
        answer = run(event)
    except HandlerError as failure:
        (line,) = fail_lines(capsys.readouterr().out)
        assert line["reason"] == str(failure) and "unexpectedly" not in str(failure)
    else:
        assert answer == {"PhysicalResourceId": "SupportBotJob-PLACEHOLDER"}
    assert calls == []

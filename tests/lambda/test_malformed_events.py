"""Malformed events and oversized reasons: a clear failure reason and a structured ``fail`` line, never a
raw ``AttributeError``/``TypeError``, never a replacement job or lost tags, and never a response that
CloudFormation rejects for its size.

Events here are what a hand-written template, a broken proxy or a future CloudFormation could send;
nothing is stubbed, so any Bedrock call would fail the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import JOB_ARN, STACK_ID, Run, base_request, make_event

from lambda_src.customization_job.errors import MAX_REASON, HandlerError

CFN_RESPONSE_LIMIT = 4096
"""Bytes in a custom-resource response body CloudFormation accepts."""
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


def fail_lines(captured: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in captured.splitlines() if line.strip()]
    return [line for line in lines if line.get("action") == "fail"]


def refused(run: Run, event: Any, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    """The handler raised a HandlerError (not a bug's exception) whose reason has ``fragments``, and logged it."""
    with pytest.raises(HandlerError) as failure:
        run(event)
    reason = str(failure.value)
    for fragment in fragments:
        assert fragment in reason
    (line,) = fail_lines(capsys.readouterr().out)
    assert line["outcome"] == "failed" and line["reason"] == reason
    return reason


@pytest.mark.parametrize("event", [None, "Create", ["Create"], 42])
def test_an_event_that_is_not_an_object(run: Run, capsys: pytest.CaptureFixture[str], event: Any) -> None:
    refused(run, event, capsys, "must be a JSON object", type(event).__name__)


@pytest.mark.parametrize("props", ["Request=x", ["a"], 7])
@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_resource_properties_that_are_not_an_object(
    run: Run, capsys: pytest.CaptureFixture[str], props: Any, request_type: str
) -> None:
    event = make_event(request_type, base_request(), old_request=base_request(), physical_id=JOB_ARN)
    event["ResourceProperties"] = props
    refused(run, event, capsys, "ResourceProperties must be a map", type(props).__name__)


@pytest.mark.parametrize("field", ["RequestType", "StackId", "LogicalResourceId", "RequestId"])
def test_wrong_types_at_the_top_level_are_named(run: Run, capsys: pytest.CaptureFixture[str], field: str) -> None:
    event = make_event("Create", base_request())
    event[field] = {"unexpected": ["structure"]}
    refused(run, event, capsys, field)


def test_an_update_without_old_properties_neither_replaces_nor_retags(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing to compare, every field would look changed: a new (billed) job. Refuse instead."""
    event = make_event("Update", base_request(), physical_id=JOB_ARN)
    assert "OldResourceProperties" not in event

    refused(run, event, capsys, "OldResourceProperties", "no job was started")
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("old_props", [{"ServiceToken": "x"}, {"Request": "jobName=x"}, "props"])
def test_an_update_with_unusable_old_properties_is_refused(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str], old_props: Any
) -> None:
    event = make_event("Update", base_request(), old_request=base_request(), physical_id=JOB_ARN)
    event["OldResourceProperties"] = old_props
    refused(run, event, capsys, "OldResourceProperties")
    stubber.assert_no_pending_responses()


MALFORMED_TAGS = [
    pytest.param("team=support", id="string"),
    pytest.param({"team": "support"}, id="map"),
    pytest.param([{"value": "support"}], id="entry-without-key"),
    pytest.param(["team"], id="entry-not-a-map"),
    pytest.param([{"key": {"k": 1}, "value": "v"}], id="key-not-a-string"),
    pytest.param([{"key": "team", "value": ["a"]}], id="value-not-a-string"),
]


@pytest.mark.parametrize("tags", MALFORMED_TAGS)
@pytest.mark.parametrize(("field", "prop"), [("jobTags", "job_tags"), ("customModelTags", "custom_model_tags")])
@pytest.mark.parametrize("side", ["new", "old"])
def test_malformed_tags_in_an_update_fail_instead_of_dropping_all_tags(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str], tags: Any, field: str, prop: str, side: str
) -> None:
    good = base_request(**{field: [{"key": "team", "value": "support"}]})
    bad = base_request(**{field: tags})
    old, new = (good, bad) if side == "new" else (bad, good)
    event = make_event("Update", new, old_request=old, physical_id=JOB_ARN)

    refused(run, event, capsys, field, prop)
    stubber.assert_no_pending_responses()  # no UntagResource of every tag, no new job


@pytest.mark.parametrize("tags", MALFORMED_TAGS)
def test_malformed_tags_on_create_fail_before_any_call(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str], tags: Any
) -> None:
    refused(run, make_event("Create", base_request(jobTags=tags)), capsys, "jobTags", "job_tags")
    stubber.assert_no_pending_responses()


def test_a_delete_with_malformed_properties_still_cleans_up_by_physical_id(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    """Delete never blocks a stack's removal on its properties: a physical id that is no job ARN is a no-op."""
    event = make_event("Delete", base_request(jobTags="broken"), physical_id="not-a-job-arn")
    assert run(event) == {"PhysicalResourceId": "not-a-job-arn"}


# ---- reasons within CloudFormation's 4,096-byte response -----------------------------------------


def provider_framework_response(reason: str, event: dict[str, Any]) -> bytes:
    """The body aws-cdk-lib's Provider framework PUTs for a failed Python handler (framework.ts,
    cfn-response.ts): a Python runtime error has no ``trace``, so the reason is the JS Error's stack:
    ``Error: <message>\\n\\nLogs: /aws/lambda/<function>\\n\\n`` plus the framework's own stack frames."""
    function = "Demo-BedrockModelCustomizationProviderJobHandlerA1B2C3D4-" + "x" * 6  # 64 characters at most
    message = f"{reason}\n\nLogs: /aws/lambda/{function}\n"
    js_frames = "\n".join(
        f"    at {name} (/var/task/{file}.js:{line}:{column})"
        for name, file, line, column in [
            ("invokeUserFunction", "framework", 2, 1711),
            ("process.processTicksAndRejections", "node:internal/process/task_queues", 95, 5),
            ("async onEvent", "framework", 1, 365),
            ("async Runtime.handler", "cfn-response", 1, 1676),
            ("async Runtime.handleOnceNonStreaming", "runtime/Runtime", 1, 4130),
        ]
    )
    body = {
        "Status": "FAILED",
        "Reason": f"Error: {message}\n{js_frames}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "PhysicalResourceId": event.get("PhysicalResourceId")
        or "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED",
        "LogicalResourceId": event["LogicalResourceId"],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("char", ["x", "é", "語", "🙂"])
def test_the_longest_failure_fits_cloudformations_response_in_utf8_bytes(stubber: Stubber, run: Run, char: str) -> None:
    """Bedrock's quoted message can be long and non-ASCII (a user's own tag or name): measured in bytes."""
    long_id = "L" * 255  # CloudFormation's longest logical id
    event = make_event("Create", base_request(jobName="j" * 63, customModelName="m" * 63), names_generated="false")
    event["LogicalResourceId"] = long_id
    event["StackId"] = STACK_ID.replace("/Demo/", "/" + "S" * 128 + "/")
    stubber.add_client_error("create_model_customization_job", "ValidationException", char * 5000, 400)

    with pytest.raises(HandlerError) as failure:
        run(event)

    reason = str(failure.value)
    assert "..." in reason, "a cut quote says it was cut"
    assert len(reason.encode()) <= MAX_REASON, "the reason's own budget is in bytes, not characters"
    assert len(provider_framework_response(reason, event)) <= CFN_RESPONSE_LIMIT


def test_a_cut_never_splits_a_character() -> None:
    for text in ("語" * 1000, "a" + "🙂" * 1000, "x" * 2000):
        cut = str(HandlerError(text))
        assert len(cut.encode()) <= MAX_REASON and cut.endswith("...")
        assert cut[:-3] == text[: len(cut) - 3], "a prefix of the original, whole characters only"
    assert str(HandlerError("short é")) == "short é"


def test_an_unexpected_exception_is_reported_as_a_handler_bug(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambda_src.customization_job import handler

    def broken(*_: Any, **__: Any) -> Any:
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(handler, "decide_update", broken)
    event = make_event("Update", base_request(), old_request=base_request(), physical_id=JOB_ARN)

    reason = refused(run, event, capsys, "failed unexpectedly during Update", "TypeError", "bug")
    assert "not subscriptable" in reason

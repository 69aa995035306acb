"""``on_event`` wires the production client factory; its logs are structured and carry no request data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import JOB_ARN, JOB_NAME, FakeLambdaTime, Run, base_request, make_event

from lambda_src.customization_job import handler
from lambda_src.customization_job.errors import HandlerError


def test_on_event_uses_the_client_factory(monkeypatch: pytest.MonkeyPatch, stubber: Stubber, bedrock: Any) -> None:
    monkeypatch.setattr(handler, "new_bedrock_client", lambda: bedrock)
    stubber.add_response("create_model_customization_job", {"jobArn": JOB_ARN})

    result = handler.on_event(make_event("Create", base_request()), FakeLambdaTime())

    stubber.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == JOB_ARN


def log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_one_json_line_per_decision_without_secrets(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    request = base_request(hyperParameters={"epochCount": "2", "apiKey": "s3cr3t-value"})
    stubber.add_response("create_model_customization_job", {"jobArn": JOB_ARN})

    run(make_event("Create", request))

    out = capsys.readouterr().out
    lines = log_lines(out)
    assert lines == [
        {
            "requestType": "Create",
            "logicalResourceId": "SupportBotJob8F2E1A",
            "jobName": JOB_NAME,  # the name sent: the request's base and this request's suffix
            "jobArn": JOB_ARN,
            "action": "start-job",
            "replaces": None,
            "outcome": "started",
        }
    ]
    for secret in ("s3cr3t-value", "s3://", "hyperParameters", "ResponseURL", request["roleArn"]):
        assert secret not in out
    stubber.assert_no_pending_responses()


def test_failures_and_retries_are_logged(stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    stubber.add_client_error("create_model_customization_job", "ThrottlingException", "Rate exceeded", 429)
    stubber.add_client_error("create_model_customization_job", "ServiceQuotaExceededException", "quota", 400)

    with pytest.raises(HandlerError):
        run(make_event("Create", base_request()))

    lines = log_lines(capsys.readouterr().out)
    assert [(line["action"], line.get("outcome")) for line in lines] == [("retry", None), ("fail", "failed")]
    assert lines[0]["error"] == "ThrottlingException" and lines[0]["logicalResourceId"] == "SupportBotJob8F2E1A"
    assert "quota" in lines[1]["reason"]
    stubber.assert_no_pending_responses()

"""Issue 23: the serving handler on events as CloudFormation delivers them (parsed JSON: no string is the same
object as a literal in the handler), and the committed-throughput refusal's wording (survivors of handler.py's
fresh sample, seed 4141514872)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_BASE,
    DEPLOYMENT_TYPE,
    SUFFIX,
    T0,
    THROUGHPUT_ARN,
    THROUGHPUT_BASE,
    THROUGHPUT_TYPE,
    FakeLambdaTime,
    deployment_description,
    deployment_request,
    make_event,
    sent,
    tags,
    throughput_description,
    throughput_request,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_serving import handler

NOW = T0 + timedelta(days=3)


def parsed(event: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(event))  # type: ignore[no-any-return]


def run(client: Any, clock: FakeLambdaTime, event: dict[str, Any]) -> dict[str, Any]:
    return handler.handle(event, clock, client=client, sleep=clock.sleep, now=lambda: NOW)


def test_a_parsed_create_event_creates(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    request = deployment_request()
    stubber.add_response(
        "create_custom_model_deployment",
        {"customModelDeploymentArn": DEPLOYMENT_ARN},
        sent(request, "modelDeploymentName"),
    )

    result = run(bedrock, lambda_time, parsed(make_event(DEPLOYMENT_TYPE, "Create", request)))

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN
    stubber.assert_no_pending_responses()


def test_a_parsed_delete_event_deletes(bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime) -> None:
    event = parsed(make_event(DEPLOYMENT_TYPE, "Delete", deployment_request(), physical_id=DEPLOYMENT_ARN))
    stubber.add_response(
        "get_custom_model_deployment", deployment_description(), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    stubber.add_response("list_tags_for_resource", {"tags": tags()}, {"resourceARN": DEPLOYMENT_ARN})
    stubber.add_response("delete_custom_model_deployment", {}, {"customModelDeploymentIdentifier": DEPLOYMENT_ARN})

    result = run(bedrock, lambda_time, event)
    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN
    stubber.add_client_error("get_custom_model_deployment", "ResourceNotFoundException", http_status_code=404)
    after = parsed({**event, **result})
    assert handler.check(after, lambda_time, client=bedrock, sleep=lambda_time.sleep, now=lambda: NOW) == {
        "IsComplete": True
    }
    stubber.assert_no_pending_responses()


def test_an_update_that_changes_nothing_answers_the_live_name(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    request = deployment_request()
    event = parsed(make_event(DEPLOYMENT_TYPE, "Update", request, old_request=request, physical_id=DEPLOYMENT_ARN))
    stubber.add_response(
        "get_custom_model_deployment", deployment_description(), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )

    result = run(bedrock, lambda_time, event)

    assert result["PhysicalResourceId"] == DEPLOYMENT_ARN
    assert f"{DEPLOYMENT_BASE}-{SUFFIX}" in result["Data"].values()


def test_refusing_to_replace_a_committed_throughput_names_it_and_its_term(
    bedrock: Any, stubber: Stubber, lambda_time: FakeLambdaTime
) -> None:
    live = throughput_description(commitmentDuration="OneMonth", commitmentExpirationTime=T0 + timedelta(days=30))
    stubber.add_response("get_provisioned_model_throughput", live, {"provisionedModelId": THROUGHPUT_ARN})
    old = throughput_request(commitmentDuration="OneMonth")
    new = throughput_request(commitmentDuration="OneMonth", modelUnits="2")
    event = parsed(make_event(THROUGHPUT_TYPE, "Update", new, old_request=old, physical_id=THROUGHPUT_ARN))

    with pytest.raises(HandlerError) as refused:
        run(bedrock, lambda_time, event)

    assert str(refused.value).startswith(
        f"Refusing to replace provisioned model throughput '{THROUGHPUT_BASE}-{SUFFIX}' ({THROUGHPUT_ARN}): its "
        "OneMonth commitment term ends at 2026-12-30T12:00:00+00:00"
    )


def test_an_event_the_handler_cannot_read_is_logged_with_its_request_type_and_logical_id(
    bedrock: Any, lambda_time: FakeLambdaTime, capsys: pytest.CaptureFixture[str]
) -> None:
    event = parsed(make_event("Custom::Other", "Create", deployment_request()))

    with pytest.raises(HandlerError):
        run(bedrock, lambda_time, event)

    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"fail"' in x]
    assert line["RequestType"] == "Create" and line["LogicalResourceId"] == event["LogicalResourceId"]

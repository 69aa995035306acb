"""Update: tags in place, nothing for no change, a new job for anything else (names must be new)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import CREATED, JOB_ARN, MODEL_ARN, NEW_JOB_ARN, Run, base_request, job_description, make_event

from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.idempotency import client_request_token

NEW_REQUEST_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def update_event(old: dict[str, Any], new: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("physical_id", JOB_ARN)
    return make_event("Update", new, old_request=old, request_id=NEW_REQUEST_ID, **kwargs)


def test_tag_only_change_updates_job_and_model_tags_in_place(stubber: Stubber, run: Run) -> None:
    old = base_request(
        jobTags=[{"key": "team", "value": "support"}, {"key": "cost", "value": "cc-1"}],
        customModelTags=[{"key": "stage", "value": "dev"}],
    )
    new = base_request(
        jobTags=[{"key": "team", "value": "platform"}, {"key": "owner", "value": "ana"}],
        customModelTags=[{"key": "stage", "value": "prod"}],
    )
    stubber.add_response(
        "tag_resource",
        {},
        {
            "resourceARN": JOB_ARN,
            "tags": [{"key": "team", "value": "platform"}, {"key": "owner", "value": "ana"}],
        },
    )
    stubber.add_response("untag_resource", {}, {"resourceARN": JOB_ARN, "tagKeys": ["cost"]})
    stubber.add_response(
        "get_custom_model",
        {"modelArn": MODEL_ARN, "modelName": "supportbot-model-3f9a2c", "creationTime": CREATED, "jobArn": JOB_ARN},
        {"modelIdentifier": "supportbot-model-3f9a2c"},
    )
    stubber.add_response("tag_resource", {}, {"resourceARN": MODEL_ARN, "tags": [{"key": "stage", "value": "prod"}]})

    result = run(update_event(old, new))

    stubber.assert_no_pending_responses()  # and no CreateModelCustomizationJob was stubbed or made
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"] == {
        "JobArn": JOB_ARN,
        "JobName": "supportbot-job-3f9a2c",
        "CustomModelName": "supportbot-model-3f9a2c",
    }


def test_model_tags_wait_for_the_model_while_the_job_runs(stubber: Stubber, run: Run) -> None:
    old = base_request(customModelTags=[{"key": "stage", "value": "dev"}])
    new = base_request(customModelTags=[{"key": "stage", "value": "prod"}])
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)

    result = run(update_event(old, new))

    stubber.assert_no_pending_responses()  # no TagResource: there is no model to tag yet
    assert result["PhysicalResourceId"] == JOB_ARN


def test_model_tags_never_go_to_another_jobs_model(stubber: Stubber, run: Run) -> None:
    old = base_request(customModelTags=[{"key": "stage", "value": "dev"}])
    new = base_request(customModelTags=[{"key": "stage", "value": "prod"}])
    stubber.add_response(
        "get_custom_model",
        {"modelArn": MODEL_ARN, "modelName": "supportbot-model-3f9a2c", "creationTime": CREATED, "jobArn": NEW_JOB_ARN},
        {"modelIdentifier": "supportbot-model-3f9a2c"},
    )

    assert run(update_event(old, new))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no TagResource on a model our job did not make


def test_unchanged_request_is_a_no_op(stubber: Stubber, run: Run) -> None:
    old = base_request(jobTags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    new = base_request(jobTags=[{"key": "b", "value": "2"}, {"key": "a", "value": "1"}])
    event = update_event(old, new, removal_policy="DESTROY", old_removal_policy="RETAIN")

    result = run(event)

    stubber.assert_no_pending_responses()  # nothing stubbed: any API call would have raised
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"]["JobArn"] == JOB_ARN


def test_numerically_equal_strings_are_not_a_change(stubber: Stubber, run: Run) -> None:
    rft = {"rftConfig": {"hyperParameters": {"learningRate": "0.00001", "epochCount": "2"}}}
    rft_same = {"rftConfig": {"hyperParameters": {"learningRate": "1e-05", "epochCount": "2"}}}

    result = run(update_event(base_request(customizationConfig=rft), base_request(customizationConfig=rft_same)))

    stubber.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == JOB_ARN


def test_other_change_starts_a_new_job_with_a_new_token(stubber: Stubber, run: Run) -> None:
    old = base_request()
    new = base_request(
        jobName="supportbot-job-77d1e0",
        customModelName="supportbot-model-77d1e0",
        hyperParameters={"epochCount": "3", "learningRate": "1e-05", "learningRateWarmupSteps": "10"},
    )
    event = update_event(old, new, names_generated="true")
    token = client_request_token(event["StackId"], event["LogicalResourceId"], NEW_REQUEST_ID)
    stubber.add_response(
        "create_model_customization_job", {"jobArn": NEW_JOB_ARN}, {**new, "clientRequestToken": token}
    )

    result = run(event)

    stubber.assert_no_pending_responses()
    assert result == {
        "PhysicalResourceId": NEW_JOB_ARN,
        "Data": {
            "JobArn": NEW_JOB_ARN,
            "JobName": "supportbot-job-77d1e0",
            "CustomModelName": "supportbot-model-77d1e0",
        },
    }


def test_replacement_with_user_fixed_names_that_collide_fails_before_calling_bedrock(
    stubber: Stubber, run: Run
) -> None:
    old = base_request(jobName="my-job", customModelName="my-model")
    new = base_request(jobName="my-job", customModelName="my-model", baseModelIdentifier="amazon.nova-lite-v1:0:300k")

    with pytest.raises(HandlerError) as failure:
        run(update_event(old, new, names_generated="false"))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert "immutable" in message and "cannot be reused" in message
    assert "jobName 'my-job'" in message and "customModelName 'my-model'" in message
    assert "baseModelIdentifier" in message and JOB_ARN in message
    assert "omit job_name/custom_model_name" in message


def test_replacement_reusing_only_the_model_name_also_fails(stubber: Stubber, run: Run) -> None:
    old = base_request(jobName="my-job-v1", customModelName="my-model")
    new = base_request(jobName="my-job-v2", customModelName="my-model", customizationType="CONTINUED_PRE_TRAINING")

    with pytest.raises(HandlerError, match=r"customModelName 'my-model'") as failure:
        run(update_event(old, new, names_generated="false"))

    stubber.assert_no_pending_responses()
    assert "jobName" not in str(failure.value).split("would reuse")[1].split("and names")[0]


def test_replacement_keeping_a_user_fixed_token_fails_before_calling_bedrock(stubber: Stubber, run: Run) -> None:
    old = base_request(clientRequestToken="release-1")
    new = base_request(
        clientRequestToken="release-1", jobName="j2", customModelName="m2", customizationType="DISTILLATION"
    )

    with pytest.raises(HandlerError) as failure:
        run(update_event(old, new, names_generated="true"))

    stubber.assert_no_pending_responses()
    assert "clientRequestToken" in str(failure.value) and "client_request_token" in str(failure.value)


def test_replacement_with_new_user_fixed_names_starts_the_job(stubber: Stubber, run: Run) -> None:
    old = base_request(jobName="my-job-v1", customModelName="my-model-v1")
    new = base_request(jobName="my-job-v2", customModelName="my-model-v2", customizationType="CONTINUED_PRE_TRAINING")
    stubber.add_response("create_model_customization_job", {"jobArn": NEW_JOB_ARN})

    assert run(update_event(old, new, names_generated="false"))["PhysicalResourceId"] == NEW_JOB_ARN
    stubber.assert_no_pending_responses()


def test_update_with_an_older_physical_id_and_unchanged_request_adopts_the_named_job(
    stubber: Stubber, run: Run
) -> None:
    """A physical id that predates job ARNs: the job the request names exists, so nothing is started."""
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F")
    stubber.add_response(
        "get_model_customization_job", job_description("InProgress"), {"jobIdentifier": "supportbot-job-3f9a2c"}
    )

    result = run(event)

    stubber.assert_no_pending_responses()  # no CreateModelCustomizationJob was stubbed or made
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"]["JobArn"] == JOB_ARN


def test_update_with_an_older_physical_id_and_no_such_job_starts_it(stubber: Stubber, run: Run) -> None:
    """The old physical id is not a job ARN and Bedrock knows no job by the request's name: start it."""
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F", names_generated="false")
    token = client_request_token(event["StackId"], event["LogicalResourceId"], NEW_REQUEST_ID)
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)
    stubber.add_response(
        "create_model_customization_job", {"jobArn": JOB_ARN}, {**request, "clientRequestToken": token}
    )

    result = run(event)

    stubber.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == JOB_ARN


def test_update_with_an_older_physical_id_never_adopts_a_job_of_another_role(stubber: Stubber, run: Run) -> None:
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F", names_generated="false")
    other = job_description("InProgress", roleArn="arn:aws:iam::123456789012:role/SomeoneElsesRole")
    stubber.add_response("get_model_customization_job", other, {"jobIdentifier": "supportbot-job-3f9a2c"})
    stubber.add_client_error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    stubber.add_response("get_model_customization_job", other, {"jobIdentifier": "supportbot-job-3f9a2c"})

    with pytest.raises(HandlerError, match=r"immutable"):
        run(event)
    stubber.assert_no_pending_responses()

"""Delete: stop what runs, leave what ended, delete the model only under DESTROY (and only our job's model).

A job is found by its ARN (the physical id); where the endpoint cannot find it by ARN, among the jobs
listed by the name the properties carry (a generated name's base), and then addressed by its name. Its
model is looked up by the job's model name, and deleted only when GetCustomModel names our job
(see operations.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import (
    BASE_MODEL_ARN,
    CREATED,
    JOB_ARN,
    JOB_BASE,
    JOB_NAME,
    MODEL_ARN,
    MODEL_NAME,
    NEW_JOB_ARN,
    OTHER_STACK_ID,
    STACK_ID,
    Run,
    base_request,
    expect_tags,
    job_description,
    make_event,
    model_description,
)

from lambda_src.customization_job.errors import HandlerError


def delete_event(policy: str | None = None, physical_id: str = JOB_ARN, **request: Any) -> dict[str, Any]:
    return make_event("Delete", base_request(**request), physical_id=physical_id, removal_policy=policy)


def expect_get(stubber: Stubber, status: str, identifier: str = JOB_ARN, **extra: object) -> None:
    stubber.add_response("get_model_customization_job", job_description(status, **extra), {"jobIdentifier": identifier})


def expect_stop(stubber: Stubber, identifier: str = JOB_ARN) -> None:
    stubber.add_response("stop_model_customization_job", {}, {"jobIdentifier": identifier})


def expect_model(stubber: Stubber, made_by: str = JOB_ARN, identifier: str = MODEL_NAME) -> None:
    stubber.add_response("get_custom_model", model_description(made_by=made_by), {"modelIdentifier": identifier})


def not_by_arn(stubber: Stubber, code: str = "ResourceNotFoundException") -> None:
    stubber.add_client_error("get_model_customization_job", code, "Job not found", 404 if "NotFound" in code else 400)


def listed(stubber: Stubber, *jobs: tuple[str, str]) -> None:
    """ListModelCustomizationJobs by the base the properties carry, answering (ARN, name) pairs."""
    summaries = [
        {
            "jobArn": arn,
            "jobName": name,
            "baseModelArn": BASE_MODEL_ARN,
            "status": "InProgress",
            "creationTime": CREATED,
        }
        for arn, name in jobs
    ]
    stubber.add_response(
        "list_model_customization_jobs",
        {"modelCustomizationJobSummaries": summaries},
        {"nameContains": JOB_BASE, "maxResults": 100},
    )


def test_in_progress_job_is_stopped_by_arn(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN)
    expect_stop(stubber)

    assert run(delete_event()) == {"PhysicalResourceId": JOB_ARN}
    stubber.assert_no_pending_responses()


def test_in_progress_job_under_destroy_is_stopped_and_has_no_model_to_delete(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN)
    expect_stop(stubber)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # Bedrock reports no outputModelArn while training: no model lookup


def test_stopping_job_is_left_to_stop(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Stopping")

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_stop_conflict_because_the_job_just_ended_is_fine(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN)
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "Job is not in progress", 400)
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_job_that_completed_while_being_stopped_loses_its_model_under_destroy(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN)
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "Job is not in progress", 400)
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_model(stubber)
    expect_tags(stubber, MODEL_ARN)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_stop_conflict_on_a_job_still_running_fails(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN)
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "Cannot stop now", 400)
    expect_get(stubber, "InProgress")

    with pytest.raises(HandlerError, match=r"Cannot stop now"):
        run(delete_event())
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["Completed", "Failed", "Stopped"])
def test_ended_job_under_retain_is_left_as_is(stubber: Stubber, run: Run, status: str) -> None:
    expect_get(stubber, status, **({"outputModelArn": MODEL_ARN} if status == "Completed" else {}))

    assert run(delete_event("RETAIN"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no Stop, no GetCustomModel, no DeleteCustomModel


def test_retain_is_the_default(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event(None))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_completed_job_under_destroy_deletes_its_model_by_name(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber)
    expect_tags(stubber, MODEL_ARN)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_a_model_made_by_another_job_is_never_deleted(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber, made_by=NEW_JOB_ARN)  # the name leads to another job's model
    expect_model(stubber, made_by=NEW_JOB_ARN, identifier=MODEL_ARN)  # so does the job's own reference

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # and no DeleteCustomModel


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_job_without_model_under_destroy_has_nothing_to_delete(stubber: Stubber, run: Run, status: str) -> None:
    expect_get(stubber, status, failureMessage="Training data is malformed")

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_destroy_of_a_model_in_use_fails_with_the_reason(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber)
    expect_tags(stubber, MODEL_ARN)
    stubber.add_client_error(
        "delete_custom_model", "ConflictException", "The model is in use by a provisioned throughput.", 400
    )

    with pytest.raises(HandlerError) as failure:
        run(delete_event("DESTROY"))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert MODEL_ARN in message
    assert "The model is in use by a provisioned throughput." in message
    assert "RETAIN" in message


def test_destroy_of_a_model_already_gone_succeeds(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_model_deleted_between_lookup_and_delete_succeeds(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber)
    expect_tags(stubber, MODEL_ARN)
    stubber.add_client_error("delete_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_job_not_found_is_success(stubber: Stubber, run: Run) -> None:
    not_by_arn(stubber)
    listed(stubber)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "ValidationException"])
def test_where_the_arn_fails_the_job_is_found_by_listing_and_stopped_by_name(
    stubber: Stubber, run: Run, code: str
) -> None:
    """An endpoint that cannot find jobs by ARN (moto): the listed job with our ARN is ours; others are not."""
    not_by_arn(stubber, code)
    listed(stubber, (NEW_JOB_ARN, f"{JOB_BASE}-0000aaaa"), (JOB_ARN, JOB_NAME))
    expect_get(stubber, "InProgress", identifier=JOB_NAME)
    expect_tags(stubber, JOB_ARN)
    expect_stop(stubber, identifier=JOB_NAME)

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_listed_jobs_with_a_similar_name_but_another_arn_are_left_alone(stubber: Stubber, run: Run) -> None:
    not_by_arn(stubber)
    listed(stubber, (NEW_JOB_ARN, f"{JOB_BASE}-0000aaaa"))

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no Get by that name, no StopModelCustomizationJob


def test_a_destroyed_model_is_found_by_the_jobs_model_name(stubber: Stubber, run: Run) -> None:
    """The properties carry only the base; the job names its model (suffix included)."""
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber, identifier=MODEL_NAME)
    expect_tags(stubber, MODEL_ARN)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    assert base_request()["customModelName"] != MODEL_NAME


def test_properties_without_a_request_use_the_arn(stubber: Stubber, run: Run) -> None:
    event = delete_event()
    del event["ResourceProperties"]["Request"]
    expect_get(stubber, "InProgress", identifier=JOB_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_stop(stubber, identifier=JOB_ARN)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_physical_id_of_a_failed_create_makes_no_api_call(stubber: Stubber, run: Run) -> None:
    physical_id = "Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F"

    assert run(delete_event("DESTROY", physical_id=physical_id)) == {"PhysicalResourceId": physical_id}
    stubber.assert_no_pending_responses()  # nothing stubbed: any call would have raised


def test_unreadable_removal_policy_on_delete_keeps_the_model(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event("snapshot"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


# ---- ownership: the handler acts only on jobs and models its own stack created -----------------------


@pytest.mark.parametrize("policy", ["RETAIN", "DESTROY"])
def test_a_running_job_of_another_stack_is_never_stopped(stubber: Stubber, run: Run, policy: str) -> None:
    """A template that uses this stack's service token and names another team's job gets a refusal."""
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN, OTHER_STACK_ID, team="other")

    with pytest.raises(HandlerError) as failure:
        run(delete_event(policy))

    stubber.assert_no_pending_responses()  # no StopModelCustomizationJob
    message = str(failure.value)
    assert JOB_ARN in message
    assert f"bedrock-customization:stack-id={STACK_ID}" in message
    assert "aws bedrock stop-model-customization-job" in message


def test_a_completed_job_of_another_stack_keeps_its_model_under_destroy(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN, OTHER_STACK_ID)

    with pytest.raises(HandlerError, match="does not carry the tag"):
        run(delete_event("DESTROY"))
    stubber.assert_no_pending_responses()  # no GetCustomModel, no DeleteCustomModel


def test_a_job_without_an_owner_tag_is_not_stopped(stubber: Stubber, run: Run) -> None:
    """Jobs started before the handler tagged its jobs (or outside any stack) are the user's to stop."""
    expect_get(stubber, "InProgress")
    expect_tags(stubber, JOB_ARN, None, project="legacy")

    with pytest.raises(HandlerError, match="does not carry the tag"):
        run(delete_event())
    stubber.assert_no_pending_responses()


def test_an_ended_job_of_another_stack_under_retain_needs_no_ownership(stubber: Stubber, run: Run) -> None:
    """Nothing to stop and nothing to delete: the resource goes, the job is not even looked at twice."""
    expect_get(stubber, "Failed")

    assert run(delete_event("RETAIN"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


# Claiming a job this stack started before the owner tag needs adopt_untagged_jobs: test_handler_adopt_untagged.py.


def test_a_model_that_carries_another_stacks_tag_is_never_destroyed(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    expect_model(stubber)
    expect_tags(stubber, MODEL_ARN, OTHER_STACK_ID)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no TagResource, no DeleteCustomModel

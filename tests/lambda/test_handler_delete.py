"""Delete: stop what runs, leave what ended, delete the model only under DESTROY (and only our job's model).

Jobs and models are addressed by the names in the resource's properties once a Get by that name has
led back to the physical id (the job ARN); otherwise by ARN (see operations.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import CREATED, JOB_ARN, MODEL_ARN, NEW_JOB_ARN, Run, base_request, job_description, make_event

from lambda_src.customization_job.errors import HandlerError

JOB_NAME = base_request()["jobName"]
MODEL_NAME = base_request()["customModelName"]


def delete_event(policy: str | None = None, physical_id: str = JOB_ARN, **request: Any) -> dict[str, Any]:
    return make_event("Delete", base_request(**request), physical_id=physical_id, removal_policy=policy)


def expect_get(stubber: Stubber, status: str, identifier: str = JOB_NAME, **extra: object) -> None:
    stubber.add_response("get_model_customization_job", job_description(status, **extra), {"jobIdentifier": identifier})


def expect_stop(stubber: Stubber, identifier: str = JOB_NAME) -> None:
    stubber.add_response("stop_model_customization_job", {}, {"jobIdentifier": identifier})


def expect_model(stubber: Stubber, made_by: str = JOB_ARN, identifier: str = MODEL_NAME) -> None:
    stubber.add_response(
        "get_custom_model",
        {"modelArn": MODEL_ARN, "modelName": MODEL_NAME, "creationTime": CREATED, "jobArn": made_by},
        {"modelIdentifier": identifier},
    )


def test_in_progress_job_is_stopped_by_name(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_stop(stubber)

    assert run(delete_event()) == {"PhysicalResourceId": JOB_ARN}
    stubber.assert_no_pending_responses()


def test_in_progress_job_under_destroy_is_stopped_and_has_no_model_to_delete(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    expect_stop(stubber)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # Bedrock reports no outputModelArn while training: no model lookup


def test_stopping_job_is_left_to_stop(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Stopping")

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_stop_conflict_because_the_job_just_ended_is_fine(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "Job is not in progress", 400)
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_job_that_completed_while_being_stopped_loses_its_model_under_destroy(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    stubber.add_client_error("stop_model_customization_job", "ConflictException", "Job is not in progress", 400)
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_model(stubber)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_stop_conflict_on_a_job_still_running_fails(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
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
    expect_model(stubber)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_a_model_made_by_another_job_is_never_deleted(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
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
    expect_model(stubber)
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
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_model_deleted_between_lookup_and_delete_succeeds(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_model(stubber)
    stubber.add_client_error("delete_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_job_not_found_is_success(stubber: Stubber, run: Run) -> None:
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "Job not found", 404)
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "Job not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_a_job_name_that_leads_to_another_job_falls_back_to_the_arn(stubber: Stubber, run: Run) -> None:
    """The properties' name now belongs to another job: that job is left alone, ours is stopped by ARN."""
    expect_get(stubber, "InProgress", jobArn=NEW_JOB_ARN)
    expect_get(stubber, "InProgress", identifier=JOB_ARN)
    expect_stop(stubber, identifier=JOB_ARN)

    assert run(delete_event())["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_properties_without_a_request_use_the_arn(stubber: Stubber, run: Run) -> None:
    event = delete_event()
    del event["ResourceProperties"]["Request"]
    expect_get(stubber, "InProgress", identifier=JOB_ARN)
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

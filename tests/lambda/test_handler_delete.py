"""Delete: stop what runs, leave what ended, delete the model only under DESTROY."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import JOB_ARN, MODEL_ARN, Run, base_request, job_description, make_event

from lambda_src.customization_job.errors import HandlerError


def delete_event(policy: str | None = None, physical_id: str = JOB_ARN) -> dict[str, Any]:
    return make_event("Delete", base_request(), physical_id=physical_id, removal_policy=policy)


def expect_get(stubber: Stubber, status: str, **extra: object) -> None:
    stubber.add_response("get_model_customization_job", job_description(status, **extra), {"jobIdentifier": JOB_ARN})


def test_in_progress_job_is_stopped(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    stubber.add_response("stop_model_customization_job", {}, {"jobIdentifier": JOB_ARN})

    assert run(delete_event()) == {"PhysicalResourceId": JOB_ARN}
    stubber.assert_no_pending_responses()


def test_in_progress_job_under_destroy_is_stopped_and_has_no_model_to_delete(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "InProgress")
    stubber.add_response("stop_model_customization_job", {}, {"jobIdentifier": JOB_ARN})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


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


def test_completed_job_under_retain_keeps_the_model(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event("RETAIN"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no DeleteCustomModel was stubbed, none was made


def test_retain_is_the_default(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event(None))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_completed_job_under_destroy_deletes_the_model(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_ARN})

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_failed_job_under_destroy_has_no_model_to_delete(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Failed", failureMessage="Training data is malformed")

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_destroy_of_a_model_in_use_fails_with_the_reason(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
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
    stubber.add_client_error("delete_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_job_not_found_is_success(stubber: Stubber, run: Run) -> None:
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "Job not found", 404)

    assert run(delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_physical_id_of_a_failed_create_makes_no_api_call(stubber: Stubber, run: Run) -> None:
    physical_id = "Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F"

    assert run(delete_event("DESTROY", physical_id=physical_id)) == {"PhysicalResourceId": physical_id}
    stubber.assert_no_pending_responses()  # nothing stubbed: any call would have raised


def test_unreadable_removal_policy_on_delete_keeps_the_model(stubber: Stubber, run: Run) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)

    assert run(delete_event("snapshot"))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()

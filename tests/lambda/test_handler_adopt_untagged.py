"""Jobs of a handler version before the owner tag: claimed only with ``adopt_untagged_jobs``, keyed on the stack id.

The job's role under ``/bedrock-customization/<region>/<stack name>/`` proves only the stack's *name*: a later
stack with the same name would find the jobs of an earlier, deleted one there. Nothing in such a job carries
the stack id (its clientRequestToken and name suffix are digests of stack id, logical id *and* the
CloudFormation request id, which a later request does not know), so the handler asks CloudFormation when this
stack (by id) was created: only a job that started after that, as a role under its path, is this stack's.
Without the opt-in an untagged job is never touched, and IAM would refuse the TagResource anyway.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import (
    CREATED,
    JOB_ARN,
    MODEL_ARN,
    MODEL_NAME,
    STACK_ID,
    FakeLambdaTime,
    base_request,
    expect_tags,
    job_description,
    make_event,
    model_description,
    owner_tag,
)

from lambda_src.customization_job import handler
from lambda_src.customization_job.errors import HandlerError

OWN_ROLE = "arn:aws:iam::123456789012:role/bedrock-customization/us-east-1/Demo/Demo-SupportBotServiceRole-1"
"""A role under the role path of every stack named Demo in us-east-1."""


@pytest.fixture
def cloudformation(bedrock_session: Any) -> Any:
    return bedrock_session.client("cloudformation")


@pytest.fixture
def cfn(cloudformation: Any) -> Any:
    with Stubber(cloudformation) as stub:
        yield stub


def stack_created(cfn: Stubber, when: Any) -> None:
    stack = {"StackName": "Demo", "StackId": STACK_ID, "CreationTime": when, "StackStatus": "UPDATE_IN_PROGRESS"}
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": STACK_ID})


def invoke(event: dict[str, Any], bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime) -> dict[str, Any]:
    return handler.handle(event, lambda_time, client=bedrock, sleep=lambda_time.sleep, stacks=lambda: cloudformation)


def delete_event(policy: str = "RETAIN", adopt: str | None = "true") -> dict[str, Any]:
    event = make_event("Delete", base_request(), physical_id=JOB_ARN, removal_policy=policy)
    if adopt is not None:
        event["ResourceProperties"]["AdoptUntaggedJobs"] = adopt
    return event


def expect_get(stubber: Stubber, status: str, **extra: Any) -> None:
    stubber.add_response("get_model_customization_job", job_description(status, **extra), {"jobIdentifier": JOB_ARN})


def test_without_the_opt_in_an_untagged_job_under_this_stacks_role_path_is_never_touched(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    expect_get(stubber, "InProgress", roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN, None)

    with pytest.raises(HandlerError) as failure:
        invoke(delete_event(adopt=None), bedrock, cloudformation, lambda_time)

    stubber.assert_no_pending_responses()  # no TagResource, no StopModelCustomizationJob
    cfn.assert_no_pending_responses()
    assert "does not carry the tag" in str(failure.value)
    assert "adopt_untagged_jobs" in str(failure.value)


def test_with_the_opt_in_a_job_this_stack_started_before_the_owner_tag_is_claimed_and_stopped(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    expect_get(stubber, "InProgress", roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN, None)
    stack_created(cfn, CREATED - timedelta(days=3))
    stubber.add_response("tag_resource", {}, {"resourceARN": JOB_ARN, "tags": [owner_tag()]})
    stubber.add_response("stop_model_customization_job", {}, {"jobIdentifier": JOB_ARN})

    assert invoke(delete_event(), bedrock, cloudformation, lambda_time)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    cfn.assert_no_pending_responses()


def test_a_later_stack_with_the_same_name_never_claims_an_earlier_stacks_job(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    """The role path matches (same name), but this stack (its id) was created after the job started."""
    expect_get(stubber, "InProgress", roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN, None)
    stack_created(cfn, CREATED + timedelta(minutes=1))

    with pytest.raises(HandlerError, match="does not carry the tag"):
        invoke(delete_event(), bedrock, cloudformation, lambda_time)
    stubber.assert_no_pending_responses()  # no TagResource, no StopModelCustomizationJob
    cfn.assert_no_pending_responses()


def test_an_untagged_job_of_a_role_outside_the_path_is_not_claimed_even_with_the_opt_in(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    expect_get(stubber, "InProgress")  # ROLE_ARN: a role the user gave
    expect_tags(stubber, JOB_ARN, None)

    with pytest.raises(HandlerError, match="does not carry the tag"):
        invoke(delete_event(), bedrock, cloudformation, lambda_time)
    stubber.assert_no_pending_responses()
    cfn.assert_no_pending_responses()  # nothing to ask CloudFormation


def test_with_the_opt_in_the_untagged_model_of_a_claimed_job_is_claimed_before_it_is_destroyed(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN, roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN, None)
    stack_created(cfn, CREATED - timedelta(days=3))
    stubber.add_response("tag_resource", {}, {"resourceARN": JOB_ARN, "tags": [owner_tag()]})
    stubber.add_response("get_custom_model", model_description(made_by=JOB_ARN), {"modelIdentifier": MODEL_NAME})
    expect_tags(stubber, MODEL_ARN, None)
    stubber.add_response("tag_resource", {}, {"resourceARN": MODEL_ARN, "tags": [owner_tag()]})
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert invoke(delete_event("DESTROY"), bedrock, cloudformation, lambda_time)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_without_the_opt_in_an_untagged_model_of_this_stacks_job_is_kept(
    stubber: Stubber,
    cfn: Stubber,
    bedrock: Any,
    cloudformation: Any,
    lambda_time: FakeLambdaTime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing lost: the model stays (IAM would refuse to tag it), and the log says why."""
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    stubber.add_response("get_custom_model", model_description(made_by=JOB_ARN), {"modelIdentifier": MODEL_NAME})
    expect_tags(stubber, MODEL_ARN, None)

    assert invoke(delete_event("DESTROY", adopt=None), bedrock, cloudformation, lambda_time)
    stubber.assert_no_pending_responses()  # no TagResource, no DeleteCustomModel
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("outcome") == "untagged-model-kept" for line in logged)


def test_with_the_opt_in_a_job_this_stack_started_before_the_owner_tag_is_claimed_then_retagged(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    old = base_request(roleArn=OWN_ROLE, jobTags=[{"key": "team", "value": "support"}])
    new = base_request(roleArn=OWN_ROLE, jobTags=[{"key": "team", "value": "platform"}])
    event = make_event("Update", new, old_request=old, physical_id=JOB_ARN, request_id="22222222-3333")
    event["ResourceProperties"]["AdoptUntaggedJobs"] = "true"
    expect_get(stubber, "InProgress", roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN, None, team="support")
    expect_get(stubber, "InProgress", roleArn=OWN_ROLE)  # the job's role and start, to see whether it is ours
    stack_created(cfn, CREATED)
    stubber.add_response("tag_resource", {}, {"resourceARN": JOB_ARN, "tags": [owner_tag()]})
    stubber.add_response(
        "tag_resource", {}, {"resourceARN": JOB_ARN, "tags": [{"key": "team", "value": "platform"}, owner_tag()]}
    )

    assert invoke(event, bedrock, cloudformation, lambda_time)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    cfn.assert_no_pending_responses()


def test_with_the_opt_in_the_untagged_model_of_a_job_claimed_earlier_is_claimed_before_it_is_destroyed(
    stubber: Stubber, cfn: Stubber, bedrock: Any, cloudformation: Any, lambda_time: FakeLambdaTime
) -> None:
    """An earlier Update claimed the job (now tagged) but not its model: the model Bedrock says this job made
    is this stack's too, and the stack's own creation time need not be read again."""
    expect_get(stubber, "Completed", outputModelArn=MODEL_ARN, roleArn=OWN_ROLE)
    expect_tags(stubber, JOB_ARN)
    stubber.add_response("get_custom_model", model_description(made_by=JOB_ARN), {"modelIdentifier": MODEL_NAME})
    expect_tags(stubber, MODEL_ARN, None)
    stubber.add_response("tag_resource", {}, {"resourceARN": MODEL_ARN, "tags": [owner_tag()]})
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL_NAME})

    assert invoke(delete_event("DESTROY"), bedrock, cloudformation, lambda_time)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    cfn.assert_no_pending_responses()

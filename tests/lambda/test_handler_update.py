"""Update: tags in place, nothing for no change, a new job for anything else (names must be new), and
CloudFormation's UPDATE_ROLLBACK: an Update back to the request the physical id's job implements keeps it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import (
    BASE_MODEL_ARN,
    CREATED,
    JOB_ARN,
    JOB_NAME,
    MODEL_ARN,
    MODEL_NAME,
    NEW_JOB_ARN,
    OTHER_STACK_ID,
    Run,
    as_sent,
    base_request,
    expect_tags,
    job_description,
    make_event,
    model_description,
    owner_tag,
    token_for,
    with_owner,
)

from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.handler import Names, names_of_job

NEW_REQUEST_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def created_by(request: dict[str, Any]) -> str:
    """The token of the job a Create of ``request`` started (CloudFormation's first request, REQUEST_ID)."""
    return token_for(make_event("Create", request))


def update_event(old: dict[str, Any], new: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("physical_id", JOB_ARN)
    return make_event("Update", new, old_request=old, request_id=NEW_REQUEST_ID, **kwargs)


def expect_job(stubber: Stubber, status: str = "InProgress", **extra: Any) -> None:
    """The kept job, read by its ARN for its actual names (generated names carry a suffix)."""
    stubber.add_response("get_model_customization_job", job_description(status, **extra), {"jobIdentifier": JOB_ARN})


def test_tag_only_change_updates_job_and_model_tags_in_place(stubber: Stubber, run: Run) -> None:
    old = base_request(
        jobTags=[{"key": "team", "value": "support"}, {"key": "cost", "value": "cc-1"}],
        customModelTags=[{"key": "stage", "value": "dev"}],
    )
    new = base_request(
        jobTags=[{"key": "team", "value": "platform"}, {"key": "owner", "value": "ana"}],
        customModelTags=[{"key": "stage", "value": "prod"}],
    )
    expect_job(stubber, "Completed", outputModelArn=MODEL_ARN)
    expect_tags(stubber, JOB_ARN)
    stubber.add_response(
        "tag_resource",
        {},
        {
            "resourceARN": JOB_ARN,
            "tags": [{"key": "team", "value": "platform"}, {"key": "owner", "value": "ana"}, owner_tag()],
        },
    )
    stubber.add_response("untag_resource", {}, {"resourceARN": JOB_ARN, "tagKeys": ["cost"]})
    stubber.add_response("get_custom_model", model_description(), {"modelIdentifier": MODEL_NAME})
    expect_tags(stubber, MODEL_ARN)
    stubber.add_response(
        "tag_resource", {}, {"resourceARN": MODEL_ARN, "tags": [{"key": "stage", "value": "prod"}, owner_tag()]}
    )

    result = run(update_event(old, new))

    stubber.assert_no_pending_responses()  # and no CreateModelCustomizationJob was stubbed or made
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME}


def test_model_tags_wait_for_the_model_while_the_job_runs(stubber: Stubber, run: Run) -> None:
    old = base_request(customModelTags=[{"key": "stage", "value": "dev"}])
    new = base_request(customModelTags=[{"key": "stage", "value": "prod"}])
    expect_job(stubber)
    expect_tags(stubber, JOB_ARN)
    stubber.add_client_error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)

    result = run(update_event(old, new))

    stubber.assert_no_pending_responses()  # no TagResource: there is no model to tag yet
    assert result["PhysicalResourceId"] == JOB_ARN


def test_model_tags_never_go_to_another_jobs_model(stubber: Stubber, run: Run) -> None:
    old = base_request(customModelTags=[{"key": "stage", "value": "dev"}])
    new = base_request(customModelTags=[{"key": "stage", "value": "prod"}])
    expect_job(stubber, "Completed")
    expect_tags(stubber, JOB_ARN)
    stubber.add_response("get_custom_model", model_description(made_by=NEW_JOB_ARN), {"modelIdentifier": MODEL_NAME})

    assert run(update_event(old, new))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no TagResource on a model our job did not make


def test_unchanged_request_is_a_no_op(stubber: Stubber, run: Run) -> None:
    old = base_request(jobTags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    new = base_request(jobTags=[{"key": "b", "value": "2"}, {"key": "a", "value": "1"}])
    event = update_event(old, new, removal_policy="DESTROY", old_removal_policy="RETAIN")
    expect_job(stubber)

    result = run(event)

    stubber.assert_no_pending_responses()  # only the read of the job's names: no create, stop or tag call
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME}


def test_unchanged_request_with_user_fixed_names_makes_no_call(stubber: Stubber, run: Run) -> None:
    request = base_request(jobName="my-job", customModelName="my-model")

    result = run(update_event(request, request, names_generated="false"))

    stubber.assert_no_pending_responses()  # nothing stubbed: any API call would have raised
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": "my-job", "CustomModelName": "my-model"}


def test_names_of_a_kept_job_found_by_listing_where_the_arn_fails(stubber: Stubber, run: Run) -> None:
    """An endpoint that cannot find jobs by ARN (moto): the jobs named like the base are listed instead."""
    request = base_request()
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)
    ours = {"jobArn": JOB_ARN, "jobName": JOB_NAME, "baseModelArn": BASE_MODEL_ARN, "status": "InProgress"}
    ours["creationTime"] = CREATED
    other = {**ours, "jobArn": NEW_JOB_ARN, "jobName": "supportbot-job-3f9a2c-0000aaaa"}
    stubber.add_response(
        "list_model_customization_jobs",
        {"modelCustomizationJobSummaries": [other], "nextToken": "page-2"},
        {"nameContains": "supportbot-job-3f9a2c", "maxResults": 100},
    )
    stubber.add_response(
        "list_model_customization_jobs",
        {"modelCustomizationJobSummaries": [ours]},
        {"nameContains": "supportbot-job-3f9a2c", "maxResults": 100, "nextToken": "page-2"},
    )
    stubber.add_response("get_model_customization_job", job_description("InProgress"), {"jobIdentifier": JOB_NAME})

    result = run(update_event(request, request))

    stubber.assert_no_pending_responses()
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME}


def test_the_model_name_follows_the_job_names_suffix() -> None:
    """The model was created under the request's model base and the job name's suffix, whatever an endpoint
    reports as outputModelName (moto reports another name); without a requested model name, that is used."""
    requested = Names.requested(base_request())
    description = job_description("InProgress", outputModelName="something-else")

    assert names_of_job(description, requested) == Names(JOB_NAME, MODEL_NAME)
    assert names_of_job({**description, "jobName": "supportbot-job-3f9a2c"}, requested) == Names(
        "supportbot-job-3f9a2c", "supportbot-model-3f9a2c"
    )
    assert names_of_job(description, Names("", "")) == Names(JOB_NAME, "something-else")


def test_a_job_named_before_suffixes_keeps_its_names(stubber: Stubber, run: Run) -> None:
    request = base_request()
    expect_job(stubber, jobName="supportbot-job-3f9a2c", outputModelName="supportbot-model-3f9a2c")

    result = run(update_event(request, request))

    assert result["Data"]["JobName"] == "supportbot-job-3f9a2c"
    assert result["Data"]["CustomModelName"] == "supportbot-model-3f9a2c"


def test_numerically_equal_strings_are_not_a_change(stubber: Stubber, run: Run) -> None:
    rft = {"rftConfig": {"hyperParameters": {"learningRate": "0.00001", "epochCount": "2"}}}
    rft_same = {"rftConfig": {"hyperParameters": {"learningRate": "1e-05", "epochCount": "2"}}}
    expect_job(stubber)

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
    token = token_for(event)
    sent = as_sent(new, event)
    expect_job(stubber, clientRequestToken=created_by(old))  # the current job implements the old request
    stubber.add_response(
        "create_model_customization_job", {"jobArn": NEW_JOB_ARN}, {**sent, "clientRequestToken": token}
    )

    result = run(event)

    stubber.assert_no_pending_responses()
    assert sent["jobName"].startswith("supportbot-job-77d1e0-") and sent["jobName"] != "supportbot-job-77d1e0"
    assert result == {
        "PhysicalResourceId": NEW_JOB_ARN,
        "Data": {"JobArn": NEW_JOB_ARN, "JobName": sent["jobName"], "CustomModelName": sent["customModelName"]},
    }


def test_reverting_to_an_earlier_request_starts_a_job_under_new_names(stubber: Stubber, run: Run) -> None:
    """v1 -> v2 -> v1: the v1 job still holds v1's names, so the revert must not ask for them again."""
    v1 = base_request()
    v2 = base_request(jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0")
    revert = update_event(v2, v1, physical_id=NEW_JOB_ARN)
    sent = as_sent(v1, revert)
    token = token_for(revert)
    v2_job = job_description("InProgress", jobArn=NEW_JOB_ARN, clientRequestToken=created_by(v2))
    stubber.add_response("get_model_customization_job", v2_job, {"jobIdentifier": NEW_JOB_ARN})
    stubber.add_response("create_model_customization_job", {"jobArn": JOB_ARN}, {**sent, "clientRequestToken": token})

    result = run(revert)

    stubber.assert_no_pending_responses()
    assert sent["jobName"] != JOB_NAME and sent["customModelName"] != MODEL_NAME  # the first v1 job's names
    assert sent["jobName"].startswith("supportbot-job-3f9a2c-")
    assert result["Data"]["JobName"] == sent["jobName"]


def test_replacement_with_user_fixed_names_that_collide_fails_without_starting_a_job(
    stubber: Stubber, run: Run
) -> None:
    old = base_request(jobName="my-job", customModelName="my-model")
    new = base_request(jobName="my-job", customModelName="my-model", baseModelIdentifier="amazon.nova-lite-v1:0:300k")
    expect_job(stubber, jobName="my-job", clientRequestToken=created_by(old))

    with pytest.raises(HandlerError) as failure:
        run(update_event(old, new, names_generated="false"))

    stubber.assert_no_pending_responses()  # the current job was read (it implements old), nothing created
    message = str(failure.value)
    assert "immutable" in message and "cannot be reused" in message
    assert "jobName 'my-job'" in message and "customModelName 'my-model'" in message
    assert "baseModelIdentifier" in message and JOB_ARN in message
    assert "omit job_name/custom_model_name" in message


def test_replacement_reusing_only_the_model_name_also_fails(stubber: Stubber, run: Run) -> None:
    old = base_request(jobName="my-job-v1", customModelName="my-model")
    new = base_request(jobName="my-job-v2", customModelName="my-model", customizationType="CONTINUED_PRE_TRAINING")
    expect_job(stubber, jobName="my-job-v1", clientRequestToken=created_by(old))

    with pytest.raises(HandlerError, match=r"customModelName 'my-model'") as failure:
        run(update_event(old, new, names_generated="false"))

    stubber.assert_no_pending_responses()
    assert "jobName" not in str(failure.value).split("would reuse")[1].split("and names")[0]


def test_replacement_keeping_a_user_fixed_token_fails_without_starting_a_job(stubber: Stubber, run: Run) -> None:
    old = base_request(clientRequestToken="release-1")
    new = base_request(
        clientRequestToken="release-1", jobName="j2", customModelName="m2", customizationType="DISTILLATION"
    )
    expect_job(stubber, clientRequestToken="release-1")

    with pytest.raises(HandlerError) as failure:
        run(update_event(old, new, names_generated="true"))

    stubber.assert_no_pending_responses()
    assert "clientRequestToken" in str(failure.value) and "client_request_token" in str(failure.value)


def test_replacement_with_new_user_fixed_names_starts_the_job(stubber: Stubber, run: Run) -> None:
    old = base_request(jobName="my-job-v1", customModelName="my-model-v1")
    new = base_request(jobName="my-job-v2", customModelName="my-model-v2", customizationType="CONTINUED_PRE_TRAINING")
    expect_job(stubber, jobName="my-job-v1", clientRequestToken=created_by(old))
    stubber.add_response("create_model_customization_job", {"jobArn": NEW_JOB_ARN})

    assert run(update_event(old, new, names_generated="false"))["PhysicalResourceId"] == NEW_JOB_ARN
    stubber.assert_no_pending_responses()


def test_update_with_an_older_physical_id_and_unchanged_request_adopts_the_named_job(
    stubber: Stubber, run: Run
) -> None:
    """A physical id that predates job ARNs: the job the request names exists, so nothing is started."""
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F")
    named = job_description("InProgress", jobName="supportbot-job-3f9a2c", outputModelName="supportbot-model-3f9a2c")
    stubber.add_response("get_model_customization_job", named, {"jobIdentifier": "supportbot-job-3f9a2c"})
    expect_tags(stubber, JOB_ARN)

    result = run(event)

    stubber.assert_no_pending_responses()  # no CreateModelCustomizationJob was stubbed or made
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"] == {
        "JobArn": JOB_ARN,
        "JobName": "supportbot-job-3f9a2c",
        "CustomModelName": "supportbot-model-3f9a2c",
    }


def test_update_with_an_older_physical_id_and_no_such_job_starts_it(stubber: Stubber, run: Run) -> None:
    """The old physical id is not a job ARN and Bedrock knows no job by the request's name: start it."""
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F", names_generated="false")
    token = token_for(event)
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)
    stubber.add_response(
        "create_model_customization_job", {"jobArn": JOB_ARN}, {**with_owner(request), "clientRequestToken": token}
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


# ---- UPDATE_ROLLBACK: CloudFormation puts back the request the physical id's job implements ----------

V1_TAGS = {"jobTags": [{"key": "team", "value": "support"}], "customModelTags": [{"key": "stage", "value": "dev"}]}
V2_TAGS = {
    "jobTags": [{"key": "team", "value": "search"}, {"key": "cost", "value": "cc-2"}],
    "customModelTags": [{"key": "stage", "value": "prod"}],
}


def v2_of(v1: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The next version: a training setting changed (and, for generated names, the construct's new bases)."""
    hyper = {**v1["hyperParameters"], "epochCount": "3"}
    return {**v1, "hyperParameters": hyper, **changes}


def rollback_event(v1: dict[str, Any], v2: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The Update of UPDATE_ROLLBACK after the update to v2 failed: back to v1, on the v1 job's ARN."""
    return update_event(v2, v1, **kwargs)


def capture_creates(bedrock: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    bedrock.meta.events.register(
        "provide-client-params.bedrock.CreateModelCustomizationJob", lambda params, **_: seen.append(dict(params))
    )
    return seen


def test_rollback_after_a_failed_replacement_keeps_the_job_and_its_names(
    stubber: Stubber, run: Run, bedrock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """v1 runs; the update to v2 failed (Bedrock refused v2's job); CloudFormation rolls back to v1."""
    v1 = base_request(**V1_TAGS)
    v2 = v2_of(v1, jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0", **V2_TAGS)
    creates = capture_creates(bedrock)
    expect_job(stubber, clientRequestToken=created_by(v1))
    expect_tags(stubber, JOB_ARN)
    stubber.add_response(
        "tag_resource", {}, {"resourceARN": JOB_ARN, "tags": [{"key": "team", "value": "support"}, owner_tag()]}
    )
    stubber.add_response("untag_resource", {}, {"resourceARN": JOB_ARN, "tagKeys": ["cost"]})
    stubber.add_response("get_custom_model", model_description(), {"modelIdentifier": MODEL_NAME})
    expect_tags(stubber, MODEL_ARN)
    stubber.add_response(
        "tag_resource", {}, {"resourceARN": MODEL_ARN, "tags": [{"key": "stage", "value": "dev"}, owner_tag()]}
    )

    result = run(rollback_event(v1, v2))

    stubber.assert_no_pending_responses()
    assert creates == [], "the rollback must not start a job"
    assert result == {
        "PhysicalResourceId": JOB_ARN,
        "Data": {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME},
    }
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert logged[-1]["action"] == "keep-job" and logged[-1]["outcome"] == "rollback-to-current-job"
    assert logged[-1]["jobArn"] == JOB_ARN and logged[-1]["jobName"] == JOB_NAME


def test_rollback_after_a_refused_change_of_user_fixed_names_succeeds(stubber: Stubber, run: Run, bedrock: Any) -> None:
    """The update to v2 reused the fixed names and was refused; the rollback to v1 must not be refused too."""
    v1 = base_request(jobName="my-job", customModelName="my-model")
    v2 = v2_of(v1)
    creates = capture_creates(bedrock)
    expect_job(stubber, jobName="my-job", outputModelName="my-model", clientRequestToken=created_by(v1))

    result = run(rollback_event(v1, v2, names_generated="false"))

    stubber.assert_no_pending_responses()
    assert creates == []
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": "my-job", "CustomModelName": "my-model"}


def test_rollback_with_string_and_typed_scalars_written_differently_still_matches(stubber: Stubber, run: Run) -> None:
    """The digest is taken after coercion: "0.00001" and "1e-05" are the same learning rate."""
    rft = {"rftConfig": {"hyperParameters": {"learningRate": "1e-05", "epochCount": "2"}}}
    v1 = base_request(customizationConfig=rft)
    as_rendered_now = base_request(
        customizationConfig={"rftConfig": {"hyperParameters": {"learningRate": "0.00001", "epochCount": "2"}}}
    )
    expect_job(stubber, clientRequestToken=created_by(v1))

    result = run(rollback_event(as_rendered_now, v2_of(v1, jobName="supportbot-job-77d1e0")))

    stubber.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == JOB_ARN


def test_a_genuine_change_still_replaces_a_job_with_generated_names(stubber: Stubber, run: Run) -> None:
    """The current job implements the old request, not the new one: a new job, as before."""
    v1 = base_request()
    v2 = v2_of(v1, jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0")
    event = update_event(v1, v2)
    expect_job(stubber, clientRequestToken=created_by(v1))
    stubber.add_response(
        "create_model_customization_job",
        {"jobArn": NEW_JOB_ARN},
        {**as_sent(v2, event), "clientRequestToken": token_for(event)},
    )

    assert run(event)["PhysicalResourceId"] == NEW_JOB_ARN
    stubber.assert_no_pending_responses()


def test_a_genuine_change_of_user_fixed_names_is_still_refused(stubber: Stubber, run: Run) -> None:
    v1 = base_request(jobName="my-job", customModelName="my-model")
    expect_job(stubber, jobName="my-job", clientRequestToken=created_by(v1))

    with pytest.raises(HandlerError, match=r"cannot be reused"):
        run(update_event(v1, v2_of(v1), names_generated="false"))
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("cfn-" + "0123456789abcdef" * 4, id="older-handler"),
        pytest.param("release-1", id="user-given"),
        pytest.param(None, id="none"),
    ],
)
def test_a_job_whose_token_carries_no_request_digest_is_never_taken_for_the_rollback_target(
    stubber: Stubber, run: Run, token: str | None
) -> None:
    """Jobs started with a user's token or by an older handler: the update behaves as before."""
    v1 = base_request()
    v2 = v2_of(v1, jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0")
    event = rollback_event(v1, v2)
    expect_job(stubber, **({"clientRequestToken": token} if token else {}))
    stubber.add_response("create_model_customization_job", {"jobArn": NEW_JOB_ARN})

    assert run(event)["PhysicalResourceId"] == NEW_JOB_ARN
    stubber.assert_no_pending_responses()


def test_a_current_job_that_cannot_be_read_does_not_block_the_update(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = base_request()
    v2 = v2_of(v1, jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0")
    stubber.add_client_error("get_model_customization_job", "AccessDeniedException", "not authorized", 403)
    stubber.add_response("create_model_customization_job", {"jobArn": NEW_JOB_ARN})

    assert run(update_event(v1, v2))["PhysicalResourceId"] == NEW_JOB_ARN
    stubber.assert_no_pending_responses()
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(e["action"] == "read-current-job" and e["outcome"] == "unreadable" for e in logged)


def test_rollback_target_found_by_listing_where_the_arn_fails(stubber: Stubber, run: Run) -> None:
    """moto's case: the job is looked for among the jobs named like the request's (v1's) base."""
    v1 = base_request()
    v2 = v2_of(v1, jobName="supportbot-job-77d1e0", customModelName="supportbot-model-77d1e0")
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)
    summary = {"jobArn": JOB_ARN, "jobName": JOB_NAME, "baseModelArn": BASE_MODEL_ARN, "status": "InProgress"}
    stubber.add_response(
        "list_model_customization_jobs",
        {"modelCustomizationJobSummaries": [{**summary, "creationTime": CREATED}]},
        {"nameContains": "supportbot-job-3f9a2c", "maxResults": 100},
    )
    ours = job_description("InProgress", clientRequestToken=created_by(v1))
    stubber.add_response("get_model_customization_job", ours, {"jobIdentifier": JOB_NAME})

    result = run(rollback_event(v1, v2))

    stubber.assert_no_pending_responses()
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME}


# ---- ownership: tags change only on this stack's jobs, and never the owner tag itself -----------------


def test_tags_of_a_job_of_another_stack_are_never_changed(
    stubber: Stubber, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing changes on the other stack's job; the update itself succeeds, so that CloudFormation's
    rollback (which sends a tag change back) cannot end in UPDATE_ROLLBACK_FAILED."""
    old = base_request(jobTags=[{"key": "team", "value": "support"}])
    new = base_request(jobTags=[{"key": "team", "value": "attacker"}])
    expect_job(stubber)
    expect_tags(stubber, JOB_ARN, OTHER_STACK_ID, team="support")

    assert run(update_event(old, new))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no TagResource, no UntagResource
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("outcome") == "not-owned-tags-unchanged" for line in logged)


def test_without_the_opt_in_an_untagged_job_under_this_stacks_role_path_keeps_its_tags(
    stubber: Stubber, run: Run
) -> None:
    """Upgraded from a handler without owner tags: the job's role path names only the stack's name, and IAM
    refuses to tag an untagged job, so without adopt_untagged_jobs the tags stay as they are (logged)."""
    own_role = "arn:aws:iam::123456789012:role/bedrock-customization/us-east-1/Demo/Demo-SupportBotServiceRole-1"
    old = base_request(roleArn=own_role, jobTags=[{"key": "team", "value": "support"}])
    new = base_request(roleArn=own_role, jobTags=[{"key": "team", "value": "platform"}])
    expect_job(stubber, roleArn=own_role)
    expect_tags(stubber, JOB_ARN, None, team="support")

    assert run(update_event(old, new))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no GetModelCustomizationJob for the role, no TagResource


def test_an_untagged_job_of_another_role_is_not_claimed(stubber: Stubber, run: Run) -> None:
    old = base_request(jobTags=[{"key": "team", "value": "support"}])
    new = base_request(jobTags=[{"key": "team", "value": "platform"}])
    expect_job(stubber)  # ROLE_ARN: a role the user gave, not under this stack's role path
    expect_tags(stubber, JOB_ARN, None, team="support")

    assert run(update_event(old, new))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()  # no TagResource


def test_the_owner_tag_is_never_removed_nor_retargeted_by_a_tag_update(stubber: Stubber, run: Run) -> None:
    """A template that drops (or rewrites) the owner key changes nothing about ownership."""
    old = base_request(jobTags=[{"key": "bedrock-customization:stack-id", "value": "x"}, {"key": "a", "value": "1"}])
    new = base_request(jobTags=[{"key": "BEDROCK-CUSTOMIZATION:STACK-ID", "value": OTHER_STACK_ID}])
    expect_job(stubber)
    expect_tags(stubber, JOB_ARN)
    stubber.add_response("untag_resource", {}, {"resourceARN": JOB_ARN, "tagKeys": ["a"]})

    run(update_event(old, new))
    stubber.assert_no_pending_responses()  # only "a" removed; no TagResource pointing at another stack


@pytest.mark.parametrize("owner", [OTHER_STACK_ID, None])
def test_update_with_an_older_physical_id_never_adopts_a_job_this_stack_did_not_create(
    stubber: Stubber, run: Run, owner: str | None
) -> None:
    """The properties name another stack's job and its very role: the handler still does not take it."""
    request = base_request()
    event = update_event(request, request, physical_id="Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F", names_generated="false")
    theirs = job_description("InProgress", jobName="supportbot-job-3f9a2c")  # the request's role, too
    stubber.add_response("get_model_customization_job", theirs, {"jobIdentifier": "supportbot-job-3f9a2c"})
    expect_tags(stubber, JOB_ARN, owner)
    stubber.add_client_error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    stubber.add_response("get_model_customization_job", theirs, {"jobIdentifier": "supportbot-job-3f9a2c"})

    with pytest.raises(HandlerError, match=r"immutable"):
        run(event)
    stubber.assert_no_pending_responses()

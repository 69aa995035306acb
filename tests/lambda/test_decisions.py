"""The pure decisions: which physical ids are jobs, what an update means, what a delete must do."""

from __future__ import annotations

from typing import Any

import pytest
from cfn_support import JOB_ARN, MODEL_ARN, base_request, coerced, job_description, make_event, token_for

from lambda_src.customization_job.decisions import (
    DeletePlan,
    FindJob,
    KeepCurrentJob,
    KeepJob,
    StartJob,
    TagChanges,
    UpdateTags,
    decide_update,
    is_job_arn,
    needs_current_job,
    plan_delete,
    tag_changes,
)
from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.properties import RemovalPolicy


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (JOB_ARN, True),
        ("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:model-customization-job/m/abc123def456", True),
        (
            "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/supportbot-job",
            True,
        ),  # moto's form
        ("Demo-SupportBotJob8F2E1A-1A2B3C4D5E6F", False),
        (MODEL_ARN, False),
        ("", False),
        (None, False),
    ],
)
def test_is_job_arn(value: Any, expected: bool) -> None:
    assert is_job_arn(value) is expected


def test_tag_changes() -> None:
    old = [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    new = [{"key": "a", "value": "9"}, {"key": "c", "value": "3"}]

    assert tag_changes(old, new) == TagChanges(to_set={"a": "9", "c": "3"}, to_remove=("b",))
    assert not tag_changes(old, list(reversed(old)))


def test_tags_only_decides_tag_update() -> None:
    old = base_request(jobTags=[{"key": "a", "value": "1"}])
    new = base_request(jobTags=[{"key": "a", "value": "2"}])

    decision = decide_update(JOB_ARN, old, new, names_generated=False)

    assert decision == UpdateTags(JOB_ARN, TagChanges({"a": "2"}), TagChanges())


def test_identical_requests_keep_the_job() -> None:
    assert decide_update(JOB_ARN, base_request(), base_request(), names_generated=False) == KeepJob(JOB_ARN)


def test_non_arn_physical_id_with_unchanged_request_looks_for_the_job_first() -> None:
    decision = decide_update("Demo-Job-XYZ", base_request(), base_request(), names_generated=False)

    assert decision == FindJob("Demo-Job-XYZ")


def test_non_arn_physical_id_with_changed_request_starts_a_job() -> None:
    new = base_request(jobName="j2", customModelName="m2", hyperParameters={"epochCount": "3"})

    assert decide_update("Demo-Job-XYZ", base_request(), new, names_generated=True) == StartJob()


def test_generated_names_replace() -> None:
    new = base_request(jobName="j2", customModelName="m2", customizationType="CONTINUED_PRE_TRAINING")

    assert decide_update(JOB_ARN, base_request(), new, names_generated=True) == StartJob(replaces=JOB_ARN)


def test_fixed_names_that_collide_fail() -> None:
    new = base_request(customizationType="CONTINUED_PRE_TRAINING")

    with pytest.raises(HandlerError, match=r"customizationType"):
        decide_update(JOB_ARN, base_request(), new, names_generated=False)


def job_for(request: dict[str, Any]) -> dict[str, Any]:
    """The description of a job the handler started for ``request``."""
    return job_description("InProgress", clientRequestToken=token_for(make_event("Create", request)))


V1 = base_request(jobTags=[{"key": "team", "value": "a"}])
V2 = base_request(jobName="j2", customModelName="m2", jobTags=[{"key": "team", "value": "b"}], customizationType="X")


def test_only_a_changed_request_on_a_job_arn_needs_the_current_job() -> None:
    assert needs_current_job(JOB_ARN, coerced(V2), coerced(V1))
    assert not needs_current_job(JOB_ARN, coerced(V1), coerced(base_request(jobTags=[])))  # tags only
    assert not needs_current_job("Demo-Job-XYZ", coerced(V2), coerced(V1))


@pytest.mark.parametrize("names_generated", [True, False])
def test_rollback_to_the_request_the_current_job_implements_keeps_it(names_generated: bool) -> None:
    decision = decide_update(
        JOB_ARN, coerced(V2), coerced(V1), names_generated=names_generated, current_job=job_for(V1)
    )

    assert decision == KeepCurrentJob(JOB_ARN, TagChanges({"team": "a"}), TagChanges())


def test_current_job_of_the_old_request_means_a_genuine_change() -> None:
    fixed = base_request(customizationType="CONTINUED_PRE_TRAINING")

    assert decide_update(JOB_ARN, coerced(V1), coerced(V2), names_generated=True, current_job=job_for(V1)) == StartJob(
        replaces=JOB_ARN
    )
    with pytest.raises(HandlerError, match=r"customizationType"):
        decide_update(JOB_ARN, coerced(V1), coerced(fixed), names_generated=False, current_job=job_for(V1))


def test_a_current_job_without_a_derived_token_never_matches() -> None:
    for job in (job_description("InProgress"), job_description("InProgress", clientRequestToken="release-1"), None):
        assert decide_update(JOB_ARN, coerced(V2), coerced(V1), names_generated=True, current_job=job) == StartJob(
            replaces=JOB_ARN
        )


@pytest.mark.parametrize(
    ("job", "policy", "expected"),
    [
        (job_description("InProgress"), RemovalPolicy.RETAIN, DeletePlan(True, False)),
        (job_description("InProgress"), RemovalPolicy.DESTROY, DeletePlan(True, False)),
        (job_description("Stopping"), RemovalPolicy.DESTROY, DeletePlan(False, False)),
        (job_description("Stopped"), RemovalPolicy.DESTROY, DeletePlan(False, False)),
        (job_description("Failed"), RemovalPolicy.DESTROY, DeletePlan(False, False)),
        (job_description("Completed", outputModelArn=MODEL_ARN), RemovalPolicy.RETAIN, DeletePlan(False, False)),
        (job_description("Completed", outputModelArn=MODEL_ARN), RemovalPolicy.DESTROY, DeletePlan(False, True)),
        (job_description("Completed"), RemovalPolicy.DESTROY, DeletePlan(False, True)),
        # A server that reports a model while the job runs (moto does): stop it, then look for the model.
        (job_description("InProgress", outputModelArn=MODEL_ARN), RemovalPolicy.DESTROY, DeletePlan(True, True)),
    ],
)
def test_plan_delete(job: dict[str, Any], policy: RemovalPolicy, expected: DeletePlan) -> None:
    assert plan_delete(job, policy) == expected

"""Issue 23: the Delete plan on a job description as Bedrock's answer gives it (strings parsed from JSON, so an
`is` in place of `==` fails)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfn_support import JOB_ARN, base_request, coerced

from lambda_src.customization_job.decisions import DeletePlan, StartJob, decide_update, plan_delete
from lambda_src.customization_job.properties import RemovalPolicy

RUNNING = "InProgress"
MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"


def described_request(**overrides: Any) -> dict[str, Any]:
    """A request's properties as CloudFormation delivers them: parsed from JSON."""
    return json.loads(json.dumps(base_request(**overrides)))  # type: ignore[no-any-return]


def described(status: str, **extra: Any) -> dict[str, Any]:
    return json.loads(json.dumps({"jobName": "support-bot-1", "status": status, **extra}))  # type: ignore[no-any-return]


def test_a_running_job_found_on_delete_is_stopped() -> None:
    job = described("InProgress")
    assert job["status"] == RUNNING and job["status"] is not RUNNING  # the point: equal, not the same object

    assert plan_delete(job, RemovalPolicy.RETAIN) == DeletePlan(stop_job=True, look_for_model=False)
    assert plan_delete(job, RemovalPolicy.DESTROY) == DeletePlan(stop_job=True, look_for_model=False)


@pytest.mark.parametrize("status", ["Stopping", "Stopped", "Failed", "Completed"])
def test_a_job_not_running_is_not_stopped(status: str) -> None:
    assert not plan_delete(described(status), RemovalPolicy.RETAIN).stop_job


def test_a_completed_job_is_looked_for_its_model_on_destroy_even_before_its_arn_shows() -> None:
    assert plan_delete(described("Completed"), RemovalPolicy.DESTROY) == DeletePlan(stop_job=False, look_for_model=True)
    assert plan_delete(described("Completed"), RemovalPolicy.RETAIN) == DeletePlan(stop_job=False, look_for_model=False)
    stopped_with_model = described("Stopped", outputModelArn=MODEL)
    assert plan_delete(stopped_with_model, RemovalPolicy.DESTROY) == DeletePlan(stop_job=False, look_for_model=True)
    assert plan_delete(described("Failed"), RemovalPolicy.DESTROY) == DeletePlan(stop_job=False, look_for_model=False)


# --- survivor of the fresh sample (seed 763561155) ------------------------------------------------------------


@pytest.mark.parametrize("new_token", ["my-token-2025-01-00", "my-token-2025-01-02", "a"])
def test_a_replacement_with_another_token_starts_a_new_job_whichever_way_the_tokens_sort(new_token: str) -> None:
    old = coerced(described_request(clientRequestToken="my-token-2025-01-01"))
    new = coerced(described_request(clientRequestToken=new_token, customModelName="support-bot-v2"))

    assert decide_update(JOB_ARN, old, new, names_generated=True) == StartJob(replaces=JOB_ARN)

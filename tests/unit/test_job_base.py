"""One L2 base for every job: a job of this app and an imported one offer the same interface, written once."""

from __future__ import annotations

from typing import Any

from aws_cdk import Resource
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from constructs_lib import (
    Completion,
    IModelCustomizationJob,
    JobStatus,
    ModelCustomizationJob,
    ModelCustomizationJobBase,
)

from .helpers import new_stack, simple_job

JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abcdef123456"
MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/xyz"


def rules(stack: Any) -> list[dict[str, Any]]:
    return [
        r["Properties"]["EventPattern"] for r in Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    ]


def test_both_kinds_of_job_are_resources_of_the_one_base() -> None:
    stack = new_stack()
    here = simple_job(stack)
    imported = ModelCustomizationJob.from_job_arn(stack, "Imported", JOB_ARN)
    for job in (here, imported):
        assert isinstance(job, ModelCustomizationJobBase) and isinstance(job, Resource)
        assert isinstance(job, IModelCustomizationJob)
    for method in ("grant_read", "grant_stop", "grant_invoke_model", "on_state_change"):
        assert method not in vars(ModelCustomizationJob) and method not in vars(type(imported)), method


def test_an_imported_jobs_state_changes_are_matched_by_its_arn() -> None:
    stack = new_stack()
    topic = sns.Topic(stack, "Alerts")
    imported = ModelCustomizationJob.from_job_arn(stack, "Imported", JOB_ARN)

    imported.on_state_change("Ended", target=targets.SnsTopic(topic), statuses=[JobStatus.FAILED])

    (pattern,) = rules(stack)
    assert pattern == {
        "source": ["aws.bedrock"],
        "detail-type": ["Model Customization Job State Change"],
        "detail": {"jobStatus": ["Failed"]},
        "resources": [JOB_ARN],
    }


def test_a_jobs_own_rule_still_matches_by_name_across_replacements() -> None:
    stack = new_stack()
    job = simple_job(stack, job_name="nightly-v1", custom_model_name="nightly-model-v1")

    job.on_state_change("Any")

    (pattern,) = rules(stack)
    assert pattern["detail"] == {"jobName": ["nightly-v1"]} and "resources" not in pattern


def test_grant_read_includes_the_model_only_where_the_job_knows_it() -> None:
    from aws_cdk import Duration

    stack = new_stack()
    submitted = simple_job(stack, "Submitted")
    waiting = simple_job(stack, "Waiting", completion=Completion.wait(timeout=Duration.hours(2)))
    with_model = ModelCustomizationJob.from_job_attributes(stack, "Known", job_arn=JOB_ARN, custom_model_arn=MODEL_ARN)
    roles = {}
    for name, job in (("A", submitted), ("B", waiting), ("C", with_model)):
        roles[name] = iam.Role(stack, f"Reader{name}", assumed_by=iam.AccountRootPrincipal())
        job.grant_read(roles[name])
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")

    def reads_model(role_id: str) -> bool:
        text = str([p for k, p in policies.items() if k.startswith(f"Reader{role_id}")])
        return "bedrock:GetCustomModel" in text

    assert not reads_model("A") and reads_model("B") and reads_model("C")

"""``apply_removal_policy`` has a documented meaning on the job, the deployment and the throughput, or an error
naming the prop to use; never CDK's generic CannotApplyRemovalPolicy."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, RemovalPolicy
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import Commitment, Completion
from constructs_lib.rules.validation import ValidationError

from .helpers import JOB_TYPE, new_stack, simple_job

DEPLOYMENT_TYPE = "Custom::BedrockCustomModelDeployment"
THROUGHPUT_TYPE = "Custom::BedrockProvisionedModelThroughput"


def _one(template: Template, resource_type: str) -> dict[str, Any]:
    (resource,) = template.find_resources(resource_type).values()
    return resource


@pytest.mark.parametrize(("policy", "rendered"), [(RemovalPolicy.DESTROY, "DESTROY"), (RemovalPolicy.RETAIN, "RETAIN")])
def test_on_a_job_it_decides_what_happens_to_the_trained_model(policy: RemovalPolicy, rendered: str) -> None:
    stack = new_stack()
    job = simple_job(
        stack, model_removal_policy=RemovalPolicy.RETAIN if rendered == "DESTROY" else RemovalPolicy.DESTROY
    )
    job.apply_removal_policy(policy)
    resource = _one(Template.from_stack(stack), JOB_TYPE)
    assert resource["Properties"]["ModelRemovalPolicy"] == rendered
    assert resource["DeletionPolicy"] == "Delete"  # the job itself is always stopped on delete


@pytest.mark.parametrize("policy", [RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE])
def test_on_a_job_other_policies_name_the_prop(policy: RemovalPolicy) -> None:
    job = simple_job(new_stack())
    with pytest.raises(ValidationError, match=r"TestStack/Job: .*model_removal_policy"):
        job.apply_removal_policy(policy)


def _serving(kind: str, **props: Any) -> Any:
    from aws_cdk import App, Environment, Stack

    stack = Stack(App(), "Serving", env=Environment(region="us-east-1"))
    job = simple_job(stack, completion=Completion.wait(timeout=Duration.hours(2)))
    if kind == "deployment":
        return stack, job.deploy_on_demand("Serve")
    return stack, job.provision_throughput("Serve", model_units=1, **props)


@pytest.mark.parametrize(("kind", "resource_type"), [("deployment", DEPLOYMENT_TYPE), ("throughput", THROUGHPUT_TYPE)])
def test_retain_on_a_served_model_leaves_it_in_the_account(kind: str, resource_type: str) -> None:
    stack, served = _serving(kind)
    served.apply_removal_policy(RemovalPolicy.RETAIN)
    resource = _one(Template.from_stack(stack), resource_type)
    assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    if kind == "throughput":
        found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("billed"))
        assert found


@pytest.mark.parametrize("kind", ["deployment", "throughput"])
def test_destroy_on_a_served_model_is_the_default_delete(kind: str) -> None:
    stack, served = _serving(kind)
    served.apply_removal_policy(RemovalPolicy.DESTROY)
    resource = _one(Template.from_stack(stack), DEPLOYMENT_TYPE if kind == "deployment" else THROUGHPUT_TYPE)
    assert resource["DeletionPolicy"] == "Delete"


def test_snapshot_on_a_served_model_is_refused() -> None:
    _, served = _serving("deployment")
    with pytest.raises(ValidationError, match=r"Serving/Job/Serve: .*SNAPSHOT.*RETAIN"):
        served.apply_removal_policy(RemovalPolicy.SNAPSHOT)


def test_a_committed_throughput_names_committed_removal() -> None:
    _, served = _serving("throughput", commitment=Commitment.one_month(acknowledge_non_cancellable_charge=True))
    with pytest.raises(ValidationError, match=r"committed_removal=CommittedRemoval.RETAIN"):
        served.apply_removal_policy(RemovalPolicy.RETAIN)

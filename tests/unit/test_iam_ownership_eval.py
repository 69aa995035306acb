"""IAM alone keeps every handler role to its own stack's resources: the synthesized policies, evaluated.

A real stack (a submitted job, a waiting job, a model served on demand and with provisioned throughput) is
synthesized; the statements of every role that calls Bedrock are resolved (this stack's id, account and Region
fixed) and evaluated with a small IAM evaluator (tests/iam_eval.py) against requests as Bedrock would authorize
them: each resource of the call, its tags as ``aws:ResourceTag/<key>``, the request's as ``aws:RequestTag/<key>``
and ``aws:TagKeys``. Nothing here reads a statement's JSON shape: only whether IAM would allow the call.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from iam_eval import Request, allowed, resolve, tag_context

from .helpers import simple_job, statements

OWNER = "bedrock-customization:stack-id"
STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Shared/11111111-2222-3333-4444-555555555555"
OTHER_STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Other/66666666-7777-8888-9999-000000000000"
SAME_NAME_LATER = "arn:aws:cloudformation:us-east-1:111122223333:stack/Shared/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
PREFIX = "arn:aws:bedrock:us-east-1:111122223333"
JOB = f"{PREFIX}:model-customization-job/amazon.nova-micro-v1:0:128k/abcdef123456"
MODEL = f"{PREFIX}:custom-model/amazon.nova-micro-v1:0:128k/abcdef123456"
FOUNDATION = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
DEPLOYMENT = f"{PREFIX}:custom-model-deployment/abcdef123456"
THROUGHPUT = f"{PREFIX}:provisioned-model/abcdef123456"

OWN = {OWNER: STACK_ID}
FOREIGN = {OWNER: OTHER_STACK_ID}
UNTAGGED: dict[str, str] = {}

JOB_ROLE = "BedrockModelCustomizationProviderHandlerRole"
SERVING_ROLE = JOB_ROLE
WATCHER_ROLE = JOB_ROLE
"""Issue 20: one runtime per stack, one role for jobs, serving and the watcher (the names say whose statements a
test reads)."""


def _synth(**job_props: Any) -> dict[str, list[dict[str, Any]]]:
    from aws_cdk import App, Duration, Environment, Stack

    from constructs_lib import Completion

    stack = Stack(App(), "Shared", env=Environment(region="us-east-1"))
    simple_job(stack, "Submitted", **job_props)
    waiting = simple_job(stack, "Waiting", completion=Completion.wait(timeout=Duration.hours(2)), **job_props)
    waiting.deploy_on_demand("OnDemand")
    waiting.provision_throughput("Provisioned", model_units=1)
    return {
        role: [resolve(s, STACK_ID) for s in statements(stack, role)] for role in {JOB_ROLE, SERVING_ROLE, WATCHER_ROLE}
    }


@pytest.fixture(scope="module")
def roles() -> dict[str, list[dict[str, Any]]]:
    found = _synth()
    assert all(found.values()), {k: len(v) for k, v in found.items()}
    return found


def tag(resource: str, resource_tags: dict[str, str], new_tags: dict[str, str]) -> list[Request]:
    context = tag_context(resource_tags=resource_tags, request_tags=new_tags)
    return [Request("bedrock:TagResource", resource, context)]


def untag(resource: str, resource_tags: dict[str, str], keys: list[str]) -> list[Request]:
    return [Request("bedrock:UntagResource", resource, tag_context(resource_tags=resource_tags, tag_keys=keys))]


def on(action: str, resource: str, resource_tags: dict[str, str]) -> list[Request]:
    return [Request(action, resource, tag_context(resource_tags=resource_tags))]


def create(action: str, resources: list[str], request_tags: dict[str, str]) -> list[Request]:
    return [Request(action, r, tag_context(request_tags=request_tags)) for r in resources]


HANDLER_RESOURCES = [(JOB_ROLE, JOB), (JOB_ROLE, MODEL), (SERVING_ROLE, DEPLOYMENT), (SERVING_ROLE, THROUGHPUT)]


@pytest.mark.parametrize(("role", "resource"), HANDLER_RESOURCES)
def test_tagging_an_untagged_resource_as_this_stacks_is_denied(
    roles: dict[str, list[dict[str, Any]]], role: str, resource: str
) -> None:
    assert not allowed(roles[role], tag(resource, UNTAGGED, OWN))
    assert not allowed(roles[role], tag(resource, {"team": "x"}, {**OWN, "team": "y"}))


@pytest.mark.parametrize(("role", "resource"), HANDLER_RESOURCES)
def test_tagging_another_stacks_resource_is_denied(
    roles: dict[str, list[dict[str, Any]]], role: str, resource: str
) -> None:
    assert not allowed(roles[role], tag(resource, FOREIGN, OWN))
    assert not allowed(roles[role], tag(resource, {OWNER: SAME_NAME_LATER}, OWN))
    # nor as the key written in another case (IAM compares the key names of aws:ResourceTag without case)
    assert not allowed(roles[role], tag(resource, {"Bedrock-Customization:Stack-Id": OTHER_STACK_ID}, OWN))


@pytest.mark.parametrize(("role", "resource"), HANDLER_RESOURCES)
def test_tagging_its_own_resource_with_the_owner_tag_is_allowed(
    roles: dict[str, list[dict[str, Any]]], role: str, resource: str
) -> None:
    assert allowed(roles[role], tag(resource, OWN, {**OWN, "team": "y"}))
    assert not allowed(roles[role], tag(resource, OWN, {"team": "y"})), "every TagResource carries the owner tag"
    assert not allowed(roles[role], tag(resource, OWN, FOREIGN)), "never retargeted to another stack"


@pytest.mark.parametrize(("role", "resource"), HANDLER_RESOURCES)
@pytest.mark.parametrize("key", [OWNER, "Bedrock-Customization:Stack-Id", "BEDROCK-CUSTOMIZATION:STACK-ID"])
def test_untagging_the_owner_key_in_any_case_is_denied(
    roles: dict[str, list[dict[str, Any]]], role: str, resource: str, key: str
) -> None:
    assert not allowed(roles[role], untag(resource, OWN, [key]))
    assert not allowed(roles[role], untag(resource, OWN, ["team", key]))


@pytest.mark.parametrize(("role", "resource"), HANDLER_RESOURCES)
def test_untagging_other_keys_only_on_its_own_resource(
    roles: dict[str, list[dict[str, Any]]], role: str, resource: str
) -> None:
    assert allowed(roles[role], untag(resource, OWN, ["team"]))
    assert not allowed(roles[role], untag(resource, FOREIGN, ["team"]))
    assert not allowed(roles[role], untag(resource, UNTAGGED, ["team"]))


STOP_DELETE_UPDATE = [
    (JOB_ROLE, "bedrock:StopModelCustomizationJob", JOB),
    (JOB_ROLE, "bedrock:DeleteCustomModel", MODEL),
    (SERVING_ROLE, "bedrock:DeleteCustomModelDeployment", DEPLOYMENT),
    (SERVING_ROLE, "bedrock:DeleteProvisionedModelThroughput", THROUGHPUT),
    (SERVING_ROLE, "bedrock:UpdateCustomModelDeployment", DEPLOYMENT),
    (SERVING_ROLE, "bedrock:UpdateProvisionedModelThroughput", THROUGHPUT),
]


@pytest.mark.parametrize(("role", "action", "resource"), STOP_DELETE_UPDATE)
def test_stop_delete_update_only_its_own_resource(
    roles: dict[str, list[dict[str, Any]]], role: str, action: str, resource: str
) -> None:
    assert allowed(roles[role], on(action, resource, OWN))
    assert not allowed(roles[role], on(action, resource, FOREIGN))
    assert not allowed(roles[role], on(action, resource, UNTAGGED))
    assert not allowed(roles[role], on(action, resource, {OWNER: SAME_NAME_LATER}))


@pytest.mark.parametrize("action", ["bedrock:UpdateCustomModelDeployment", "bedrock:UpdateProvisionedModelThroughput"])
def test_a_swap_points_its_own_serving_resource_at_any_model(
    roles: dict[str, list[dict[str, Any]]], action: str
) -> None:
    target = DEPLOYMENT if "Deployment" in action else THROUGHPUT
    swap = [*on(action, target, OWN), *on(action, MODEL, FOREIGN)]
    assert allowed(roles[SERVING_ROLE], swap)
    assert not allowed(roles[SERVING_ROLE], [*on(action, target, UNTAGGED), *on(action, MODEL, OWN)])


CREATES = [
    (JOB_ROLE, "bedrock:CreateModelCustomizationJob", [JOB, MODEL, FOUNDATION]),
    (SERVING_ROLE, "bedrock:CreateCustomModelDeployment", [DEPLOYMENT, MODEL]),
    (SERVING_ROLE, "bedrock:CreateProvisionedModelThroughput", [THROUGHPUT, MODEL]),
]


@pytest.mark.parametrize(("role", "action", "resources"), CREATES)
def test_create_only_with_this_stacks_owner_tag_in_the_request(
    roles: dict[str, list[dict[str, Any]]], role: str, action: str, resources: list[str]
) -> None:
    assert allowed(roles[role], create(action, resources, {**OWN, "team": "x"}))
    assert not allowed(roles[role], create(action, resources, {}))
    assert not allowed(roles[role], create(action, resources, {"team": "x"}))
    assert not allowed(roles[role], create(action, resources, FOREIGN))


MUTATING = [
    "bedrock:CreateModelCustomizationJob",
    "bedrock:StopModelCustomizationJob",
    "bedrock:DeleteCustomModel",
    "bedrock:TagResource",
    "bedrock:UntagResource",
    "bedrock:UpdateCustomModelDeployment",
    "bedrock:DeleteCustomModelDeployment",
]


@pytest.mark.parametrize("action", MUTATING)
def test_the_watcher_changes_nothing_that_is_not_this_stacks(
    roles: dict[str, list[dict[str, Any]]], action: str
) -> None:
    """Issue 20: the watcher runs as the runtime's one role, so it may change what the runtime may (this stack's own
    resources, tests above), and nothing another stack owns or nobody owns. (A swap also names the model it
    points at, any model: test_a_swap_points_its_own_serving_resource_at_any_model.)"""
    targets = (DEPLOYMENT,) if action.startswith("bedrock:Update") else (JOB, MODEL, DEPLOYMENT)
    for resource in targets:
        for owner in (FOREIGN, UNTAGGED):
            assert not allowed(roles[WATCHER_ROLE], on(action, resource, owner))


@pytest.fixture(scope="module")
def adopting() -> dict[str, list[dict[str, Any]]]:
    return _synth(adopt_untagged_jobs=True)


def test_without_the_opt_in_the_job_handler_cannot_read_the_stack(roles: dict[str, list[dict[str, Any]]]) -> None:
    read = [Request("cloudformation:DescribeStacks", STACK_ID)]
    assert not allowed(roles[JOB_ROLE], read)


@pytest.mark.parametrize("resource", [JOB, MODEL])
def test_adopt_untagged_jobs_allows_exactly_the_owner_tag_on_an_untagged_job_or_model(
    adopting: dict[str, list[dict[str, Any]]], resource: str
) -> None:
    statements_ = adopting[JOB_ROLE]
    assert allowed(statements_, tag(resource, UNTAGGED, OWN))
    assert allowed(statements_, tag(resource, {"team": "x"}, OWN))
    assert not allowed(statements_, tag(resource, UNTAGGED, {**OWN, "team": "y"})), "the owner tag only"
    assert not allowed(statements_, tag(resource, UNTAGGED, FOREIGN))
    assert not allowed(statements_, tag(resource, FOREIGN, OWN))
    assert not allowed(statements_, tag(resource, {"Bedrock-Customization:Stack-Id": OTHER_STACK_ID}, OWN))
    assert allowed(statements_, [Request("cloudformation:DescribeStacks", STACK_ID)])
    assert not allowed(statements_, [Request("cloudformation:DescribeStacks", OTHER_STACK_ID)])


@pytest.mark.parametrize("resource", [DEPLOYMENT, THROUGHPUT])
def test_adopt_untagged_jobs_gives_the_serving_role_nothing(
    adopting: dict[str, list[dict[str, Any]]], resource: str
) -> None:
    assert not allowed(adopting[SERVING_ROLE], tag(resource, UNTAGGED, OWN))


def test_the_watcher_reads_every_handles_metadata_of_its_own_stack_in_one_call(
    roles: dict[str, list[dict[str, Any]]],
) -> None:
    for action in ("cloudformation:GetTemplate", "cloudformation:ListStackResources"):
        assert allowed(roles[WATCHER_ROLE], [Request(action, STACK_ID)])
        assert not allowed(roles[WATCHER_ROLE], [Request(action, OTHER_STACK_ID)])


def test_adopt_untagged_jobs_must_be_a_bool() -> None:
    from aws_cdk import App, Stack

    from constructs_lib.rules.validation import ValidationError

    with pytest.raises(ValidationError, match=r"Invalid adopt_untagged_jobs 'yes': expected True or False"):
        simple_job(Stack(App(), "S"), "Job", adopt_untagged_jobs="yes")


def test_the_opt_in_is_a_property_of_the_job_resource_only_when_set() -> None:
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    stack = Stack(App(), "S")
    simple_job(stack, "Plain")
    simple_job(stack, "Upgraded", adopt_untagged_jobs=True)
    jobs = Template.from_stack(stack).find_resources("Custom::BedrockModelCustomizationJob")
    flags = {k.startswith("Upgraded"): r["Properties"].get("AdoptUntaggedJobs") for k, r in jobs.items()}
    assert flags == {False: None, True: "true"}

"""app.py's serving stacks, synthesized, replayed through the serving handler against the fake Bedrock endpoint.

Nothing here is hand-built: the properties are those of the ``Custom::BedrockCustomModelDeployment`` of
BedrockServed and the ``Custom::BedrockProvisionedModelThroughput`` of BedrockProvisioned as ``app.py``
synthesizes them, rendered the way CloudFormation delivers them (integration/harness.py: intrinsics resolved,
scalars as strings). The two intrinsics only a deployment can answer are substituted: ``Ref`` of the job (its
physical id, the job ARN) and ``Fn::GetAtt`` of its result's ``CustomModelArn``, with ARNs the fake knows (jobs
with metrics for the quality gate). Each event goes through ``on_event`` and then ``is_complete`` until complete,
as the Provider framework runs them, and CloudFormation's part (physical ids, replacement, the Delete of a
replaced resource, UPDATE_ROLLBACK) is the harness's ``CloudFormation``.

A retrain is app.py synthesized again with one training setting changed (as integration/conftest.py's
``next_templates``): the job is replaced, so the serving resource, whose template properties did not change,
receives an Update because the values it references did.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from aws_cdk import Stack, Tags
from botocore.exceptions import ConnectionClosedError
from fake_bedrock import FakeBedrock
from integration.conftest import _next_version
from integration.harness import JOB_TYPE, CloudFormation, StackTemplate, cfn_strings, synthesize
from serving_support import OWNER_TAG_KEY, TOKEN_TAG_KEY, FakeLambdaTime

from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.idempotency import name_suffix
from lambda_src.model_serving import handler

RESULT_TYPE = "Custom::BedrockModelCustomizationResult"
RETAG = ("team", "support-bots")
ACCOUNT, REGION = "123456789012", "us-east-1"


@dataclass(frozen=True)
class Served:
    """One of app.py's serving stacks and the spelling of its resource type in the API."""

    stack: str
    resource_type: str
    model_field: str
    name_field: str
    stem: str
    """The operations' stem: Create<stem>, Get<stem>, Update<stem>, Delete<stem>."""
    swap_field: str
    """Where UpdateX names the model to serve."""
    ready: str
    arn_attribute: str
    name_attribute: str


ON_DEMAND = Served(
    "BedrockServed",
    "Custom::BedrockCustomModelDeployment",
    "modelArn",
    "modelDeploymentName",
    "CustomModelDeployment",
    "modelArn",
    "Active",
    "DeploymentArn",
    "DeploymentName",
)
PROVISIONED = Served(
    "BedrockProvisioned",
    "Custom::BedrockProvisionedModelThroughput",
    "modelId",
    "provisionedModelName",
    "ProvisionedModelThroughput",
    "desiredModelId",
    "InService",
    "ProvisionedModelArn",
    "ProvisionedModelName",
)
BOTH = [pytest.param(ON_DEMAND, id="on-demand"), pytest.param(PROVISIONED, id="provisioned")]


# ---- app.py, synthesized ----------------------------------------------------------------------------


def _serving_stacks_only(example: Any) -> None:
    """app.py's own ``build_app`` (its stack ids), with every stack but the two serving ones left out."""
    keep = (example.ServedStack, example.ProvisionedStack)
    for name, value in list(vars(example).items()):
        if isinstance(value, type) and issubclass(value, Stack) and value is not Stack and value not in keep:
            setattr(example, name, lambda *args, **kwargs: None)


def _retrained(example: Any) -> None:
    _serving_stacks_only(example)
    _next_version(example)  # one training setting per job changed: each job is replaced


def _reconfigured(example: Any) -> None:
    """The same jobs; every ``provision_throughput`` asks for one model unit more, and every on-demand deployment
    gets a tag through ``Tags.of`` (neither changes the model served)."""
    _serving_stacks_only(example)
    original = example.ModelCustomizationJob

    def job(scope: Any, construct_id: str, **props: Any) -> Any:
        made = original(scope, construct_id, **props)
        provision, deploy = made.provision_throughput, made.deploy_on_demand

        def more_units(served_id: str, *, model_units: int, **options: Any) -> Any:
            return provision(served_id, model_units=model_units + 1, **options)

        def tagged(served_id: str, **options: Any) -> Any:
            deployment = deploy(served_id, **options)
            Tags.of(deployment).add(*RETAG)
            return deployment

        made.provision_throughput, made.deploy_on_demand = more_units, tagged
        return made

    example.ModelCustomizationJob = job


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    return synthesize(tmp_path_factory.mktemp("cdk.out.serving"), customize=_serving_stacks_only)


@pytest.fixture(scope="module")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    return synthesize(tmp_path_factory.mktemp("cdk.out.serving.retrained"), customize=_retrained)


@pytest.fixture(scope="module")
def reconfigured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    return synthesize(tmp_path_factory.mktemp("cdk.out.serving.reconfigured"), customize=_reconfigured)


def serving_logical_id(stack: StackTemplate, served: Served) -> str:
    (logical_id,) = [k for k, r in stack.resources.items() if r["Type"] == served.resource_type]
    return logical_id


@dataclass(frozen=True)
class Trained:
    """What a deployment of the job gives the serving resource's intrinsics: the job's ARN and its model's."""

    job_arn: str
    model_arn: str


def trained(stack: StackTemplate, version: str) -> Trained:
    """Plausible ARNs for version ``version`` (12 characters, [a-z0-9]) of the stack's job, of its base model."""
    (job_id,) = stack.job_logical_ids()
    base = stack.resources[job_id]["Properties"]["Request"]["baseModelIdentifier"]
    assert isinstance(base, str), "app.py's serving jobs name their base model by id"
    unique = (version * 12)[:12]
    return Trained(
        f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{base}/{unique}",
        f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/{base}/{unique}",
    )


def _substituted(value: Any, literals: dict[str, str]) -> Any:
    if isinstance(value, dict):
        key = json.dumps(value, sort_keys=True)
        if key in literals:
            return literals[key]
        return {k: _substituted(v, literals) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, literals) for v in value]
    return value


def serving_properties(stack: StackTemplate, served: Served, model: Trained) -> dict[str, Any]:
    """The serving resource's properties as CloudFormation delivers them once ``model``'s job is deployed.

    The template must wire them to the stack's job: ``JobArn`` is ``Ref`` of the job, the served model the
    ``CustomModelArn`` of the result that waits for that job."""
    props = stack.resources[serving_logical_id(stack, served)]["Properties"]
    job_ref = props["JobArn"]
    assert set(job_ref) == {"Ref"} and stack.resources[job_ref["Ref"]]["Type"] == JOB_TYPE, job_ref
    model_att = props["Request"][served.model_field]
    result_id, attribute = model_att["Fn::GetAtt"]
    assert attribute == "CustomModelArn" and stack.resources[result_id]["Type"] == RESULT_TYPE
    assert stack.resources[result_id]["Properties"]["JobIdentifier"] == job_ref, "the result of the served job"
    literals = {
        json.dumps(job_ref, sort_keys=True): model.job_arn,
        json.dumps(model_att, sort_keys=True): model.model_arn,
    }
    rendered: dict[str, Any] = cfn_strings(stack.resolve(_substituted(props, literals)))
    return rendered


def without_model(stack: StackTemplate, served: Served) -> dict[str, Any]:
    """The serving resource as synthesized, but for the served model (the ``CustomModelArn`` of the job's result,
    a resource named per job version)."""
    resource = copy.deepcopy(stack.resources[serving_logical_id(stack, served)])
    assert "Fn::GetAtt" in resource["Properties"]["Request"].pop(served.model_field)
    return dict(resource)


def gate_of(properties: dict[str, Any]) -> tuple[str, float]:
    """The template's one threshold: (``MaxValidationLoss`` or ``MaxTrainingLoss``, its value)."""
    ((key, value),) = properties["QualityGate"].items()
    return key, float(value)


def add_job(fake: FakeBedrock, model: Trained, properties: dict[str, Any], *, margin: float) -> None:
    """The model's job with its gated loss at ``threshold + margin`` (below: passes) and the other one at 0.1."""
    key, threshold = gate_of(properties)
    gated = round(threshold + margin, 3)
    if key == "MaxValidationLoss":
        fake.add_job(model.job_arn, training_loss=0.1, validation_loss=gated, model_arn=model.model_arn)
    else:
        assert key == "MaxTrainingLoss"
        fake.add_job(model.job_arn, training_loss=gated, validation_loss=0.1, model_arn=model.model_arn)


# ---- the Provider framework and CloudFormation ------------------------------------------------------


@dataclass
class ProviderFramework:
    """aws-cdk-lib's custom-resources framework: on_event once, then is_complete (with on_event's answer merged
    into the event) until IsComplete; Data of both merged, is_complete's winning; a raise fails the resource."""

    client: Any
    clock: FakeLambdaTime
    max_polls: int = 20
    repeat_on_event: bool = False
    """Run on_event twice with the same event, as when the framework's own invocation is retried after the
    user's on_event had acted (Lambda's asynchronous retries)."""

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        result = handler.handle(copy.deepcopy(event), self.clock, client=self.client, sleep=self.clock.sleep)
        if self.repeat_on_event:
            again = handler.handle(copy.deepcopy(event), self.clock, client=self.client, sleep=self.clock.sleep)
            assert again == result, "the repeated request must answer as the first did"
        assert result.get("PhysicalResourceId"), "the framework would default it; the handler always gives it"
        if event["RequestType"] == "Delete":  # the framework refuses a changed physical id on Delete
            assert result["PhysicalResourceId"] == event["PhysicalResourceId"]
        after = {**event, **result}
        for _ in range(self.max_polls):
            done = handler.check(copy.deepcopy(after), self.clock, client=self.client, sleep=self.clock.sleep)
            if done["IsComplete"]:
                return {**result, "Data": {**(result.get("Data") or {}), **(done.get("Data") or {})}}
            assert not done.get("Data"), "the framework fails a resource whose is_complete gives Data while waiting"
        raise FrameworkTimeout(f"not complete after {self.max_polls} is_complete calls")


class FrameworkTimeout(Exception):
    """The Provider framework's total timeout ran out (its waiter fails the resource: "Operation timed out")."""


class ServingCloudFormation(CloudFormation):
    """The harness's CloudFormation, sending the serving resource's own ResourceType."""

    def _event(self, request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        event = super()._event(request_type, properties, **extra)
        event["ResourceType"] = self.stack.resources[self.logical_id]["Type"]
        return event


@pytest.fixture
def cloudformation(fake_client: Any, lambda_time: FakeLambdaTime) -> Callable[[StackTemplate, Served], CloudFormation]:
    def for_stack(stack: StackTemplate, served: Served) -> CloudFormation:
        return ServingCloudFormation(
            stack, serving_logical_id(stack, served), ProviderFramework(fake_client, lambda_time)
        )

    return for_stack


def calls(fake: FakeBedrock, since: int = 0) -> list[tuple[str, str]]:
    """(operation, unquoted path) of each request since call number ``since``."""
    return [(op, unquote(path)) for op, path, _ in fake.calls[since:]]


def bodies(fake: FakeBedrock, operation: str) -> list[dict[str, Any]]:
    return [body for op, _, body in fake.calls if op == operation]


def jobs_read(fake: FakeBedrock, since: int = 0) -> list[str]:
    return [
        path.rsplit("/model-customization-jobs/", 1)[1] for op, path in calls(fake, since) if op.startswith("GetModelC")
    ]


# ---- create -> retrain (swap in place) -> delete ----------------------------------------------------


@pytest.mark.parametrize("served", BOTH)
def test_create_retrain_swap_and_delete_from_synthesized_templates(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    retrained: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
) -> None:
    stack, next_stack = templates[served.stack], retrained[served.stack]
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=-0.3)
    add_job(fake, v2, first, margin=-0.2)
    fake.creating_polls, fake.updating_polls = 3, 2
    cfn = cloudformation(stack, served)

    # ---- create: gate, then one create, then Active / InService --------------------------------------
    created = cfn.create(first)

    arn = created["PhysicalResourceId"]
    live = fake.resources[arn]
    assert (live.status, live.model) == (served.ready, v1.model_arn)
    assert jobs_read(fake) == [v1.job_arn], "the gate read the served job's metrics"
    assert [op for op, _ in calls(fake)][:3] == ["GetCustomModel", "GetModelCustomizationJob", f"Create{served.stem}"]
    assert [op for op, _ in calls(fake)].count(f"Get{served.stem}") == 3, "is_complete waited while it was created"
    (sent,) = bodies(fake, f"Create{served.stem}")
    assert sent[served.model_field] == v1.model_arn
    base = first["Request"][served.name_field]
    assert (
        live.name
        == sent[served.name_field]
        == f"{base}-{name_suffix(stack.stack_id, cfn.logical_id, cfn.last_event['RequestId'])}"
    )
    assert (
        fake.tags[arn][OWNER_TAG_KEY] == stack.stack_id and fake.tags[arn][TOKEN_TAG_KEY] == sent["clientRequestToken"]
    )
    if served is PROVISIONED:
        assert sent["modelUnits"] == int(first["Request"]["modelUnits"]) and "commitmentDuration" not in sent
        assert "CommittedRemoval" not in first, "app.py's throughput has no commitment"
    else:
        assert sent["description"] == first["Request"]["description"]
    assert created["Data"] == {served.arn_attribute: arn, served.name_attribute: live.name, "ModelArn": v1.model_arn}

    # ---- retrain: the job is replaced; the serving resource's template did not change -------------------
    (job_id,) = stack.job_logical_ids()
    assert serving_logical_id(next_stack, served) == cfn.logical_id, "the same resource: updated, not replaced"
    assert without_model(next_stack, served) == without_model(stack, served), "only the served model's source moved"
    assert next_stack.job_logical_ids() == [job_id]
    new_request = next_stack.resources[job_id]["Properties"]["Request"]
    assert new_request["hyperParameters"] != stack.resources[job_id]["Properties"]["Request"]["hyperParameters"]
    assert new_request["jobName"] != stack.resources[job_id]["Properties"]["Request"]["jobName"], "a new job"
    second = serving_properties(next_stack, served, v2)
    assert second["Request"][served.model_field] == v2.model_arn != first["Request"][served.model_field]
    before = len(fake.calls)

    result, replaced = cfn.update(second)

    assert replaced is None and result["PhysicalResourceId"] == arn, "swapped in place: the ARN callers use stays"
    assert fake.resources[arn].model == v2.model_arn and fake.resources[arn].status == served.ready
    assert [r.arn for r in fake.of_kind(live.kind)] == [arn]
    assert jobs_read(fake, before) == [v2.job_arn], "the gate read the new job's metrics before the swap"
    ops = [op for op, _ in calls(fake, before)]
    assert ops.index("GetModelCustomizationJob") < ops.index(f"Update{served.stem}")
    assert ops.count(f"Update{served.stem}") == 1 and f"Create{served.stem}" not in ops
    assert [b[served.swap_field] for b in bodies(fake, f"Update{served.stem}")] == [v2.model_arn]
    assert result["Data"] == {
        served.arn_attribute: arn,
        served.name_attribute: live.name,
        "ModelArn": v2.model_arn,
        "ServingInPlace": "true",  # tells is_complete a failure is an in-place update's, not a creation's
    }

    # ---- delete: the stack goes; the resource with it -----------------------------------------------
    fake.deletion_polls = 2
    cfn.delete()

    assert fake.of_kind(live.kind) == []
    assert [path for op, path in calls(fake) if op == f"Delete{served.stem}"] == [path_of(served, arn)]


def path_of(served: Served, arn: str) -> str:
    prefix = "/model-customization/custom-model-deployments" if served is ON_DEMAND else "/provisioned-model-throughput"
    return f"{prefix}/{arn}"


# ---- the gate refuses the retrained model; CloudFormation rolls back ---------------------------------


@pytest.mark.parametrize("served", BOTH)
def test_a_retrain_the_gate_refuses_fails_with_the_numbers_and_the_rollback_keeps_the_old_model(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    retrained: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
) -> None:
    stack = templates[served.stack]
    v1, v2 = trained(stack, "a1"), trained(stack, "c3")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=-0.3)
    add_job(fake, v2, first, margin=+0.25)
    key, threshold = gate_of(first)
    metric = "validation loss" if key == "MaxValidationLoss" else "training loss"
    cfn = cloudformation(stack, served)
    arn = cfn.create(first)["PhysicalResourceId"]
    worse = serving_properties(retrained[served.stack], served, v2)
    before = len(fake.calls)

    with pytest.raises(HandlerError) as refused:
        cfn.update(worse)

    reason = str(refused.value)
    assert f"{metric} {threshold + 0.25:g} > max {threshold:g}" in reason
    assert v2.model_arn in reason and v2.job_arn in reason and f"keeps serving {v1.model_arn}" in reason
    assert [op for op, _ in calls(fake, before)] == [f"Get{served.stem}", "GetCustomModel", "GetModelCustomizationJob"]
    assert fake.resources[arn].model == v1.model_arn

    rolled_back = cfn.roll_back_update(worse)  # UPDATE_ROLLBACK: v1's properties, on the same physical id

    assert rolled_back["PhysicalResourceId"] == arn and rolled_back["Data"]["ModelArn"] == v1.model_arn
    assert fake.resources[arn].model == v1.model_arn and fake.resources[arn].status == served.ready
    ops = [op for op, _ in calls(fake, before)]
    assert not any(op.startswith(("Create", "Update", "Delete", "Tag", "Untag")) for op in ops), ops
    assert [r.arn for r in fake.of_kind(fake.resources[arn].kind)] == [arn]


@pytest.mark.parametrize("served", BOTH)
def test_a_swap_bedrock_fails_and_a_swap_another_resource_undoes_are_rolled_back_to_the_old_model(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    retrained: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
) -> None:
    stack = templates[served.stack]
    v1, v2, v3 = trained(stack, "a1"), trained(stack, "b2"), trained(stack, "d4")
    first = serving_properties(stack, served, v1)
    for model in (v1, v2, v3):
        add_job(fake, model, first, margin=-0.2)
    fake.swap_failures[v3.model_arn] = "The model is not compatible with this deployment"
    cfn = cloudformation(stack, served)
    arn = cfn.create(first)["PhysicalResourceId"]

    # Bedrock fails the swap: the update fails with its message; the rollback leaves the old model serving.
    failing = serving_properties(retrained[served.stack], served, v3)
    with pytest.raises(HandlerError, match="not compatible with this deployment"):
        cfn.update(failing)
    assert fake.resources[arn].model == v1.model_arn
    before = len(fake.calls)
    assert cfn.roll_back_update(failing)["Data"]["ModelArn"] == v1.model_arn
    assert f"Update{served.stem}" not in [op for op, _ in calls(fake, before)]

    # The swap succeeds, then another resource of the same update fails: the rollback swaps the old model back.
    swapped = serving_properties(retrained[served.stack], served, v2)
    cfn.update(swapped)
    assert fake.resources[arn].model == v2.model_arn
    rolled_back, replaced = cfn.update(first)  # UPDATE_ROLLBACK: v1's properties, the swapped ones as old

    assert (
        replaced is None
        and rolled_back["PhysicalResourceId"] == arn
        and rolled_back["Data"]["ModelArn"] == v1.model_arn
    )
    assert fake.resources[arn].model == v1.model_arn and fake.resources[arn].status == served.ready
    assert [b[served.swap_field] for b in bodies(fake, f"Update{served.stem}")] == [
        v3.model_arn,
        v2.model_arn,
        v1.model_arn,
    ]
    assert jobs_read(fake)[-1] == v1.job_arn, "the rollback's swap passed the gate on the old job's metrics"


# ---- provisioned throughput: model units changed -----------------------------------------------------


def test_more_model_units_replace_the_throughput_and_cloudformation_deletes_the_old_one(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    reconfigured: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
) -> None:
    stack, next_stack = templates[PROVISIONED.stack], reconfigured[PROVISIONED.stack]
    v1 = trained(stack, "a1")
    first = serving_properties(stack, PROVISIONED, v1)
    add_job(fake, v1, first, margin=-0.3)
    cfn = cloudformation(stack, PROVISIONED)
    old_arn = cfn.create(first)["PhysicalResourceId"]
    old_name = fake.resources[old_arn].name
    second = serving_properties(next_stack, PROVISIONED, v1)  # the same job and model: only the units changed
    assert serving_logical_id(next_stack, PROVISIONED) == cfn.logical_id
    assert int(second["Request"]["modelUnits"]) == int(first["Request"]["modelUnits"]) + 1
    assert second["Request"]["provisionedModelName"] != first["Request"]["provisionedModelName"]
    before = len(fake.calls)

    result, replaced = cfn.update(second)

    new_arn = result["PhysicalResourceId"]
    assert replaced == old_arn and new_arn != old_arn
    (sent,) = bodies(fake, "CreateProvisionedModelThroughput")[1:]
    assert sent["modelUnits"] == int(second["Request"]["modelUnits"]) and sent["modelId"] == v1.model_arn
    assert jobs_read(fake, before) == [v1.job_arn], "the new throughput is gated like the first"
    assert "UpdateProvisionedModelThroughput" not in [op for op, _ in calls(fake)], "units cannot change in place"
    assert fake.resources[new_arn].name != old_name and fake.resources[new_arn].status == "InService"
    assert result["Data"]["ProvisionedModelArn"] == new_arn and result["Data"]["ModelArn"] == v1.model_arn
    assert {r.arn for r in fake.of_kind("throughput")} == {old_arn, new_arn}, (
        "the old one until CloudFormation's cleanup"
    )

    cfn.delete(replaced, first)  # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the old throughput, with its properties

    assert [r.arn for r in fake.of_kind("throughput")] == [new_arn]

    cfn.delete()  # the stack's deletion: no commitment, so the throughput goes

    assert fake.of_kind("throughput") == []
    assert [path for op, path in calls(fake) if op == "DeleteProvisionedModelThroughput"] == [
        path_of(PROVISIONED, old_arn),
        path_of(PROVISIONED, new_arn),
    ]


# ---- on demand: a tag added with Tags.of -------------------------------------------------------------


def test_a_tag_added_with_tags_of_is_applied_in_place_without_a_swap_or_the_gate(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    reconfigured: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
) -> None:
    stack = templates[ON_DEMAND.stack]
    v1 = trained(stack, "a1")
    first = serving_properties(stack, ON_DEMAND, v1)
    add_job(fake, v1, first, margin=-0.3)
    cfn = cloudformation(stack, ON_DEMAND)
    arn = cfn.create(first)["PhysicalResourceId"]
    tagged = serving_properties(reconfigured[ON_DEMAND.stack], ON_DEMAND, v1)
    assert "tags" not in first["Request"] and tagged["Request"]["tags"] == [{"key": RETAG[0], "value": RETAG[1]}]
    assert tagged["Request"]["modelDeploymentName"] == first["Request"]["modelDeploymentName"], "a tag keeps the name"
    before = len(fake.calls)

    result, replaced = cfn.update(tagged)

    assert replaced is None and result["PhysicalResourceId"] == arn
    assert fake.tags[arn][RETAG[0]] == RETAG[1] and fake.tags[arn][OWNER_TAG_KEY] == stack.stack_id
    assert TOKEN_TAG_KEY in fake.tags[arn], "the handler's own tags stay"
    ops = [op for op, _ in calls(fake, before)]
    assert "TagResource" in ops and "UntagResource" not in ops
    assert not any(op.startswith(("Create", "Update", "Delete", "GetModelCustomizationJob")) for op in ops), ops
    assert result["Data"]["ModelArn"] == v1.model_arn


# ---- the first deploy's model fails the gate -----------------------------------------------------------


@pytest.mark.parametrize("served", BOTH)
def test_a_first_model_the_gate_refuses_creates_nothing_and_the_rollback_deletes_nothing(
    fake: FakeBedrock,
    templates: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
) -> None:
    stack = templates[served.stack]
    v1 = trained(stack, "e5")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=+0.5)
    _, threshold = gate_of(first)
    cfn = cloudformation(stack, served)

    with pytest.raises(HandlerError) as refused:
        cfn.create(first)

    assert f"{threshold + 0.5:g} > max {threshold:g}" in str(refused.value) and "was created" in str(refused.value)
    assert [op for op, _ in calls(fake)] == ["GetCustomModel", "GetModelCustomizationJob"] and fake.resources == {}
    # The framework answered FAILED with its marker as the physical id; the rollback's Delete carries it.
    cfn.delete("AWSCDK::CustomResourceProviderFramework::CREATE_FAILED", first)
    assert [op for op, _ in calls(fake)] == ["GetCustomModel", "GetModelCustomizationJob"]


# ---- a swap requested twice: a retried invocation, a lost answer ---------------------------------------


@pytest.mark.parametrize("served", BOTH)
@pytest.mark.parametrize("repeat", ["framework-retries-on_event", "update-answer-lost"])
def test_a_swap_asked_for_twice_while_it_is_under_way_completes_once(
    fake: FakeBedrock,
    fake_client: Any,
    templates: dict[str, StackTemplate],
    retrained: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
    repeat: str,
) -> None:
    """Bedrock acted on the first UpdateX; the second request for the same swap finds it under way (Bedrock
    refuses a throughput update while one is in progress). The handler must wait for that swap, not fail."""
    stack = templates[served.stack]
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=-0.3)
    add_job(fake, v2, first, margin=-0.2)
    cfn = cloudformation(stack, served)
    arn = cfn.create(first)["PhysicalResourceId"]
    fake.updating_polls = 3
    if repeat == "framework-retries-on_event":
        cfn.invoke = ProviderFramework(fake_client, cfn.invoke.clock, repeat_on_event=True)  # type: ignore[attr-defined]
    else:
        lost: list[str] = []

        def lose_the_first_answer(**_: Any) -> None:
            if not lost:
                lost.append("answer")
                raise ConnectionClosedError(endpoint_url=f"{served.stem} (the answer was lost after Bedrock acted)")

        fake_client.meta.events.register(f"after-call.bedrock.Update{served.stem}", lose_the_first_answer)

    result, replaced = cfn.update(serving_properties(retrained[served.stack], served, v2))

    assert replaced is None and result["PhysicalResourceId"] == arn and result["Data"]["ModelArn"] == v2.model_arn
    assert fake.resources[arn].model == v2.model_arn and fake.resources[arn].status == served.ready
    assert [r.arn for r in fake.of_kind(fake.resources[arn].kind)] == [arn]
    assert [b[served.swap_field] for b in bodies(fake, f"Update{served.stem}")][:1] == [v2.model_arn]
    # the repeated invocation waits for the swap under way; a lost answer's retry reaches Bedrock once more (and a
    # throughput's is refused as "under way": the handler reads that it moves to the model already)
    attempts = [op for op, _ in calls(fake) if op == f"Update{served.stem}" or op.startswith("PATCH ")]
    assert len(attempts) == (1 if repeat == "framework-retries-on_event" else 2), attempts
    assert set(jobs_read(fake)[1:]) == {v2.job_arn}, "the gate read the new job, also before waiting for the swap"


# ---- a rollback that arrives while the failed update's swap is still under way ---------------------------


@pytest.mark.parametrize("served", BOTH)
def test_a_rollback_after_the_swap_timed_out_serves_the_old_model_once_bedrock_is_done(
    fake: FakeBedrock,
    fake_client: Any,
    templates: dict[str, StackTemplate],
    retrained: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, Served], CloudFormation],
    served: Served,
) -> None:
    stack = templates[served.stack]
    v1, v2 = trained(stack, "a1"), trained(stack, "b2")
    first = serving_properties(stack, served, v1)
    add_job(fake, v1, first, margin=-0.3)
    add_job(fake, v2, first, margin=-0.2)
    cfn = cloudformation(stack, served)
    arn = cfn.create(first)["PhysicalResourceId"]
    fake.updating_polls = 8
    cfn.invoke = ProviderFramework(fake_client, cfn.invoke.clock, max_polls=3)  # type: ignore[attr-defined]
    swapped = serving_properties(retrained[served.stack], served, v2)

    with pytest.raises(FrameworkTimeout):
        cfn.update(swapped)
    assert fake.resources[arn].pending_model == v2.model_arn, "Bedrock is still swapping when CloudFormation gives up"
    cfn.invoke = ProviderFramework(fake_client, cfn.invoke.clock, max_polls=40)  # type: ignore[attr-defined]
    before = len(fake.calls)
    rolled_back = cfn.roll_back_update(swapped)  # UPDATE_ROLLBACK: back to v1 while the swap to v2 still runs

    assert rolled_back["PhysicalResourceId"] == arn and rolled_back["Data"]["ModelArn"] == v1.model_arn
    assert fake.resources[arn].model == v1.model_arn and fake.resources[arn].status == served.ready
    assert fake.resources[arn].pending_model is None
    taken = [b[served.swap_field] for op, _, b in fake.calls[before:] if op == f"Update{served.stem}"]
    assert taken[-1:] == [v1.model_arn], "the swap back reached Bedrock"

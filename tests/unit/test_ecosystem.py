"""Composition across stacks and stages, imports and grants: the construct behaves like aws-cdk-lib's."""

from __future__ import annotations

from aws_cdk import App, Environment, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

import constructs_lib
from constructs_lib import IModelCustomizationJob, ModelCustomizationJob

from .helpers import actions_of, dependency_cycle, simple_job

HANDLER = "_runtime.entry.handler.handler"


def handler_count(stack: Stack) -> int:
    return len(Template.from_stack(stack).find_resources("AWS::Lambda::Function", {"Properties": {"Handler": HANDLER}}))


def test_each_stack_of_a_stage_has_exactly_one_handler_however_many_jobs() -> None:
    app = App()
    stage = Stage(app, "Prod")
    first, second = Stack(stage, "Training"), Stack(stage, "MoreTraining")
    for i in range(4):
        simple_job(first, f"Job{i}")
    simple_job(second, "Only")
    assert handler_count(first) == 1
    assert handler_count(second) == 1
    assembly = app.synth()
    stage_assembly = assembly.get_nested_assembly("assembly-Prod")
    assert {s.stack_name for s in stage_assembly.stacks} == {"Prod-Training", "Prod-MoreTraining"}


def test_jobs_can_share_one_service_role() -> None:
    stack = Stack(App(), "Shared")
    role = iam.Role(stack, "TrainingRole", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    for i in range(3):
        simple_job(stack, f"Job{i}", role=role)
    template = Template.from_stack(stack)
    roles = template.find_resources("AWS::IAM::Role")
    assert len([r for r in roles if r.startswith("TrainingRole")]) == 1
    assert not [r for r in roles if r.startswith("Job")]
    requests = [
        j["Properties"]["Request"]["roleArn"]
        for j in template.find_resources("Custom::BedrockModelCustomizationJob").values()
    ]
    assert all(arn == {"Fn::GetAtt": [requests[0]["Fn::GetAtt"][0], "Arn"]} for arn in requests)


def test_job_arn_crosses_stacks_as_an_export_without_cycles() -> None:
    app = App()
    env = Environment(account="123456789012", region="us-east-1")
    training = Stack(app, "Training", env=env)
    ops = Stack(app, "Ops", env=env)
    job = simple_job(training)
    watcher = iam.Role(ops, "Watcher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    job.grant_read(watcher)
    job.grant_stop(watcher)
    ops_template = Template.from_stack(ops).to_json()
    assert "Fn::ImportValue" in str(ops_template)
    training_template = Template.from_stack(training).to_json()
    assert training_template.get("Outputs"), "the job ARN is exported from the training stack"
    assert dependency_cycle(training_template) is None and dependency_cycle(ops_template) is None


def test_env_specific_stack_renders_literal_account_and_region() -> None:
    stack = Stack(App(), "Pinned", env=Environment(account="123456789012", region="eu-west-1"))
    simple_job(stack)
    text = str(Template.from_stack(stack).to_json())
    assert ":bedrock:eu-west-1:123456789012:model-customization-job/*" in text


def test_grants_scope_read_and_stop_to_the_job() -> None:
    stack = Stack(App(), "Grants")
    job = simple_job(stack)
    fn = lambda_.Function(
        stack, "Ops", runtime=lambda_.Runtime.PYTHON_3_13, handler="i.h", code=lambda_.Code.from_inline("x=1")
    )
    job.grant_read(fn)
    job.grant_stop(fn)
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = [p for k, p in policies.items() if k.startswith("OpsServiceRoleDefaultPolicy")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    by_action = {tuple(actions_of(s)): s["Resource"] for s in statements}
    job_ref = stack.resolve(job.job_arn)
    assert by_action[("bedrock:GetModelCustomizationJob",)] == job_ref
    assert by_action[("bedrock:StopModelCustomizationJob", "bedrock:GetModelCustomizationJob")] == job_ref
    assert by_action[("bedrock:ListModelCustomizationJobs", "bedrock:ListCustomModels")] == "*"


def test_imported_job_is_usable_where_a_job_is_expected() -> None:
    stack = Stack(App(), "Imports")
    arn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abcdef123456"
    by_arn = ModelCustomizationJob.from_job_arn(stack, "ByArn", arn)
    model_arn = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/xyz"
    by_attrs = ModelCustomizationJob.from_job_attributes(
        stack, "ByAttrs", job_arn=arn, job_name="nightly", custom_model_arn=model_arn
    )
    assert isinstance(by_arn, IModelCustomizationJob) and isinstance(by_attrs, IModelCustomizationJob)
    role = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    by_arn.grant_read(role)
    by_attrs.grant_read(role)
    statements = Template.from_stack(stack).to_json()["Resources"]
    text = str(statements)
    assert arn in text and model_arn in text and "bedrock:InvokeModel" not in text
    try:
        _ = by_arn.custom_model_arn
    except ValueError as error:
        assert "custom_model_arn is unknown" in str(error)
    else:  # pragma: no cover - the property must refuse
        raise AssertionError("custom_model_arn of a job imported without it must raise")


def test_public_api_is_listed_and_documented() -> None:
    exported = set(constructs_lib.__all__)
    assert {"ModelCustomizationJob", "TrainingData", "IModelCustomizationJob", "CustomizationType"} <= exported
    for name in exported:
        obj = getattr(constructs_lib, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    assert not any(name.startswith("_") for name in exported)


def test_job_outputs_are_the_users_choice() -> None:
    stack = Stack(App(), "NoOutputs")
    simple_job(stack)
    assert Template.from_stack(stack).to_json().get("Outputs", {}) == {}


def test_grant_invoke_model_on_a_waiting_job_points_to_the_serving_constructs_and_grants_nothing() -> None:
    """A custom model ARN cannot be invoked by itself: the grant is refused with the way to serve the model."""
    import pytest
    from aws_cdk import Duration

    from constructs_lib import Completion, ValidationError

    stack = Stack(App(), "Invoke")
    job = simple_job(stack, completion=Completion.wait(timeout=Duration.hours(4)))
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(ValidationError, match=r"deploy_on_demand\(.*\)\.grant_invoke.*provision_throughput"):
        job.grant_invoke_model(role)
    job.grant_read(role)
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = [p for k, p in policies.items() if k.startswith("AppDefaultPolicy")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    model_arn = stack.resolve(job.custom_model_arn)
    assert not [s for s in statements if "bedrock:InvokeModel" in actions_of(s)]
    assert any(s["Resource"] == model_arn and actions_of(s) == ["bedrock:GetCustomModel"] for s in statements)


def test_grant_invoke_model_on_a_submitted_job_is_a_synth_error() -> None:
    import pytest

    stack = Stack(App(), "NoWait")
    job = simple_job(stack)
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(Exception, match="grant_invoke_model is not available"):
        job.grant_invoke_model(role)


def test_lazy_exports_match_all_and_the_cli_does_not_load_the_cdk() -> None:
    import subprocess
    import sys

    assert set(constructs_lib.__all__) == set(constructs_lib._WHERE)
    probe = "import sys, constructs_lib.rules.cli; print('aws_cdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_jobs_sharing_a_role_merge_their_statements_so_the_policy_stays_small() -> None:
    stack = Stack(App(), "SharedMerge")
    role = iam.Role(stack, "TrainingRole", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    for i in range(30):
        simple_job(stack, f"Job{i}", role=role)
    template = Template.from_stack(stack)
    assert template.find_resources("AWS::IAM::ManagedPolicy") == {}
    (policy,) = [p for k, p in template.find_resources("AWS::IAM::Policy").items() if k.startswith("TrainingRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    lists = [s for s in statements if actions_of(s) == ["s3:ListBucket"]]
    assert len(lists) == 2  # one per bucket, so a prefix never applies to another bucket
    prefixes = sorted((s["Condition"]["StringLike"]["s3:prefix"] for s in lists), key=len)
    assert prefixes[0] == ["train/data.jsonl*"]
    assert len(prefixes[1]) == 30 and all(p.startswith("model-customization/") for p in prefixes[1])
    writes = [s for s in statements if "s3:PutObject" in actions_of(s)]
    assert len(writes) == 1 and len(writes[0]["Resource"]) == 30
    assert len(statements) <= 7
    for job in template.find_resources("Custom::BedrockModelCustomizationJob").values():
        assert any(dep.startswith("TrainingRoleDefaultPolicy") for dep in job["DependsOn"])

"""Serving resources as aws-cdk-lib sees them: an ``aws_bedrock.IModel`` the Step Functions tasks consume, the
CloudWatch metrics Bedrock publishes for them, importers by ARN, and a VPC job's ``connections``."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Template
from unit.helpers import simple_job

from constructs_lib import CustomModelDeployment, ProvisionedThroughput
from constructs_lib.rules.validation import ValidationError

from .helpers import DEPLOYMENT_TYPE, THROUGHPUT_TYPE, only, serving_stack, waiting_job

DEPLOYMENT_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abcdef123456"
THROUGHPUT_ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456"


def _served(stack: Stack, kind: str) -> Any:
    job = waiting_job(stack)
    if kind == "deployment":
        return job.deploy_on_demand("Serve")
    return job.provision_throughput("Serve", model_units=1)


def _state_machine_uses(stack: Stack, model: Any) -> tuple[str, list[Any]]:
    task = tasks.BedrockInvokeModel(stack, "Invoke", model=model, body=sfn.TaskInput.from_object({"prompt": "hi"}))
    sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(task))
    template = Template.from_stack(stack).to_json()
    machine = next(r for k, r in template["Resources"].items() if k.startswith("Machine") and "Role" not in k)
    definition = machine["Properties"]["DefinitionString"]
    policies = [
        r for k, r in template["Resources"].items() if k.startswith("MachineRole") and r["Type"] == "AWS::IAM::Policy"
    ]
    resources = [
        s["Resource"]
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "bedrock:InvokeModel" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    return str(definition), resources


@pytest.mark.parametrize(("kind", "resource_type"), [("deployment", DEPLOYMENT_TYPE), ("throughput", THROUGHPUT_TYPE)])
def test_a_step_functions_invoke_task_takes_a_served_model_and_invokes_its_serving_arn(
    kind: str, resource_type: str
) -> None:
    stack = serving_stack()
    served = _served(stack, kind)
    definition, resources = _state_machine_uses(stack, served)
    logical_id, _ = only(stack, resource_type)
    assert logical_id in definition  # ModelId: the deployment's / throughput's own ARN (Ref)
    assert {"Ref": logical_id} in resources
    assert stack.resolve(served.model_arn) == {"Ref": logical_id}


@pytest.mark.parametrize("kind", ["deployment", "throughput"])
def test_metrics_are_bedrocks_runtime_metrics_for_the_served_arn_and_make_alarms(kind: str) -> None:
    stack = serving_stack()
    served = _served(stack, kind)
    served.metric_invocation_server_errors().create_alarm(stack, "Errors", threshold=1, evaluation_periods=1)
    logical_id, _ = only(stack, DEPLOYMENT_TYPE if kind == "deployment" else THROUGHPUT_TYPE)
    named = {
        "Invocations": served.metric_invocations(),
        "InvocationLatency": served.metric_invocation_latency(),
        "InvocationClientErrors": served.metric_invocation_client_errors(),
        "InvocationServerErrors": served.metric_invocation_server_errors(),
        "InvocationThrottles": served.metric_invocation_throttles(),
        "InputTokenCount": served.metric_input_token_count(),
        "OutputTokenCount": served.metric_output_token_count(),
    }
    for name, metric in named.items():
        assert metric.namespace == "AWS/Bedrock" and metric.metric_name == name
        assert stack.resolve(metric.dimensions) == {"ModelId": {"Ref": logical_id}}
    assert named["InvocationLatency"].statistic == "Average"
    custom = served.metric("Invocations", statistic="Sum", period=Duration.minutes(1))
    assert custom.statistic == "Sum" and custom.period.to_seconds() == 60
    alarm = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    ((props,),) = [[r["Properties"] for r in alarm.values()]]
    assert props["Namespace"] == "AWS/Bedrock" and props["Dimensions"] == [
        {"Name": "ModelId", "Value": {"Ref": logical_id}}
    ]


@pytest.mark.parametrize(
    ("importer", "arn"),
    [
        (lambda s, a: CustomModelDeployment.from_deployment_arn(s, "Imported", a), DEPLOYMENT_ARN),
        (lambda s, a: ProvisionedThroughput.from_provisioned_model_arn(s, "Imported", a), THROUGHPUT_ARN),
    ],
)
def test_an_imported_deployment_or_throughput_is_an_imodel_with_grants_and_metrics(importer: Any, arn: str) -> None:
    stack = serving_stack()
    imported = importer(stack, arn)
    assert imported.model_arn == arn
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_invoke(role)
    assert imported.metric_invocations().dimensions == {"ModelId": arn}
    definition, resources = _state_machine_uses(stack, imported)
    assert arn in definition and arn in resources
    policy = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    granted = [
        s for p in policy.values() for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Resource"] == arn
    ]
    assert any("bedrock:InvokeModel" in s["Action"] for s in granted)


def test_importers_refuse_an_arn_of_the_other_kind_with_the_importer_to_use() -> None:
    stack = serving_stack()
    with pytest.raises(ValidationError, match="from_provisioned_model_arn"):
        CustomModelDeployment.from_deployment_arn(stack, "A", THROUGHPUT_ARN)
    with pytest.raises(ValidationError, match="from_deployment_arn"):
        ProvisionedThroughput.from_provisioned_model_arn(stack, "B", DEPLOYMENT_ARN)


def test_a_vpc_job_has_connections_of_its_security_groups() -> None:
    stack = serving_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    job = simple_job(stack, vpc=vpc)
    assert isinstance(job.connections, ec2.Connections)
    (group,) = job.connections.security_groups
    assert group.node.path == f"{job.node.path}/SecurityGroup"
    database = ec2.SecurityGroup(stack, "Db", vpc=vpc)
    job.connections.allow_to(ec2.Peer.security_group_id(database.security_group_id), ec2.Port.tcp(5432))
    mine = ec2.SecurityGroup(stack, "Mine", vpc=vpc)
    other = simple_job(stack, "Other", vpc=vpc, security_groups=[mine])
    assert [g.security_group_id for g in other.connections.security_groups] == [mine.security_group_id]


def test_a_job_outside_a_vpc_has_no_connections_and_says_which_prop_gives_them() -> None:
    stack = serving_stack()
    job = simple_job(stack)
    with pytest.raises(ValidationError, match=r"vpc="):
        _ = job.connections


def test_served_model_keeps_the_model_it_serves_under_served_model_arn() -> None:
    stack = serving_stack()
    served = _served(stack, "deployment")
    logical_id, _ = only(stack, DEPLOYMENT_TYPE)
    assert stack.resolve(served.served_model_arn) == {"Fn::GetAtt": [logical_id, "ModelArn"]}
    assert isinstance(served.metric_invocations(), cloudwatch.Metric)


def test_a_vpc_job_is_an_iconnectable_other_constructs_open_ports_to() -> None:
    stack = serving_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    job = simple_job(stack, vpc=vpc)
    database = ec2.SecurityGroup(stack, "Db", vpc=vpc)
    ec2.Connections(security_groups=[database]).allow_from(job, ec2.Port.tcp(5432))
    ingress = Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroupIngress")
    (rule,) = [r["Properties"] for r in ingress.values()]
    assert rule["FromPort"] == 5432 and "GroupId" in rule["SourceSecurityGroupId"]["Fn::GetAtt"][1]

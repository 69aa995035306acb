"""What serving may do: grant_invoke's exact statement, and the serving handler's owner-tag-conditioned role."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from unit.helpers import actions_of, statements

from constructs_lib import CustomModelDeployment, ProvisionedThroughput
from constructs_lib.cdk.provider import JobProvider

from .helpers import DEPLOYMENT_TYPE, MODEL_ARN, THROUGHPUT_TYPE, only, serving_stack, waiting_job

OWNER = "bedrock-customization:stack-id"
STACK_ID = {"Ref": "AWS::StackId"}


def arn(resource: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:us-east-1:", {"Ref": "AWS::AccountId"}, f":{resource}/*"],
        ]
    }


def policy_statements(stack: Stack, role_prefix: str) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (policy,) = [p for k, p in policies.items() if k.startswith(role_prefix)]
    found: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_grant_invoke_allows_exactly_the_two_invoke_actions_on_the_deployment_arn() -> None:
    stack = serving_stack()
    deployment = CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN)
    app_role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = deployment.grant_invoke(app_role)
    assert grant.success
    assert policy_statements(stack, "AppDefaultPolicy") == [
        {
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Effect": "Allow",
            "Resource": {"Ref": only(stack, DEPLOYMENT_TYPE)[0]},
        }
    ]


def test_grant_invoke_on_throughput_allows_the_provisioned_model_arn_only() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    throughput = job.provision_throughput("Pt", model_units=1)
    app_role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    throughput.grant_invoke(app_role)
    (statement,) = policy_statements(stack, "AppDefaultPolicy")
    assert statement["Resource"] == {"Ref": only(stack, THROUGHPUT_TYPE)[0]}
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    # never the custom model itself (it cannot be invoked) nor a foundation model
    assert "custom-model/" not in str(statement) and "foundation-model" not in str(statement)


RUNTIME_ROLE = "BedrockModelCustomizationProviderHandlerRole"
"""The stack's one runtime role: the serving statements join the jobs' there when the stack serves."""


def serving_handler_statements(stack: Stack) -> list[dict[str, Any]]:
    """What serving adds to the runtime's role: its statements less those of a stack that serves nothing."""
    without = serving_stack(stack.stack_name)
    JobProvider.of(without)
    base = statements(without, RUNTIME_ROLE)
    return [s for s in statements(stack, RUNTIME_ROLE) if s not in base]


def by_actions(found: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for statement in found:
        grouped.setdefault(tuple(actions_of(statement)), []).append(statement)
    return grouped


def test_the_serving_handler_may_change_only_this_stacks_deployments_and_throughputs() -> None:
    stack = serving_stack()
    ProvisionedThroughput(stack, "Pt", model_arn=MODEL_ARN, model_units=1)
    grouped = by_actions(serving_handler_statements(stack))
    serving = [arn("custom-model-deployment"), arn("provisioned-model")]
    request_tag = {f"aws:RequestTag/{OWNER}": STACK_ID}
    resource_tag = {f"aws:ResourceTag/{OWNER}": STACK_ID}

    (create,) = grouped[("bedrock:CreateCustomModelDeployment", "bedrock:CreateProvisionedModelThroughput")]
    assert create["Resource"] == [*serving, arn("custom-model")]
    assert create["Condition"] == {
        "StringEquals": request_tag,
        "ForAnyValue:StringEquals": {"aws:TagKeys": [OWNER]},
    }

    (read,) = grouped[
        ("bedrock:GetCustomModelDeployment", "bedrock:GetProvisionedModelThroughput", "bedrock:ListTagsForResource")
    ]
    assert read["Resource"] == serving and "Condition" not in read

    updates = grouped[("bedrock:UpdateCustomModelDeployment", "bedrock:UpdateProvisionedModelThroughput")]
    assert sorted(updates, key=lambda s: "Condition" in s) == [
        {
            "Action": list(updates[0]["Action"]),
            "Effect": "Allow",
            "Resource": arn("custom-model"),
        },
        {
            "Action": list(updates[0]["Action"]),
            "Condition": {"StringEquals": resource_tag},
            "Effect": "Allow",
            "Resource": serving,
        },
    ]

    (delete,) = grouped[("bedrock:DeleteCustomModelDeployment", "bedrock:DeleteProvisionedModelThroughput")]
    assert delete["Resource"] == serving and delete["Condition"] == {"StringEquals": resource_tag}

    (tag,) = grouped[("bedrock:TagResource",)]
    assert tag["Resource"] == serving
    assert tag["Condition"] == {"StringEquals": {**request_tag, **resource_tag}}

    untag, never = sorted(grouped[("bedrock:UntagResource",)], key=lambda s: s["Effect"] == "Deny")
    protected = [OWNER, "bedrock-customization:request-token"]
    assert untag["Resource"] == serving == never["Resource"]
    assert untag["Condition"] == {
        "StringEquals": resource_tag,
        "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": protected},
    }
    assert never["Effect"] == "Deny"
    assert never["Condition"] == {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": protected}}

    (gate,) = grouped[("bedrock:GetModelCustomizationJob",)]
    assert gate["Resource"] == arn("model-customization-job") and "Condition" not in gate
    # issue 21: the gate reads the model's own job, the swap its base model (GetCustomModel jobArn, baseModelArn)
    (model_read,) = grouped[("bedrock:GetCustomModel",)]
    assert model_read["Resource"] == arn("custom-model") and "Condition" not in model_read

    allowed = {a for s in serving_handler_statements(stack) for a in actions_of(s)}
    assert allowed == {
        "bedrock:CreateCustomModelDeployment",
        "bedrock:CreateProvisionedModelThroughput",
        "bedrock:GetCustomModelDeployment",
        "bedrock:GetProvisionedModelThroughput",
        "bedrock:ListTagsForResource",
        "bedrock:UpdateCustomModelDeployment",
        "bedrock:UpdateProvisionedModelThroughput",
        "bedrock:DeleteCustomModelDeployment",
        "bedrock:DeleteProvisionedModelThroughput",
        "bedrock:TagResource",
        "bedrock:UntagResource",
        "bedrock:GetModelCustomizationJob",
        "bedrock:GetCustomModel",
    }
    for statement in serving_handler_statements(stack):
        assert statement["Resource"] != "*", statement
        assert "iam:PassRole" not in actions_of(statement)


def test_the_serving_function_runs_the_runtime_as_its_one_role_and_log_group() -> None:
    """Issue 20: no second role, no log group of its own; the serving token is a function of the runtime."""
    stack = serving_stack()
    CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN)
    template = Template.from_stack(stack).to_json()["Resources"]
    functions = {k: r["Properties"] for k, r in template.items() if r["Type"] == "AWS::Lambda::Function"}
    assert set(functions) == {
        "BedrockModelCustomizationProviderframeworkonEvent5C021FD6",
        "BedrockModelServingProviderframeworkonEvent1DA4F4A2",
    }
    assert {f["Handler"] for f in functions.values()} == {"_runtime.entry.handler.handler"}
    roles = {str(f["Role"]) for f in functions.values()}
    groups = {str(f["LoggingConfig"]["LogGroup"]) for f in functions.values()}
    assert len(roles) == 1 and RUNTIME_ROLE in roles.pop()
    assert len(groups) == 1
    assert len([r for r in template.values() if r["Type"] == "AWS::IAM::Role"]) == 1
    (logs,) = [s for s in statements(stack, RUNTIME_ROLE) if "logs:PutLogEvents" in actions_of(s)]
    assert ":*" in str(logs["Resource"])

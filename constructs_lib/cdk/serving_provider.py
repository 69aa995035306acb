"""One serving provider per stack, created only in stacks that serve a model.

An on_event function starts creates, swaps and deletes; an is_complete function polls until a deployment is
``Active`` or a throughput ``InService`` (every 30 seconds, for at most 55 minutes, within CloudFormation's
one-hour cap on a custom resource), behind the CDK Provider framework's waiter state machine. Deployments
take minutes, not the hours a training job takes, so the framework's own waiter fits: no wait condition, no
watcher. Both functions run the same bundled runtime asset as the job handler (python3.13, arm64) and share
one role (serving_permissions.handler).
"""

from __future__ import annotations

from aws_cdk import Aspects, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from .. import contract
from . import nag, serving_permissions
from .log_settings import shared_log_group
from .provider import bundled_function

SERVING_PROVIDER_ID = "BedrockModelServingProvider"
QUERY_INTERVAL = Duration.seconds(30)
TOTAL_TIMEOUT = Duration.minutes(55)
"""CloudFormation waits at most an hour for a custom resource; the framework fails first, with its own reason."""
SERVING_WILDCARDS = (
    (
        r":(custom-model-deployment|provisioned-model|custom-model|model-customization-job)/\*$",
        "Deployment, provisioned-model, custom-model and job ARNs end in ids generated at run time; limited to "
        "this account and Region, and every change is conditioned on this stack's owner tag.",
    ),
    (r"(OnEvent|IsComplete)Logs[0-9A-F]{8}\.Arn>:\*$", "Log streams of the serving handler's own log groups only."),
    (
        r"(OnEvent|IsComplete)[0-9A-F]{8}\.Arn>:\*$",
        "The CDK Provider framework may invoke versions of the serving handler's two functions only.",
    ),
    (
        r"framework(onEvent|isComplete|onTimeout)[0-9A-F]{8}\.Arn>:\*$",
        "The Provider framework's waiter state machine invokes versions of the framework's own functions only.",
    ),
    (
        r"^\*$",
        "CloudWatch Logs delivery for the waiter state machine (logs:CreateLogDelivery and related actions) has no "
        "resource-level permissions.",
    ),
)


class ServingProvider(Construct):
    """The serving handler's two functions, their role, and the CDK Provider framework with its waiter."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        on_event_logs = shared_log_group(self, "OnEventLogs")
        is_complete_logs = shared_log_group(self, "IsCompleteLogs")
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Creates, swaps, tags and deletes this stack's Bedrock model deployments and throughputs.",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{on_event_logs.log_group_arn}:*", f"{is_complete_logs.log_group_arn}:*"],
            )
        )
        for statement in serving_permissions.handler(stack):
            self.role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))

        self.on_event = bundled_function(
            self,
            "OnEvent",
            handler=contract.SERVING_ON_EVENT,
            timeout=Duration.minutes(5),
            role=self.role,
            log_group=on_event_logs,
            description="Custom resource handler for Bedrock custom model deployments and provisioned throughput",
        )
        self.is_complete = bundled_function(
            self,
            "IsComplete",
            handler=contract.SERVING_IS_COMPLETE,
            timeout=Duration.minutes(2),
            role=self.role,
            log_group=is_complete_logs,
            description="Polls a Bedrock custom model deployment or provisioned throughput until it is ready",
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event,
            is_complete_handler=self.is_complete,
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=shared_log_group(self, "ProviderLogs"),
            # aws-cdk-lib leaves the waiter unlogged unless told otherwise. Execution data would carry
            # CloudFormation's presigned response URL: states and errors only.
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=shared_log_group(self, "WaiterLogs"),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        nag.acknowledge(
            self.provider,
            [
                (
                    nag.LAMBDA_BASIC_EXECUTION,
                    "The CDK Provider framework functions (created by aws-cdk-lib) use the AWS managed basic "
                    "execution policy; the serving handler's functions have their own scoped log policy.",
                ),
                ("AwsSolutions-L1", "The Provider framework's Node.js runtime is chosen by aws-cdk-lib."),
                (
                    "AwsSolutions-SF2",
                    "The Provider framework's waiter state machine only polls is_complete every 30 seconds; its "
                    "steps are logged to WaiterLogs, X-Ray tracing would add nothing a user can act on.",
                ),
            ],
        )
        for function in (self.on_event, self.is_complete):
            nag.acknowledge(
                function,
                [
                    (
                        "AwsSolutions-L1",
                        "The serving handler is pinned to python3.13, the runtime its tests and bundled model target.",
                    )
                ],
            )
        Aspects.of(self).add(nag.WildcardAcknowledger(SERVING_WILDCARDS))

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    @staticmethod
    def of(scope: IConstruct) -> ServingProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SERVING_PROVIDER_ID)
        if isinstance(existing, ServingProvider):
            return existing
        return ServingProvider(stack, SERVING_PROVIDER_ID)

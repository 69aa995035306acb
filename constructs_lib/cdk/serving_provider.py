"""The serving resources' ServiceToken: a second function of the stack's runtime, only in stacks that serve.

Library versions before issue 20 served deployments and throughputs through a CDK Provider framework of their own
(onEvent, isComplete, onTimeout and a waiter state machine). A deployed serving resource names that framework's
onEvent function as its ServiceToken, which an update cannot change, so the runtime keeps a function at that
path: the same asset, entry point, role and log group as the runtime's first function (provider.JobProvider),
updated in place over the framework's. It waits for Bedrock itself (the entry polls every 30 seconds and continues
in a new invocation, for at most 55 minutes, within CloudFormation's hour for a custom resource).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct

from .. import contract
from . import serving_permissions
from .provider import FRAMEWORK_ON_EVENT, JobProvider

SERVING_PROVIDER_ID = "BedrockModelServingProvider"
SERVING_WILDCARDS = (
    (
        r":(custom-model-deployment|provisioned-model|custom-model|model-customization-job)/\*$",
        "Deployment, provisioned-model, custom-model and job ARNs end in ids generated at run time; limited to "
        "this account and Region, and every change is conditioned on this stack's owner tag.",
    ),
)


class ServingProvider(Construct):
    """The runtime's function at the serving framework's onEvent path, and the serving statements on its role."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        runtime = JobProvider.of(stack)
        for statement in serving_permissions.handler(stack):
            runtime.grant(statement, SERVING_WILDCARDS)
        self.runtime = runtime
        self.function: lambda_.Function = runtime.function(
            Construct(self, FRAMEWORK_ON_EVENT[0]), FRAMEWORK_ON_EVENT[1]
        )
        self.function.add_environment(contract.ENV_STACK_ID, stack.stack_id)

    @property
    def service_token(self) -> str:
        return self.function.function_arn

    @staticmethod
    def of(scope: IConstruct) -> ServingProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SERVING_PROVIDER_ID)
        if isinstance(existing, ServingProvider):
            return existing
        return ServingProvider(stack, SERVING_PROVIDER_ID)

"""One custom-resource provider per stack: a single handler Lambda serves every job in the stack."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from . import nag, permissions

PROVIDER_ID = "BedrockModelCustomizationProvider"
HANDLER_ENTRY = "customization_job.handler.on_event"
ASSET_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]


def lambda_source_dir() -> Path:
    """The handler code as installed with this package (works from a wheel, not only from the repo)."""
    return Path(str(resources.files("lambda_src")))


class JobProvider(Construct):
    """The handler Lambda, its least-privilege role, and the CDK Provider framework in front of it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._passable: set[str] = set()
        self._keys: set[str] = set()

        log_group = logs.LogGroup(self, "HandlerLogs", retention=logs.RetentionDays.ONE_YEAR)
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Starts, tags, stops and cleans up Bedrock model customization jobs of this stack.",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[f"{log_group.log_group_arn}:*"]
            )
        )
        for statement in permissions.handler(stack):
            self.role.add_to_principal_policy(statement)
        self.role.add_to_principal_policy(permissions.pass_role([permissions.role_path_arn_pattern(stack)]))

        self.handler = lambda_.Function(
            self,
            "JobHandler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(lambda_source_dir()), exclude=ASSET_EXCLUDE),
            handler=HANDLER_ENTRY,
            timeout=Duration.minutes(10),
            memory_size=256,
            role=self.role,
            log_group=log_group,
            description="Custom resource handler for Custom::BedrockModelCustomizationJob",
        )
        self.provider = cr.Provider(self, "Provider", on_event_handler=self.handler)

        nag.suppress(
            self,
            [
                (
                    "AwsSolutions-IAM5",
                    "Bedrock job and custom-model ARNs end in generated ids, so statements use "
                    "model-customization-job/* and custom-model/* of this account and Region; PassRole is "
                    "limited to this stack's job-role path and to bedrock.amazonaws.com; log streams are "
                    "scoped to one log group.",
                ),
                (
                    "AwsSolutions-IAM4",
                    "Only the CDK Provider framework function uses AWSLambdaBasicExecutionRole (CDK-managed).",
                ),
                (
                    "AwsSolutions-L1",
                    "The handler is pinned to python3.13, the runtime it is tested on; the Provider framework "
                    "runtime is chosen by aws-cdk-lib.",
                ),
            ],
        )

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow_pass_role(self, role_arn: str) -> None:
        """A role given by the user (outside the stack's job-role path) may be passed too."""
        if role_arn in self._passable:
            return
        self._passable.add(role_arn)
        self.role.add_to_principal_policy(permissions.pass_role([role_arn]))

    def allow_model_key(self, key: kms.IKey) -> None:
        """Creating a job that encrypts its model with a customer key needs the key, through Bedrock."""
        stack = Stack.of(self)
        arn = stack.resolve(key.key_arn)
        marker = str(arn)
        if marker in self._keys:
            return
        self._keys.add(marker)
        self.role.add_to_principal_policy(permissions.model_key(stack, key))

    @staticmethod
    def of(scope: IConstruct) -> JobProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, JobProvider):
            return existing
        return JobProvider(stack, PROVIDER_ID)

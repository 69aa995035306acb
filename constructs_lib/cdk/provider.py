"""The stack's one runtime: a single function (and, in stacks that serve, a second one) answers every resource."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from aws_cdk import Aspects, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from .. import contract
from . import nag, permissions
from .log_settings import shared_log_group
from .stack_facts import facts_of

PROVIDER_ID = "BedrockModelCustomizationProvider"
HANDLER_ENTRY = contract.RUNTIME_HANDLER
HANDLER_WILDCARDS = (
    (
        r":(model-customization-job|custom-model)/\*$|::foundation-model/\*$",
        "Bedrock job and custom-model ARNs end in ids generated at run time; the statement is limited to "
        "this account and Region (foundation models: this Region).",
    ),
    (
        r":role/bedrock-customization/[^/]+/.+/\*$",
        "PassRole covers only the job roles under this stack's own role path, and only to bedrock.amazonaws.com.",
    ),
    (
        r"^\*$",
        "bedrock:ListModelCustomizationJobs has no resource-level permissions; read-only, it finds the stack's "
        "own job by name where an endpoint cannot look the job up by ARN.",
    ),
    (r"HandlerLogs[0-9A-F]{8}\.Arn>:\*$", "Log streams of the runtime's own log group only."),
)


ASSET_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]
"""Anything that ran from the staged folder (a test, a benchmark) may leave caches there."""


def _skip(name: str) -> bool:
    """Caches stay out of the asset (and out of its digest)."""
    return name in ("__pycache__", ".mypy_cache") or name.endswith(".pyc")


RUNTIME_PACKAGE = "constructs_lib._runtime"
"""The Lambda runtime, shipped inside this library (the repository folder ``lambda_src/``, mapped in pyproject.toml).

A private subpackage of the library, found through the library's own package: an app's own top-level
``lambda_src`` (a common name) cannot take its place in the asset.
"""


def lambda_source_dir() -> Path:
    """The runtime's folder as installed with this library (a wheel, or the repository for an editable install)."""
    try:
        folder = resources.files(RUNTIME_PACKAGE)
    except ModuleNotFoundError as error:
        raise RuntimeError(
            f"{RUNTIME_PACKAGE} is missing: install the library (pip install cdk-bedrock-model-customization, or "
            "pip install -e . in a checkout) instead of importing constructs_lib from a source folder."
        ) from error
    return Path(str(folder))


@cache
def runtime_asset_dir() -> Path:
    """A folder whose one entry is the runtime as the package ``_runtime``: the functions' code asset.

    Lambda imports handlers from the asset's root, so the runtime keeps one package name there and its
    modules share the contract and the kernel through relative imports, as they do inside the library.
    The folder is this process's own (``mkdtemp``: private, created here, removed at exit): a folder that
    already exists under a predictable name could hold anyone's code, and CDK would bundle it as the
    handler. The asset hash depends on the files' content only, so it is the same in every process.
    """
    source = lambda_source_dir()
    staged = Path(tempfile.mkdtemp(prefix="cdk-bedrock-customization-runtime-"))
    atexit.register(shutil.rmtree, staged, ignore_errors=True)
    shutil.copytree(source, staged / contract.RUNTIME_PACKAGE, ignore=lambda _, names: [n for n in names if _skip(n)])
    return staged


def bundled_function(
    scope: Construct,
    construct_id: str,
    *,
    handler: str,
    timeout: Duration,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    description: str,
    environment: dict[str, str] | None = None,
) -> lambda_.Function:
    """A python3.13 arm64 function running code of the bundled runtime asset (one asset for all)."""
    return lambda_.Function(
        scope,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(runtime_asset_dir()), exclude=ASSET_EXCLUDE),
        handler=handler,
        timeout=timeout,
        memory_size=256,
        role=role,
        log_group=log_group,
        environment=environment,
        description=description,
    )


ASYNC_RETRIES = 2
"""Lambda retries an asynchronous invocation that failed (crashed, timed out) twice, then sends its record to the
on-failure destination (Lambda Developer Guide, "Configuring error handling for asynchronous invocation",
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)."""
MAX_EVENT_AGE = Duration.minutes(30)
"""A request still queued (throttled) after 30 minutes goes to the on-failure destination as EventAgeExceeded, which
answers it FAILED within CloudFormation's hour for a custom resource (MaximumEventAgeInSeconds: 60 to 21,600)."""
RUNTIME_TIMEOUT = Duration.minutes(15)
"""Lambda's maximum: a serving wait polls inside one invocation for up to about 13 minutes before it continues."""
FRAMEWORK_ON_EVENT = ("Provider", "framework-onEvent")
"""Where the CDK Provider framework's onEvent function was (library versions before issue 20). Every custom
resource of a deployed stack names that function's ARN as its ServiceToken, which CloudFormation does not let an
update change ("Modifying service token is not allowed"): the runtime is that same function, updated in place
(code, runtime, handler and role change; name and ARN stay)."""


class JobProvider(Construct):
    """The stack's one runtime: a Python function that answers CloudFormation itself (no Provider framework) for
    jobs, their results and serving resources, and handles the watcher's events; its role and log group.

    Reliability the framework gave, kept: the entry answers every request (also when the core raises, cannot be
    imported or reaches the deadline guard); what kills the process (a timeout, running out of memory) or keeps it
    from running (throttling) is retried by Lambda and then delivered to the function itself as its on-failure
    destination, which answers FAILED. ``OwnResources`` is a policy of its own (in the role's default policy, the
    function's ARN would close a cycle): invoking itself (continuations, failure records) and, when a job waits,
    disabling its backup schedule.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._passable: set[str] = set()
        self._keys: set[str] = set()
        self._adopts = False

        self.log_group = shared_log_group(self, "HandlerLogs")
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="The stack's Bedrock customization runtime: jobs, their results, serving, the job watcher.",
        )
        # The runtime's fixed statements as one plain-JSON document (one kernel call, not two per statement); what
        # is added later (serving, the watcher, user roles, keys) goes to the role's default policy.
        logs: dict[str, Any] = {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{self.log_group.log_group_arn}:*",
        }
        statements = [
            logs,
            *permissions.handler(stack),
            permissions.pass_role([permissions.role_path_arn_pattern(stack)]),
        ]
        self.permissions = iam.Policy(
            self.role,
            "Permissions",
            roles=[self.role],
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
        )
        self.own_resources = iam.Policy(self, "OwnResources", roles=[self.role])
        self.async_configs: list[lambda_.CfnEventInvokeConfig] = []
        self.handler = self.function(Construct(self, FRAMEWORK_ON_EVENT[0]), FRAMEWORK_ON_EVENT[1])
        self.handler.add_environment(contract.ENV_STACK_ID, stack.stack_id)
        acknowledger = nag.WildcardAcknowledger(HANDLER_WILDCARDS)
        Aspects.of(self.role).add(acknowledger)

    def function(self, scope: Construct, construct_id: str) -> lambda_.Function:
        """A function of the runtime (one per ServiceToken a deployed stack names), sharing the role and logs, with
        the asynchronous-invocation settings that make Lambda deliver a failed request back to it."""
        function = bundled_function(
            scope,
            construct_id,
            handler=contract.RUNTIME_HANDLER,
            timeout=RUNTIME_TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            description="Bedrock model customization runtime: jobs, results, serving and the job watcher",
        )
        self.own_resources.add_statements(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn])
        )
        function.node.add_dependency(self.permissions)  # CDK adds this for the default policy only
        config = lambda_.CfnEventInvokeConfig(
            scope,
            f"{construct_id}AsyncInvokeConfig",
            function_name=function.function_name,
            qualifier="$LATEST",
            maximum_retry_attempts=ASYNC_RETRIES,
            maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds()),
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(destination=function.function_arn)
            ),
        )
        config.node.add_dependency(self.own_resources)
        self.async_configs.append(config)
        nag.acknowledge(
            function,
            [
                (
                    "AwsSolutions-L1",
                    "The runtime is pinned to python3.13, the runtime its tests and bundled model target.",
                )
            ],
        )
        return function

    @property
    def service_token(self) -> str:
        return self.handler.function_arn

    def grant(self, statement: Mapping[str, Any]) -> None:
        """Add a plain-JSON statement to the runtime's one policy (serving, the watcher, user roles, keys)."""
        self.permissions.add_statements(iam.PolicyStatement.from_json(statement))

    def allow_pass_role(self, role_arn: str) -> None:
        """A role given by the user (outside the stack's job-role path) may be passed too."""
        if role_arn in self._passable:
            return
        self._passable.add(role_arn)
        self.grant(permissions.pass_role([role_arn]))

    def allow_model_key(self, key: kms.IKey) -> None:
        """Creating a job that encrypts its model with a customer key needs the key, through Bedrock."""
        stack = Stack.of(self)
        arn = stack.resolve(key.key_arn)
        marker = str(arn)
        if marker in self._keys:
            return
        self._keys.add(marker)
        self.grant(permissions.model_key(facts_of(self), key))

    def allow_adopt_untagged(self) -> None:
        """``adopt_untagged_jobs``: tag untagged jobs and models as this stack's (permissions.adopt_untagged),
        and read this stack's creation time, which tells this stack's jobs from an earlier same-name stack's."""
        if self._adopts:
            return
        self._adopts = True
        stack = Stack.of(self)
        for statement in (permissions.adopt_untagged(stack), permissions.describe_own_stack(stack)):
            self.grant(statement)

    @staticmethod
    def of(scope: IConstruct) -> JobProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, JobProvider):
            return existing
        return JobProvider(stack, PROVIDER_ID)

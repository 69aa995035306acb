"""One custom-resource provider per stack: a single handler Lambda serves every job in the stack."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

from aws_cdk import Aspects, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from .. import contract
from . import nag, permissions
from .log_settings import shared_log_group
from .stack_facts import facts_of

PROVIDER_ID = "BedrockModelCustomizationProvider"
HANDLER_ENTRY = contract.JOB_HANDLER
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
    (r"HandlerLogs[0-9A-F]{8}\.Arn>:\*$", "Log streams of the handler's own log group only."),
    (
        r"JobHandler[0-9A-F]{8}\.Arn>:\*$",
        "The CDK Provider framework may invoke versions of the one job handler function only.",
    ),
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


class JobProvider(Construct):
    """The handler Lambda, its least-privilege role, and the CDK Provider framework in front of it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._passable: set[str] = set()
        self._keys: set[str] = set()
        self._adopts = False

        log_group = shared_log_group(self, "HandlerLogs")
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Starts, tags, stops and cleans up Bedrock model customization jobs of this stack.",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{log_group.log_group_arn}:*"],
            )
        )
        for statement in permissions.handler(stack):
            self.role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))
        self.role.add_to_principal_policy(
            iam.PolicyStatement.from_json(permissions.pass_role([permissions.role_path_arn_pattern(stack)]))
        )

        self.handler = bundled_function(
            self,
            "JobHandler",
            handler=HANDLER_ENTRY,
            timeout=Duration.minutes(10),
            role=self.role,
            log_group=log_group,
            description="Custom resource handler for Custom::BedrockModelCustomizationJob",
        )
        # The framework's function logs to a log group of the stack with the same settings, not to one that
        # Lambda would create on first use (never expiring, outliving the stack).
        self.provider = cr.Provider(
            self, "Provider", on_event_handler=self.handler, log_group=shared_log_group(self, "ProviderLogs")
        )

        nag.acknowledge(
            self.provider,
            [
                (
                    nag.LAMBDA_BASIC_EXECUTION,
                    "The CDK Provider framework function (created by aws-cdk-lib) uses the AWS managed "
                    "basic execution policy; the job handler itself has its own scoped log policy.",
                ),
                (
                    "AwsSolutions-L1",
                    "The Provider framework's Node.js runtime is chosen by aws-cdk-lib.",
                ),
            ],
        )
        nag.acknowledge(
            self.handler,
            [
                (
                    "AwsSolutions-L1",
                    "The handler is pinned to python3.13, the runtime its tests and bundled model target.",
                )
            ],
        )
        # Only the two subtrees that hold policies (the handler's role, the framework's function and role):
        # an aspect calls back into Python once per construct it visits.
        acknowledger = nag.WildcardAcknowledger(HANDLER_WILDCARDS)
        Aspects.of(self.role).add(acknowledger)
        Aspects.of(self.provider).add(acknowledger)

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow_pass_role(self, role_arn: str) -> None:
        """A role given by the user (outside the stack's job-role path) may be passed too."""
        if role_arn in self._passable:
            return
        self._passable.add(role_arn)
        self.role.add_to_principal_policy(iam.PolicyStatement.from_json(permissions.pass_role([role_arn])))

    def allow_model_key(self, key: kms.IKey) -> None:
        """Creating a job that encrypts its model with a customer key needs the key, through Bedrock."""
        stack = Stack.of(self)
        arn = stack.resolve(key.key_arn)
        marker = str(arn)
        if marker in self._keys:
            return
        self._keys.add(marker)
        self.role.add_to_principal_policy(iam.PolicyStatement.from_json(permissions.model_key(facts_of(self), key)))

    def allow_adopt_untagged(self) -> None:
        """``adopt_untagged_jobs``: tag untagged jobs and models as this stack's (permissions.adopt_untagged),
        and read this stack's creation time, which tells this stack's jobs from an earlier same-name stack's."""
        if self._adopts:
            return
        self._adopts = True
        stack = Stack.of(self)
        for statement in (permissions.adopt_untagged(stack), permissions.describe_own_stack(stack)):
            self.role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def of(scope: IConstruct) -> JobProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, JobProvider):
            return existing
        return JobProvider(stack, PROVIDER_ID)

"""The stack's one runtime: a single function (and, in stacks that serve, a second one) answers every resource."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Duration, FileAssetPackaging, Stack, Stage, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from .. import contract
from . import nag, permissions
from .log_settings import shared_log_group
from .stack_facts import facts_of

if TYPE_CHECKING:  # aws_lambda (and its Python module's import time) only where a second function is built
    from aws_cdk import aws_lambda as lambda_

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
    """A folder whose one entry is the runtime as the package ``_runtime``: the functions' code asset where asset
    staging is disabled (SAM), and the runtime as tests and benchmarks run it (``staged_asset`` stages it for synth).

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


@cache
def runtime_files() -> tuple[str, tuple[tuple[str, bytes], ...]]:
    """The code asset's files (path in the asset, content), read once per process, and their fingerprint: the
    paths and contents (caches left out), so that the asset hash is the same in every process and changes with
    any file."""
    source = lambda_source_dir()
    files: list[tuple[str, bytes]] = []
    for root, folders, names in os.walk(source):
        folders[:] = sorted(f for f in folders if not _skip(f))
        for name in sorted(n for n in names if not _skip(n)):
            path = Path(root, name)
            files.append((f"{contract.RUNTIME_PACKAGE}/{path.relative_to(source).as_posix()}", path.read_bytes()))
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest(), tuple(files)


def staged_asset(stack: Stack) -> tuple[str, str]:
    """The code asset staged for ``stack``: (asset hash, its folder as the stack's asset manifest names it).

    Staged here, as CDK's ``AssetStaging`` would (``asset.<hash>`` in the assembly's asset folder, the hash of a
    custom fingerprint, sha256 of it, as ``AssetHashType.CUSTOM`` computes), so that CDK neither fingerprints nor
    copies the folder again: an ``aws_lambda.Code.from_asset`` with the same fingerprint finds it staged. A folder
    already there under that name is used only if it holds exactly these files.
    """
    fingerprint, files = runtime_files()
    asset_hash = hashlib.sha256(fingerprint.encode()).hexdigest()
    if stack.node.try_get_context(DISABLE_ASSET_STAGING_CONTEXT):
        source = str(runtime_asset_dir())  # SAM and other local tools run the functions from the source folder
        return asset_hash, source
    stage = Stage.of(stack)
    assert stage is not None
    target = Path(stage.asset_outdir, f"asset.{asset_hash}")
    if not _holds(target, files):
        partial = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
        for name, content in files:
            path = partial / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        partial.chmod(0o755)  # as a copied folder would be (mkdtemp's is private)
        shutil.rmtree(target, ignore_errors=True)
        try:
            partial.rename(target)
        except OSError:  # another synth into the same output staged it meanwhile
            shutil.rmtree(partial, ignore_errors=True)
            if not _holds(target, files):
                raise
    return asset_hash, os.path.relpath(target, stage.outdir)


def _holds(folder: Path, files: tuple[tuple[str, bytes], ...]) -> bool:
    if not folder.is_dir():
        return False
    present = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())
    return present == sorted(name for name, _ in files) and all((folder / n).read_bytes() == c for n, c in files)


MEMORY_MB = 256
DISABLE_ASSET_STAGING_CONTEXT = "aws:cdk:disable-asset-staging"
"""What SAM sets: assets are used where they are (CDK's ``cxapi.DISABLE_ASSET_STAGING_CONTEXT``)."""
ASSET_METADATA_CONTEXT = "aws:cdk:enable-asset-metadata"
"""The context ``cdk synth`` sets for SAM and other local tools: an asset's resource names its staged folder in
Metadata (what ``aws_s3_assets.Asset.add_resource_metadata`` writes)."""


ASYNC_RETRIES = 2
"""Lambda retries an asynchronous invocation that failed (crashed, timed out) twice, then sends its record to the
on-failure destination (Lambda Developer Guide, "Configuring error handling for asynchronous invocation",
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)."""
MAX_EVENT_AGE_S = 30 * 60
"""A request still queued (throttled) after 30 minutes goes to the on-failure destination as EventAgeExceeded, which
answers it FAILED within CloudFormation's hour for a custom resource (MaximumEventAgeInSeconds: 60 to 21,600)."""
RUNTIME_TIMEOUT_S = 15 * 60
"""Lambda's maximum: a serving wait polls inside one invocation for up to about 13 minutes before it continues."""
FRAMEWORK_ON_EVENT = ("Provider", "framework-onEvent")
"""Where the CDK Provider framework's onEvent function was (library versions before issue 20). Every custom
resource of a deployed stack names that function's ARN as its ServiceToken, which CloudFormation does not let an
update change ("Modifying service token is not allowed"): the runtime is that same function, updated in place
(code, runtime, handler and role change; name and ARN stay)."""
DESCRIPTION = "Bedrock model customization runtime: jobs, results, serving and the job watcher"
PINNED_RUNTIME = (
    "AwsSolutions-L1",
    "The runtime is pinned to python3.13, the runtime its tests and bundled model target.",
)


class JobProvider(Construct):
    """The stack's one runtime: a Python function that answers CloudFormation itself (no Provider framework) for
    jobs, their results and serving resources, and handles the watcher's events; its role and log group.

    Reliability the framework gave, kept: the entry answers every request (also when the core raises, cannot be
    imported or reaches the deadline guard); what kills the process (a timeout, running out of memory) or keeps it
    from running (throttling) is retried by Lambda and then delivered to the function itself as its on-failure
    destination, which answers FAILED. ``OwnResources`` is a policy of its own (in the role's default policy, the
    function's ARN would close a cycle): invoking itself (continuations, failure records) and, when a job waits,
    disabling its backup schedule.

    Every stack with a job pays for this construct, so it is built in few kernel calls: the function and its
    asynchronous-invocation settings are L1 resources from plain data over CDK's own asset staging (no
    ``aws_lambda`` module, in Python or in Node), the fixed statements are one plain-JSON policy, and the wildcards
    the runtime's statements hold on purpose are acknowledged where the statements are added (no aspect).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._facts = facts_of(scope)
        stack = self._facts.stack
        self._passable: set[str] = set()
        self._keys: set[str] = set()
        self._adopts = False
        self._reasons = nag.compile_reasons(HANDLER_WILDCARDS)

        self.log_group_arn, self.log_group_name = shared_log_group(self, "HandlerLogs")
        self._log_group: Any = None  # the L2 view the functions of further ServiceTokens need (function())
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="The stack's Bedrock customization runtime: jobs, their results, serving, the job watcher.",
        )
        # The runtime's fixed statements as one plain-JSON document (one kernel call, not two per statement); what
        # is added later (serving, the watcher, user roles, keys) goes to the same policy through ``grant``.
        logs_statement: dict[str, Any] = {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{self.log_group_arn}:*",
        }
        statements = [
            logs_statement,
            *permissions.handler(stack),
            permissions.pass_role([permissions.role_path_arn_pattern(stack)]),
        ]
        self.permissions = iam.Policy(
            self.role,
            "Permissions",
            roles=[self.role],
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
        )
        self._acknowledge(statements)
        self.async_configs: list[CfnResource] = []
        framework = Construct(self, FRAMEWORK_ON_EVENT[0])
        self.handler = self._runtime_function(Construct(framework, FRAMEWORK_ON_EVENT[1]))
        self._service_token = Token.as_string(self.handler.get_att("Arn"))
        self.own_resources = iam.Policy(
            self,
            "OwnResources",
            roles=[self.role],
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": [_invoke_statement(self._service_token)]}
            ),
        )
        self._async_config(framework, FRAMEWORK_ON_EVENT[1], self.handler.ref, self._service_token)

    def _runtime_function(self, scope: Construct) -> CfnResource:
        """The runtime's first function (at the framework's onEvent path) as the ``AWS::Lambda::Function`` the L2 of
        ``function`` renders: same properties, DependsOn and asset metadata, over the staged code asset."""
        stack = self._facts.stack
        asset_hash, staged_path = staged_asset(stack)
        location = stack.synthesizer.add_file_asset(
            source_hash=asset_hash,
            file_name=staged_path,
            packaging=FileAssetPackaging.ZIP_DIRECTORY,
            display_name="/".join([PROVIDER_ID, *FRAMEWORK_ON_EVENT, "Code"]),
        )
        function = CfnResource(
            scope,
            "Resource",
            type="AWS::Lambda::Function",
            properties={
                "Code": {"S3Bucket": location.bucket_name, "S3Key": location.object_key},
                "Role": self.role.role_arn,
                "Description": DESCRIPTION,
                "Environment": {"Variables": {contract.ENV_STACK_ID: self._facts.stack_id}},
                "Handler": contract.RUNTIME_HANDLER,
                "MemorySize": MEMORY_MB,
                "Runtime": "python3.13",
                "Timeout": RUNTIME_TIMEOUT_S,
                "Architectures": ["arm64"],
                "LoggingConfig": {"LogGroup": self.log_group_name},
            },
        )
        # The L2 function waits for its role and everything under it (the role's policies): Lambda checks the role
        # when the function is created.
        function.node.add_dependency(self.role)
        if stack.node.try_get_context(ASSET_METADATA_CONTEXT):
            function.add_override(
                "Metadata",
                {"aws:asset:path": staged_path, "aws:asset:is-bundled": False, "aws:asset:property": "Code"},
            )
        nag.acknowledge(scope, [PINNED_RUNTIME])
        return function

    def function(self, scope: Construct, construct_id: str) -> lambda_.Function:
        """A further function of the runtime (one per ServiceToken a deployed stack names: the watcher's, the
        serving framework's), an L2 sharing the role and logs, with the asynchronous-invocation settings that make
        Lambda deliver a failed request back to it."""
        from aws_cdk import aws_lambda as lambda_
        from aws_cdk import aws_logs as logs

        if self._log_group is None:
            self._log_group = logs.LogGroup.from_log_group_name(self, "HandlerLogsOfFunctions", self.log_group_name)
        fingerprint, _ = runtime_files()
        function = lambda_.Function(
            scope,
            construct_id,
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            # the same fingerprint: CDK finds the folder staged for the first function (no copy, no fingerprint); the
            # source is the runtime's own copy, as the staged folder's name would give CDK's target an extension
            code=lambda_.Code.from_asset(str(runtime_asset_dir()), asset_hash=fingerprint),
            handler=contract.RUNTIME_HANDLER,
            timeout=Duration.seconds(RUNTIME_TIMEOUT_S),
            memory_size=MEMORY_MB,
            role=self.role,
            log_group=self._log_group,
            description=DESCRIPTION,
        )
        self.own_resources.add_statements(iam.PolicyStatement.from_json(_invoke_statement(function.function_arn)))
        function.node.add_dependency(self.permissions)  # CDK adds this for the default policy only
        self._async_config(scope, construct_id, function.function_name, function.function_arn)
        nag.acknowledge(function, [PINNED_RUNTIME])
        return function

    def _async_config(self, scope: Construct, construct_id: str, function_name: str, function_arn: str) -> None:
        """Retries, then the failed request's record to the function itself (which answers FAILED)."""
        config = CfnResource(
            scope,
            f"{construct_id}AsyncInvokeConfig",
            type="AWS::Lambda::EventInvokeConfig",
            properties={
                "FunctionName": function_name,
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": ASYNC_RETRIES,
                "MaximumEventAgeInSeconds": MAX_EVENT_AGE_S,
                "DestinationConfig": {"OnFailure": {"Destination": function_arn}},
            },
        )
        config.node.add_dependency(self.own_resources)
        self.async_configs.append(config)

    @property
    def service_token(self) -> str:
        return self._service_token

    def grant(self, statement: Mapping[str, Any], reasons: Sequence[tuple[str, str]] = ()) -> None:
        """Add a plain-JSON statement to the runtime's one policy (serving, the watcher, user roles, keys).
        ``reasons`` (pattern -> reason) explain, besides ``HANDLER_WILDCARDS``, the wildcards the caller writes on
        purpose (serving's and the evaluation gate's ARN patterns): acknowledged with the statement, no aspect."""
        self.permissions.add_statements(iam.PolicyStatement.from_json(statement))
        self._acknowledge([statement], reasons)

    def _acknowledge(self, statements: Sequence[Mapping[str, Any]], reasons: Sequence[tuple[str, str]] = ()) -> None:
        """Acknowledge, on the runtime's policy, the wildcards of ``statements`` that ``HANDLER_WILDCARDS`` (and
        ``reasons``) explain, as they are added: a resource without a literal ``*`` (a token never holds one) costs
        no kernel call."""
        if not any("*" in str(resource) for s in statements for resource in permissions.as_list(s["Resource"])):
            return
        explained = [*nag.compile_reasons(reasons), *self._reasons] if reasons else self._reasons  # the caller's first
        findings = nag.wildcard_findings(self._facts.stack.resolve(statements), explained)
        if findings:
            nag.acknowledge(self.permissions, findings)

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


def _invoke_statement(function_arn: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}

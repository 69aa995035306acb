"""Retention and encryption of the log groups of a stack's shared functions.

Every stack with a job holds functions shared by all its jobs: the job handler, the CDK Provider
framework's function in front of it and, when a job waits for completion, the job watcher. Each logs to
a log group of the stack, created with them; ``ModelCustomizationLogs.configure(stack, ...)`` sets the
retention and the customer-managed KMS key of all of them. It must be called before the first job in the
stack, because the log groups are created with the first job (or the first job that waits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from aws_cdk import ArnFormat, CfnResource, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from ..rules import validation as v

if TYPE_CHECKING:  # the aws_logs module (and its import time) only where a setting or an L2 log group needs it
    from aws_cdk import aws_logs as logs

SETTINGS_ID = "BedrockModelCustomizationLogs"
DEFAULT_RETENTION_NAME = "ONE_YEAR"
DEFAULT_RETENTION_DAYS = 365
"""``RetentionDays.ONE_YEAR`` as aws-cdk-lib renders it (``RetentionInDays``); a test compares with the L2's."""
LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
"""What CloudWatch Logs needs on a key that encrypts a log group (CloudWatch Logs User Guide, "Encrypt log
data in CloudWatch Logs using AWS KMS")."""


class ModelCustomizationLogs(Construct):
    """The log settings of one stack's shared functions (job handler, Provider framework, job watcher).

    Use ``ModelCustomizationLogs.configure(stack, retention=..., encryption_key=...)`` before the first
    ``ModelCustomizationJob`` in the stack::

        key = kms.Key(stack, "LogKey", enable_key_rotation=True)
        ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key)

    When ``encryption_key`` is a ``kms.Key`` defined in the app, its key policy gets the statement
    CloudWatch Logs needs (the service principal ``logs.<region>.amazonaws.com``, for log groups of this
    account and Region). An imported key (``kms.Key.from_key_arn``) cannot be changed by CDK: its key
    policy must already allow that, or CloudFormation fails to create the log groups.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retention: logs.RetentionDays | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        if not isinstance(scope, Stack) or construct_id != SETTINGS_ID:
            raise v.ValidationError(
                f"{scope.node.path}: Invalid construct_id {construct_id!r}: create the log settings with "
                "ModelCustomizationLogs.configure(stack, ...), one per stack."
            )
        super().__init__(scope, construct_id)
        self._retention = _checked_retention(scope, retention)
        self._encryption_key = _checked_key(scope, encryption_key)
        self._in_use = False

    @property
    def retention(self) -> logs.RetentionDays:
        """How long the shared functions' log groups keep events (default one year)."""
        return _effective(self._retention)

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The customer-managed key of the shared functions' log groups; None: CloudWatch Logs' own encryption."""
        return self._encryption_key

    @staticmethod
    def configure(
        scope: IConstruct,
        *,
        retention: logs.RetentionDays | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> ModelCustomizationLogs:
        """Set the log retention (default one year) and KMS key (default none) of the stack's shared functions.

        Call it once per stack, before the first job in it. Calling it again with the same values is a
        no-op; with other values, or after the log groups exist with other values, it raises a
        ``ValidationError`` naming the prop.
        """
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SETTINGS_ID)
        if not isinstance(existing, ModelCustomizationLogs):
            return ModelCustomizationLogs(stack, SETTINGS_ID, retention=retention, encryption_key=encryption_key)
        wanted_retention = _checked_retention(stack, retention)
        wanted_key = _checked_key(stack, encryption_key)
        if _retention_name(wanted_retention) != _retention_name(existing._retention):
            existing._refuse("retention", _effective(wanted_retention), existing.retention)
        if not _same_key(stack, wanted_key, existing.encryption_key):
            existing._refuse("encryption_key", wanted_key, existing.encryption_key)
        return existing

    @staticmethod
    def of(scope: IConstruct) -> ModelCustomizationLogs:
        """The settings of the scope's stack (the defaults when ``configure`` was not called)."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SETTINGS_ID)
        if isinstance(existing, ModelCustomizationLogs):
            return existing
        return ModelCustomizationLogs(stack, SETTINGS_ID)

    def log_group(self, scope: Construct, construct_id: str) -> logs.LogGroup:
        """A log group for a shared function, with these settings; from now on they are fixed."""
        from aws_cdk import aws_logs as logs

        self._use()
        return logs.LogGroup(scope, construct_id, retention=self.retention, encryption_key=self._encryption_key)

    def _use(self) -> None:
        if not self._in_use:
            self._in_use = True
            if isinstance(self._encryption_key, kms.Key):
                self._encryption_key.add_to_resource_policy(logs_key_statement(Stack.of(self)))

    def _default(self) -> bool:
        return _retention_name(self._retention) == DEFAULT_RETENTION_NAME and self._encryption_key is None

    def _refuse(self, prop: str, wanted: Any, current: Any) -> None:
        stack = Stack.of(self)
        shown, kept = _describe(stack, wanted), _describe(stack, current)
        if self._in_use:
            raise v.ValidationError(
                f"{stack.node.path}: Invalid {prop} {shown}: the log groups of the stack's shared functions already "
                f"exist with {prop} {kept}; call ModelCustomizationLogs.configure before the first "
                "ModelCustomizationJob in the stack."
            )
        raise v.ValidationError(
            f"{stack.node.path}: Invalid {prop} {shown}: the logs of this stack are already configured with {prop} "
            f"{kept}; call ModelCustomizationLogs.configure once per stack."
        )


def shared_log_group(scope: Construct, construct_id: str) -> tuple[str, str]:
    """The (ARN, name) of the log group of a function shared by the stack's jobs, with the stack's log settings.

    With the default settings it is the L1 the ``aws_logs.LogGroup`` L2 renders (same path, properties and
    retention policy), so that a stack that configures nothing loads no ``aws_logs`` module.
    """
    settings = ModelCustomizationLogs.of(scope)
    if not settings._default():
        group = settings.log_group(scope, construct_id)
        return group.log_group_arn, group.log_group_name
    settings._use()
    resource = CfnResource(
        Construct(scope, construct_id),
        "Resource",
        type="AWS::Logs::LogGroup",
        properties={"RetentionInDays": DEFAULT_RETENTION_DAYS},
    )
    resource.apply_removal_policy(RemovalPolicy.RETAIN)
    return Token.as_string(resource.get_att("Arn")), resource.ref


def logs_key_statement(stack: Stack) -> iam.PolicyStatement:
    """Key-policy statement that lets CloudWatch Logs use the key for log groups of this account and Region."""
    return iam.PolicyStatement(
        sid="CloudWatchLogsEncryptsBedrockCustomizationLogs",
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=LOGS_KEY_ACTIONS,
        resources=["*"],
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name="*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            }
        },
    )


def _effective(retention: logs.RetentionDays | None) -> logs.RetentionDays:
    if retention is not None:
        return retention
    from aws_cdk import aws_logs as logs

    return logs.RetentionDays.ONE_YEAR


def _retention_name(retention: logs.RetentionDays | None) -> str:
    return DEFAULT_RETENTION_NAME if retention is None else retention.name


def _checked_retention(stack: Construct, retention: Any) -> logs.RetentionDays | None:
    """The given retention, or None for the default (one year)."""
    if retention is None:
        return None
    from aws_cdk import aws_logs as logs

    if not isinstance(retention, logs.RetentionDays):
        raise v.ValidationError(
            f"{stack.node.path}: Invalid retention {retention!r}: use aws_logs.RetentionDays "
            "(for example RetentionDays.THREE_MONTHS)."
        )
    return retention


def _checked_key(stack: Construct, key: Any) -> kms.IKey | None:
    if key is None:
        return None
    if isinstance(key, str) or not (hasattr(key, "key_arn") and hasattr(key, "node")):
        raise v.ValidationError(
            f"{stack.node.path}: Invalid encryption_key {key!r}: use an aws_kms.IKey (a kms.Key, or "
            "kms.Key.from_key_arn(scope, id, arn) for a key defined elsewhere)."
        )
    return cast(kms.IKey, key)  # jsii interfaces are not runtime-checkable: checked by shape


def _same_key(stack: Stack, a: kms.IKey | None, b: kms.IKey | None) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or stack.resolve(a.key_arn) == stack.resolve(b.key_arn)


def _describe(stack: Stack, value: Any) -> str:
    if value is None:
        return "None"
    from aws_cdk import aws_logs as logs

    if isinstance(value, logs.RetentionDays):
        return f"RetentionDays.{value.name}"
    if isinstance(value, kms.Key):
        return value.node.path
    arn = stack.resolve(value.key_arn)
    return arn if isinstance(arn, str) else str(value.node.path)

"""What every job offers, defined once: the L2 base, the interface, and the job imported by ARN.

``ModelCustomizationJobBase`` implements the whole ``IModelCustomizationJob`` (attributes, ``grant_*``,
``on_state_change``) from three facts each subclass supplies: the job's ARN, its name where known, and
its trained model's ARN where known. ``ModelCustomizationJob`` (job.py) and the imported job below are
its two subclasses, so a grant or an event rule is written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from aws_cdk import Resource
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..rules import validation as v
from .completion import JobStatus, NameFilter, state_change_pattern

READ_ACTIONS = ["bedrock:GetModelCustomizationJob"]
LIST_ACTIONS = ["bedrock:ListModelCustomizationJobs", "bedrock:ListCustomModels"]
MODEL_READ_ACTIONS = ["bedrock:GetCustomModel"]
STOP_ACTIONS = ["bedrock:StopModelCustomizationJob", "bedrock:GetModelCustomizationJob"]
INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


@runtime_checkable
class IModelCustomizationJob(Protocol):
    """What any job offers, whether defined in this app or imported by ARN (``custom_model_arn`` too, but it is
    not part of the runtime check: where a job cannot know it, reading it raises)."""

    @property
    def job_arn(self) -> str: ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_stop(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_invoke_model(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def on_state_change(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        statuses: Sequence[JobStatus | str] | None = None,
        description: str | None = None,
    ) -> events.Rule: ...


class ModelCustomizationJobBase(Resource):
    """A job's grants and event rule, from its ARN, name filter and model ARN (each subclass's own)."""

    @property
    def job_arn(self) -> str:
        raise NotImplementedError

    @property
    def custom_model_arn(self) -> str:
        """The trained model's ARN; raises ``ValidationError`` where the job cannot know it (see subclasses)."""
        raise NotImplementedError

    def _known_model_arn(self) -> str | None:
        """The model ARN where the job knows it, else None (``grant_read`` then grants no model read)."""
        return None

    def _event_filter(self) -> tuple[list[NameFilter], list[str]]:
        """The job's state-change events: by job name (exact or prefix) and/or by job ARN."""
        return [], [self.job_arn]

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read this job's status and metrics, and its trained model where its ARN is known; the List actions
        have no resource-level permissions."""
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=READ_ACTIONS, resource_arns=[self.job_arn])
        iam.Grant.add_to_principal(grantee=grantee, actions=LIST_ACTIONS, resource_arns=["*"])
        model_arn = self._known_model_arn()
        if model_arn is not None:
            iam.Grant.add_to_principal(grantee=grantee, actions=MODEL_READ_ACTIONS, resource_arns=[model_arn])
        return grant

    def grant_stop(self, grantee: iam.IGrantable) -> iam.Grant:
        """Stop this job (and read its status to know when it stopped)."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=STOP_ACTIONS, resource_arns=[self.job_arn])

    def grant_invoke_model(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke the trained model (only where the job knows its model's ARN)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=INVOKE_ACTIONS, resource_arns=[self.custom_model_arn]
        )

    def on_state_change(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        statuses: Sequence[JobStatus | str] | None = None,
        description: str | None = None,
    ) -> events.Rule:
        """An EventBridge rule for this job's ``Model Customization Job State Change`` events (best effort,
        on the default bus), optionally only for some statuses, e.g. ``[JobStatus.FAILED, JobStatus.STOPPED]``.
        """
        with v.reported_at(self.node.path):
            names, arns = self._event_filter()
            return events.Rule(
                self,
                construct_id,
                event_pattern=state_change_pattern(names, statuses, job_arns=arns),
                targets=[target] if target is not None else None,
                description=description or "State changes of one Bedrock model customization job.",
            )


class ImportedModelCustomizationJob(ModelCustomizationJobBase):
    """A job created outside this app (by ARN), usable wherever a job is expected."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_arn: str,
        job_name: str | None = None,
        custom_model_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        with v.reported_at(self.node.path):
            v.check_type("job_arn", job_arn, str, "the job's ARN (str)")
            v.check_optional_str("job_name", job_name)
            v.check_optional_str("custom_model_arn", custom_model_arn)
        self._job_arn = job_arn
        self.job_name = job_name
        self._custom_model_arn = custom_model_arn

    @property
    def job_arn(self) -> str:
        return self._job_arn

    @property
    def custom_model_arn(self) -> str:
        if self._custom_model_arn is None:
            raise v.ValidationError(
                f"{self.node.path}: custom_model_arn is unknown for a job imported without it; pass "
                "custom_model_arn= to ModelCustomizationJob.from_job_attributes."
            )
        return self._custom_model_arn

    def _known_model_arn(self) -> str | None:
        return self._custom_model_arn

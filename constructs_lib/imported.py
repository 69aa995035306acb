"""Jobs defined elsewhere, and the grants every job offers (CDK's ``from_*`` / ``grant_*`` conventions)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_iam as iam
from constructs import Construct

from . import validation as v

READ_ACTIONS = ["bedrock:GetModelCustomizationJob"]
LIST_ACTIONS = ["bedrock:ListModelCustomizationJobs", "bedrock:ListCustomModels"]
MODEL_READ_ACTIONS = ["bedrock:GetCustomModel"]
STOP_ACTIONS = ["bedrock:StopModelCustomizationJob", "bedrock:GetModelCustomizationJob"]
INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


@runtime_checkable
class IModelCustomizationJob(Protocol):
    """What any job offers, whether defined in this app or imported by ARN."""

    @property
    def job_arn(self) -> str: ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_stop(self, grantee: iam.IGrantable) -> iam.Grant: ...


def grant_read(grantee: iam.IGrantable, job_arn: str, model_arn: str | None) -> iam.Grant:
    """Get this job (and its model when its ARN is known); List* has no resource-level permissions."""
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=READ_ACTIONS, resource_arns=[job_arn])
    iam.Grant.add_to_principal(grantee=grantee, actions=LIST_ACTIONS, resource_arns=["*"])
    if model_arn is not None:
        iam.Grant.add_to_principal(grantee=grantee, actions=MODEL_READ_ACTIONS, resource_arns=[model_arn])
    return grant


def grant_stop(grantee: iam.IGrantable, job_arn: str) -> iam.Grant:
    return iam.Grant.add_to_principal(grantee=grantee, actions=STOP_ACTIONS, resource_arns=[job_arn])


class ImportedModelCustomizationJob(Construct):
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

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read this job's status and metrics (and its model, if imported with its ARN)."""
        return grant_read(grantee, self._job_arn, self._custom_model_arn)

    def grant_stop(self, grantee: iam.IGrantable) -> iam.Grant:
        """Stop this job (and read its status to know when it stopped)."""
        return grant_stop(grantee, self._job_arn)

    def grant_invoke_model(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke the trained model (needs custom_model_arn)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=INVOKE_ACTIONS, resource_arns=[self.custom_model_arn]
        )

"""What every job offers, defined once: the L2 base, the interface, and the job imported by ARN.

``ModelCustomizationJobBase`` implements the whole ``IModelCustomizationJob`` (attributes, ``grant_*``,
``on_state_change``) from three facts each subclass supplies: the job's ARN, its name where known, and
its trained model's ARN where known. ``ModelCustomizationJob`` (job.py) and the imported job below are
its two subclasses, so a grant or an event rule is written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aws_cdk import Resource
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..rules import catalogue
from ..rules import validation as v

if TYPE_CHECKING:
    from .completion import JobStatus, NameFilter
    from .serving import CustomModelDeployment, ProvisionedThroughput
    from .serving_props import Commitment, CommittedRemoval, QualityGate

READ_ACTIONS = ["bedrock:GetModelCustomizationJob"]
LIST_ACTIONS = ["bedrock:ListModelCustomizationJobs", "bedrock:ListCustomModels"]
MODEL_READ_ACTIONS = ["bedrock:GetCustomModel"]
STOP_ACTIONS = ["bedrock:StopModelCustomizationJob", "bedrock:GetModelCustomizationJob"]


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


def _literal(value: Any) -> str | None:
    """A resolved value as text, deploy-time parts as ``*`` (``arn:*:bedrock:*::foundation-model/<id>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        return str(separator).join(part if isinstance(part, str) else "*" for part in parts)
    return None


_STANDALONE = {"deploy_on_demand": "CustomModelDeployment", "provision_throughput": "ProvisionedThroughput"}


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

    def _root_model_hint(self) -> str | None:
        """The base model id at the root of this job's chain where known at synth (for another job's data checks):
        here, what a literal model ARN names (``custom-model/<base model id>/...``)."""
        model_arn = self._known_model_arn()
        if model_arn is None or v.is_token(model_arn):
            return None
        from ..rules.catalogue.serving import base_model_of

        return base_model_of(model_arn)

    def _model_for(self, child: Construct) -> str:
        """This job's trained model as another job's base model: its ARN, which must be known at deploy."""
        model_arn = self._known_model_arn()
        if model_arn is None:
            raise v.ValidationError(
                f"{child.node.path}: Invalid base_model <{self.node.path}>: a job can train on an imported job's "
                "model only when its ARN is known; pass custom_model_arn= to ModelCustomizationJob.from_job_attributes."
            )
        return model_arn

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
        """Refused: Bedrock cannot invoke a custom model ARN by itself, so a grant on it would allow nothing.

        Serve the model first and grant on what serves it: ``job.deploy_on_demand("Serve").grant_invoke(fn)`` or
        ``job.provision_throughput("Serve", model_units=1).grant_invoke(fn)``.
        """
        raise v.ValidationError(
            f"{self.node.path}: grant_invoke_model is not available: Bedrock invokes a custom model only through a "
            "custom model deployment or provisioned throughput, never by the model's own ARN, so this grant would "
            'allow nothing. Serve the model and grant on that: job.deploy_on_demand("Serve").grant_invoke(grantee) '
            'or job.provision_throughput("Serve", model_units=1).grant_invoke(grantee).'
        )

    # ---- serving ----------------------------------------------------------------------------------

    def deploy_on_demand(
        self,
        construct_id: str,
        *,
        gate: QualityGate | None = None,
        deployment_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> CustomModelDeployment:
        """Serve this job's trained model on demand (a ``CustomModelDeployment`` under this job); a retrained
        model is swapped in place. Needs a job that waits for completion (or an imported one with its model ARN)."""
        from .serving import CustomModelDeployment

        model_arn = self._serving_model_arn("deploy_on_demand", construct_id)
        return CustomModelDeployment(
            self,
            construct_id,
            model_arn=model_arn,
            job=self,
            gate=gate,
            deployment_name=deployment_name,
            description=description,
            tags=tags,
        )

    def provision_throughput(
        self,
        construct_id: str,
        *,
        model_units: int,
        commitment: Commitment | None = None,
        gate: QualityGate | None = None,
        provisioned_model_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        committed_removal: CommittedRemoval | None = None,
    ) -> ProvisionedThroughput:
        """Serve this job's trained model with Provisioned Throughput (a ``ProvisionedThroughput`` under this job),
        without commitment unless ``commitment=Commitment.one_month(acknowledge_non_cancellable_charge=True)`` (or
        ``six_months``); a retrained model is swapped in place. Needs a job that waits for completion."""
        from .serving import ProvisionedThroughput
        from .serving_props import Commitment

        model_arn = self._serving_model_arn("provision_throughput", construct_id)
        return ProvisionedThroughput(
            self,
            construct_id,
            model_arn=model_arn,
            model_units=model_units,
            commitment=commitment if commitment is not None else Commitment.NONE,
            job=self,
            gate=gate,
            provisioned_model_name=provisioned_model_name,
            tags=tags,
            committed_removal=committed_removal,
        )

    def _serving_model_arn(self, method: str, construct_id: str) -> str:
        model_arn = self._known_model_arn()
        if model_arn is None:
            raise v.ValidationError(
                f"{self.node.path}: Invalid {method}({construct_id!r}): the trained model's ARN is not known to the "
                "deploy for a job that does not wait for completion; give the job "
                "completion=Completion.wait(timeout=Duration.hours(N)) (at most 12 hours), or serve a model you "
                f"already have with {_STANDALONE[method]}(scope, id, model_arn=...)."
            )
        return model_arn

    def _job_request(self) -> Mapping[str, Any] | None:
        """The CreateModelCustomizationJob request this job sends (tags aside), resolved; None for a job
        without a resource in this app (an imported one). ``ModelCustomizationJob`` keeps it from construction."""
        return None

    def _has_validation_data(self) -> bool | None:
        """Whether the job trains with validation data: None where unknown (an imported job)."""
        request = self._job_request()
        return None if request is None else bool(request.get("validationDataConfig"))

    def _base_model_hint(self) -> str | None:
        """The base model id of the job's model where known at synth (for the on-demand family check): from a
        literal model ARN, else from the job's base model (an id, or a foundation-model ARN such as an IModel's)."""
        model_arn = self._known_model_arn()
        if model_arn is not None and not v.is_token(model_arn):
            from ..rules.catalogue.serving import base_model_of

            return base_model_of(model_arn)
        request = self._job_request()
        base = _literal(request.get("baseModelIdentifier")) if request is not None else None
        if base is None or ("/" not in base and "*" in base) or base.endswith("/*"):
            return None
        return catalogue.model_id(base)

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
        from .completion import state_change_pattern

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

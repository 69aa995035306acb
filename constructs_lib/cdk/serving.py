"""Serve a custom model: an on-demand deployment or provisioned throughput as a CloudFormation resource.

``CustomModelDeployment`` renders a ``Custom::BedrockCustomModelDeployment`` (CreateCustomModelDeployment) and
``ProvisionedThroughput`` a ``Custom::BedrockProvisionedModelThroughput`` (CreateProvisionedModelThroughput);
the stack's serving provider (serving_provider.py) creates them, waits until they are ready, points them at a
new model in place when ``model_arn`` changes (a retrained job's model), and deletes them.

Only what cannot change in place decides the generated name (the description; the units and the term): a new
``model_arn`` is an in-place swap under the same name and ARN, so the ARN applications call never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import jsii
from aws_cdk import Annotations, CfnResource, CustomResource, ITaggable, Resource, Stack, TagManager, TagType
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from constructs import Construct

from .. import contract
from ..rules import naming
from ..rules import validation as v
from ..rules.catalogue import serving as on_demand_catalogue
from . import evaluation_resources, evaluation_wait, serving_permissions
from ._lazy import lazy_any, lazy_string
from .evaluation import EvaluationGate
from .serving_metrics import ImportedServedModel, ServedModelMetrics, import_served
from .serving_props import (
    Commitment,
    CommittedRemoval,
    QualityGate,
    ServedJob,
    ServingTagLimits,
    check_deployment_name,
    check_description,
    check_model_arn,
    check_model_units,
    check_provisioned_model_name,
    check_tags,
    on_demand_findings,
)
from .serving_provider import ServingProvider
from .serving_removal import ServingRemoval

__all__ = ["Commitment", "CommittedRemoval", "CustomModelDeployment", "ProvisionedThroughput", "QualityGate"]


class _FixedServingNames(Construct):
    """One per stack: which serving construct fixed which name (Bedrock keeps them unique per account and Region,
    so two constructs of one stack with the same fixed name cannot both deploy)."""

    ID = "BedrockServingFixedNames"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.owners: dict[tuple[str, str], str] = {}

    @staticmethod
    def claim(served: Construct, prop: str, name: str) -> None:
        if v.is_token(name):
            return
        stack = Stack.of(served)
        registry = stack.node.try_find_child(_FixedServingNames.ID)
        if not isinstance(registry, _FixedServingNames):
            registry = _FixedServingNames(stack, _FixedServingNames.ID)
        owner = registry.owners.setdefault((prop, name), served.node.path)
        if owner != served.node.path:
            raise v.ValidationError(
                f"Invalid {prop} {name!r}: {owner} in the same stack already has this name; Bedrock keeps names "
                f"unique in an account and Region, so one of the two would fail at deploy. Give each its own {prop}, "
                "or omit it to have one generated."
            )


class _ServedModel(ServedModelMetrics, ServingRemoval, Resource):
    """What both serving resources share: the model, the job and its gate, tags, the generated name, the resource."""

    _RESOURCE_TYPE = ""
    _NAME_PROP = ""
    _NAME_FIELD = ""
    _MODEL_FIELD = ""

    def _setup(
        self,
        *,
        model_arn: str,
        job: ServedJob | None,
        gate: QualityGate | None,
        tags: Mapping[str, str] | None,
        name: str | None,
        body: dict[str, Any],
        identity: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        """Check the shared props and render the resource (called by each subclass inside ``reported_at``)."""
        self._stack = Stack.of(self)
        if job is not None and not isinstance(job, ServedJob):
            raise v.ValidationError(
                f"Invalid job {job!r}: expected a ModelCustomizationJob or an imported job "
                f"(ModelCustomizationJob.from_job_attributes), got {v.type_name(job)}."
            )
        if job is not None:
            _check_job_trained(self, model_arn, job)
        if gate is not None and not isinstance(gate, EvaluationGate):
            v.check_type("gate", gate, QualityGate, "a QualityGate(max_validation_loss=..., max_training_loss=...)")
            if job is None:
                raise v.ValidationError(
                    f"Invalid gate {gate!r}: the gate reads the training job's losses, so it needs job= (or serve "
                    "with job.deploy_on_demand(...) / job.provision_throughput(...))."
                )
            if gate.max_validation_loss is not None and job._has_validation_data() is False:
                raise v.ValidationError(
                    f"Invalid gate {gate!r}: max_validation_loss needs a validation loss, and {job.node.path} has no "
                    "validation_data; give the job validation_data=[...] or gate on max_training_loss only."
                )
        if tags is not None:
            check_tags(tags)
        if name is not None:
            _FixedServingNames.claim(self, self._NAME_PROP, name)
        self._job = job
        self._evaluated = isinstance(gate, EvaluationGate)
        self._explicit_tags = dict(tags or {})
        self._tags = TagManager(TagType.MAP, self._RESOURCE_TYPE)
        self.node.add_validation(ServingTagLimits(self._merged_tags))
        self._body = {self._MODEL_FIELD: model_arn, **body}
        self._identity = identity
        self._names_generated = name is None
        self._requested_name: str = name if name is not None else lazy_string(self._generated_name)
        self._name_cache: dict[str, str] = {}
        properties: dict[str, Any] = {
            contract.PROP_REQUEST: lazy_any(self._render_request),
            contract.PROP_NAMES_GENERATED: "true" if self._names_generated else "false",
            **extra,
        }
        if job is not None:
            properties[contract.PROP_JOB_ARN] = job.job_arn
        provider = ServingProvider.of(self)
        gate_property: dict[str, Any] | None = None
        if isinstance(gate, EvaluationGate):
            gate_property = evaluation_resources.bind(
                self,
                gate,
                provider.runtime,
                throughput=self._RESOURCE_TYPE == contract.THROUGHPUT_RESOURCE_TYPE,
                model_hint=_model_hint(model_arn, job),
            )
            properties[contract.PROP_EVALUATION_GATE] = gate_property
            for warning in gate.warnings:
                Annotations.of(self).add_warning_v2("bedrock-customization:evaluation-dataset", warning)
        elif gate is not None:
            properties[contract.PROP_QUALITY_GATE] = gate.to_property()
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=self._RESOURCE_TYPE,
            properties=properties,
        )
        # Lambda's retries and on-failure destination, and the permission to continue a wait, exist first.
        self._resource.node.add_dependency(provider, provider.runtime.own_resources)
        if isinstance(gate, EvaluationGate) and gate.timeout_s is not None and gate_property is not None:
            self._add_evaluation_wait(gate_property, model_arn, gate.timeout_s, provider)

    def _add_evaluation_wait(
        self, gate_property: dict[str, Any], model_arn: str, timeout_s: int, provider: ServingProvider
    ) -> None:
        """The long path (evaluation_wait.py): the evaluation runs on a wait condition, before this resource."""
        cfn = cast(CfnResource, self._resource.node.default_child)
        waiting = evaluation_wait.EvaluationWait(
            self,
            "Evaluation",
            service_token=provider.service_token,
            gate_property=gate_property,
            candidate=model_arn,
            serving=cfn,
            serving_type=self._RESOURCE_TYPE,
            timeout_s=timeout_s,
        )
        waiting.evaluation.node.add_dependency(provider, provider.runtime.own_resources)
        evaluation_wait.grant(self._stack, provider.runtime)
        cfn.add_property_override(contract.PROP_EVALUATION_WAIT, waiting.serving_property())
        self._resource.node.add_dependency(waiting.wait)

    # ---- shared attributes ------------------------------------------------------------------------

    @property
    def served_model_arn(self) -> str:
        """The custom model served now (``Fn::GetAtt``): after a swap, the new one. (``model_arn``, as for every
        ``aws_bedrock.IModel``, is the ARN to invoke: the deployment's or throughput's own.)"""
        return self._resource.get_att_string(contract.ATTR_MODEL_ARN)

    @property
    def evaluation_job_arn(self) -> str:
        """With ``QualityGate.evaluation(...)``: the evaluation job of the last gated create or swap (``Fn::GetAtt``;
        empty when that deploy evaluated nothing). Likewise ``evaluation_report`` (the report's S3 prefix) and
        ``evaluation_candidate_scores`` / ``evaluation_incumbent_scores`` (per-metric means, compact JSON)."""
        return self._evaluation_attribute(contract.ATTR_EVALUATION_JOB_ARN)

    @property
    def evaluation_report(self) -> str:
        return self._evaluation_attribute(contract.ATTR_EVALUATION_REPORT)

    @property
    def evaluation_candidate_scores(self) -> str:
        return self._evaluation_attribute(contract.ATTR_EVALUATION_CANDIDATE_SCORES)

    @property
    def evaluation_incumbent_scores(self) -> str:
        return self._evaluation_attribute(contract.ATTR_EVALUATION_INCUMBENT_SCORES)

    def _evaluation_attribute(self, name: str) -> str:
        if not self._evaluated:
            raise v.ValidationError(
                f"Invalid read of {name} on {self.node.path}: only a construct with gate=QualityGate.evaluation(...) "
                "has evaluation attributes."
            )
        return self._resource.get_att_string(name)

    @property
    def tags(self) -> TagManager:
        """Tags applied with ``Tags.of(scope)``; changed in place, like the ``tags`` prop."""
        return self._tags

    @property
    def resource(self) -> CustomResource:
        """The underlying custom resource (escape hatch)."""
        return self._resource

    def _arn(self) -> str:
        return self._resource.ref

    def _name(self, attribute: str) -> str:
        return self._resource.get_att_string(attribute) if self._names_generated else self._requested_name

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke this model: InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream, with this
        resource's ARN as ``modelId`` (the Bedrock runtime authorizes all four on that ARN alone)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=serving_permissions.INVOKE_ACTIONS, resource_arns=[self._arn()]
        )

    # ---- rendered at synth ------------------------------------------------------------------------

    def _merged_tags(self) -> dict[str, str]:
        return {**dict(self._tags.render_tags() or {}), **self._explicit_tags}

    def _generated_name(self) -> str:
        if "name" not in self._name_cache:
            digest = naming.request_digest(self.node.path, self._stack.resolve(self._identity))
            self._name_cache["name"] = naming.generated_name(self.node.id, digest)
        return self._name_cache["name"]

    def _render_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {self._NAME_FIELD: self._requested_name, **self._body}
        merged = self._merged_tags()
        if merged:
            request["tags"] = [{"key": key, "value": value} for key, value in sorted(merged.items())]
        return request


def _check_job_trained(served: Construct, model_arn: str, job: ServedJob) -> None:
    """Refuse a ``job=`` that did not train ``model_arn`` where both are known at synth: two literals that differ,
    or a ``model_arn`` that is another job's ``custom_model_arn``. (The handler checks it again at deploy time:
    GetCustomModel ``jobArn``.)"""
    known = job._known_model_arn()
    if known is None or known == model_arn:
        return
    stack = Stack.of(served)
    if not v.is_token(model_arn) and not v.is_token(known):
        trainer = f"{job.node.path} trained {known}"
    else:
        resolved = stack.resolve(model_arn)
        if resolved == stack.resolve(known):
            return
        producers = [
            other
            for other in served.node.root.node.find_all()
            if isinstance(other, ServedJob)
            and other is not job
            and (other_known := other._known_model_arn()) is not None
            and stack.resolve(other_known) == resolved
        ]
        if not producers:
            return
        trainer = f"model_arn is the model of {producers[0].node.path}"
    raise v.ValidationError(
        f"Invalid job {job.node.path}: it did not train model_arn ({trainer}), and the gate reads the metrics of the "
        "job given here, so it would judge another model. Pass the job that trained the model: "
        "model_arn=job.custom_model_arn, job=job."
    )


def _model_hint(model_arn: str, job: ServedJob | None) -> str | None:
    """The base model id of the served model where known at synth: from a literal ARN, else from the job."""
    if not v.is_token(model_arn):
        return on_demand_catalogue.base_model_of(model_arn)
    return job._base_model_hint() if job is not None else None


@jsii.implements(ITaggable, bedrock.IModel)
class CustomModelDeployment(_ServedModel):
    """A custom model served on demand (pay per token): ``deployment_arn`` is the ``modelId`` applications pass to
    InvokeModel or Converse. A new ``model_arn`` (a retrained job's model) is swapped in place: same ARN.

    Bedrock serves only some base model families on demand, in some Regions (checked at synth; see docs/serving.md).
    """

    _RESOURCE_TYPE = contract.DEPLOYMENT_RESOURCE_TYPE
    _NAME_PROP = "deployment_name"
    _NAME_FIELD = "modelDeploymentName"
    _MODEL_FIELD = "modelArn"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_arn: str,
        job: ServedJob | None = None,
        gate: QualityGate | None = None,
        deployment_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param model_arn: the custom model to serve (``job.custom_model_arn`` of a job that waits, or any ARN).
        :param job: the job that trained it; needed by ``gate``.
        :param gate: losses the model must not exceed, checked before every create or swap.
        :param deployment_name: default: ``<construct id>-<digest>-<suffix per request>`` (deploy-time attribute).
        :param description: 1-2,048 characters; a change replaces the deployment (a new ARN).
        :param tags: tags for the deployment (``Tags.of(scope)`` tags are added too), changed in place.
        """
        super().__init__(scope, construct_id)
        with v.reported_at(self.node.path):
            check_model_arn(model_arn)
            if deployment_name is not None:
                check_deployment_name(deployment_name)
            body: dict[str, Any] = {}
            if description is not None:
                check_description(description)
                body["description"] = description
            error, warning = on_demand_findings(_model_hint(model_arn, job), Stack.of(self).region)
            if error is not None:
                raise v.ValidationError(error)
            if warning is not None:
                Annotations.of(self).add_warning_v2("bedrock-customization:on-demand", warning)
            self._setup(
                model_arn=model_arn,
                job=job,
                gate=gate,
                tags=tags,
                name=deployment_name,
                body=body,
                identity={"description": description},
                extra={},
            )

    @property
    def deployment_arn(self) -> str:
        """The deployment's ARN (its physical id): the ``modelId`` for InvokeModel / Converse; stable across swaps."""
        return self._arn()

    @property
    def deployment_name(self) -> str:
        """The user's ``deployment_name``, else the generated name as deployed (``Fn::GetAtt``)."""
        return self._name(contract.ATTR_DEPLOYMENT_NAME)

    @staticmethod
    def from_deployment_arn(scope: Construct, construct_id: str, deployment_arn: str) -> ImportedServedModel:
        """A deployment created elsewhere, by its ARN: an ``aws_bedrock.IModel`` with ``grant_invoke`` and metrics."""
        return import_served(scope, construct_id, deployment_arn, "deployment", "deployment_arn")


@jsii.implements(ITaggable, bedrock.IModel)
class ProvisionedThroughput(_ServedModel):
    """A custom model served by Provisioned Throughput (billed per model unit per hour while it exists):
    ``provisioned_model_arn`` is the ``modelId`` applications pass. A new ``model_arn`` is swapped in place;
    new ``model_units`` or a new ``commitment`` replace the throughput.

    No commitment by default. A term is bought only with ``Commitment.one_month(acknowledge_non_cancellable_charge=
    True)`` or ``six_months(...)``, warned about at synth; deleting or replacing a committed throughput before its
    term ends fails (``CommittedRemoval.FAIL``, default) or leaves it in the account (``RETAIN``).
    """

    _RESOURCE_TYPE = contract.THROUGHPUT_RESOURCE_TYPE
    _NAME_PROP = "provisioned_model_name"
    _NAME_FIELD = "provisionedModelName"
    _MODEL_FIELD = "modelId"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_arn: str,
        model_units: int,
        commitment: Commitment = Commitment.NONE,
        job: ServedJob | None = None,
        gate: QualityGate | None = None,
        provisioned_model_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        committed_removal: CommittedRemoval | None = None,
    ) -> None:
        """
        :param model_arn: the custom model to serve (``job.custom_model_arn`` of a job that waits, or any ARN).
        :param model_units: at least 1; a change replaces the throughput.
        :param commitment: ``Commitment.NONE`` (default) or an acknowledged term (see the class docstring).
        :param job: the job that trained the model; needed by ``gate``.
        :param gate: losses the model must not exceed, checked before every create or swap.
        :param provisioned_model_name: default: generated like job names (deploy-time attribute).
        :param tags: tags for the throughput (``Tags.of(scope)`` tags are added too), changed in place.
        :param committed_removal: only with a commitment: ``CommittedRemoval.FAIL`` (default) or ``RETAIN``.
        """
        super().__init__(scope, construct_id)
        with v.reported_at(self.node.path):
            check_model_arn(model_arn)
            check_model_units(model_units)
            v.check_type(
                "commitment", commitment, Commitment, "Commitment.NONE, Commitment.one_month(...) or six_months(...)"
            )
            if provisioned_model_name is not None:
                check_provisioned_model_name(provisioned_model_name)
            extra: dict[str, Any] = {}
            if committed_removal is not None:
                v.check_type(
                    "committed_removal", committed_removal, CommittedRemoval, "CommittedRemoval.FAIL or RETAIN"
                )
                if not commitment.committed:
                    raise v.ValidationError(
                        f"Invalid committed_removal {committed_removal}: it applies only to a committed throughput; "
                        "without a commitment the throughput is deleted with the resource."
                    )
            if commitment.committed:
                extra[contract.PROP_COMMITTED_REMOVAL] = (committed_removal or CommittedRemoval.FAIL).value
                Annotations.of(self).add_warning_v2(
                    "bedrock-customization:commitment",
                    f"Committed Provisioned Throughput: {model_units} model unit(s) for {commitment.term} "
                    f"({commitment.duration}). Every hour of the term is billed and the throughput cannot be deleted "
                    "before the term ends; a stack delete or a replacement "
                    f"{'leaves it in the account' if committed_removal is CommittedRemoval.RETAIN else 'fails'} "
                    "until then.",
                )
            body: dict[str, Any] = {"modelUnits": model_units}
            if commitment.duration is not None:
                body["commitmentDuration"] = commitment.duration
            self._setup(
                model_arn=model_arn,
                job=job,
                gate=gate,
                tags=tags,
                name=provisioned_model_name,
                body=body,
                identity={"modelUnits": model_units, "commitmentDuration": commitment.duration},
                extra=extra,
            )
        self.model_units = model_units
        self.commitment = commitment

    @property
    def provisioned_model_arn(self) -> str:
        """The provisioned model's ARN (its physical id): the ``modelId`` applications pass; stable across swaps."""
        return self._arn()

    @property
    def provisioned_model_name(self) -> str:
        """The user's ``provisioned_model_name``, else the generated name as deployed (``Fn::GetAtt``)."""
        return self._name(contract.ATTR_PROVISIONED_MODEL_NAME)

    @staticmethod
    def from_provisioned_model_arn(
        scope: Construct, construct_id: str, provisioned_model_arn: str
    ) -> ImportedServedModel:
        """A provisioned throughput created elsewhere, by its ARN: an ``aws_bedrock.IModel`` with ``grant_invoke``
        and metrics."""
        return import_served(scope, construct_id, provisioned_model_arn, "throughput", "provisioned_model_arn")

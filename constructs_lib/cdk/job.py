"""ModelCustomizationJob: one Bedrock model customization job as a CloudFormation resource.

The construct validates the props, provisions the service role with grants that follow the request,
and renders a ``Custom::BedrockModelCustomizationJob`` whose properties mirror the API request. The
stack's single handler Lambda starts, replaces and stops the job (see lambda_src/customization_job).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Annotations,
    CfnResource,
    CustomResource,
    ITaggable,
    RemovalPolicy,
    TagManager,
    TagType,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .. import contract
from ..rules import hyperparameters as hp
from ..rules import naming
from ..rules import validation as v
from ..rules.catalogue.ids import UNKNOWN_MODEL_ACK, unknown_model_advisory
from . import bindings, nag, permissions, service_role
from . import job_props as props
from .config import (
    Completion,
    CustomizationType,
    DistillationConfig,
    ModelRef,
    RftConfig,
    check_model,
    model_id_hint,
    model_identifier,
)
from .data import OutputData, TrainingData, ValidationData
from .job_base import ImportedModelCustomizationJob, ModelCustomizationJobBase
from .provider import JobProvider
from .stack_facts import attribute, facts_of, register

if TYPE_CHECKING:  # wait mode's module (and its aws_events_targets) loads with the first job that waits
    from .completion import CompletionWait, NameFilter

RESOURCE_TYPE = contract.JOB_RESOURCE_TYPE
SERVICE_ROLE_WILDCARDS = (
    (
        r"(\.Arn>|:s3:::[^/]+)/.*\*$",
        "Only the objects under this job's own training, validation or output prefix; Bedrock names the "
        "objects it reads and writes there at run time.",
    ),
    (r"\.Arn>:\*$", "Versions and aliases of this job's RFT grader function only."),
    (
        r":bedrock:\*::foundation-model/",
        "A cross-Region inference profile routes teacher requests to its model in any of the profile's Regions.",
    ),
    (
        r"^\*$|:network-interface/\*$",
        "Bedrock's documented VPC statements: EC2 Describe* has no resource-level permissions, and the ENIs "
        "Bedrock creates get ids at run time; each write is conditioned on the subnets and Bedrock's tags.",
    ),
)


@jsii.implements(ITaggable, ec2.IConnectable)
class ModelCustomizationJob(ModelCustomizationJobBase):
    """A Bedrock model customization job that ``cdk deploy`` starts, replaces and stops.

    Any change to the request (data, hyperparameters, base model, ...) starts a new job under new
    generated names; a change to tags only is applied in place. Deleting the resource stops a running
    job; the trained model is kept unless ``model_removal_policy=RemovalPolicy.DESTROY``.

    Generated names are ``<construct id>-<digest of the request>-<suffix>``: the handler adds a suffix
    unique to each CloudFormation request, because Bedrock never frees a job name (nor a model name while
    the model exists), and a redeploy after a rollback or a revert to an earlier request would otherwise
    ask for a name that is taken. ``job_name`` and ``custom_model_name`` therefore resolve at deploy time.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        base_model: ModelRef | ModelCustomizationJobBase,
        training_data: TrainingData,
        customization_type: CustomizationType = CustomizationType.FINE_TUNING,
        validation_data: Sequence[ValidationData] | None = None,
        output_data: OutputData | None = None,
        hyper_parameters: Mapping[str, hp.HyperParameterValue] | None = None,
        job_name: str | None = None,
        custom_model_name: str | None = None,
        custom_model_kms_key: kms.IKey | None = None,
        job_tags: Mapping[str, str] | None = None,
        custom_model_tags: Mapping[str, str] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        distillation: DistillationConfig | None = None,
        rft: RftConfig | None = None,
        client_request_token: str | None = None,
        role: iam.IRole | None = None,
        model_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        completion: Completion | None = None,
        adopt_untagged_jobs: bool = False,
    ) -> None:
        """
        :param base_model: the model to customize: an ``aws_bedrock.IModel``, a model id or an ARN, or another
            ``ModelCustomizationJob`` that waits for completion (this job then trains on its model), or a job
            imported with its ``custom_model_arn``; a chain's data is checked against its root base model.
        :param training_data: ``TrainingData.from_bucket``, ``from_s3_uri``, ``from_asset`` (a local file,
            checked at synth) or ``from_invocation_logs``.
        :param customization_type: fine-tuning (default), continued pre-training, distillation, RFT.
        :param validation_data: up to 10 validation data sets.
        :param output_data: where Bedrock writes outputs; default: a prefix in the stack's secure bucket.
        :param hyper_parameters: typed values (``{"epochCount": 2, "learningRate": 1e-5}``), sent as strings.
        :param job_name: default: generated from the construct id, a digest of the request and a suffix unique to
            each deployment that starts a job (Bedrock never reuses names).
        :param custom_model_name: default: generated like ``job_name`` (same base and suffix).
        :param custom_model_kms_key: customer-managed key that encrypts the trained model.
        :param job_tags: tags for the job (``Tags.of(scope)`` tags are added too).
        :param custom_model_tags: tags for the trained model (``Tags.of(scope)`` tags are added too).
        :param vpc: run the job's data access inside this VPC (needs an S3 gateway endpoint or NAT).
        :param vpc_subnets: which subnets of ``vpc`` (default: its private subnets).
        :param security_groups: 1-5 groups; default: one new group with outbound access only.
        :param distillation: teacher model settings; required for ``DISTILLATION``.
        :param rft: grader and hyperparameters; required for ``REINFORCEMENT_FINE_TUNING``.
        :param client_request_token: default: derived from the CloudFormation request (idempotent).
        :param role: service role Bedrock assumes; default: a new least-privilege role.
        :param model_removal_policy: RETAIN (default) keeps the trained model when the resource goes away.
        :param completion: ``Completion.submitted()`` (default) or ``Completion.wait(timeout=...)``: the
            deploy waits until the job ended (at most 12 hours) and ``custom_model_arn`` becomes available.
        :param adopt_untagged_jobs: only for a stack deployed with a version of this library from before the owner
            tag: let this resource claim (tag as this stack's, then stop, retag or delete) its job and model that
            carry no owner tag, when the job runs as a role under this stack's role path and started after this
            stack was created (CloudFormation DescribeStacks on this stack). It adds to the stack's handler role
            one statement that allows TagResource with exactly the owner tag (this stack's id) on ANY job or
            custom model in this account and Region that carries no owner tag (IAM cannot tell which untagged job
            is this stack's; the handler's check does), and DescribeStacks on this stack. Default False: an
            untagged job is never touched (deleting the resource fails naming the job, and its model is kept).
        """
        super().__init__(scope, construct_id)
        facts = facts_of(scope)
        self._path = register(self, scope, construct_id)
        with v.reported_at(self._path):
            customization_type = props.customization_type(customization_type)
            self.customization_type = customization_type
            props.check_types(
                training_data=training_data,
                validation_data=validation_data,
                output_data=output_data,
                job_name=job_name,
                custom_model_name=custom_model_name,
                client_request_token=client_request_token,
                custom_model_kms_key=custom_model_kms_key,
                vpc=vpc,
                vpc_subnets=vpc_subnets,
                security_groups=security_groups,
                distillation=distillation,
                rft=rft,
                role=role,
                completion=completion,
                adopt_untagged_jobs=adopt_untagged_jobs,
            )
            self.completion = completion or Completion.submitted()
            if isinstance(base_model, ModelCustomizationJobBase):
                # A chain trains on the parent's model; the data rules are those of the chain's root base model.
                root_hint = base_model._root_model_hint()
                base_model = base_model._model_for(self)
            else:
                root_hint = model_id_hint(base_model)
                shown = check_model("base_model", base_model, v.check_base_model)
                version_advisories = v.model_version_advisories(shown)
                for advisory in version_advisories:
                    Annotations.of(self).add_warning_v2("bedrock-customization:base-model", advisory)
                unknown = (
                    None if version_advisories or v.is_token(shown) else unknown_model_advisory(shown, "base_model")
                )
                if unknown is not None:
                    Annotations.of(self).add_warning_v2(UNKNOWN_MODEL_ACK, unknown)
            validators = list(validation_data or [])
            hyper = hp.checked(hyper_parameters)

            props.check_combinations(
                training_data=training_data,
                customization_type=customization_type,
                validators=validators,
                job_name=job_name,
                custom_model_name=custom_model_name,
                job_tags=job_tags,
                custom_model_tags=custom_model_tags,
                vpc=vpc,
                vpc_subnets=vpc_subnets,
                security_groups=security_groups,
                distillation=distillation,
                rft=rft,
                client_request_token=client_request_token,
                model_removal_policy=model_removal_policy,
            )
            props.FixedNames.claim(self, job_name=job_name, custom_model_name=custom_model_name)
            training_data.validate()
            for index, validator in enumerate(validators):
                validator.validate(f"validation_data[{index}]")
            if output_data is not None:
                output_data.validate()
            literal_hyper = {name: value for name, value in hyper.items() if not v.is_token(value)}
            wrong_kind = hp.type_errors(root_hint, literal_hyper)
            if wrong_kind:
                raise v.ValidationError(" ".join(wrong_kind.values()))
            for advisory in hp.advisories(root_hint, literal_hyper):
                Annotations.of(self).add_warning_v2("bedrock-customization:hyperparameter", advisory)
            data = [
                bindings.training(self, training_data),
                *(bindings.validation(self, validator, index) for index, validator in enumerate(validators)),
            ]
            if any(bound.local_file is not None for bound in data):
                from ..rules import datasets  # the dataset rules load only for a job given local files

                for advisory in datasets.check_job_data(
                    customization_type,
                    root_hint,
                    data[0].local_file,
                    [bound.local_file for bound in data[1:]],
                    teacher_model_id=model_id_hint(distillation.teacher_model) if distillation is not None else None,
                ):
                    Annotations.of(self).add_warning_v2("bedrock-customization:dataset", advisory)

            self._root_hint = root_hint
            self._tags = TagManager(TagType.MAP, RESOURCE_TYPE)
            rendered_tags = self._tags.rendered_tags  # resolved at synth, after Tags.of has visited the job
            self._job_tags = dict(job_tags or {})
            self._model_tags = dict(custom_model_tags or {})
            props.StackTagLimits.of(facts).watch(self._path, rendered_tags, self._job_tags, self._model_tags)

            provider: JobProvider = facts.once("job-provider", lambda: JobProvider.of(facts.stack))
            output, self.output_location = bindings.output(self, output_data)
            bound = [*data, output]
            if custom_model_kms_key is not None:
                bound.append(bindings.model_key(self, custom_model_kms_key))
            self._connections: ec2.Connections | None = None
            if vpc is not None:
                bound.append(bindings.vpc(self, vpc, vpc_subnets, security_groups))
                groups = list(security_groups or [])
                if not groups:
                    default_group = self.node.find_child("SecurityGroup")
                    assert isinstance(default_group, ec2.SecurityGroup)
                    groups = [default_group]
                self._connections = ec2.Connections(security_groups=groups)
            if distillation is not None:
                bound.append(bindings.distillation(self, distillation))
            if rft is not None:
                bound.append(bindings.rft(rft))
            statements = [statement for part in bound for statement in part.statements]
            self._role, dependables = service_role.bind(self, role, provider, statements)
            for part in bound:
                for key in part.handler_keys:
                    provider.allow_model_key(key)

            core: dict[str, Any] = {
                "roleArn": attribute(self._role, "role_arn"),
                "baseModelIdentifier": model_identifier(base_model),
                "customizationType": customization_type.value,
                **bindings.merge(part.request for part in bound),
            }
            if hyper:
                core["hyperParameters"] = {name: props.wire(value) for name, value in hyper.items()}
            names_generated = job_name is None and custom_model_name is None
            # Everything the names, the replacement digest and the acknowledgments need, resolved in one call; of the
            # statements only the wildcard resources (a literal ``*``: a token never holds one), what cdk-nag reports.
            wildcards = [str(r) for s in statements for r in permissions.as_list(s["Resource"]) if "*" in str(r)]
            resolved_core, resolved_wildcards, resolved_names = facts.stack.resolve(
                [core, wildcards, {"job": job_name, "model": custom_model_name, "token": client_request_token}]
            )
            self._resolved_core: Mapping[str, Any] = resolved_core
            generated = naming.generated_name(construct_id, naming.request_digest(self._path, resolved_core))
            # The names in the request: the user's, or the synth-time base of generated names (the handler
            # appends a per-request suffix to a base, so the deployed names are attributes of the resource).
            self._requested_job_name: str = job_name or generated
            self._requested_model_name: str = custom_model_name or generated
            # What every deployed generated name starts with (``<construct id>-<digest>-``), known at synth;
            # None when the user fixed a name (both are then sent as they are).
            self._name_prefix: str | None = f"{generated}-" if names_generated else None
            fixed_job, fixed_model, token = (resolved_names.get(k) for k in ("job", "model", "token"))
            # Changes whenever the handler would start a new job: the request without tags, names included.
            self._replacement = naming.request_digest(
                self._path,
                [resolved_core, fixed_job or generated, fixed_model or generated, token],
            )
            request: dict[str, Any] = {
                "jobName": self._requested_job_name,
                "customModelName": self._requested_model_name,
                **core,
            }
            if client_request_token is not None:
                request["clientRequestToken"] = client_request_token
            for field, explicit in (("jobTags", self._job_tags), ("customModelTags", self._model_tags)):
                if explicit:
                    request[field] = [{"key": key, "value": value} for key, value in sorted(explicit.items())]

            self._resource = CustomResource(
                self,
                "Resource",
                service_token=facts.once("job-service-token", lambda: provider.service_token),
                resource_type=RESOURCE_TYPE,
                properties={
                    contract.PROP_REQUEST: request,
                    contract.PROP_TAGS: rendered_tags,
                    contract.PROP_REMOVAL_POLICY: (
                        contract.REMOVAL_DESTROY
                        if model_removal_policy == RemovalPolicy.DESTROY
                        else contract.REMOVAL_RETAIN
                    ),
                    contract.PROP_NAMES_GENERATED: "true" if names_generated else "false",
                    **({contract.PROP_ADOPT_UNTAGGED: "true"} if adopt_untagged_jobs else {}),
                },
            )
            if adopt_untagged_jobs:
                provider.allow_adopt_untagged()
            for dependable in dependables:
                self._resource.node.add_dependency(dependable)
            nag.acknowledge_statements(
                self._role, [{"Resource": r} for r in resolved_wildcards], SERVICE_ROLE_WILDCARDS, facts=facts
            )
            self._wait: CompletionWait | None = None
            if self.completion.waits and self.completion.timeout is not None:
                from .completion import CompletionWait

                self._wait = CompletionWait(
                    self,
                    "Completion",
                    job=self._resource,
                    name_filter=self._name_filter(),
                    request_digest=self._replacement,
                    timeout=self.completion.timeout,
                    timeout_s=self.completion.timeout_seconds,
                )

    # ---- attributes -------------------------------------------------------------------------------

    @property
    def job_arn(self) -> str:
        """The job's ARN (the custom resource's physical id); a new ARN after each replacement."""
        return self._resource.ref

    @property
    def job_name(self) -> str:
        """The job's name: the user's ``job_name``, else the generated name as deployed (``Fn::GetAtt``)."""
        if self._name_prefix is not None:
            return self._resource.get_att_string(contract.ATTR_JOB_NAME)
        return self._requested_job_name

    @property
    def custom_model_name(self) -> str:
        """The trained model's name: the user's, else the generated name as deployed (``Fn::GetAtt``)."""
        if self._name_prefix is not None:
            return self._resource.get_att_string(contract.ATTR_CUSTOM_MODEL_NAME)
        return self._requested_model_name

    @property
    def role(self) -> iam.IRole:
        """The service role Bedrock assumes for this job."""
        return self._role

    @property
    def tags(self) -> TagManager:
        """Tags applied with ``Tags.of(scope)``; they reach both the job and the custom model."""
        return self._tags

    @property
    def resource(self) -> CustomResource:
        """The underlying custom resource (escape hatch)."""
        return self._resource

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """What happens to the trained model when the job's resource leaves the stack or is replaced, as
        ``model_removal_policy``: ``RETAIN`` keeps it, ``DESTROY`` deletes it. A running job is stopped either way."""
        with v.reported_at(self.node.path):
            if policy not in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY):
                raise v.ValidationError(
                    f"Invalid removal policy {policy}: a job's removal policy is its model_removal_policy, "
                    "RemovalPolicy.RETAIN (keep the trained model, the default) or RemovalPolicy.DESTROY (delete it); "
                    "a running job is stopped either way."
                )
        cfn = self._resource.node.default_child
        assert isinstance(cfn, CfnResource)
        cfn.add_property_override(
            contract.PROP_REMOVAL_POLICY,
            contract.REMOVAL_DESTROY if policy == RemovalPolicy.DESTROY else contract.REMOVAL_RETAIN,
        )

    @property
    def connections(self) -> ec2.Connections:
        """The security groups of the job's network interfaces, for ``allow_to``/``allow_from`` (a VPC job only)."""
        if self._connections is None:
            raise v.ValidationError(
                f"{self.node.path}: connections exist only for a job that runs in a VPC; give the job vpc= (and "
                "optionally vpc_subnets= and security_groups=)."
            )
        return self._connections

    @property
    def custom_model_arn(self) -> str:
        """The trained model's ARN; only for a job with ``completion=Completion.wait(...)``."""
        return self._waiting("custom_model_arn").custom_model_arn

    @property
    def training_loss(self) -> str:
        """The final training loss Bedrock reports (a string attribute); only for a waiting job."""
        return self._waiting("training_loss").training_loss

    @property
    def validation_loss(self) -> str:
        """The first validation data set's loss, empty without validation data; only for a waiting job."""
        return self._waiting("validation_loss").validation_loss

    def _job_request(self) -> Mapping[str, Any] | None:
        return self._resolved_core

    def _known_model_arn(self) -> str | None:
        return self.custom_model_arn if self._wait is not None else None

    def _root_model_hint(self) -> str | None:
        return self._root_hint

    def _event_filter(self) -> tuple[list[NameFilter], list[str]]:
        """By name (a generated name's synth-time prefix, or the fixed name): a replacement's job is new, yet
        the rule keeps matching it."""
        return [self._name_filter()], []

    # ---- imports and grants -----------------------------------------------------------------------

    @staticmethod
    def from_job_arn(scope: Construct, construct_id: str, job_arn: str) -> ImportedModelCustomizationJob:
        """A job created elsewhere, by its ARN."""
        return ImportedModelCustomizationJob(scope, construct_id, job_arn=job_arn)

    @staticmethod
    def from_job_attributes(
        scope: Construct,
        construct_id: str,
        *,
        job_arn: str,
        job_name: str | None = None,
        custom_model_arn: str | None = None,
    ) -> ImportedModelCustomizationJob:
        """A job created elsewhere, with what else is known about it (name, trained model ARN)."""
        return ImportedModelCustomizationJob(
            scope, construct_id, job_arn=job_arn, job_name=job_name, custom_model_arn=custom_model_arn
        )

    # ---- wiring -----------------------------------------------------------------------------------

    def _waiting(self, attribute: str) -> CompletionWait:
        if self._wait is None:
            raise v.ValidationError(
                f"{self.node.path}: Invalid completion Completion.submitted(): {attribute} is only known once "
                "the job has ended; pass completion=Completion.wait(timeout=Duration.hours(N)) (at most 12 hours) "
                "so that the deploy waits for it."
            )
        return self._wait

    def _model_for(self, child: Construct) -> str:
        """This job's trained model as another job's base model (chaining needs this job to wait)."""
        if self._wait is None:
            raise v.ValidationError(
                f"{child.node.path}: Invalid base_model <ModelCustomizationJob {self.node.path}>: a job can "
                f"train on another job's model only when that job waits for it; give {self.node.id} "
                "completion=Completion.wait(timeout=Duration.hours(N))."
            )
        return self._wait.custom_model_arn

    def _name_filter(self) -> NameFilter:
        """This job's events on EventBridge: a generated name by its synth-time prefix, a fixed one exactly."""
        if self._name_prefix is not None:
            return {"prefix": self._name_prefix}
        return self._requested_job_name

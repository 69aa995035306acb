"""ModelCustomizationJob: one Bedrock model customization job as a CloudFormation resource.

The construct validates the props, provisions the service role with grants that follow the request,
and renders a ``Custom::BedrockModelCustomizationJob`` whose properties mirror the API request. The
stack's single handler Lambda starts, replaces and stops the job (see lambda_src/customization_job).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    CustomResource,
    ITaggable,
    Names,
    RemovalPolicy,
    Stack,
    TagManager,
    TagType,
    Token,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IDependable, IValidation

from . import contract, datasets, nag, naming, permissions
from . import hyperparameters as hp
from . import validation as v
from ._lazy import lazy_any, lazy_string
from .completion import CompletionWait, NameFilter
from .config import (
    Completion,
    CustomizationType,
    DistillationConfig,
    ModelRef,
    OutputData,
    RftConfig,
    S3Location,
    TrainingData,
    ValidationData,
    check_model,
    model_id_hint,
    model_identifier,
)
from .job_base import ImportedModelCustomizationJob, ModelCustomizationJobBase
from .provider import JobProvider
from .shared_role import SharedRoleGrants
from .storage import DefaultStorage

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


@jsii.implements(ITaggable)
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
        base_model: ModelRef | ModelCustomizationJob,
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
    ) -> None:
        """
        :param base_model: the model to customize: an ``aws_bedrock.IModel``, a model id or an ARN, or another
            ``ModelCustomizationJob`` that waits for completion (this job then trains on its model).
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
        """
        super().__init__(scope, construct_id)
        with v.reported_at(self.node.path):
            stack = Stack.of(self)
            self._stack = stack
            customization_type = _customization_type(customization_type)
            self.customization_type = customization_type
            _check_types(
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
            )
            self.completion = completion or Completion.submitted()
            if isinstance(base_model, ModelCustomizationJob):
                base_model = base_model._model_for(self)
            else:
                shown = check_model("base_model", base_model, v.check_base_model)
                for advisory in v.model_version_advisories(shown):
                    Annotations.of(self).add_warning_v2("bedrock-customization:base-model", advisory)
            validators = list(validation_data or [])
            hyper = hp.checked(hyper_parameters)

            _validate(
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
            _FixedNames.claim(self, job_name=job_name, custom_model_name=custom_model_name)
            training_data.validate()
            for index, validator in enumerate(validators):
                validator.validate(f"validation_data[{index}]")
            if output_data is not None:
                output_data.validate()
            literal_hyper = {name: value for name, value in hyper.items() if not v.is_token(value)}
            for advisory in hp.advisories(model_id_hint(base_model), literal_hyper):
                Annotations.of(self).add_warning_v2("bedrock-customization:hyperparameter", advisory)
            training_data.bind(self)
            for index, validator in enumerate(validators):
                validator.bind(self, index)
            for advisory in datasets.check_job_data(
                customization_type,
                model_id_hint(base_model),
                training_data.asset_path,
                [validator.asset_path for validator in validators],
            ):
                Annotations.of(self).add_warning_v2("bedrock-customization:dataset", advisory)

            self._tags = TagManager(TagType.MAP, RESOURCE_TYPE)
            self._job_tags = dict(job_tags or {})
            self._model_tags = dict(custom_model_tags or {})
            self.node.add_validation(_TagCountValidation(self))

            provider = JobProvider.of(self)
            self.output_location = output_data.location if output_data is not None else _default_output(self)
            self._dependables: list[IDependable] = []
            self._granted: list[iam.PolicyStatement] = []
            self._add_statement = self._bind_role(role, provider)

            for location in training_data.read_locations:
                self._grant(permissions.s3_read(stack, location))
            for validator in validators:
                self._grant(permissions.s3_read(stack, validator.location))
            self._grant(permissions.s3_write(stack, self.output_location))

            core: dict[str, Any] = {
                "roleArn": self.role.role_arn,
                "baseModelIdentifier": model_identifier(base_model),
                "customizationType": customization_type.value,
                "trainingDataConfig": training_data.to_request(),
                "outputDataConfig": {"s3Uri": self.output_location.uri},
            }
            if validators:
                core["validationDataConfig"] = {"validators": [{"s3Uri": x.location.uri} for x in validators]}
            if hyper:
                core["hyperParameters"] = {name: _wire(value) for name, value in hyper.items()}
            if custom_model_kms_key is not None:
                v.check_kms_key(custom_model_kms_key.key_arn)
                core["customModelKmsKeyId"] = custom_model_kms_key.key_arn
                self._grant([permissions.model_key(stack, custom_model_kms_key)])
                provider.allow_model_key(custom_model_kms_key)
            if vpc is not None:
                core["vpcConfig"] = self._bind_vpc(vpc, vpc_subnets, security_groups)
            if distillation is not None:
                core["customizationConfig"] = distillation.to_request()
                self._grant([permissions.teacher(stack, distillation.teacher_model)])
            if rft is not None:
                core["customizationConfig"] = rft.to_request()
                self._grant([permissions.grader(rft.grader)])
            self._core_request = core
            self._digests: dict[str, str] = {}

            names_generated = job_name is None and custom_model_name is None
            # The names in the request: the user's, or the synth-time base of generated names (the handler
            # appends a per-request suffix to a base, so the deployed names are attributes of the resource).
            self._requested_job_name: str = job_name or lazy_string(self._generated_name)
            self._requested_model_name: str = custom_model_name or lazy_string(self._generated_name)
            # What every deployed generated name starts with (``<construct id>-<digest>-``), known at synth;
            # None when the user fixed a name (both are then sent as they are).
            self._name_prefix: str | None = (
                lazy_string(lambda: f"{self._generated_name()}-") if names_generated else None
            )
            self._client_request_token = client_request_token

            self._resource = CustomResource(
                self,
                "Resource",
                service_token=provider.service_token,
                resource_type=RESOURCE_TYPE,
                properties={
                    contract.PROP_REQUEST: lazy_any(self._render_request),
                    contract.PROP_REMOVAL_POLICY: (
                        contract.REMOVAL_DESTROY
                        if model_removal_policy == RemovalPolicy.DESTROY
                        else contract.REMOVAL_RETAIN
                    ),
                    contract.PROP_NAMES_GENERATED: "true" if names_generated else "false",
                },
            )
            for dependable in self._dependables:
                self._resource.node.add_dependency(dependable)
            nag.acknowledge_statements(self._role, self._granted, SERVICE_ROLE_WILDCARDS)
            self._wait: CompletionWait | None = None
            if self.completion.waits and self.completion.timeout is not None:
                self._wait = CompletionWait(
                    self,
                    "Completion",
                    job=self._resource,
                    name_filter=self._name_filter(),
                    request_digest=self._replacement_digest,
                    timeout=self.completion.timeout,
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

    def _known_model_arn(self) -> str | None:
        return self.custom_model_arn if self._wait is not None else None

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

    def _bind_role(self, role: iam.IRole | None, provider: JobProvider) -> Callable[[iam.PolicyStatement], None]:
        """Create the role with one inline policy (no extra resource per job), or add to the given one."""
        if role is None:
            document = iam.PolicyDocument()
            self._role: iam.IRole = iam.Role(
                self,
                "ServiceRole",
                assumed_by=permissions.service_principal(self._stack),
                path=permissions.role_path(self._stack),
                inline_policies={"BedrockModelCustomization": document},
                description="Assumed by Amazon Bedrock to run one model customization job.",
            )

            def add_inline(statement: iam.PolicyStatement) -> None:
                document.add_statements(statement)

            return add_inline

        self._role = role
        v.check_role_arn(role.role_arn)
        provider.allow_pass_role(role.role_arn)

        shared = SharedRoleGrants.of(self, role)
        self._dependables = shared.dependables  # the role's policy, however many jobs add to it
        return shared.add

    def _grant(self, statements: Sequence[iam.PolicyStatement]) -> None:
        for statement in statements:
            self._add_statement(statement)
        self._granted.extend(statements)

    def _bind_vpc(
        self,
        vpc: ec2.IVpc,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
    ) -> dict[str, list[str]]:
        groups = list(security_groups or [])
        if not groups:
            groups = [
                ec2.SecurityGroup(
                    self,
                    "SecurityGroup",
                    vpc=vpc,
                    allow_all_outbound=True,
                    description="Network interfaces of a Bedrock model customization job (outbound only).",
                )
            ]
        if vpc_subnets is None and not vpc.private_subnets and not vpc.isolated_subnets:
            raise v.ValidationError(
                f"Invalid vpc <{vpc.node.path}>: it has no private subnets, and a job without vpc_subnets= runs in "
                "the private subnets of its VPC (PRIVATE_WITH_EGRESS, else PRIVATE_ISOLATED); add private subnets "
                "to the VPC, or choose subnets explicitly, e.g. vpc_subnets=ec2.SubnetSelection(subnet_type="
                "ec2.SubnetType.PUBLIC) (the job's network interfaces get no public IP address: it reaches S3 "
                "through a gateway endpoint)."
            )
        try:
            subnet_ids = list(vpc.select_subnets(**_selection_kwargs(vpc_subnets)).subnet_ids)
        except RuntimeError as error:  # jsii: CDK's own message (e.g. no subnet group of the selected type)
            reason = re.sub(r"^\w+: ", "", str(error).splitlines()[0])
            raise v.ValidationError(f"Invalid vpc_subnets {vpc_subnets!r}: {reason}") from None
        group_ids = [g.security_group_id for g in groups]
        v.check_vpc_ids("vpc_subnets", subnet_ids, v.SUBNETS, "subnets")
        v.check_vpc_ids("security_groups", group_ids, v.SECURITY_GROUPS, "security groups")
        self._grant(permissions.vpc(self._stack, subnet_ids, group_ids))
        return {"subnetIds": subnet_ids, "securityGroupIds": group_ids}

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

    def _replacement_digest(self) -> str:
        """Changes whenever the handler would start a new job: the request without tags, names included."""
        if "replacement" not in self._digests:
            identity = [
                self._core_request,
                self._requested_job_name,
                self._requested_model_name,
                self._client_request_token,
            ]
            self._digests["replacement"] = naming.request_digest(self.node.path, self._stack.resolve(identity))
        return self._digests["replacement"]

    def _generated_name(self) -> str:
        """Read by several lazy values at synth; the request is final by then, so resolve it once."""
        if "name" not in self._digests:
            resolved = self._stack.resolve(self._core_request)
            self._digests["name"] = naming.generated_name(self.node.id, naming.request_digest(self.node.path, resolved))
        return self._digests["name"]

    def _merged_tags(self, explicit: Mapping[str, str]) -> dict[str, str]:
        from_aspects = self._tags.render_tags() or {}
        return {**dict(from_aspects), **explicit}

    def _render_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "jobName": self._requested_job_name,
            "customModelName": self._requested_model_name,
            **self._core_request,
        }
        if self._client_request_token is not None:
            request["clientRequestToken"] = self._client_request_token
        for field, explicit in (("jobTags", self._job_tags), ("customModelTags", self._model_tags)):
            merged = self._merged_tags(explicit)
            if merged:
                request[field] = [{"key": key, "value": value} for key, value in sorted(merged.items())]
        return request


_SELECTION_FIELDS = (
    "availability_zones",
    "one_per_az",
    "subnet_filters",
    "subnet_group_name",
    "subnets",
    "subnet_type",
)


def _selection_kwargs(selection: ec2.SubnetSelection | None) -> dict[str, Any]:
    """jsii spells struct parameters as keywords; unpack the user's SubnetSelection for select_subnets."""
    if selection is None:
        return {}
    values = {name: getattr(selection, name) for name in _SELECTION_FIELDS}
    return {name: value for name, value in values.items() if value is not None}


@jsii.implements(IValidation)
class _TagCountValidation:
    """Tags from ``Tags.of`` arrive after construction; check the merged sets before synthesis."""

    def __init__(self, job: ModelCustomizationJob) -> None:
        self._job = job

    def validate(self) -> list[str]:
        errors: list[str] = []
        for prop, explicit in (
            ("job_tags", self._job._job_tags),
            ("custom_model_tags", self._job._model_tags),
        ):
            try:
                v.check_tags(prop, self._job._merged_tags(explicit))
            except v.ValidationError as error:
                errors.append(str(error))
        return errors


def _validate(
    *,
    training_data: TrainingData,
    customization_type: CustomizationType,
    validators: Sequence[ValidationData],
    job_name: str | None,
    custom_model_name: str | None,
    job_tags: Mapping[str, str] | None,
    custom_model_tags: Mapping[str, str] | None,
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    distillation: DistillationConfig | None,
    rft: RftConfig | None,
    client_request_token: str | None,
    model_removal_policy: RemovalPolicy,
) -> None:
    """Every rule that can be checked before deploy; raises ValidationError naming prop, value and rule."""
    if job_name is not None:
        v.check_job_name(job_name)
    if custom_model_name is not None:
        v.check_custom_model_name(custom_model_name)
    if client_request_token is not None:
        v.check_client_request_token(client_request_token)
    if job_tags is not None:
        v.check_tags("job_tags", job_tags)
    if custom_model_tags is not None:
        v.check_tags("custom_model_tags", custom_model_tags)
    v.check_count("validation_data", validators, 0, v.MAX_VALIDATORS, "validation data sets")
    if security_groups is not None and vpc is None:
        raise v.ValidationError(
            f"Invalid security_groups <{len(security_groups)} security groups>: security groups need vpc= as well."
        )
    if vpc_subnets is not None and vpc is None:
        raise v.ValidationError(
            f"Invalid vpc_subnets {vpc_subnets!r}: selected subnets need vpc= as well (the VPC they belong to)."
        )
    type_name = customization_type.value
    if training_data.invocation_logs is not None and customization_type is not CustomizationType.DISTILLATION:
        raise v.ValidationError(
            f"Invalid training_data <invocation logs> for customization_type {type_name}: Bedrock reads "
            "invocation logs only for DISTILLATION; use TrainingData.from_bucket for other types."
        )
    if distillation is not None and customization_type is not CustomizationType.DISTILLATION:
        raise v.ValidationError(
            f"Invalid distillation for customization_type {type_name}: a distillation config is only "
            "valid with CustomizationType.DISTILLATION."
        )
    if customization_type is CustomizationType.DISTILLATION and distillation is None:
        raise v.ValidationError(
            "Invalid distillation None: CustomizationType.DISTILLATION needs distillation=DistillationConfig("
            "teacher_model=...)."
        )
    if rft is not None and customization_type is not CustomizationType.REINFORCEMENT_FINE_TUNING:
        raise v.ValidationError(
            f"Invalid rft for customization_type {type_name}: an RFT config is only valid with "
            "CustomizationType.REINFORCEMENT_FINE_TUNING."
        )
    if customization_type is CustomizationType.REINFORCEMENT_FINE_TUNING and rft is None:
        raise v.ValidationError(
            "Invalid rft None: CustomizationType.REINFORCEMENT_FINE_TUNING needs rft=RftConfig(grader=...)."
        )
    if distillation is not None:
        distillation.validate()
    if rft is not None:
        rft.validate()
    if model_removal_policy not in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY):
        raise v.ValidationError(
            f"Invalid model_removal_policy {model_removal_policy}: use RemovalPolicy.RETAIN (keep the trained "
            "model) or RemovalPolicy.DESTROY (delete it with the resource)."
        )


def _default_output(job: ModelCustomizationJob) -> S3Location:
    """A folder per job in the stack's secure bucket."""
    bucket = DefaultStorage.of(job).bucket
    return S3Location(bucket_name=bucket.bucket_name, key=f"model-customization/{Names.unique_id(job)}/", bucket=bucket)


def _wire(value: hp.HyperParameterValue) -> str:
    """A hyperparameter as the API's string; a deploy-time number becomes a string token."""
    if v.is_token(value):
        return Token.as_string(value)
    return hp.to_wire(value)


def _customization_type(value: Any) -> CustomizationType:
    """The enum, or its API string ('FINE_TUNING')."""
    if isinstance(value, CustomizationType):
        return value
    if isinstance(value, str) and value in CustomizationType.__members__:
        return CustomizationType(value)
    names = ", ".join(f"CustomizationType.{member.name}" for member in CustomizationType)
    values = ", ".join(repr(member.value) for member in CustomizationType)
    raise v.ValidationError(f"Invalid customization_type {value!r}: use {names} (or the API's string: {values}).")


def _has(value: Any, attribute: str) -> bool:
    """Duck typing for jsii interfaces (IRole, IVpc, ...), which isinstance cannot check."""
    return isinstance(getattr(value, attribute, None), str)


def _check_types(
    *,
    training_data: Any,
    validation_data: Any,
    output_data: Any,
    job_name: Any,
    custom_model_name: Any,
    client_request_token: Any,
    custom_model_kms_key: Any,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Any,
    distillation: Any,
    rft: Any,
    role: Any,
    completion: Any,
) -> None:
    """Each prop is of its type: a wrong one is a ValidationError naming it, never an AttributeError later."""
    if not isinstance(training_data, TrainingData):
        raise v.ValidationError(
            f"Invalid training_data {training_data!r}: expected a TrainingData (TrainingData.from_bucket, "
            f"from_s3_uri, from_asset or from_invocation_logs), got {v.type_name(training_data)}."
        )
    if validation_data is not None:
        if isinstance(validation_data, ValidationData):
            raise v.ValidationError(
                f"Invalid validation_data {validation_data!r}: expected a list of ValidationData; wrap the single one "
                "in a list: validation_data=[ValidationData...]."
            )
        if isinstance(validation_data, str) or not isinstance(validation_data, Sequence):
            raise v.ValidationError(
                f"Invalid validation_data {validation_data!r}: expected a list of ValidationData, got "
                f"{v.type_name(validation_data)}."
            )
        for index, item in enumerate(validation_data):
            if not isinstance(item, ValidationData):
                raise v.ValidationError(
                    f"Invalid validation_data[{index}] {item!r}: expected a ValidationData "
                    f"(ValidationData.from_bucket, from_s3_uri or from_asset), got {v.type_name(item)}."
                )
    if output_data is not None:
        v.check_type("output_data", output_data, OutputData, "an OutputData (OutputData.from_bucket or from_s3_uri)")
    for prop, value in (
        ("job_name", job_name),
        ("custom_model_name", custom_model_name),
        ("client_request_token", client_request_token),
    ):
        v.check_optional_str(prop, value)
    for prop, value, attribute, expected in (
        ("role", role, "role_arn", "an iam.IRole (iam.Role.from_role_arn(...) imports one by ARN)"),
        (
            "custom_model_kms_key",
            custom_model_kms_key,
            "key_arn",
            "a kms.IKey (kms.Key.from_key_arn(...) imports one by ARN)",
        ),
        ("vpc", vpc, "vpc_id", "an ec2.IVpc (ec2.Vpc.from_lookup(...) imports one by id)"),
    ):
        if value is not None and not _has(value, attribute):
            raise v.ValidationError(f"Invalid {prop} {value!r}: expected {expected}, got {v.type_name(value)}.")
    if vpc_subnets is not None:
        v.check_type(
            "vpc_subnets", vpc_subnets, ec2.SubnetSelection, "an ec2.SubnetSelection(subnet_type=... or subnets=...)"
        )
    if security_groups is not None:
        if _has(security_groups, "security_group_id"):
            raise v.ValidationError(
                f"Invalid security_groups {security_groups!r}: expected a list of ec2.ISecurityGroup; wrap the single "
                "group in a list: security_groups=[group]."
            )
        if isinstance(security_groups, str) or not isinstance(security_groups, Sequence):
            raise v.ValidationError(
                f"Invalid security_groups {security_groups!r}: expected a list of ec2.ISecurityGroup, got "
                f"{v.type_name(security_groups)}."
            )
        for index, group in enumerate(security_groups):
            if not _has(group, "security_group_id"):
                raise v.ValidationError(
                    f"Invalid security_groups[{index}] {group!r}: expected an ec2.ISecurityGroup "
                    f"(ec2.SecurityGroup.from_security_group_id(...) imports one by id), got {v.type_name(group)}."
                )
    if distillation is not None:
        v.check_type("distillation", distillation, DistillationConfig, "a DistillationConfig(teacher_model=...)")
    if rft is not None:
        v.check_type("rft", rft, RftConfig, "an RftConfig(grader=...)")
    if completion is not None:
        v.check_type("completion", completion, Completion, "Completion.wait(timeout=...) or Completion.submitted()")


class _FixedNames(Construct):
    """One per stack: which job fixed which job and model name.

    Bedrock keeps job names (and model names) unique in an account and Region, so two jobs of one stack
    with the same fixed name cannot both deploy; and the state-change rules of waiting jobs match jobs by
    name. Deploy-time names (tokens) cannot be compared and are skipped.
    """

    ID = "BedrockCustomizationFixedNames"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._owners: dict[tuple[str, str], str] = {}

    @staticmethod
    def of(scope: Construct) -> _FixedNames:
        stack = Stack.of(scope)
        while stack.nested_stack_parent is not None:  # nested stacks deploy to their parent's account and Region
            stack = stack.nested_stack_parent
        existing = stack.node.try_find_child(_FixedNames.ID)
        if isinstance(existing, _FixedNames):
            return existing
        return _FixedNames(stack, _FixedNames.ID)

    @staticmethod
    def claim(job: Construct, *, job_name: str | None, custom_model_name: str | None) -> None:
        """Record the job's literal names; raise when another job of the stack fixed the same one."""
        claims = [
            (prop, what, name)
            for prop, what, name in (
                ("job_name", "job", job_name),
                ("custom_model_name", "custom model", custom_model_name),
            )
            if name is not None and not v.is_token(name)
        ]
        if claims:
            _FixedNames.of(job)._claim(job.node.path, claims)

    def _claim(self, path: str, claims: list[tuple[str, str, str]]) -> None:
        for prop, what, name in claims:
            if name is None or v.is_token(name):
                continue
            owner = self._owners.get((prop, name))
            if owner is not None and owner != path:
                raise v.ValidationError(
                    f"Invalid {prop} {name!r}: {owner} in the same stack already has this {what} name; Bedrock keeps "
                    f"{what} names unique in an account and Region, so one of the two jobs would fail at deploy. Give "
                    f"each job its own {prop}, or omit it to have one generated."
                )
        for prop, _, name in claims:
            self._owners[(prop, name)] = path

"""One test per synth-time rule: each error names the property, the value and the rule."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, RemovalPolicy, Stack, Tags
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match

from constructs_lib import (
    CustomizationType,
    DistillationConfig,
    MetadataCondition,
    OutputData,
    RequestMetadataFilters,
    RftConfig,
    RftHyperParameters,
    TrainingData,
    ValidationData,
    ValidationError,
)
from constructs_lib.cdk.data import S3Location
from constructs_lib.rules.validation import MAX_TAGS, OWNER_TAG_KEY

from .helpers import NOVA, new_stack, only_request, simple_job, template

JOB = "TestStack/Job"


def expect(message_parts: list[str], at: str = JOB) -> pytest.RaisesContext[ValidationError]:
    """The message starts with where the error is (the construct path, or the factory before a construct
    exists) and names the prop, the value and the rule, in that order."""
    pattern = re.escape(f"{at}: ") + ".*".join(re.escape(p) for p in message_parts)
    return pytest.raises(ValidationError, match=f"(?s)^{pattern}")


def test_job_name_pattern() -> None:
    with expect(["Invalid job_name", "'-bad'", "must match the pattern"]):
        simple_job(new_stack(), job_name="-bad")


def test_job_name_length() -> None:
    with expect(["Invalid job_name", "1-63 characters", "got 64"]):
        simple_job(new_stack(), job_name="a" * 64)


def test_custom_model_name_pattern() -> None:
    with expect(["Invalid custom_model_name", "'model__x'", "([0-9a-zA-Z][_-]?){1,63}"]):
        simple_job(new_stack(), custom_model_name="model__x")


def test_client_request_token_pattern() -> None:
    with expect(["Invalid client_request_token", "'tok-'", "must match the pattern"]):
        simple_job(new_stack(), client_request_token="tok-")


def test_tag_count() -> None:
    simple_job(new_stack(), job_tags={f"k{i}": "v" for i in range(MAX_TAGS)})
    with expect(["Invalid job_tags", "<50 tags>", "at most 49 tags", OWNER_TAG_KEY, "got 50"]):
        simple_job(new_stack(), job_tags={f"k{i}": "v" for i in range(MAX_TAGS + 1)})


def test_tag_key_characters() -> None:
    with expect(["Invalid custom_model_tags key", "'team#1'", "must match"]):
        simple_job(new_stack(), custom_model_tags={"team#1": "x"})


def test_tag_key_reserved_prefix() -> None:
    with expect(["Invalid job_tags key", "'aws:owner'", "must not start with 'aws:'"]):
        simple_job(new_stack(), job_tags={"aws:owner": "x"})


def test_tag_value_length() -> None:
    with expect(["Invalid job_tags['k']", "at most 256 characters"]):
        simple_job(new_stack(), job_tags={"k": "v" * 257})


def test_tag_count_including_tags_of_scope_checked_at_synth() -> None:
    stack = new_stack()
    simple_job(stack, job_tags={f"k{i}": "v" for i in range(MAX_TAGS)})
    Tags.of(stack).add("one-more", "x")
    # CDK reports construct validations as "[<path>] <message>"
    with pytest.raises(Exception, match=rf"\[{JOB}\] Invalid job_tags '<50 tags>': at most 49 tags are allowed"):
        template(stack)


def test_tags_of_scope_are_checked_per_job_when_a_job_before_it_has_no_tags() -> None:
    """The stack's jobs' rendered tags are resolved together at synth: a job that renders none (no tags at all)
    neither hides nor shifts the next job's."""
    stack = new_stack()
    simple_job(stack, "Untagged")
    tagged = simple_job(stack, job_tags={f"k{i}": "v" for i in range(MAX_TAGS)})
    Tags.of(tagged).add("one-more", "x")
    with pytest.raises(
        Exception, match=rf"\[{JOB}\] Invalid job_tags '<50 tags>': at most 49 tags are allowed"
    ) as raised:
        template(stack)
    assert "Untagged" not in str(raised.value)


def test_s3_uri_pattern() -> None:
    with expect(
        ["Invalid training_data", "'s3://Bad_Bucket/x.jsonl'", "an S3 URI must match"], at="TrainingData.from_s3_uri"
    ):
        TrainingData.from_s3_uri("s3://Bad_Bucket/x.jsonl")


def test_s3_key_characters_when_bucket_is_a_token() -> None:
    stack = new_stack()
    with expect(["Invalid validation_data", "'val data.jsonl'", "letters, digits"], at="ValidationData.from_bucket"):
        ValidationData.from_bucket(s3.Bucket(stack, "B"), "val data.jsonl")


def test_s3_key_leading_slash() -> None:
    stack = new_stack()
    with expect(["Invalid output_data", "'/out/'", "must not start with '/'"], at="OutputData.from_bucket"):
        OutputData.from_bucket(s3.Bucket(stack, "B"), "/out/")


def test_validator_count() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "V")
    with expect(["Invalid validation_data", "<11 validation data sets>", "between 0 and 10"]):
        simple_job(stack, validation_data=[ValidationData.from_bucket(bucket, f"v{i}.jsonl") for i in range(11)])


def test_subnet_count() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    subnets = [
        ec2.Subnet.from_subnet_attributes(stack, f"S{i}", subnet_id=f"subnet-{i:08d}", availability_zone="us-east-1a")
        for i in range(17)
    ]
    with expect(["Invalid vpc_subnets", "<17 subnets>", "between 1 and 16 subnets"]):
        simple_job(stack, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnets=subnets))


def test_subnet_id_characters() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    subnets = [ec2.Subnet.from_subnet_attributes(stack, "S", subnet_id="subnet_0001", availability_zone="us-east-1a")]
    with expect(["Invalid vpc_subnets", "'subnet_0001'", "[-0-9a-zA-Z]+"]):
        simple_job(stack, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnets=subnets))


def test_security_group_count() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    groups = [ec2.SecurityGroup(stack, f"G{i}", vpc=vpc) for i in range(6)]
    with expect(["Invalid security_groups", "<6 security groups>", "between 1 and 5"]):
        simple_job(stack, vpc=vpc, security_groups=groups)


def test_security_groups_need_a_vpc() -> None:
    stack = new_stack()
    group = ec2.SecurityGroup(stack, "G", vpc=ec2.Vpc(stack, "Vpc", max_azs=1))
    with expect(["Invalid security_groups", "need vpc="]):
        simple_job(stack, security_groups=[group])


def test_filter_equals_needs_exactly_one_entry() -> None:
    with expect(
        ["Invalid request_metadata_filters.equals", "exactly one metadata key", "got 2"],
        at="RequestMetadataFilters.equals",
    ):
        RequestMetadataFilters.equals({"a": "1", "b": "2"})


def test_filter_key_characters() -> None:
    with expect(
        ["Invalid request_metadata_filters.not_equals key", "'a#b'", "a metadata key must match"],
        at="RequestMetadataFilters.not_equals",
    ):
        RequestMetadataFilters.not_equals({"a#b": "1"})


def test_filter_and_all_count() -> None:
    with expect(
        ["Invalid request_metadata_filters.and_all", "<0 conditions>", "between 1 and 16"],
        at="RequestMetadataFilters.and_all",
    ):
        RequestMetadataFilters.and_all([])
    with expect(
        ["Invalid request_metadata_filters.or_all", "<17 conditions>", "between 1 and 16"],
        at="RequestMetadataFilters.or_all",
    ):
        RequestMetadataFilters.or_all([MetadataCondition(equals={"k": "v"})] * 17)


def test_filter_condition_needs_a_form() -> None:
    with expect(["Invalid MetadataCondition", "give equals= or not_equals="], at="MetadataCondition"):
        MetadataCondition()


def rft_job(**hyper: float) -> None:
    stack = new_stack()
    fn = lambda_.Function(
        stack, "G", runtime=lambda_.Runtime.PYTHON_3_13, handler="i.h", code=lambda_.Code.from_inline("x=1")
    )
    simple_job(
        stack,
        customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
        rft=RftConfig(grader=fn, hyper_parameters=RftHyperParameters(**hyper)),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("field", "value", "bounds"),
    [
        ("epoch_count", 51, "between 1 and 50"),
        ("batch_size", 8, "between 16 and 512"),
        ("learning_rate", 0.01, "between 1e-07 and 0.001"),
        ("training_sample_per_prompt", 1, "between 2 and 16"),
        ("eval_interval", 101, "between 1 and 100"),
    ],
)
def test_rft_hyperparameter_ranges(field: str, value: float, bounds: str) -> None:
    with expect([f"Invalid rft.hyper_parameters.{field}", repr(value), bounds]):
        rft_job(**{field: value})


def test_rft_integer_fields_must_be_positive_integers() -> None:
    with expect(["Invalid rft.hyper_parameters.max_prompt_length", "0", "positive integer"]):
        rft_job(max_prompt_length=0)


def test_distillation_config_only_with_distillation() -> None:
    with expect(["Invalid distillation", "FINE_TUNING", "only valid with CustomizationType.DISTILLATION"]):
        simple_job(new_stack(), distillation=DistillationConfig(teacher_model="amazon.nova-pro-v1:0"))


def test_distillation_needs_a_config() -> None:
    with expect(["Invalid distillation None", "needs distillation=DistillationConfig"]):
        simple_job(new_stack(), customization_type=CustomizationType.DISTILLATION)


def test_distillation_max_response_length_positive() -> None:
    with expect(["Invalid distillation.max_response_length_for_inference", "-1", "positive integer"]):
        simple_job(
            new_stack(),
            customization_type=CustomizationType.DISTILLATION,
            distillation=DistillationConfig(teacher_model="amazon.nova-pro-v1:0", max_response_length_for_inference=-1),
        )


def test_rft_config_only_with_rft() -> None:
    stack = new_stack()
    fn = lambda_.Function(
        stack, "G", runtime=lambda_.Runtime.PYTHON_3_13, handler="i.h", code=lambda_.Code.from_inline("x")
    )
    with expect(
        [
            "Invalid rft",
            "CONTINUED_PRE_TRAINING",
            "only valid with CustomizationType.REINFORCEMENT_FINE_TUNING",
        ]
    ):
        simple_job(stack, customization_type=CustomizationType.CONTINUED_PRE_TRAINING, rft=RftConfig(grader=fn))


def test_rft_needs_a_config() -> None:
    with expect(["Invalid rft None", "needs rft=RftConfig"]):
        simple_job(new_stack(), customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING)


def test_invocation_logs_only_for_distillation() -> None:
    stack = new_stack()
    with expect(["Invalid training_data <invocation logs>", "FINE_TUNING", "only for DISTILLATION"]):
        simple_job(stack, training_data=TrainingData.from_invocation_logs(s3.Bucket(stack, "L")))


def test_base_model_identifier_length() -> None:
    with expect(["Invalid base_model", "1-2048 characters", "got 0"]):
        simple_job(new_stack(), base_model="")


def test_role_arn_pattern_for_imported_roles() -> None:
    from aws_cdk import aws_iam as iam

    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "R", "arn:aws:iam::123456789012:user/not-a-role")
    with expect(["Invalid role", "user/not-a-role", "a role ARN must match"]):
        simple_job(stack, role=role)


def test_model_removal_policy_snapshot_is_rejected() -> None:
    with expect(["Invalid model_removal_policy", "RemovalPolicy.RETAIN", "RemovalPolicy.DESTROY"]):
        simple_job(new_stack(), model_removal_policy=RemovalPolicy.SNAPSHOT)


def test_unresolved_tokens_are_skipped() -> None:
    stack = new_stack()
    name = CfnParameter(stack, "JobName").value_as_string
    simple_job(stack, job_name=name, custom_model_name=name, client_request_token=name)
    assert only_request(stack)["jobName"] == {"Ref": "JobName"}


# ---- every error starts with where it is ------------------------------------------------------------


def test_errors_start_with_the_construct_path_of_the_job() -> None:
    stack = Stack(App(), "MyStack")
    simple_job(stack, "Fine")
    with expect(["Invalid job_name", "'-bad'", "must match the pattern"], at="MyStack/SupportBot"):
        simple_job(stack, "SupportBot", job_name="-bad")


def test_a_location_built_without_a_factory_is_checked_by_the_job_under_its_path() -> None:
    data = TrainingData(location=S3Location(bucket_name="Bad_Bucket", key="train.jsonl"))
    with expect(["Invalid training_data", "'s3://Bad_Bucket/train.jsonl'", "an S3 URI must match"]):
        simple_job(new_stack(), training_data=data)


def test_errors_of_factories_name_the_factory_since_no_construct_exists_yet() -> None:
    stack = new_stack()
    with expect(["Invalid training_data", "'train data.jsonl'", "letters, digits"], at="TrainingData.from_bucket"):
        TrainingData.from_bucket(s3.Bucket(stack, "B"), "train data.jsonl")
    with expect(
        ["Invalid training_data.invocation_logs", "'logs//x'", "letters, digits"],
        at="TrainingData.from_invocation_logs",
    ):
        TrainingData.from_invocation_logs(s3.Bucket(stack, "L"), "logs//x")


# ---- base model -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "nova micro",
        f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA} ",
        "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl",
    ],
)
def test_base_model_must_match_the_api_pattern(model: str) -> None:
    with expect(["Invalid base_model", repr(model), "a base model identifier", "must match the pattern", "(arn:aws"]):
        simple_job(new_stack(), base_model=model)


def test_base_model_from_foundation_model_is_checked_by_its_id() -> None:
    stack = new_stack()
    model = bedrock.FoundationModel.from_foundation_model_id(
        stack, "M", bedrock.FoundationModelIdentifier("nova micro")
    )
    with expect(["Invalid base_model", "nova micro", "must match the pattern"]):
        simple_job(stack, base_model=model)


def test_base_model_without_a_version_is_a_warning_naming_the_prop() -> None:
    stack = new_stack()
    simple_job(stack, base_model="amazon.nova-micro")
    Annotations.from_stack(stack).has_warning(
        f"/{JOB}",
        Match.string_like_regexp(r"base_model 'amazon\.nova-micro' names no model version"),
    )


def test_valid_base_models_pass_without_warnings() -> None:
    stack = new_stack()
    for index, model in enumerate(
        [
            NOVA,
            f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}",
            "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdefghijkl",
            "my-custom-model",
        ]
    ):
        simple_job(stack, f"Job{index}", base_model=model)
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("base_model")) == []


def test_teacher_model_must_match_the_api_pattern() -> None:
    with expect(["Invalid distillation.teacher_model", "'Amazon Nova Pro'", "must match the pattern"]):
        simple_job(
            new_stack(),
            customization_type=CustomizationType.DISTILLATION,
            distillation=DistillationConfig(teacher_model="Amazon Nova Pro"),
        )


# ---- wrong types are ValidationErrors, never AttributeError / TypeError ---------------------------------


def test_customization_type_accepts_the_api_string() -> None:
    stack = new_stack()
    simple_job(stack, customization_type="CONTINUED_PRE_TRAINING")
    assert only_request(stack)["customizationType"] == "CONTINUED_PRE_TRAINING"


@pytest.mark.parametrize("value", ["fine tuning", 1, None])
def test_customization_type_of_another_kind_names_the_enum(value: Any) -> None:
    with expect(["Invalid customization_type", repr(value), "CustomizationType.FINE_TUNING", "'FINE_TUNING'"]):
        simple_job(new_stack(), customization_type=value)


def data_bucket(stack: Stack) -> s3.IBucket:
    return stack.node.try_find_child("Data") or s3.Bucket(stack, "Data")  # type: ignore[return-value]


WRONG_TYPES: list[Any] = [
    pytest.param(
        "training_data", lambda s: "s3://bucket/train.jsonl", ["TrainingData", "from_s3_uri"], id="training_data-str"
    ),
    pytest.param("training_data", lambda s: None, ["TrainingData"], id="training_data-none"),
    pytest.param(
        "validation_data",
        lambda s: ValidationData.from_bucket(data_bucket(s), "v.jsonl"),
        ["a list of ValidationData", "[ValidationData"],
        id="validation_data-single",
    ),
    pytest.param(
        "validation_data",
        lambda s: ["s3://bucket/v.jsonl"],
        ["ValidationData", "from_s3_uri"],
        id="validation_data-str",
    ),
    pytest.param("validation_data", lambda s: "s3://bucket/v.jsonl", ["a list of ValidationData"], id="validation-str"),
    pytest.param("output_data", lambda s: "s3://bucket/out/", ["OutputData", "from_s3_uri"], id="output_data-str"),
    pytest.param("hyper_parameters", lambda s: [("epochCount", 2)], ["a mapping"], id="hyper_parameters-list"),
    pytest.param("job_name", lambda s: 42, ["a string"], id="job_name-int"),
    pytest.param("custom_model_name", lambda s: ["m"], ["a string"], id="custom_model_name-list"),
    pytest.param("client_request_token", lambda s: 7, ["a string"], id="client_request_token-int"),
    pytest.param("job_tags", lambda s: [("k", "v")], ["a mapping"], id="job_tags-list"),
    pytest.param("role", lambda s: "arn:aws:iam::123456789012:role/r", ["iam.IRole", "from_role_arn"], id="role-str"),
    pytest.param("vpc", lambda s: "vpc-1234", ["ec2.IVpc", "from_lookup"], id="vpc-str"),
    pytest.param(
        "custom_model_kms_key", lambda s: "arn:aws:kms:us-east-1:1:key/x", ["kms.IKey", "from_key_arn"], id="kms-str"
    ),
    pytest.param("distillation", lambda s: {"teacher_model": "x"}, ["DistillationConfig"], id="distillation-dict"),
    pytest.param("rft", lambda s: "arn:aws:lambda:us-east-1:1:function:g", ["RftConfig"], id="rft-str"),
    pytest.param("completion", lambda s: "wait", ["Completion.wait", "Completion.submitted"], id="completion-str"),
    pytest.param("model_removal_policy", lambda s: "DESTROY", ["RemovalPolicy.DESTROY"], id="removal-str"),
]


@pytest.mark.parametrize(("prop", "make", "rule"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_names_the_prop_the_value_and_the_type(prop: str, make: Any, rule: list[str]) -> None:
    stack = new_stack()
    value = make(stack)
    with expect([f"Invalid {prop}", *rule]):
        simple_job(stack, **{prop: value})


def test_security_groups_and_subnets_of_the_wrong_type() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1)
    group = ec2.SecurityGroup(stack, "G", vpc=vpc)
    with expect(["Invalid security_groups", "a list of ec2.ISecurityGroup", "[group]"]):
        simple_job(stack, vpc=vpc, security_groups=group)
    with expect(
        ["Invalid security_groups[0]", "'sg-123'", "ec2.ISecurityGroup", "from_security_group_id"], at="TestStack/B"
    ):
        simple_job(stack, "B", vpc=vpc, security_groups=["sg-123"])
    with expect(["Invalid vpc_subnets", "ec2.SubnetSelection"], at="TestStack/C"):
        simple_job(stack, "C", vpc=vpc, vpc_subnets=vpc.private_subnets)


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("epochCount", [1, 2], "a string, a number or a bool"),
        ("epochCount", {"value": 2}, "a string, a number or a bool"),
        ("epochCount", None, "a string, a number or a bool"),
        ("learningRate", float("nan"), "a finite number"),
        ("learningRate", float("inf"), "a finite number"),
    ],
)
def test_hyperparameter_values_of_the_wrong_type(name: str, value: Any, rule: str) -> None:
    with expect([f"Invalid hyper_parameters[{name!r}]", repr(value), rule]):
        simple_job(new_stack(), hyper_parameters={name: value})


def test_hyperparameter_names_are_strings() -> None:
    with expect(["Invalid hyper_parameters key", "1", "a non-empty string"]):
        simple_job(new_stack(), hyper_parameters={1: "2"})


@pytest.mark.parametrize(
    ("tags", "what"),
    [({"team": 1}, "job_tags['team']"), ({"team": None}, "job_tags['team']"), ({1: "x"}, "job_tags key")],
)
def test_tags_are_strings(tags: dict[Any, Any], what: str) -> None:
    with expect([f"Invalid {what}", "a string"]):
        simple_job(new_stack(), job_tags=tags)


def test_config_fields_of_the_wrong_type() -> None:
    stack = new_stack()
    with expect(["Invalid distillation.teacher_model", "42", "a model id or ARN"]):
        simple_job(
            stack,
            customization_type=CustomizationType.DISTILLATION,
            distillation=DistillationConfig(teacher_model=42),  # type: ignore[arg-type]
        )
    with expect(
        ["Invalid rft.grader", "'arn:aws:lambda:us-east-1:1:function:g'", "lambda.IFunction"], at="TestStack/R"
    ):
        simple_job(
            stack,
            "R",
            customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
            rft=RftConfig(grader="arn:aws:lambda:us-east-1:1:function:g"),  # type: ignore[arg-type]
        )


def test_rft_hyperparameters_of_the_wrong_type() -> None:
    with expect(["Invalid rft.hyper_parameters.epoch_count", "'2'", "between 1 and 50"]):
        rft_job(epoch_count="2")  # type: ignore[arg-type]
    with expect(["Invalid rft.hyper_parameters.reasoning_effort", "'extreme'", "ReasoningEffort"]):
        rft_job(reasoning_effort="extreme")  # type: ignore[arg-type]


def test_rft_reasoning_effort_accepts_the_api_string() -> None:
    stack = new_stack()
    fn = lambda_.Function(
        stack, "G", runtime=lambda_.Runtime.PYTHON_3_13, handler="i.h", code=lambda_.Code.from_inline("x=1")
    )
    simple_job(
        stack,
        customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
        rft=RftConfig(grader=fn, hyper_parameters=RftHyperParameters(reasoning_effort="high")),  # type: ignore[arg-type]
    )
    assert only_request(stack)["customizationConfig"]["rftConfig"]["hyperParameters"] == {"reasoningEffort": "high"}


def test_imported_kms_key_and_grader_arns_are_checked() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "K", "arn:aws:kms:us-east-1:123456789012:key/not-a-key-id")
    with expect(["Invalid custom_model_kms_key", "key/not-a-key-id", "must match the pattern"]):
        simple_job(stack, custom_model_kms_key=key)
    grader = lambda_.Function.from_function_arn(stack, "F", "arn:aws:lambda:us-east-1:123456789012:layer:x")
    with expect(["Invalid rft.grader", "layer:x", "must match the pattern"], at="TestStack/R"):
        simple_job(
            stack, "R", customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING, rft=RftConfig(grader=grader)
        )


# ---- VPC --------------------------------------------------------------------------------------------


def test_vpc_subnets_need_a_vpc() -> None:
    with expect(["Invalid vpc_subnets", "need vpc="]):
        simple_job(new_stack(), vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))


def public_only_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="pub", subnet_type=ec2.SubnetType.PUBLIC)],
    )


def test_a_vpc_without_private_subnets_is_an_error_naming_the_fix() -> None:
    stack = new_stack()
    with expect(["Invalid vpc", "no private subnets", "vpc_subnets=ec2.SubnetSelection(subnet_type="]):
        simple_job(stack, vpc=public_only_vpc(stack))


def test_public_subnets_chosen_explicitly_are_used() -> None:
    stack = new_stack()
    vpc = public_only_vpc(stack)
    simple_job(stack, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))
    assert len(only_request(stack)["vpcConfig"]["subnetIds"]) == 2


# ---- fixed names are unique in a stack -----------------------------------------------------------------


@pytest.mark.parametrize("prop", ["job_name", "custom_model_name"])
def test_two_jobs_with_the_same_fixed_name_in_one_stack(prop: str) -> None:
    stack = new_stack()
    simple_job(stack, "First", **{prop: "support-bot"})
    with expect([f"Invalid {prop}", "'support-bot'", "TestStack/First", "already"], at="TestStack/Second"):
        simple_job(stack, "Second", **{prop: "support-bot"})


def test_the_same_name_as_job_and_as_model_name_is_fine() -> None:
    stack = new_stack()
    simple_job(stack, "First", job_name="support-bot")
    simple_job(stack, "Second", custom_model_name="support-bot")


def test_fixed_names_that_are_tokens_are_not_compared() -> None:
    stack = new_stack()
    name = CfnParameter(stack, "Name").value_as_string
    simple_job(stack, "First", job_name=name)
    simple_job(stack, "Second", job_name=name)


# ---- the owner tag is reserved ------------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["job_tags", "custom_model_tags"])
@pytest.mark.parametrize("key", [OWNER_TAG_KEY, OWNER_TAG_KEY.upper()])
def test_the_owner_tag_key_is_reserved(prop: str, key: str) -> None:
    with expect([f"Invalid {prop} key", repr(key), "reserved", "stack id", "stop"]):
        simple_job(new_stack(), **{prop: {key: "x"}})


def test_the_owner_tag_key_is_reserved_for_tags_of_scope() -> None:
    stack = new_stack()
    simple_job(stack)
    Tags.of(stack).add(OWNER_TAG_KEY, "mine")
    with pytest.raises(Exception, match=rf"\[{JOB}\] Invalid job_tags key '{OWNER_TAG_KEY}': .*reserved"):
        template(stack)


def test_tag_count_leaves_room_for_the_owner_tag() -> None:
    assert MAX_TAGS == 49  # Bedrock allows 50 tags per resource (TooManyTagsException); the handler adds one
    stack = new_stack()
    simple_job(stack, custom_model_tags={f"k{i}": "v" for i in range(MAX_TAGS - 1)})
    Tags.of(stack).add("one-more", "x")
    template(stack)


def test_an_imported_role_with_a_valid_arn_passes() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "R", "arn:aws:iam::123456789012:role/ok")
    simple_job(stack, role=role)


def test_a_subnet_selection_the_vpc_cannot_satisfy_names_the_prop() -> None:
    stack = new_stack()
    selection = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    with expect(["Invalid vpc_subnets", "PRIVATE_WITH_EGRESS", "no 'Private' subnet groups"]):
        simple_job(stack, vpc=public_only_vpc(stack), vpc_subnets=selection)


def test_imported_jobs_check_their_attributes_under_their_path() -> None:
    from constructs_lib import ModelCustomizationJob

    stack = new_stack()
    with expect(["Invalid job_arn", "None", "the job's ARN (str)"], at="TestStack/Nightly"):
        ModelCustomizationJob.from_job_arn(stack, "Nightly", None)  # type: ignore[arg-type]
    imported = ModelCustomizationJob.from_job_arn(
        stack, "ByArn", "arn:aws:bedrock:us-east-1:1:model-customization-job/x"
    )
    with expect(["custom_model_arn is unknown", "from_job_attributes"], at="TestStack/ByArn"):
        _ = imported.custom_model_arn


def test_deploy_time_hyperparameters_are_sent_as_strings_without_advisories() -> None:
    stack = new_stack()
    epochs = CfnParameter(stack, "Epochs", type="Number").value_as_number
    simple_job(stack, hyper_parameters={"epochCount": epochs})
    assert only_request(stack)["hyperParameters"] == {"epochCount": {"Ref": "Epochs"}}
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


def test_the_reserved_key_is_the_one_the_runtime_writes() -> None:
    from constructs_lib._runtime.customization_job import ownership
    from constructs_lib._runtime.job_watcher import outcome

    assert OWNER_TAG_KEY == ownership.OWNER_TAG_KEY == outcome.OWNER_TAG_KEY

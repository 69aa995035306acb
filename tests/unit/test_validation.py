"""One test per synth-time rule: each error names the property, the value and the rule."""

from __future__ import annotations

import re

import pytest
from aws_cdk import CfnParameter, RemovalPolicy, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

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

from .helpers import new_stack, only_request, simple_job, template


def expect(message_parts: list[str]) -> pytest.RaisesContext[ValidationError]:
    return pytest.raises(ValidationError, match=".*".join(re.escape(p) for p in message_parts))


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
    with expect(["Invalid job_tags", "at most 200 tags", "got 201"]):
        simple_job(new_stack(), job_tags={f"k{i}": "v" for i in range(201)})


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
    simple_job(stack, job_tags={f"k{i}": "v" for i in range(200)})
    Tags.of(stack).add("one-more", "x")
    with pytest.raises(Exception, match=r"Invalid job_tags '<201 tags>': at most 200 tags are allowed, got 201"):
        template(stack)


def test_s3_uri_pattern() -> None:
    with expect(["Invalid training_data", "'s3://Bad_Bucket/x.jsonl'", "an S3 URI must match"]):
        TrainingData.from_s3_uri("s3://Bad_Bucket/x.jsonl")


def test_s3_key_characters_when_bucket_is_a_token() -> None:
    stack = new_stack()
    with expect(["Invalid validation_data", "'val data.jsonl'", "letters, digits"]):
        ValidationData.from_bucket(s3.Bucket(stack, "B"), "val data.jsonl")


def test_s3_key_leading_slash() -> None:
    stack = new_stack()
    with expect(["Invalid output_data", "'/out/'", "must not start with '/'"]):
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
    with expect(["Invalid request_metadata_filters.equals", "exactly one metadata key", "got 2"]):
        RequestMetadataFilters.equals({"a": "1", "b": "2"})


def test_filter_key_characters() -> None:
    with expect(["Invalid request_metadata_filters.not_equals key", "'a#b'", "a metadata key must match"]):
        RequestMetadataFilters.not_equals({"a#b": "1"})


def test_filter_and_all_count() -> None:
    with expect(["Invalid request_metadata_filters.and_all", "<0 conditions>", "between 1 and 16"]):
        RequestMetadataFilters.and_all([])
    with expect(["Invalid request_metadata_filters.or_all", "<17 conditions>", "between 1 and 16"]):
        RequestMetadataFilters.or_all([MetadataCondition(equals={"k": "v"})] * 17)


def test_filter_condition_needs_a_form() -> None:
    with expect(["Invalid MetadataCondition", "give equals= or not_equals="]):
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

"""Synth assertions for ModelCustomizationJob: request shape, grants, provider sharing, names, tags."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack, Tags
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from constructs_lib._runtime.customization_job.properties import parse_event
from support.events import cfn_event

from constructs_lib import (
    CustomizationType,
    DistillationConfig,
    MetadataCondition,
    ModelCustomizationJob,
    OutputData,
    ReasoningEffort,
    RequestMetadataFilters,
    RftConfig,
    RftHyperParameters,
    TrainingData,
    ValidationData,
)
from constructs_lib.cdk.data import S3Location
from constructs_lib.rules.validation import JOB_NAME_PATTERN, MODEL_NAME_PATTERN

from .helpers import (
    JOB_TYPE,
    NOVA,
    actions_of,
    dependency_cycle,
    jobs,
    new_stack,
    only_request,
    simple_job,
    statements,
    template,
)


def grader(stack: Stack) -> lambda_.Function:
    return lambda_.Function(
        stack,
        "Grader",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c):\n    return []\n"),
    )


def test_fine_tuning_request_mirrors_the_api_with_strings_for_hyperparameters() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")
    ModelCustomizationJob(
        stack,
        "SupportBot",
        base_model=bedrock.FoundationModel.from_foundation_model_id(
            stack, "Nova", bedrock.FoundationModelIdentifier(NOVA)
        ),
        training_data=TrainingData.from_bucket(bucket, "train/data.jsonl"),
        validation_data=[ValidationData.from_bucket(bucket, "val/data.jsonl")],
        hyper_parameters={"epochCount": 2, "learningRate": 1e-5, "learningRateWarmupSteps": 10},
    )
    request = only_request(stack)
    assert request["customizationType"] == "FINE_TUNING"
    assert request["hyperParameters"] == {
        "epochCount": "2",
        "learningRate": "0.00001",
        "learningRateWarmupSteps": "10",
    }
    assert request["baseModelIdentifier"]["Fn::Join"][1][-1].endswith(f"foundation-model/{NOVA}")
    assert request["trainingDataConfig"]["s3Uri"]["Fn::Join"][1][-1] == "/train/data.jsonl"
    assert request["validationDataConfig"]["validators"][0]["s3Uri"]["Fn::Join"][1][-1] == "/val/data.jsonl"
    assert re.fullmatch(JOB_NAME_PATTERN, request["jobName"]) and len(request["jobName"]) <= 63
    assert re.fullmatch(MODEL_NAME_PATTERN, request["customModelName"])
    assert request["jobName"].startswith("SupportBot-")
    assert "clientRequestToken" not in request  # the handler derives a deterministic one


def test_continued_pre_training_type() -> None:
    stack = new_stack()
    simple_job(stack, customization_type=CustomizationType.CONTINUED_PRE_TRAINING)
    assert only_request(stack)["customizationType"] == "CONTINUED_PRE_TRAINING"


def test_service_role_trust_has_confused_deputy_conditions_and_stack_path() -> None:
    stack = new_stack()
    simple_job(stack)
    roles = template(stack).find_resources("AWS::IAM::Role", {"Properties": {"Path": Match.any_value()}})
    (role,) = [r for r in roles.values() if "bedrock.amazonaws.com" in str(r)]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "model-customization-job/*" in str(trust["Condition"]["ArnEquals"]["aws:SourceArn"])
    assert "/bedrock-customization/" in str(role["Properties"]["Path"])


def test_s3_grants_are_scoped_to_exact_objects_and_prefixes() -> None:
    stack = new_stack()
    simple_job(stack, output_data=OutputData.from_bucket(s3.Bucket(stack, "Out"), "results/"))
    found = statements(stack, "JobServiceRole")
    reads = [s for s in found if actions_of(s) == ["s3:GetObject"]]
    assert reads and str(reads[0]["Resource"]).endswith("'/train/data.jsonl']]}")
    lists = [s for s in found if actions_of(s) == ["s3:ListBucket"]]
    assert {tuple(s["Condition"]["StringLike"]["s3:prefix"]) for s in lists} == {
        ("train/data.jsonl*",),
        ("results/*",),
    }
    writes = [s for s in found if "s3:PutObject" in actions_of(s)]
    assert len(writes) == 1 and str(writes[0]["Resource"]).endswith("'/results/*']]}")
    assert not any(a in ("s3:*", "s3:DeleteObject") for s in found for a in actions_of(s))


def test_default_output_is_a_private_versioned_kms_bucket_shared_by_jobs() -> None:
    stack = new_stack()
    simple_job(stack, "A")
    simple_job(stack, "B")
    tpl = template(stack)
    buckets = tpl.find_resources("AWS::S3::Bucket", {"Properties": {"VersioningConfiguration": Match.any_value()}})
    assert len(buckets) == 1
    (bucket,) = buckets.values()
    assert bucket["DeletionPolicy"] == "Retain"
    sse = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    tpl.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    tpl.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Effect": "Deny"})])}},
    )
    uris = [str(j["Properties"]["Request"]["outputDataConfig"]) for j in jobs(stack).values()]
    assert len(set(uris)) == 2  # each job writes under its own prefix


def test_multiple_jobs_share_one_provider_and_one_handler() -> None:
    stack = new_stack()
    for i in range(3):
        simple_job(stack, f"Job{i}")
    handlers = template(stack).find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "_runtime.entry.handler.handler"}}
    )
    assert len(handlers) == 1
    tokens = {str(j["Properties"]["ServiceToken"]) for j in jobs(stack).values()}
    assert len(tokens) == 1


def test_handler_role_is_scoped_to_account_region_and_passes_only_job_roles_to_bedrock() -> None:
    stack = new_stack()
    simple_job(stack)
    found = statements(stack, "BedrockModelCustomizationProviderHandlerRole")
    (pass_role,) = [s for s in found if actions_of(s) == ["iam:PassRole"]]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}
    assert "role/bedrock-customization/" in str(pass_role["Resource"])
    for statement in found:
        for action in actions_of(statement):
            assert not action.endswith(":*"), action
            if action == "bedrock:ListModelCustomizationJobs":  # no resource-level permissions; read-only
                assert actions_of(statement) == [action] and statement["Resource"] == "*"
            elif action.startswith("bedrock:"):
                text = str(statement["Resource"])
                # this account's job/model ARNs, or this Region's foundation models (which have no account)
                assert "AWS::AccountId" in text or (":bedrock:" in text and "foundation-model/*" in text), text
    created = [s for s in found if "bedrock:CreateModelCustomizationJob" in actions_of(s)]
    assert created and "AWS::Region" in str(created[0]["Resource"])


def test_given_role_is_passed_explicitly_and_the_job_waits_for_its_policy() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    simple_job(stack, "A", role=role)
    simple_job(stack, "B", role=role)
    tpl = template(stack)
    found = statements(stack, "BedrockModelCustomizationProviderHandlerRole")
    passes = [s for s in found if actions_of(s) == ["iam:PassRole"]]
    assert any("Shared" in str(s["Resource"]) for s in passes)
    assert len([s for s in passes if "Shared" in str(s["Resource"])]) == 1  # deduplicated
    for job in tpl.find_resources("Custom::BedrockModelCustomizationJob").values():
        assert any(dep.startswith("SharedDefaultPolicy") for dep in job.get("DependsOn", []))
    assert len(tpl.find_resources("AWS::IAM::Role", {"Properties": {"Path": Match.any_value()}})) == 0


def test_distillation_with_inference_profile_teacher() -> None:
    stack = new_stack()
    logs = s3.Bucket(stack, "Logs")
    ModelCustomizationJob(
        stack,
        "Student",
        base_model="amazon.nova-lite-v1:0:300k",
        customization_type=CustomizationType.DISTILLATION,
        training_data=TrainingData.from_invocation_logs(
            logs,
            "AWSLogs/",
            use_prompt_response=True,
            request_metadata_filters=RequestMetadataFilters.or_all(
                [MetadataCondition(equals={"project": "a"}), MetadataCondition(not_equals={"stage": "dev"})]
            ),
        ),
        distillation=DistillationConfig(teacher_model="us.amazon.nova-pro-v1:0", max_response_length_for_inference=800),
    )
    request = only_request(stack)
    teacher = request["customizationConfig"]["distillationConfig"]["teacherModelConfig"]
    assert teacher == {
        "teacherModelIdentifier": "us.amazon.nova-pro-v1:0",
        "maxResponseLengthForInference": 800,
    }
    logs_config = request["trainingDataConfig"]["invocationLogsConfig"]
    assert logs_config["usePromptResponse"] is True
    assert logs_config["requestMetadataFilters"] == {
        "orAll": [{"equals": {"project": "a"}}, {"notEquals": {"stage": "dev"}}]
    }
    invoke = [s for s in statements(stack, "StudentServiceRole") if actions_of(s) == ["bedrock:InvokeModel"]]
    assert len(invoke) == 1
    text = str(invoke[0]["Resource"])
    assert "inference-profile/us.amazon.nova-pro-v1:0" in text
    assert ":bedrock:*::foundation-model/amazon.nova-pro-v1:0" in text


def test_distillation_with_foundation_model_teacher_and_equals_filter() -> None:
    stack = new_stack()
    ModelCustomizationJob(
        stack,
        "Student",
        base_model="meta.llama3-1-8b-instruct-v1:0:128k",
        customization_type=CustomizationType.DISTILLATION,
        training_data=TrainingData.from_invocation_logs(
            s3.Bucket(stack, "Logs"), request_metadata_filters=RequestMetadataFilters.equals({"team": "x"})
        ),
        distillation=DistillationConfig(teacher_model="meta.llama3-1-70b-instruct-v1:0"),
    )
    request = only_request(stack)
    assert request["trainingDataConfig"]["invocationLogsConfig"]["requestMetadataFilters"] == {"equals": {"team": "x"}}
    invoke = [s for s in statements(stack, "StudentServiceRole") if actions_of(s) == ["bedrock:InvokeModel"]]
    assert "foundation-model/meta.llama3-1-70b-instruct-v1:0" in str(invoke[0]["Resource"])
    assert "*" not in str(invoke[0]["Resource"]).replace("'", "")


def test_rft_renders_typed_hyperparameters_and_grants_only_the_grader() -> None:
    stack = new_stack()
    fn = grader(stack)
    simple_job(
        stack,
        customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
        rft=RftConfig(
            grader=fn,
            hyper_parameters=RftHyperParameters(
                epoch_count=2,
                batch_size=64,
                learning_rate=1e-5,
                reasoning_effort=ReasoningEffort.HIGH,
                eval_interval=5,
            ),
        ),
    )
    rft = only_request(stack)["customizationConfig"]["rftConfig"]
    assert rft["hyperParameters"] == {
        "epochCount": 2,
        "batchSize": 64,
        "learningRate": 1e-5,
        "evalInterval": 5,
        "reasoningEffort": "high",
    }
    grader_id = stack.get_logical_id(fn.node.default_child)  # type: ignore[arg-type]
    assert rft["graderConfig"] == {"lambdaGrader": {"lambdaArn": {"Fn::GetAtt": [grader_id, "Arn"]}}}
    invoke = [s for s in statements(stack, "JobServiceRole") if actions_of(s) == ["lambda:InvokeFunction"]]
    assert len(invoke) == 1 and "Grader" in str(invoke[0]["Resource"])


def test_vpc_creates_a_security_group_and_scoped_eni_statements() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    simple_job(stack, vpc=vpc)
    vpc_config = only_request(stack)["vpcConfig"]
    assert len(vpc_config["subnetIds"]) == 2
    assert len(vpc_config["securityGroupIds"]) == 1
    template(stack).has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": Match.string_like_regexp("Bedrock"), "SecurityGroupIngress": Match.absent()},
    )
    found = statements(stack, "JobServiceRole")
    create_eni = [s for s in found if actions_of(s) == ["ec2:CreateNetworkInterface"]]
    assert len(create_eni) == 2
    tagged = next(s for s in create_eni if "Condition" in s)
    assert tagged["Condition"]["StringEquals"] == {"aws:RequestTag/BedrockManaged": ["true"]}
    cleanup = next(s for s in found if "ec2:DeleteNetworkInterface" in actions_of(s))
    assert "ec2:Subnet" in cleanup["Condition"]["ArnEquals"]


def test_given_security_groups_are_used_and_none_created() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    group = ec2.SecurityGroup(stack, "Mine", vpc=vpc)
    simple_job(stack, vpc=vpc, security_groups=[group])
    assert len(template(stack).find_resources("AWS::EC2::SecurityGroup")) == 1


def test_kms_key_for_model_and_same_key_on_data_bucket_has_no_cycle() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key")
    data = s3.Bucket(stack, "Data", encryption=s3.BucketEncryption.KMS, encryption_key=key)
    ModelCustomizationJob(
        stack,
        "Job",
        base_model=NOVA,
        training_data=TrainingData.from_bucket(data, "train.jsonl"),
        output_data=OutputData.from_bucket(data, "out/"),
        custom_model_kms_key=key,
    )
    tpl = template(stack).to_json()
    assert dependency_cycle(tpl) is None
    request = only_request(stack)
    key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
    assert request["customModelKmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    found = statements(stack, "JobServiceRole")
    via = {str(s["Condition"]["StringEquals"]["kms:ViaService"]) for s in found if "kms:Decrypt" in actions_of(s)}
    assert any("bedrock." in v for v in via) and any("s3." in v for v in via)
    handler = statements(stack, "BedrockModelCustomizationProviderHandlerRole")
    assert any("kms:CreateGrant" in actions_of(s) for s in handler)
    key_policy = str(tpl["Resources"][next(k for k in tpl["Resources"] if k.startswith("Key"))])
    assert "JobServiceRole" not in key_policy  # grants live in identity policies only


def test_cycle_detector_finds_a_real_cycle() -> None:
    tpl = {
        "Resources": {
            "A": {"Type": "X", "Properties": {"P": {"Ref": "B"}}},
            "B": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["A", "Arn"]}}},
        }
    }
    assert dependency_cycle(tpl) == ["A", "B", "A"]


def test_tags_of_scope_reach_job_and_model_tags_merged_with_explicit_ones() -> None:
    stack = new_stack()
    simple_job(stack, job_tags={"cost-center": "42"}, custom_model_tags={"use-case": "support"})
    Tags.of(stack).add("team", "ml")
    props = next(iter(jobs(stack).values()))["Properties"]
    assert props["Tags"] == {"team": "ml"}  # rendered by CDK's TagManager at synth, no callback per job
    # what the handler sends to the API: the scope's tags added to each explicit set
    event = cfn_event(
        "Create",
        JOB_TYPE,
        props,
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
        logical_id="J",
        request_id="r",
    )
    request = parse_event(event).request
    assert request["jobTags"] == [{"key": "cost-center", "value": "42"}, {"key": "team", "value": "ml"}]
    assert request["customModelTags"] == [
        {"key": "team", "value": "ml"},
        {"key": "use-case", "value": "support"},
    ]


def test_generated_names_are_deterministic_and_change_with_the_request() -> None:
    def name(epochs: int, tags: dict[str, str] | None = None, stack_name: str = "S") -> str:
        stack = Stack(App(), stack_name)
        simple_job(stack, hyper_parameters={"epochCount": epochs}, job_tags=tags)
        return str(only_request(stack)["jobName"])

    assert name(2) == name(2)
    assert name(2) != name(3)
    assert name(2) == name(2, tags={"a": "b"})  # tags are updated in place, not replaced
    assert name(2) != name(2, stack_name="Other")


def test_user_names_and_token_pass_through_and_mark_names_fixed() -> None:
    stack = new_stack()
    simple_job(stack, job_name="my-job.v1", custom_model_name="my_model-1", client_request_token="abc-123")
    props = next(iter(jobs(stack).values()))["Properties"]
    assert props["Request"]["jobName"] == "my-job.v1"
    assert props["Request"]["customModelName"] == "my_model-1"
    assert props["Request"]["clientRequestToken"] == "abc-123"
    assert props["NamesGenerated"] == "false"


@pytest.mark.parametrize(("policy", "expected"), [(RemovalPolicy.RETAIN, "RETAIN"), (RemovalPolicy.DESTROY, "DESTROY")])
def test_model_removal_policy_is_passed_to_the_handler(policy: RemovalPolicy, expected: str) -> None:
    stack = new_stack()
    simple_job(stack, model_removal_policy=policy)
    props = next(iter(jobs(stack).values()))["Properties"]
    assert props["ModelRemovalPolicy"] == expected
    assert props["NamesGenerated"] == "true"


def test_attributes() -> None:
    stack = new_stack()
    job = simple_job(stack)
    logical_id = stack.get_logical_id(job.resource.node.default_child)  # type: ignore[arg-type]
    assert stack.resolve(job.job_arn) == {"Ref": logical_id}
    # generated names are completed by the handler (a suffix per deployment): known only once deployed
    assert stack.resolve(job.job_name) == {"Fn::GetAtt": [logical_id, "JobName"]}
    assert stack.resolve(job.custom_model_name) == {"Fn::GetAtt": [logical_id, "CustomModelName"]}
    assert "Arn" in str(stack.resolve(job.role.role_arn))


def test_user_fixed_names_are_literal_attributes() -> None:
    stack = new_stack()
    job = simple_job(stack, job_name="my-job.v1", custom_model_name="my_model-1")
    assert job.job_name == "my-job.v1" and job.custom_model_name == "my_model-1"


def test_generated_bases_leave_room_for_the_handlers_suffix() -> None:
    stack = new_stack()
    simple_job(stack, "A" * 80)
    request = only_request(stack)
    base = request["jobName"]
    assert len(base) <= 53 and base == request["customModelName"]
    deployed = f"{base}-1a2b3c4d"  # what the handler sends: 63 characters at most
    assert len(deployed) <= 63
    assert re.fullmatch(JOB_NAME_PATTERN, deployed) and re.fullmatch(MODEL_NAME_PATTERN, deployed)


def test_hyperparameter_advisories_are_warnings_not_errors() -> None:
    stack = new_stack()
    simple_job(stack, hyper_parameters={"epochCount": 9, "batchSize": 8})
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    texts = [str(w.entry.data) for w in warnings]
    assert any("epochCount" in t and "1-5" in t for t in texts), texts
    assert any("batchSize" in t and "not a documented hyperparameter" in t for t in texts), texts


def test_documented_hyperparameters_give_no_warnings() -> None:
    stack = new_stack()
    simple_job(stack, hyper_parameters={"epochCount": 2, "learningRate": 0.00001})
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


# ---- an output location is a folder -------------------------------------------------------------------


def last_text(value: Any) -> str:
    """The literal end of a rendered string: the string itself, or the last piece of its Fn::Join."""
    if isinstance(value, str):
        return value
    pieces = value["Fn::Join"][1]
    assert isinstance(pieces[-1], str), value
    return str(pieces[-1])


def role_statements(stack: Stack) -> list[dict[str, Any]]:
    """The statements of the job's service role, from the synthesized template."""
    roles = Template.from_stack(stack).find_resources(
        "AWS::IAM::Role", {"Properties": {"Path": Match.any_value(), "Policies": Match.any_value()}}
    )
    (role,) = roles.values()
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


OUTPUTS = [
    pytest.param(lambda s: OutputData.from_bucket(s3.Bucket(s, "Out"), "out"), "/out/", id="from_bucket"),
    pytest.param(lambda s: OutputData.from_bucket(s3.Bucket(s, "Out"), "a/out"), "/a/out/", id="from_bucket-nested"),
    pytest.param(lambda s: OutputData.from_s3_uri("s3://my-output/out"), ":s3:::my-output/out/", id="from_s3_uri"),
    pytest.param(lambda s: OutputData.from_s3_uri("s3://my-output"), ":s3:::my-output/", id="bucket-root-uri"),
    pytest.param(lambda s: OutputData.from_bucket(s3.Bucket(s, "Out")), "/", id="bucket-root"),
    pytest.param(
        lambda s: OutputData(S3Location(bucket_name="my-output", key="out")), ":s3:::my-output/out/", id="constructor"
    ),
]


@pytest.mark.parametrize(("make", "prefix"), OUTPUTS)
def test_an_output_location_is_a_folder_in_the_grant_and_the_request(make: Any, prefix: str) -> None:
    stack = new_stack()
    simple_job(stack, output_data=make(stack))
    found = role_statements(stack)
    (write,) = [s for s in found if "s3:PutObject" in actions_of(s)]
    assert last_text(write["Resource"]).endswith(f"{prefix}*")
    uri = last_text(only_request(stack)["outputDataConfig"]["s3Uri"])
    assert uri.endswith(prefix.rsplit(":::", 1)[-1]) and uri.endswith("/")
    listed = [s for s in found if actions_of(s) == ["s3:ListBucket"] and "Condition" in s]
    key = prefix.rsplit(":::", 1)[-1].split("/", 1)[-1]
    if key:
        assert [f"{key}*"] in [s["Condition"]["StringLike"]["s3:prefix"] for s in listed]


def test_an_invocation_log_source_is_a_folder_in_the_grant_and_the_request() -> None:
    stack = new_stack()
    ModelCustomizationJob(
        stack,
        "Job",
        base_model="amazon.nova-lite-v1:0:300k",
        customization_type=CustomizationType.DISTILLATION,
        training_data=TrainingData.from_invocation_logs(s3.Bucket(stack, "Logs"), "AWSLogs"),
        distillation=DistillationConfig(teacher_model="amazon.nova-pro-v1:0"),
    )
    (read,) = [s for s in role_statements(stack) if actions_of(s) == ["s3:GetObject"]]
    assert last_text(read["Resource"]).endswith("/AWSLogs/*")
    source = only_request(stack)["trainingDataConfig"]["invocationLogsConfig"]["invocationLogSource"]["s3Uri"]
    assert last_text(source).endswith("/AWSLogs/")


def test_a_training_file_is_an_object_and_a_training_prefix_a_folder() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")
    simple_job(
        stack,
        training_data=TrainingData.from_bucket(bucket, "train/data.jsonl"),
        validation_data=[ValidationData.from_bucket(bucket, "val/")],
    )
    reads = [last_text(s["Resource"]) for s in role_statements(stack) if actions_of(s) == ["s3:GetObject"]]
    assert sorted(reads) == ["/train/data.jsonl", "/val/*"]
    request = only_request(stack)
    assert last_text(request["trainingDataConfig"]["s3Uri"]) == "/train/data.jsonl"
    assert last_text(request["validationDataConfig"]["validators"][0]["s3Uri"]) == "/val/"


def test_a_deploy_time_output_prefix_is_a_folder_too() -> None:
    from aws_cdk import CfnParameter

    stack = new_stack()
    prefix = CfnParameter(stack, "Prefix").value_as_string
    simple_job(stack, output_data=OutputData.from_bucket(s3.Bucket(stack, "Out"), prefix))
    (write,) = [s for s in role_statements(stack) if "s3:PutObject" in actions_of(s)]
    assert write["Resource"]["Fn::Join"][1][-2:] == [{"Ref": "Prefix"}, "/*"]
    uri = only_request(stack)["outputDataConfig"]["s3Uri"]["Fn::Join"][1]
    assert uri[-2:] == [{"Ref": "Prefix"}, "/"]

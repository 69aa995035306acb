"""Where the evaluation gate's candidate answers, decided at synth (issue 21): ``candidate_host=`` on
``QualityGate.evaluation`` (``CandidateHost.AUTO`` by default) and the on-demand catalogue (rules/catalogue/serving.py)
render ``CandidateHost`` in the gate property; a temporary no-commitment provisioned throughput is warned about with
its hourly cost; choices that cannot work are synth errors naming the prop, the value and the rule; the runtime's
IAM lets it create and delete only throughputs that carry this stack's owner tag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack, Token
from aws_cdk.assertions import Template

from constructs_lib import (
    Builtin,
    CandidateHost,
    CustomModelDeployment,
    EvaluationDataset,
    ProvisionedThroughput,
    QualityGate,
)
from lambda_src.model_evaluation.gate import parse_evaluation

from .helpers import MODEL_ARN, THROUGHPUT_TYPE, TITAN_MODEL_ARN, serving_stack

JUDGE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Serving/1"
OWNER = "bedrock-customization:stack-id"
PT_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html"
PRICING = "https://aws.amazon.com/bedrock/pricing/"
WARNING_ID = "bedrock-customization:evaluation-candidate-host"


def gate(tmp_path: Path, **overrides: Any) -> Any:
    path = tmp_path / "prompts.jsonl"
    path.write_text(json.dumps({"prompt": "How do I reset my password?", "referenceResponse": "Settings."}) + "\n")
    return QualityGate.evaluation(
        dataset=EvaluationDataset.from_asset(str(path)), judge=JUDGE, metrics=[Builtin.CORRECTNESS], **overrides
    )


def throughput(stack: Stack, tmp_path: Path, model_arn: str = TITAN_MODEL_ARN, **overrides: Any) -> Any:
    return ProvisionedThroughput(stack, "Pt", model_arn=model_arn, model_units=1, gate=gate(tmp_path, **overrides))


def host_of(stack: Stack, resource_type: str = THROUGHPUT_TYPE) -> Any:
    [resource] = Template.from_stack(stack).find_resources(resource_type).values()
    return resource["Properties"]["EvaluationGate"].get("CandidateHost")


def host_warnings(stack: Stack) -> list[str]:
    from aws_cdk.assertions import Annotations, Match

    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*"))
    return [str(m.entry.data) for m in found if WARNING_ID in str(m.entry.data)]


def test_a_model_bedrock_does_not_serve_on_demand_is_hosted_in_a_no_commitment_throughput_with_a_cost_warning(
    tmp_path: Path,
) -> None:
    stack = serving_stack()
    throughput(stack, tmp_path)  # Titan Text Express: Provisioned Throughput only

    assert host_of(stack) == "ProvisionedThroughput"
    [warning] = host_warnings(stack)
    assert "no-commitment" in warning and "1 model unit" in warning and "per hour" in warning
    [resource] = Template.from_stack(stack).find_resources(THROUGHPUT_TYPE).values()
    rendered = {**resource["Properties"]["EvaluationGate"], "DatasetS3Uri": "s3://a/p.jsonl"}
    rendered.update({"OutputS3Uri": "s3://b/", "RoleArn": "arn:aws:iam::1:role/r"})
    assert parse_evaluation(rendered).candidate_host == "ProvisionedThroughput"  # type: ignore[union-attr]
    assert PT_PAGE in warning and PRICING in warning and "not on demand" in warning


def test_a_model_served_on_demand_in_this_region_is_hosted_on_demand_without_a_cost_warning(tmp_path: Path) -> None:
    stack = serving_stack()
    throughput(stack, tmp_path, model_arn=MODEL_ARN)  # Nova Micro in us-east-1

    assert host_of(stack) == "OnDemand" and host_warnings(stack) == []


def test_a_region_without_on_demand_serving_hosts_the_candidate_in_a_throughput(tmp_path: Path) -> None:
    stack = serving_stack(region="eu-west-1")
    throughput(stack, tmp_path, model_arn=MODEL_ARN.replace("us-east-1", "eu-west-1"))

    assert host_of(stack) == "ProvisionedThroughput" and "eu-west-1" in host_warnings(stack)[0]


def test_a_base_model_unknown_at_synth_is_decided_at_deploy_with_a_warning(tmp_path: Path) -> None:
    stack = serving_stack()
    throughput(stack, tmp_path, model_arn=Token.as_string({"Ref": "Model"}))

    assert host_of(stack) == "Auto"
    [warning] = host_warnings(stack)
    assert "on demand first" in warning and "no-commitment" in warning and PRICING in warning


def test_an_explicit_throughput_host_is_rendered_and_warned_about(tmp_path: Path) -> None:
    stack = serving_stack()
    throughput(stack, tmp_path, model_arn=MODEL_ARN, candidate_host=CandidateHost.PROVISIONED_THROUGHPUT)

    assert host_of(stack) == "ProvisionedThroughput" and len(host_warnings(stack)) == 1


def test_an_explicit_on_demand_host_for_a_model_bedrock_does_not_serve_on_demand_is_a_synth_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match=r"Invalid candidate_host CandidateHost.ON_DEMAND.*Titan.*deploy-custom-model"):
        throughput(serving_stack(), tmp_path, candidate_host=CandidateHost.ON_DEMAND)


def test_a_throughput_host_for_an_on_demand_deployment_is_a_synth_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Invalid candidate_host CandidateHost.PROVISIONED_THROUGHPUT.*on demand"):
        CustomModelDeployment(
            serving_stack(),
            "Serve",
            model_arn=MODEL_ARN,
            gate=gate(tmp_path, candidate_host=CandidateHost.PROVISIONED_THROUGHPUT),
        )


def test_a_candidate_host_that_is_not_a_candidate_host_is_a_synth_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Invalid candidate_host 'Auto'.*CandidateHost"):
        gate(tmp_path, candidate_host="Auto")


def test_an_on_demand_deployment_hosts_its_candidate_on_demand_and_the_handler_reads_it(tmp_path: Path) -> None:
    stack = serving_stack()
    CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN, gate=gate(tmp_path))

    prop = Template.from_stack(stack).find_resources("Custom::BedrockCustomModelDeployment")
    [resource] = prop.values()
    rendered = dict(resource["Properties"]["EvaluationGate"])
    assert rendered["CandidateHost"] == "OnDemand" and host_warnings(stack) == []
    rendered.update({"DatasetS3Uri": "s3://a/p.jsonl", "OutputS3Uri": "s3://b/", "RoleArn": "arn:aws:iam::1:role/r"})
    assert parse_evaluation(rendered).candidate_host == "OnDemand"  # type: ignore[union-attr]


def test_the_runtime_may_create_and_delete_only_throughputs_carrying_the_owner_tag(tmp_path: Path) -> None:
    from iam_eval import Request, allowed, resolve, tag_context

    stack = serving_stack()
    throughput(stack, tmp_path)
    template = Template.from_stack(stack).to_json()
    statements: list[dict[str, Any]] = []
    for logical_id, resource in template["Resources"].items():
        if (
            logical_id.startswith("BedrockModelCustomizationProviderHandlerRole")
            and resource["Type"] == "AWS::IAM::Policy"
        ):
            statements.extend(resource["Properties"]["PolicyDocument"]["Statement"])
    runtime = [resolve(s, STACK_ID) for s in statements]
    temporary = "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcdef123456"
    candidate = TITAN_MODEL_ARN.replace("123456789012", "111122223333")
    tagged = tag_context(request_tags={OWNER: STACK_ID}, tag_keys=[OWNER])
    foreign_tagged = tag_context(request_tags={OWNER: "arn:aws:cloudformation:us-east-1:111122223333:stack/X/1"})
    own = tag_context(resource_tags={OWNER: STACK_ID})
    foreign = tag_context(resource_tags={OWNER: "arn:aws:cloudformation:us-east-1:111122223333:stack/X/1"})
    create = "bedrock:CreateProvisionedModelThroughput"
    assert allowed(runtime, [Request(create, temporary, tagged), Request(create, candidate, tagged)])
    assert not allowed(runtime, [Request(create, temporary, tag_context())])
    assert not allowed(runtime, [Request(create, temporary, foreign_tagged)])
    delete = "bedrock:DeleteProvisionedModelThroughput"
    assert allowed(runtime, [Request(delete, temporary, own)])
    assert not allowed(runtime, [Request(delete, temporary, foreign)])
    assert not allowed(runtime, [Request(delete, temporary, tag_context())])
    assert allowed(runtime, [Request("bedrock:InvokeModel", temporary, own)])
    assert not allowed(runtime, [Request("bedrock:InvokeModel", temporary, foreign)])

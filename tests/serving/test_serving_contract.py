"""The serving constructs and the serving runtime agree: what a template carries is what the handler reads.

Each synthesized serving resource's Properties are turned into what CloudFormation hands a custom resource
(every scalar a string, intrinsic functions replaced by deployed values) and parsed with the runtime's own
parser; the coerced request must be a valid Create request for botocore's service model.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_cdk import Stack, Tags
from botocore.validate import ParamValidator
from constructs_lib._runtime import contract as runtime_contract
from constructs_lib._runtime.model_serving.kinds import DEPLOYMENT, KINDS, THROUGHPUT
from constructs_lib._runtime.model_serving.operations import coerce_request
from constructs_lib._runtime.model_serving.properties import parse_event
from support.events import cfn_event

from constructs_lib import Commitment, CommittedRemoval, QualityGate, contract

from .helpers import DEPLOYMENT_TYPE, THROUGHPUT_TYPE, job_with_validation, only, serving_stack

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/Serving/1"
DEPLOYED_MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdef123456"
DEPLOYED_JOB = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc123def456"


def deployed(value: Any) -> Any:
    """A resolved template value as CloudFormation sends it: intrinsics replaced by deployed strings, every scalar
    a string."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return DEPLOYED_MODEL if value["Fn::GetAtt"][1] == contract.ATTR_CUSTOM_MODEL_ARN else "deployed"
        if "Ref" in value:
            return DEPLOYED_JOB if value["Ref"].startswith("Job") else "deployed"
        return {k: deployed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deployed(v) for v in value]
    return value if isinstance(value, str) else json.dumps(value)


def event_for(stack: Stack, resource_type: str) -> dict[str, Any]:
    logical_id, resource = only(stack, resource_type)
    properties = deployed(resource["Properties"])
    return cfn_event("Create", resource_type, properties, stack_id=STACK_ID, logical_id=logical_id, request_id="r-1")


@pytest.fixture(scope="module")
def stack() -> Stack:
    stack = serving_stack()
    job = job_with_validation(stack)
    job.deploy_on_demand(
        "Serve",
        gate=QualityGate(max_validation_loss=1.25, max_training_loss=2),
        description="Support bot",
        tags={"use-case": "support"},
    )
    job.provision_throughput(
        "Pt",
        model_units=2,
        commitment=Commitment.six_months(acknowledge_non_cancellable_charge=True),
        committed_removal=CommittedRemoval.RETAIN,
        provisioned_model_name="support-pt",
        gate=QualityGate(max_training_loss=0.5),
    )
    Tags.of(stack).add("team", "ml")
    return stack


def test_the_construct_reads_the_runtimes_contract() -> None:
    for name in (
        "DEPLOYMENT_RESOURCE_TYPE",
        "THROUGHPUT_RESOURCE_TYPE",
        "SERVING_ON_EVENT",
        "SERVING_IS_COMPLETE",
        "PROP_QUALITY_GATE",
        "PROP_JOB_ARN",
        "PROP_COMMITTED_REMOVAL",
        "SERVING_TOKEN_TAG_KEY",
    ):
        assert getattr(contract, name) == getattr(runtime_contract, name), name
    assert set(KINDS) == {DEPLOYMENT_TYPE, THROUGHPUT_TYPE}


def test_the_runtime_parses_a_deployments_properties(stack: Stack) -> None:
    parsed = parse_event(event_for(stack, DEPLOYMENT_TYPE))
    assert parsed.kind is DEPLOYMENT
    assert parsed.names_generated is True
    assert parsed.job_arn == DEPLOYED_JOB
    assert parsed.gate is not None
    assert (parsed.gate.max_training_loss, parsed.gate.max_validation_loss) == (2.0, 1.25)
    assert parsed.request["modelArn"] == DEPLOYED_MODEL and parsed.request["description"] == "Support bot"
    assert parsed.request["tags"] == [{"key": "team", "value": "ml"}, {"key": "use-case", "value": "support"}]


def test_the_runtime_parses_a_throughputs_properties(stack: Stack) -> None:
    parsed = parse_event(event_for(stack, THROUGHPUT_TYPE))
    assert parsed.kind is THROUGHPUT
    assert parsed.names_generated is False
    assert parsed.committed_removal == contract.COMMITTED_RETAIN
    assert parsed.gate is not None and parsed.gate.max_training_loss == 0.5 and parsed.gate.max_validation_loss is None
    assert parsed.request["modelUnits"] == "2" and parsed.request["commitmentDuration"] == "SixMonths"


@pytest.mark.parametrize("resource_type", [DEPLOYMENT_TYPE, THROUGHPUT_TYPE])
def test_the_coerced_request_is_a_valid_create_request(stack: Stack, resource_type: str) -> None:
    parsed = parse_event(event_for(stack, resource_type))
    client = boto3.client("bedrock", region_name="us-east-1")
    request = coerce_request(client, parsed.kind, parsed.request)
    shape = client.meta.service_model.operation_model(parsed.kind.create_operation).input_shape
    report = ParamValidator().validate({**request, "clientRequestToken": "t-1"}, shape)
    assert not report.has_errors(), report.generate_report()
    if parsed.kind is THROUGHPUT:
        assert request["modelUnits"] == 2


def test_what_replaces_a_resource_is_what_changes_its_generated_name() -> None:
    """The runtime replaces a resource when one of its kind's replacement fields changes, and keeps it (a swap)
    when only the model changes; the construct's generated name base changes exactly with those fields."""
    from constructs_lib.cdk.serving import CustomModelDeployment, ProvisionedThroughput

    stack = serving_stack()
    job = job_with_validation(stack)
    served = job.deploy_on_demand("Serve", description="d")
    throughput = job.provision_throughput("Pt", model_units=1)
    assert isinstance(served, CustomModelDeployment) and isinstance(throughput, ProvisionedThroughput)
    assert set(served._identity) == set(DEPLOYMENT.replacement_fields)
    assert set(throughput._identity) == set(THROUGHPUT.replacement_fields)
    assert DEPLOYMENT.model_field not in served._identity and THROUGHPUT.model_field not in throughput._identity


def test_the_attributes_the_constructs_read_are_the_ones_the_handler_returns(stack: Stack) -> None:
    from constructs_lib.cdk.serving import CustomModelDeployment, ProvisionedThroughput

    job = stack.node.find_child("Job")
    served = job.node.find_child("Serve")
    throughput = job.node.find_child("Pt")
    assert isinstance(served, CustomModelDeployment) and isinstance(throughput, ProvisionedThroughput)
    read_deployment = {stack.resolve(x)["Fn::GetAtt"][1] for x in (served.deployment_name, served.served_model_arn)}
    assert read_deployment <= {DEPLOYMENT.attr_arn, DEPLOYMENT.attr_name, contract.ATTR_MODEL_ARN}
    assert stack.resolve(throughput.served_model_arn)["Fn::GetAtt"][1] == contract.ATTR_MODEL_ARN
    assert {THROUGHPUT.attr_arn, THROUGHPUT.attr_name} == {
        contract.ATTR_PROVISIONED_MODEL_ARN,
        contract.ATTR_PROVISIONED_MODEL_NAME,
    }

"""The candidate host's requests (model_evaluation/host.py) against botocore's service model: Stubber on the bundled
model and, in a child process, on botocore 1.35.99 (the Lambda runtime's); names and tokens against the model's own
patterns (botocore does not check patterns client-side). And the ``CandidateHost`` key read fail-closed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from serving_support import STACK_ID
from support import requires_old_botocore, run_old_botocore

from lambda_src.contract import OWNER_TAG_KEY, SERVING_TOKEN_TAG_KEY
from lambda_src.customization_job.errors import HandlerError
from lambda_src.model_evaluation import gate as core
from lambda_src.model_evaluation import host, runner
from lambda_src.model_serving.kinds import DEPLOYMENT, THROUGHPUT

CANDIDATE = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/bbbbbbbbbbbb"
PT_ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/p7p7p7p7p7p7"
INCUMBENT = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/p1p1p1p1p1p1"
TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
PROPERTY = {
    "DatasetS3Uri": "s3://gate/eval/prompts.jsonl",
    "OutputS3Uri": "s3://gate/reports/",
    "RoleArn": "arn:aws:iam::123456789012:role/EvaluationRole",
    "JudgeModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "Metrics": ["Builtin.Correctness"],
}


def context(host_value: str = "ProvisionedThroughput", base: str = "Serve-SupportBotPT-3f9a2c") -> runner.Context:
    gate = core.parse_evaluation({**PROPERTY, "CandidateHost": host_value})
    assert gate is not None
    return runner.Context(
        gate=gate,
        candidate_model=CANDIDATE,
        incumbent_id=INCUMBENT,
        swap=True,
        swap_from=None,
        noun="provisioned model throughput",
        job_name=core.evaluation_job_name(base, "70b597b7"),
        token=TOKEN,
        owner=STACK_ID,
    )


def test_candidate_host_is_read_fail_closed() -> None:
    assert core.parse_evaluation(PROPERTY).candidate_host == "OnDemand"  # type: ignore[union-attr]
    for value in ("OnDemand", "ProvisionedThroughput", "Auto"):
        assert core.parse_evaluation({**PROPERTY, "CandidateHost": value}).candidate_host == value  # type: ignore[union-attr]
    for bad in ("provisioned", "", ["Auto"], "ONDEMAND"):
        with pytest.raises(HandlerError, match="CandidateHost must be one of OnDemand, ProvisionedThroughput, Auto"):
            core.parse_evaluation({**PROPERTY, "CandidateHost": bad})


def test_the_temporary_throughput_request_is_no_commitment_one_unit_owner_tagged(bedrock: Any) -> None:
    request = host.create_request(context(), THROUGHPUT)
    assert request["modelUnits"] == 1 and "commitmentDuration" not in request
    assert {t["key"]: t["value"] for t in request["tags"]} == {OWNER_TAG_KEY: STACK_ID, SERVING_TOKEN_TAG_KEY: TOKEN}
    described = {
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "provisionedModelName": request["provisionedModelName"],
        "provisionedModelArn": PT_ARN,
        "modelArn": CANDIDATE,
        "desiredModelArn": CANDIDATE,
        "foundationModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k",
        "status": "InService",
        "creationTime": "2026-12-08T01:00:00Z",
        "lastModifiedTime": "2026-12-08T01:00:00Z",
    }
    with Stubber(bedrock) as stub:
        stub.add_response("create_provisioned_model_throughput", {"provisionedModelArn": PT_ARN}, request)
        stub.add_response("get_provisioned_model_throughput", described, {"provisionedModelId": PT_ARN})
        stub.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": PT_ARN})
        assert bedrock.create_provisioned_model_throughput(**request)["provisionedModelArn"] == PT_ARN
        assert bedrock.get_provisioned_model_throughput(provisionedModelId=PT_ARN)["status"] == "InService"
        bedrock.delete_provisioned_model_throughput(provisionedModelId=PT_ARN)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("base", ["Serve-SupportBotPT-3f9a2c", "x", "__Weird..Name__", "A" * 200, "---"])
def test_the_temporary_hosts_names_and_token_match_botocores_patterns(bedrock: Any, base: str) -> None:
    model = bedrock.meta.service_model
    for kind, operation in (
        (THROUGHPUT, "CreateProvisionedModelThroughput"),
        (DEPLOYMENT, "CreateCustomModelDeployment"),
    ):
        request = host.create_request(context(base=base), kind)
        members = model.operation_model(operation).input_shape.members
        for field in (kind.name_field, "clientRequestToken", kind.model_field):
            shape = members[field]
            value = str(request[field])
            assert re.fullmatch(shape.metadata["pattern"], value), (operation, field, value)
            assert shape.metadata.get("min", 1) <= len(value) <= shape.metadata.get("max", 10**6), (field, value)
        for tag in request["tags"]:
            for part, shape_name in (("key", "TagKey"), ("value", "TagValue")):
                shape = model.shape_for(shape_name)
                assert re.fullmatch(shape.metadata["pattern"], tag[part]), (shape_name, tag[part])
        # cleanup looks a host up by this name: Get/Delete take it under their identifier patterns too
        getter = model.operation_model(f"Get{operation.removeprefix('Create')}").input_shape.members
        assert re.fullmatch(getter[kind.identifier_param].metadata["pattern"], request[kind.name_field])


OLD_CHILD = r"""
import json, os, sys
sys.path.insert(0, os.environ["ASSET_ROOT"])
os.environ.pop("AWS_DATA_PATH", None)
import botocore
from botocore.stub import Stubber
from _runtime.customization_job.client import new_bedrock_client
from _runtime.customization_job.service_model import use_bundled_service_model
from _runtime.model_evaluation import gate as core, host, runner
from _runtime.model_serving.kinds import DEPLOYMENT, THROUGHPUT
use_bundled_service_model()
case = json.load(sys.stdin)
gate = core.parse_evaluation(case["property"])
ctx = runner.Context(gate=gate, candidate_model=case["candidate"], incumbent_id=case["incumbent"], swap=True,
                     swap_from=None, noun="provisioned model throughput", job_name="serve-supportbotpt-eval-70b597b7",
                     token=case["token"], owner=case["owner"])
client = new_bedrock_client()
arn, dep = case["pt_arn"], "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/d1d1d1d1d1d1"
with Stubber(client) as stub:
    throughput = host.create_request(ctx, THROUGHPUT)
    stub.add_response("create_provisioned_model_throughput", {"provisionedModelArn": arn}, throughput)
    stub.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": arn})
    deployment = host.create_request(ctx, DEPLOYMENT)
    stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": dep}, deployment)
    stub.add_response("delete_custom_model_deployment", {}, {"customModelDeploymentIdentifier": dep})
    client.create_provisioned_model_throughput(**throughput)
    client.delete_provisioned_model_throughput(provisionedModelId=arn)
    client.create_custom_model_deployment(**deployment)
    client.delete_custom_model_deployment(customModelDeploymentIdentifier=dep)
    stub.assert_no_pending_responses()
print(json.dumps({"botocore": botocore.__version__, "units": throughput["modelUnits"],
                  "commitment": "commitmentDuration" in throughput}))
"""


@requires_old_botocore
def test_old_botocore_takes_the_candidate_hosts_requests(tmp_path: Path) -> None:
    case = {
        "property": {**PROPERTY, "CandidateHost": "Auto"},
        "candidate": CANDIDATE,
        "incumbent": INCUMBENT,
        "token": TOKEN,
        "owner": STACK_ID,
        "pt_arn": PT_ARN,
    }
    report = run_old_botocore(OLD_CHILD, case, tmp_path)
    assert report["botocore"].startswith("1.35.")
    assert report == {**report, "units": 1, "commitment": False}

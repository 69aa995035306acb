"""The serving handler on the Lambda runtime's older botocore: the bundled model must give it these APIs.

Runs in the normal suite but skips unless ``OLD_BOTOCORE_PYTHON`` names a python with botocore 1.35.x
(``python3 -m venv /tmp/oldboto && /tmp/oldboto/bin/pip install botocore==1.35.99 boto3==1.35.99``). The child
process imports the handler from the functions' staged asset as Lambda does, and runs Stubber-validated creates
and is_complete polls of a custom model deployment and a provisioned throughput.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serving_support import (
    DEPLOYMENT_ARN,
    DEPLOYMENT_TYPE,
    THROUGHPUT_ARN,
    THROUGHPUT_TYPE,
    deployment_description,
    deployment_request,
    make_event,
    sent,
    throughput_description,
    throughput_request,
)
from support import requires_old_botocore, run_old_botocore

pytestmark = requires_old_botocore

CHILD = r"""
import json, os, sys
cases = json.load(sys.stdin)
sys.path.insert(0, os.environ["ASSET_ROOT"])
os.environ.pop("AWS_DATA_PATH", None)

import boto3, botocore
from botocore.stub import Stubber
out = {"botocore": botocore.__version__, "control": {}, "results": {}}

plain = boto3.session.Session().client("bedrock")
for name, case in cases.items():
    out["control"][name] = hasattr(plain, case["create"])

from _runtime.model_serving import handler  # sets AWS_DATA_PATH, as at Lambda cold start
from _runtime.customization_job.client import new_bedrock_client

class Context:
    def get_remaining_time_in_millis(self):
        return 600000

for name, case in cases.items():
    client = new_bedrock_client()
    with Stubber(client) as stub:
        stub.add_response(case["create"], {case["arn_field"]: case["arn"]}, case["expected"])
        created = handler.handle(case["event"], Context(), client=client, sleep=lambda s: None)
        stub.add_response(case["get"], case["described"], {case["identifier"]: case["arn"]})
        done = handler.check({**case["event"], **created}, Context(), client=client, sleep=lambda s: None)
        stub.assert_no_pending_responses()
    out["results"][name] = {"created": created, "done": done}
print(json.dumps(out, default=str))
"""


def cases() -> dict[str, Any]:
    deployment, throughput = deployment_request(), throughput_request(modelUnits="2")
    described_throughput = throughput_description(modelUnits=2, desiredModelUnits=2)
    return {
        "deployment": {
            "create": "create_custom_model_deployment",
            "get": "get_custom_model_deployment",
            "identifier": "customModelDeploymentIdentifier",
            "arn_field": "customModelDeploymentArn",
            "arn": DEPLOYMENT_ARN,
            "event": make_event(DEPLOYMENT_TYPE, "Create", deployment),
            "expected": sent(deployment, "modelDeploymentName"),
            "described": {**deployment_description(), "createdAt": "2026-11-30T12:00:00Z"},
        },
        "throughput": {
            "create": "create_provisioned_model_throughput",
            "get": "get_provisioned_model_throughput",
            "identifier": "provisionedModelId",
            "arn_field": "provisionedModelArn",
            "arn": THROUGHPUT_ARN,
            "event": make_event(THROUGHPUT_TYPE, "Create", throughput),
            "expected": sent(throughput, "provisionedModelName"),
            "described": {
                **described_throughput,
                "creationTime": "2026-11-30T12:00:00Z",
                "lastModifiedTime": "2026-11-30T12:00:00Z",
            },
        },
    }


def test_old_botocore_serves_through_the_bundled_model(tmp_path: Path) -> None:
    report = run_old_botocore(CHILD, cases(), tmp_path)
    assert report["botocore"].startswith("1.35."), f"expected botocore 1.35.x, got {report['botocore']}"
    assert report["control"] == {"deployment": False, "throughput": True}
    deployment, throughput = report["results"]["deployment"], report["results"]["throughput"]
    assert deployment["created"]["PhysicalResourceId"] == DEPLOYMENT_ARN
    assert deployment["done"]["IsComplete"] is True
    assert deployment["done"]["Data"]["DeploymentArn"] == DEPLOYMENT_ARN
    assert throughput["created"]["PhysicalResourceId"] == THROUGHPUT_ARN
    assert throughput["done"]["Data"]["ProvisionedModelArn"] == THROUGHPUT_ARN

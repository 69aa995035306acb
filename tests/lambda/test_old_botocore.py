"""The handler on the Lambda runtime's older botocore: the bundled model must make it accept every field.

Runs in the normal suite but skips unless ``OLD_BOTOCORE_PYTHON`` names a python with botocore 1.35.x
(e.g. ``python3 -m venv /tmp/oldboto && /tmp/oldboto/bin/pip install botocore==1.35.99 boto3==1.35.99``).
The child process imports the handler from the functions' staged asset the way Lambda does
and performs Stubber-validated creates for RFT and DISTILLATION.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfn_support import JOB_ARN, JOB_NAME, MODEL_NAME, as_sent, base_request, make_event, token_for
from support import requires_old_botocore, run_old_botocore

pytestmark = requires_old_botocore

CHILD = r"""
import json, os, sys
cases = json.load(sys.stdin)
sys.path.insert(0, os.environ["ASSET_ROOT"])
os.environ.pop("AWS_DATA_PATH", None)

import boto3, botocore
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber
out = {"botocore": botocore.__version__, "control": {}, "results": {}}

# Control: without the bundle this botocore refuses the new fields client-side.
plain = boto3.session.Session().client("bedrock")
for name, case in cases.items():
    try:
        with Stubber(plain) as stub:
            stub.add_response("create_model_customization_job", {"jobArn": case["arn"]})
            plain.create_model_customization_job(**case["expected"])
        out["control"][name] = "accepted"
    except ParamValidationError as error:
        out["control"][name] = str(error)

from _runtime.customization_job import handler  # sets AWS_DATA_PATH, as at Lambda cold start
from _runtime.customization_job.client import new_bedrock_client

class Context:
    def get_remaining_time_in_millis(self):
        return 600000

for name, case in cases.items():
    client = new_bedrock_client()
    with Stubber(client) as stub:
        stub.add_response("create_model_customization_job", {"jobArn": case["arn"]}, case["expected"])
        result = handler.handle(case["event"], Context(), client=client, sleep=lambda s: None)
        stub.assert_no_pending_responses()
    out["results"][name] = result
print(json.dumps(out))
"""


def case(request: dict[str, Any], typed_config: dict[str, Any]) -> dict[str, Any]:
    event = make_event("Create", request)
    token = token_for(event)  # the request digest, from this botocore's coercion, must match the old one's
    expected = {**as_sent(request, event), "clientRequestToken": token, "customizationConfig": typed_config}
    return {"event": event, "expected": expected, "arn": JOB_ARN}


def cases() -> dict[str, Any]:
    grader = "arn:aws:lambda:us-east-1:123456789012:function:grader"
    teacher = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
    rft = {
        "graderConfig": {"lambdaGrader": {"lambdaArn": grader}},
        "hyperParameters": {
            "epochCount": "2",
            "batchSize": "32",
            "learningRate": "0.0001",
            "evalInterval": "5",
        },
    }
    rft_typed = {
        **rft,
        "hyperParameters": {"epochCount": 2, "batchSize": 32, "learningRate": 0.0001, "evalInterval": 5},
    }
    distill = {"teacherModelConfig": {"teacherModelIdentifier": teacher, "maxResponseLengthForInference": "1000"}}
    distill_typed = {"teacherModelConfig": {"teacherModelIdentifier": teacher, "maxResponseLengthForInference": 1000}}
    return {
        "REINFORCEMENT_FINE_TUNING": case(
            base_request(
                customizationType="REINFORCEMENT_FINE_TUNING",
                hyperParameters={},
                customizationConfig={"rftConfig": rft},
            ),
            {"rftConfig": rft_typed},
        ),
        "DISTILLATION": case(
            base_request(
                customizationType="DISTILLATION",
                hyperParameters={},
                customizationConfig={"distillationConfig": distill},
            ),
            {"distillationConfig": distill_typed},
        ),
    }


def test_old_botocore_accepts_every_field_through_the_bundled_model(tmp_path: Path) -> None:
    report = run_old_botocore(CHILD, cases(), tmp_path)
    assert report["botocore"].startswith("1.35."), f"expected botocore 1.35.x, got {report['botocore']}"
    assert "Unknown parameter in customizationConfig" in report["control"]["REINFORCEMENT_FINE_TUNING"]
    for name in ("REINFORCEMENT_FINE_TUNING", "DISTILLATION"):
        assert report["results"][name] == {
            "PhysicalResourceId": JOB_ARN,
            "Data": {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME},
        }

"""The watcher as Lambda runs it: its handler string imported from the staged asset's root, on the runtime's
older botocore (1.35.x), with every AWS call validated by that botocore's Stubber.

Skips unless ``OLD_BOTOCORE_PYTHON`` names such a python (``make test`` sets it up).
"""

from __future__ import annotations

import json
import os
import subprocess

from support import OLD_PYTHON, requires_old_botocore

from constructs_lib import contract
from constructs_lib.cdk.provider import runtime_asset_dir

from .conftest import PresignedServer
from .stubs import result_request

pytestmark = requires_old_botocore
JOB_ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc"

CHILD = r"""
import datetime, json, os, sys
sys.path.insert(0, os.environ["ASSET_ROOT"])
import importlib
import boto3, botocore
from botocore.stub import Stubber

module_name, _, function_name = os.environ["WATCHER_HANDLER"].rpartition(".")
entry = getattr(importlib.import_module(module_name), function_name)
from _runtime.job_watcher import handler
from _runtime.job_watcher.presigned import refusal, send_json
from _runtime.job_watcher.sweep import Clients

urls = json.load(sys.stdin)

def put(url, body):  # the watcher's URL policy must allow it; the PUT then goes to the local server
    assert refusal(url) is None, "refused"
    send_json(urls["base"] + "/" + url.split("://", 1)[1].partition("/")[2], body)

stack = urls["result"]["StackId"]
now = datetime.datetime(2025, 5, 1, tzinfo=datetime.timezone.utc)
job = {
    "jobArn": urls["result"]["ResourceProperties"]["JobIdentifier"],
    "jobName": "SupportBot-0123456789ab-1a2b3c4d", "outputModelName": "m",
    "roleArn": "arn:aws:iam::123456789012:role/r",
    "status": "Completed", "creationTime": now, "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/x",
    "outputModelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/m",
    "trainingDataConfig": {"s3Uri": "s3://d/t.jsonl"}, "validationDataConfig": {"validators": []},
    "outputDataConfig": {"s3Uri": "s3://o/"}, "trainingMetrics": {"trainingLoss": 0.5},
}
tags = {"tags": [{"key": "bedrock-customization:stack-id", "value": stack}]}
session = boto3.session.Session(region_name="us-east-1")
clients = Clients(session.client("bedrock"), session.client("cloudformation"), session.client("events"))

def listed(logical_id, type_name, status, physical):
    return {"LogicalResourceId": logical_id, "PhysicalResourceId": physical, "ResourceType": type_name,
            "LastUpdatedTimestamp": now, "ResourceStatus": status}

metadata = {"BedrockModelCustomization": {"nameFilter": {"prefix": "SupportBot-0123456789ab-"}, "wait": "Wait1",
                                         "job": "Job1"}}
handle = {"StackResourceDetail": {"LogicalResourceId": "Handle1", "PhysicalResourceId": urls["handle"],
          "ResourceType": "AWS::CloudFormation::WaitConditionHandle", "LastUpdatedTimestamp": now,
          "ResourceStatus": "CREATE_COMPLETE", "Metadata": json.dumps(metadata)}}
page = [listed("Handle1", "AWS::CloudFormation::WaitConditionHandle", "CREATE_COMPLETE", urls["handle"]),
        listed("Wait1", "AWS::CloudFormation::WaitCondition", "CREATE_IN_PROGRESS", "w"),
        listed("Job1", "Custom::BedrockModelCustomizationJob", "CREATE_COMPLETE", job["jobArn"]),
        listed("Poll1", "AWS::Events::Rule", "CREATE_COMPLETE", "poll-rule")]
env = {"SCHEDULE_RULE": "Poll1", "STACK_ID": stack}
with Stubber(clients.bedrock) as b, Stubber(clients.cloudformation) as c, Stubber(clients.events) as e:
    c.add_response("list_stack_resources", {"StackResourceSummaries": page, "NextToken": "2"}, {"StackName": stack})
    c.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": stack, "NextToken": "2"})
    c.add_response("describe_stack_resource", handle, {"StackName": stack, "LogicalResourceId": "Handle1"})
    b.add_response("get_model_customization_job", job, {"jobIdentifier": job["jobArn"]})
    b.add_response("list_tags_for_resource", tags, {"resourceARN": job["jobArn"]})
    e.add_response("disable_rule", {}, {"Name": "poll-rule"})
    b.add_response("list_tags_for_resource", tags, {"resourceARN": job["jobArn"]})
    b.add_response("get_model_customization_job", job, {"jobIdentifier": job["jobArn"]})
    sweep = handler.handle({"source": "aws.bedrock", "detail": {"jobName": job["jobName"]}},
                           clients=clients, env=env, put=put)
    result = handler.handle(urls["result"], clients=clients, env=env, put=put)
    for stub in (b, c, e):
        stub.assert_no_pending_responses()
print(json.dumps({"botocore": botocore.__version__, "entry": entry is handler.handler, "sweep": sweep,
                  "result": result}))
"""


def test_watcher_runs_on_the_lambda_runtimes_botocore(presigned: PresignedServer) -> None:
    env = {
        **os.environ,
        "ASSET_ROOT": str(runtime_asset_dir()),
        "WATCHER_HANDLER": contract.WATCHER_HANDLER,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "127.0.0.1",
    }
    env.pop("AWS_DATA_PATH", None)
    urls = {
        "handle": presigned.url("handle"),
        "base": presigned.base_url,
        "result": result_request(presigned.response_url("response"), JOB_ARN, logical_id="Result1"),
    }
    child = subprocess.run(
        [OLD_PYTHON, "-c", CHILD], input=json.dumps(urls), capture_output=True, text=True, env=env, check=False
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["botocore"].startswith("1.35.")
    assert report["entry"] is True
    assert report["sweep"]["signalled"] == ["SupportBot-0123456789ab-*"] and report["sweep"]["scheduleDisabled"] is True
    assert report["result"] == {"trigger": "cloudformation", "status": "SUCCESS"}
    assert [(p.path.split("?")[0], p.body["Status"]) for p in presigned.puts] == [
        ("/handle", "SUCCESS"),
        ("/response", "SUCCESS"),
    ]
    assert presigned.puts[1].body["Data"]["CustomModelArn"] == "arn:aws:bedrock:us-east-1:123456789012:custom-model/m"

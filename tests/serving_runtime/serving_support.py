"""Events, requests and responses for the serving handler tests, built the way CloudFormation delivers them.

Every scalar inside ResourceProperties is a string (``"modelUnits": "1"``). Generated names are bases the
handler suffixes per request (``DEPLOYMENT_NAME`` for the default ``REQUEST_ID``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from support import FakeLambdaTime, fake_aws_env  # noqa: F401  (re-exported: the tests import them from here)
from support.events import cfn_event

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Serve/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
OTHER_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/OtherTeam/99999999-aaaa-bbbb-cccc-0123456789ab"
LOGICAL_ID = "SupportBotOnDemand1A2B3C"
REQUEST_ID = "11111111-2222-3333-4444-555555555555"
OWNER_TAG_KEY = "bedrock-customization:stack-id"
TOKEN_TAG_KEY = "bedrock-customization:request-token"
"""Written out (not imported from the handler), so that a renamed key shows as a failing test."""

DEPLOYMENT_TYPE = "Custom::BedrockCustomModelDeployment"
THROUGHPUT_TYPE = "Custom::BedrockProvisionedModelThroughput"
MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa"
NEW_MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb"
JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/j1j1j1j1j1j1"
NEW_JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/j2j2j2j2j2j2"
DEPLOYMENT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model-deployment/d1d1d1d1d1d1"
NEW_DEPLOYMENT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model-deployment/d2d2d2d2d2d2"
THROUGHPUT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/p1p1p1p1p1p1"
NEW_THROUGHPUT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/p2p2p2p2p2p2"
FOUNDATION_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k"
DEPLOYMENT_BASE = "Serve-SupportBotOnDemand-3f9a2c"
THROUGHPUT_BASE = "Serve-SupportBotPT-3f9a2c"
SUFFIX = "70b597b7"
"""The name suffix of (STACK_ID, LOGICAL_ID, REQUEST_ID), written out so that a changed derivation shows."""
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def deployment_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "modelDeploymentName": DEPLOYMENT_BASE,
        "modelArn": MODEL_ARN,
        "description": "Support bot, on demand",
        "tags": [{"key": "team", "value": "support"}],
    }
    request.update(overrides)
    return {k: v for k, v in request.items() if v is not None}


def throughput_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "provisionedModelName": THROUGHPUT_BASE,
        "modelId": MODEL_ARN,
        "modelUnits": "1",
        "tags": [{"key": "team", "value": "support"}],
    }
    request.update(overrides)
    return {k: v for k, v in request.items() if v is not None}


def make_event(
    resource_type: str,
    request_type: str,
    request: dict[str, Any],
    *,
    old_request: dict[str, Any] | None = None,
    physical_id: str | None = None,
    request_id: str = REQUEST_ID,
    names_generated: str = "true",
    gate: dict[str, str] | None = None,
    job_arn: str | None = JOB_ARN,
    committed_removal: str | None = None,
    old_props: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A custom-resource event as the Provider framework passes it on (``data``: on_event's, for is_complete)."""
    props: dict[str, Any] = {
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Serve-ProviderframeworkonEvent",
        "Request": request,
        "NamesGenerated": names_generated,
    }
    if gate is not None:
        props["QualityGate"] = gate
    if job_arn is not None:
        props["JobArn"] = job_arn
    if committed_removal is not None:
        props["CommittedRemoval"] = committed_removal
    return cfn_event(
        request_type,
        resource_type,
        props,
        stack_id=STACK_ID,
        logical_id=LOGICAL_ID,
        request_id=request_id,
        physical_id=physical_id,
        old_properties=None if old_request is None else {**props, "Request": old_request, **(old_props or {})},
        **({} if data is None else {"Data": data}),
    )


def after_on_event(event: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The event is_complete receives: the framework merges on_event's answer into the request."""
    return {**event, **result}


def deployment_description(status: str = "Active", *, arn: str = DEPLOYMENT_ARN, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "customModelDeploymentArn": arn,
        "modelDeploymentName": f"{DEPLOYMENT_BASE}-{SUFFIX}",
        "modelArn": MODEL_ARN,
        "createdAt": T0,
        "status": status,
        "description": "Support bot, on demand",
    }
    response.update(extra)
    return response


def throughput_description(status: str = "InService", *, arn: str = THROUGHPUT_ARN, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "provisionedModelName": f"{THROUGHPUT_BASE}-{SUFFIX}",
        "provisionedModelArn": arn,
        "modelArn": MODEL_ARN,
        "desiredModelArn": MODEL_ARN,
        "foundationModelArn": FOUNDATION_ARN,
        "status": status,
        "creationTime": T0,
        "lastModifiedTime": T0,
    }
    response.update(extra)
    return response


def job_description(
    *, training_loss: float | None = 0.4, validation_loss: float | None = 0.6, **extra: Any
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "jobArn": JOB_ARN,
        "jobName": "supportbot-job",
        "outputModelName": "supportbot-model",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "status": "Completed",
        "creationTime": T0,
        "baseModelArn": FOUNDATION_ARN,
        "trainingDataConfig": {"s3Uri": "s3://data/train.jsonl"},
        "validationDataConfig": {"validators": []},
        "outputDataConfig": {"s3Uri": "s3://out/"},
    }
    if training_loss is not None:
        response["trainingMetrics"] = {"trainingLoss": training_loss}
    if validation_loss is not None:
        response["validationMetrics"] = [{"validationLoss": validation_loss}]
    response.update(extra)
    return response


def tags(stack_id: str | None = STACK_ID, token: str | None = None, **extra: str) -> list[dict[str, str]]:
    """A ListTagsForResource answer: ``extra``, the owner tag of ``stack_id`` (None: none) and a token tag."""
    listed = [{"key": k, "value": v} for k, v in extra.items()]
    if stack_id is not None:
        listed.append({"key": OWNER_TAG_KEY, "value": stack_id})
    if token is not None:
        listed.append({"key": TOKEN_TAG_KEY, "value": token})
    return listed


def token(request: dict[str, Any], request_id: str = REQUEST_ID) -> str:
    """The token the handler derives: the request's identity and the digest of the coerced request (no tags)."""
    from lambda_src.customization_job.idempotency import client_request_token

    untagged = {k: (int(v) if k == "modelUnits" else v) for k, v in request.items() if k != "tags"}
    return client_request_token(STACK_ID, LOGICAL_ID, request_id, untagged)


def sent(
    request: dict[str, Any], name_field: str, *, request_id: str = REQUEST_ID, generated: bool = True
) -> dict[str, Any]:
    """The Create request as the handler sends it: suffixed name, token, user tags + token tag + owner tag."""
    from lambda_src.customization_job.idempotency import name_suffix

    out = {k: (int(v) if k == "modelUnits" else v) for k, v in request.items() if k != "tags"}
    if generated:
        out[name_field] = f"{request[name_field]}-{name_suffix(STACK_ID, LOGICAL_ID, request_id)}"
    tok = token(request, request_id)
    out["clientRequestToken"] = tok
    out["tags"] = [
        *request.get("tags", []),
        {"key": TOKEN_TAG_KEY, "value": tok},
        {"key": OWNER_TAG_KEY, "value": STACK_ID},
    ]
    return out


def fresh_s3(session: Any, moto_endpoint: str) -> Any:
    """An S3 client on ``moto_endpoint`` after resetting moto, so no test sees another's objects."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=5)
    return session.client("s3", endpoint_url=moto_endpoint)


def with_prompts(client: Any, bucket: str, count: int) -> Any:
    """``bucket`` created with ``count`` evaluation prompts at ``eval/prompts.jsonl`` (each with a reference answer)."""
    import json

    client.create_bucket(Bucket=bucket)
    prompts = [json.dumps({"prompt": f"question {i}", "referenceResponse": "right"}) for i in range(count)]
    client.put_object(Bucket=bucket, Key="eval/prompts.jsonl", Body="\n".join(prompts).encode())
    return client

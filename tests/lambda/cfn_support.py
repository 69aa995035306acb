"""Events, responses and a fake Lambda clock for the handler tests (imported by conftest and tests).

Events are built the way CloudFormation delivers them: every scalar inside ResourceProperties is a
string. Requests carry generated names' bases (``supportbot-job-3f9a2c``); the handler sends them with
the suffix of the event's request (``JOB_NAME`` / ``MODEL_NAME`` for the default ``REQUEST_ID``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from support import FakeLambdaTime, fake_aws_env  # noqa: F401  (re-exported: the tests import them from here)
from support.events import cfn_event

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Demo/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Demo-SupportBotServiceRole-ABC123"
BASE_MODEL_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k"
JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6"
NEW_JOB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/amazon.nova-micro-v1:0:128k/f6e5d4c3b2a1"
MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/z9y8x7w6v5u4"
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
LOGICAL_ID = "SupportBotJob8F2E1A"
REQUEST_ID = "11111111-2222-3333-4444-555555555555"
JOB_BASE = "supportbot-job-3f9a2c"
MODEL_BASE = "supportbot-model-3f9a2c"
SUFFIX = "3588f697"
"""The name suffix of (STACK_ID, LOGICAL_ID, REQUEST_ID), written out so that a changed derivation shows."""
JOB_NAME = f"{JOB_BASE}-{SUFFIX}"
MODEL_NAME = f"{MODEL_BASE}-{SUFFIX}"

# The `run` fixture: invoke the handler with the stubbed client and the fake Lambda clock.
Run = Callable[[dict[str, Any]], dict[str, Any]]


def base_request(**overrides: Any) -> dict[str, Any]:
    """A FINE_TUNING request as CloudFormation delivers it (all scalars strings)."""
    request: dict[str, Any] = {
        "jobName": JOB_BASE,
        "customModelName": MODEL_BASE,
        "roleArn": ROLE_ARN,
        "baseModelIdentifier": BASE_MODEL_ARN,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": "s3://demo-data-bucket/train/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://demo-output-bucket/output/"},
        "hyperParameters": {"epochCount": "2", "learningRate": "1e-05", "learningRateWarmupSteps": "10"},
    }
    request.update(overrides)
    return request


def make_event(
    request_type: str,
    request: dict[str, Any],
    *,
    old_request: dict[str, Any] | None = None,
    physical_id: str | None = None,
    request_id: str = REQUEST_ID,
    removal_policy: str | None = None,
    names_generated: str = "true",
    old_removal_policy: str | None = None,
) -> dict[str, Any]:
    """A job's CloudFormation custom-resource event as the Provider framework passes it on."""
    props: dict[str, Any] = {
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:Demo-ProviderframeworkonEvent",
        "Request": request,
        "NamesGenerated": names_generated,
    }
    if removal_policy is not None:
        props["ModelRemovalPolicy"] = removal_policy
    old_props: dict[str, Any] | None = None
    if old_request is not None:
        old_props = {k: v for k, v in props.items() if k != "ModelRemovalPolicy"} | {"Request": old_request}
        if old_removal_policy is not None:
            old_props["ModelRemovalPolicy"] = old_removal_policy
    return cfn_event(
        request_type,
        "Custom::BedrockModelCustomizationJob",
        props,
        stack_id=STACK_ID,
        logical_id=LOGICAL_ID,
        request_id=request_id,
        physical_id=physical_id,
        old_properties=old_props,
    )


def job_description(status: str, **extra: Any) -> dict[str, Any]:
    """A GetModelCustomizationJob response with the required members filled in."""
    response: dict[str, Any] = {
        "jobArn": JOB_ARN,
        "jobName": JOB_NAME,
        "outputModelName": MODEL_NAME,
        "roleArn": ROLE_ARN,
        "status": status,
        "creationTime": CREATED,
        "baseModelArn": BASE_MODEL_ARN,
        "trainingDataConfig": {"s3Uri": "s3://demo-data-bucket/train/train.jsonl"},
        "validationDataConfig": {"validators": []},
        "outputDataConfig": {"s3Uri": "s3://demo-output-bucket/output/"},
    }
    response.update(extra)
    return response


OWNER_TAG_KEY = "bedrock-customization:stack-id"
"""Written out (not imported from the handler), so that a renamed key shows as a failing test."""
OTHER_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/OtherTeam/99999999-aaaa-bbbb-cccc-0123456789ab"


def owner_tag(stack_id: str = STACK_ID) -> dict[str, str]:
    return {"key": OWNER_TAG_KEY, "value": stack_id}


def with_owner(request: dict[str, Any], stack_id: str = STACK_ID) -> dict[str, Any]:
    """The request with the owner tag the handler adds to the job and to its model, after the user's tags."""
    return {
        **request,
        "jobTags": [*request.get("jobTags", []), owner_tag(stack_id)],
        "customModelTags": [*request.get("customModelTags", []), owner_tag(stack_id)],
    }


def as_sent(request: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The request as the handler sends it for ``event``: names are the bases plus the request's suffix,
    and the job and model carry the owner tag of the event's stack."""
    from lambda_src.customization_job.idempotency import name_suffix, suffixed_name

    suffix = name_suffix(event["StackId"], event["LogicalResourceId"], event["RequestId"])
    return with_owner(
        {
            **request,
            "jobName": suffixed_name(request["jobName"], suffix),
            "customModelName": suffixed_name(request["customModelName"], suffix),
        },
        event["StackId"],
    )


def expect_tags(stubber: Any, resource_arn: str, stack_id: str | None = STACK_ID, **extra: str) -> None:
    """ListTagsForResource of ``resource_arn``: the owner tag of ``stack_id`` (None: no owner tag) and ``extra``."""
    tags = [{"key": k, "value": v} for k, v in extra.items()]
    if stack_id is not None:
        tags.append(owner_tag(stack_id))
    stubber.add_response("list_tags_for_resource", {"tags": tags}, {"resourceARN": resource_arn})


@functools.cache
def _create_input_shape() -> Any:
    """CreateModelCustomizationJob's input shape from the bundled service model, as the handler's client has it."""
    import botocore.session

    from lambda_src.customization_job.operations import CREATE_OPERATION
    from lambda_src.customization_job.service_model import use_bundled_service_model

    use_bundled_service_model()
    return botocore.session.Session().get_service_model("bedrock").operation_model(CREATE_OPERATION).input_shape


def coerced(request: dict[str, Any]) -> dict[str, Any]:
    """The request as the handler reads it: CloudFormation's strings turned into the API's types."""
    from lambda_src.customization_job.coercion import coerce

    typed: dict[str, Any] = coerce(request, _create_input_shape())
    return typed


def token_for(event: dict[str, Any], request: dict[str, Any] | None = None) -> str:
    """The clientRequestToken the handler derives for ``event`` (and the request it starts, by default the
    event's): the request's identity and the digest of what it asks for."""
    from lambda_src.customization_job.idempotency import client_request_token

    asked = request if request is not None else event["ResourceProperties"]["Request"]
    return client_request_token(event["StackId"], event["LogicalResourceId"], event["RequestId"], coerced(asked))


def model_description(made_by: str = JOB_ARN, name: str = MODEL_NAME, **extra: Any) -> dict[str, Any]:
    """A GetCustomModel response naming the job that made the model."""
    return {"modelArn": MODEL_ARN, "modelName": name, "creationTime": CREATED, "jobArn": made_by, **extra}

"""Failure texts and error sorting that the handler tests reach only indirectly."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from lambda_src.customization_job import errors


def client_error(code: str, message: str = "m", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (client_error("ThrottlingException"), "ThrottlingException"),
        # botocore's read timeout carries requests' ``response`` attribute, which is None.
        (ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com"), "ReadTimeoutError"),
        (EndpointConnectionError(endpoint_url="https://bedrock.us-east-1.amazonaws.com"), "EndpointConnectionError"),
        (ValueError("x"), "ValueError"),
    ],
)
def test_error_label_for_logs(error: Exception, label: str) -> None:
    assert errors.error_label(error) == label


@pytest.mark.parametrize(
    ("bedrock_says", "quota", "way_out"),
    [
        (
            "The maximum number of concurrent model customization jobs has been reached.",
            "concurrent model customization jobs",
            "--status-equals InProgress",
        ),
        ("You have reached the maximum number of custom models.", "quota of custom models", "delete-custom-model"),
        (
            "The number of records in the training data exceeds the quota for this model.",
            "per-job data quota",
            "training_data / validation_data",
        ),
    ],
)
def test_quota_message_names_the_quota_and_the_way_out(bedrock_says: str, quota: str, way_out: str) -> None:
    message = str(errors.quota_exceeded("job-1", bedrock_says))

    assert bedrock_says in message and quota in message and way_out in message
    assert "Service Quotas" in message and "--service-code bedrock" in message
    assert len(message) < errors.MAX_REASON


def test_a_create_refused_without_naming_a_field_lists_the_props_that_shape_it() -> None:
    message = str(errors.invalid_request("Starting job 'j'", "ValidationException", "Input invalid.", creating=True))

    assert "'Input invalid.'" in message
    for prop in ("base_model", "training_data", "output_data", "hyper_parameters", "role"):
        assert prop in message


@pytest.mark.parametrize(
    ("bedrock_says", "prop"),
    [
        ("Value at 'vpcConfig.subnetIds' failed to satisfy constraint", "vpc / vpc_subnets / security_groups"),
        ("Cannot access s3://bucket/train.jsonl", "training_data / validation_data / output_data"),
        ("Base model amazon.titan-x is not customizable", "base_model"),
        ("teacherModelIdentifier is not supported for distillation", "distillation"),
        ("rftConfig.graderConfig.lambdaGrader.lambdaArn is invalid", "rft"),
    ],
)
def test_bedrock_fields_map_to_construct_props(bedrock_says: str, prop: str) -> None:
    message = str(errors.invalid_request("Starting job 'j'", "ValidationException", bedrock_says, creating=True))

    assert bedrock_says in message and prop in message

"""Behaviour the mutation run (issue 15, docs/mutation.md) found unpinned in the custom-resource handler's logic.

CloudFormation hands the handler separately parsed JSON: the old and the new properties of an Update are
distinct string objects even where they are equal, and so are Bedrock's error codes and statuses that
botocore parses from a response. The values compared here are built the same way (``json.loads``), never
shared interned literals, so that a comparison by identity instead of equality would be noticed.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import ShapeResolver
from botocore.validate import ParamValidator
from cfn_support import JOB_ARN, LOGICAL_ID, REQUEST_ID, STACK_ID, base_request, coerced

from lambda_src.customization_job import errors
from lambda_src.customization_job.coercion import coerce
from lambda_src.customization_job.decisions import KeepJob, StartJob, UpdateTags, decide_update, tag_changes
from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.idempotency import client_request_token, name_suffix, suffix_in


def parsed(value: Any) -> Any:
    """``value`` as CloudFormation (or botocore) delivers it: freshly parsed JSON, no shared string objects."""
    return json.loads(json.dumps(value))


def wire_error(code: str, message: str = "m", status: int = 400) -> ClientError:
    """A ClientError whose code and message were parsed from a response body, as botocore's are."""
    body = parsed({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}})
    return ClientError(body, "CreateModelCustomizationJob")


# --- coercion: CloudFormation's strings back to the API's types --------------------------------------------


@pytest.fixture(scope="module")
def create_input() -> Any:
    model = botocore.session.get_session().get_service_model("bedrock")
    return model.operation_model("CreateModelCustomizationJob").input_shape


@pytest.fixture(scope="module")
def future_input() -> Any:
    """An input shape with members today's CreateModelCustomizationJob lacks: a list of structures with
    numbers, a list of integers, a map of integers and a map of booleans. The module promises that such a
    member, added to the API later, converts without code. Parsed from JSON, as botocore loads its models."""
    definitions = parsed(
        {
            "Request": {
                "type": "structure",
                "members": {
                    "stages": {"shape": "Stages"},
                    "counts": {"shape": "Counts"},
                    "limits": {"shape": "Limits"},
                    "switches": {"shape": "Switches"},
                    "label": {"shape": "Text"},
                    "when": {"shape": "Time"},
                    "count": {"shape": "Int"},
                    "payload": {"shape": "Bytes"},
                },
            },
            "Stages": {"type": "list", "member": {"shape": "Stage"}},
            "Stage": {
                "type": "structure",
                "members": {"epochs": {"shape": "Int"}, "rate": {"shape": "Float"}, "on": {"shape": "Bool"}},
            },
            "Counts": {"type": "list", "member": {"shape": "Int"}},
            "Limits": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Int"}},
            "Switches": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Bool"}},
            "Int": {"type": "integer"},
            "Float": {"type": "float"},
            "Bool": {"type": "boolean"},
            "Text": {"type": "string"},
            "Time": {"type": "timestamp"},
            "Bytes": {"type": "blob"},
        }
    )
    return ShapeResolver(definitions).get_shape_by_name("Request")


def test_a_string_hyperparameter_true_or_false_stays_a_string(create_input: Any) -> None:
    # hyperParameters is a map of strings: "true" is the value Bedrock documents, a JSON boolean would be refused
    request = parsed(base_request(hyperParameters={"earlyStopping": "true", "packing": "False"}))

    typed = coerce(request, create_input)

    assert typed["hyperParameters"] == {"earlyStopping": "true", "packing": "False"}
    report = ParamValidator().validate(typed, create_input)
    assert not report.has_errors(), report.generate_report()


def test_numbers_and_booleans_inside_lists_and_maps_of_a_future_api_member_convert(future_input: Any) -> None:
    request = parsed(
        {
            "stages": [{"epochs": "3", "rate": "1e-05", "on": "true"}, {"epochs": " 4 ", "on": "FALSE"}],
            "counts": ["1", "2"],
            "limits": {"maxTokens": "4096"},
            "switches": {"packing": "true"},
            "label": "false",
            "payload": "true",
        }
    )

    typed = coerce(request, future_input)

    assert typed == {
        "stages": [{"epochs": 3, "rate": 1e-05, "on": True}, {"epochs": 4, "on": False}],
        "counts": [1, 2],
        "limits": {"maxTokens": 4096},
        "switches": {"packing": True},
        "label": "false",
        "payload": "true",
    }
    assert [type(v) for v in typed["counts"]] == [int, int] and type(typed["stages"][0]["on"]) is bool


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("label", ["not", "a", "string"]),  # a list where a scalar belongs
        ("label", {"not": "a string"}),  # a mapping where a scalar belongs
        ("when", {"epochs": "3"}),  # a mapping where a timestamp belongs
        ("counts", {"0": "1"}),  # a mapping where a list belongs
        ("limits", ["1"]),  # a list where a map belongs
        ("stages", "3"),  # a string where a list belongs
        ("count", ["1"]),  # a list where an integer belongs
        ("count", {"value": "1"}),  # a mapping where an integer belongs
    ],
)
def test_a_value_of_the_wrong_shape_is_left_for_botocore_to_name_the_field(
    future_input: Any, member: str, value: Any
) -> None:
    request = parsed({member: value})

    assert coerce(request, future_input) == request
    report = ParamValidator().validate(coerce(request, future_input), future_input)
    assert report.has_errors() and member in report.generate_report()


def test_a_wrong_shape_in_the_real_request_gets_botocores_named_field_error(create_input: Any) -> None:
    request = parsed(base_request(jobName=["supportbot-job"], trainingDataConfig="s3://demo-data-bucket/train"))

    typed = coerce(request, create_input)

    assert typed["jobName"] == ["supportbot-job"] and typed["trainingDataConfig"] == "s3://demo-data-bucket/train"
    text = ParamValidator().validate(typed, create_input).generate_report()
    assert "jobName" in text and "trainingDataConfig" in text


# --- idempotency: the derived token and names, pinned across handler versions -----------------------------


def test_the_derived_token_and_name_suffix_are_pinned() -> None:
    """A handler upgrade must derive the same token and suffix for the same request: a retry or an update
    rollback that crosses a release would otherwise start a second billed job (or refuse the rollback)."""
    assert (
        client_request_token(STACK_ID, LOGICAL_ID, REQUEST_ID, coerced(parsed(base_request())))
        == "cfn-d33708e0835df7cf7f4b1458-bf34be12530c2f89ad071253"
    )
    assert name_suffix(STACK_ID, LOGICAL_ID, REQUEST_ID) == "3588f697"


def test_the_request_digest_of_non_ascii_text_is_pinned() -> None:
    """S3 keys and hyperparameter values may hold any Unicode character; the digest is over their UTF-8 text."""
    request = base_request(trainingDataConfig={"s3Uri": "s3://demo-data-bucket/train/données-été.jsonl"})

    token = client_request_token(STACK_ID, LOGICAL_ID, REQUEST_ID, coerced(parsed(request)))

    assert token == "cfn-d33708e0835df7cf7f4b1458-9f89fdfb5a1551ff82a6fba7"


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("otherbase-job-3588f697", "supportbot-job"),  # another base of another length
        ("supportbox-job-3588f697", "supportbot-job"),  # another base of the same length, a valid suffix
        ("supportbot-job-3588f6970", "supportbot-job"),  # the right base, a hex tail one longer
        ("supportbot-job-3588f697abcd", "supportbot-job"),
        ("supportbot-job-3588f69", "supportbot-job"),  # one shorter
        ("supportbot-job-3588F697", "supportbot-job"),  # not lowercase hex
        ("3588f697", ""),  # no base: nothing was put after it
    ],
)
def test_a_name_not_made_from_the_base_has_no_suffix(name: str, base: str) -> None:
    assert suffix_in(name, base) is None


def test_the_suffix_of_a_name_made_from_the_base() -> None:
    assert suffix_in("supportbot-job-3588f697", "supportbot-job") == "3588f697"


# --- decisions: what an Update means -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "optional",
    [
        {"validationDataConfig": {"validators": [{"s3Uri": "s3://demo-data-bucket/validation/v.jsonl"}]}},
        {"vpcConfig": {"subnetIds": ["subnet-0123456789abcdef0"], "securityGroupIds": ["sg-0123456789abcdef0"]}},
        {"customModelKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
    ],
)
def test_adding_or_removing_only_an_optional_field_starts_a_new_job(optional: dict[str, Any]) -> None:
    without, with_it = parsed(base_request()), parsed(base_request(**optional))

    added = decide_update(JOB_ARN, coerced(without), coerced(with_it), names_generated=True)
    removed = decide_update(JOB_ARN, coerced(with_it), coerced(without), names_generated=True)

    assert added == StartJob(replaces=JOB_ARN) and removed == StartJob(replaces=JOB_ARN)


def test_removing_the_hyperparameters_starts_a_new_job() -> None:
    old = parsed(base_request())
    new = parsed({k: v for k, v in base_request().items() if k != "hyperParameters"})

    assert decide_update(JOB_ARN, coerced(old), coerced(new), names_generated=True) == StartJob(replaces=JOB_ARN)


def test_an_update_with_equal_tags_parsed_separately_keeps_the_job_untouched() -> None:
    tags = [{"key": "team-name", "value": "support-bots"}, {"key": "cost-center", "value": "research-4711"}]
    old = coerced(parsed(base_request(jobTags=tags, customModelTags=tags)))
    new = coerced(parsed(base_request(jobTags=tags, customModelTags=tags)))

    assert decide_update(JOB_ARN, old, new, names_generated=True) == KeepJob(JOB_ARN)
    assert not tag_changes(parsed(tags), parsed(tags))


def test_an_update_of_one_tag_value_sets_only_that_tag() -> None:
    old_tags = [{"key": "team-name", "value": "support-bots"}, {"key": "cost-center", "value": "research-4711"}]
    new_tags = [{"key": "team-name", "value": "support-bots"}, {"key": "cost-center", "value": "research-4712"}]
    old = coerced(parsed(base_request(jobTags=old_tags)))
    new = coerced(parsed(base_request(jobTags=new_tags)))

    decision = decide_update(JOB_ARN, old, new, names_generated=True)

    assert isinstance(decision, UpdateTags)
    assert decision.job_tags.to_set == {"cost-center": "research-4712"} and not decision.model_tags


def test_a_tag_entry_without_a_key_is_skipped_not_a_crash() -> None:
    old = parsed([{"key": "team", "value": "support"}, {"value": "orphan"}, "junk", None])
    new = parsed([{"key": "team", "value": "support"}, {"key": "stage"}, {"Key": "x", "Value": "y"}])

    changes = tag_changes(old, new)

    assert changes.to_set == {"stage": ""} and changes.to_remove == ()
    assert not tag_changes(parsed("not a list"), parsed({"key": "team"}))


def test_a_replacement_that_keeps_a_fixed_name_is_refused_with_the_name() -> None:
    old = coerced(parsed(base_request(jobName="support-bot-fixed-job")))
    new = coerced(parsed(base_request(jobName="support-bot-fixed-job", customModelName="support-bot-v2")))

    with pytest.raises(HandlerError) as raised:
        decide_update(JOB_ARN, old, new, names_generated=False)

    assert "jobName 'support-bot-fixed-job'" in str(raised.value) and "customModelName" in str(raised.value)


def test_a_replacement_that_keeps_the_users_token_is_refused() -> None:
    old = coerced(parsed(base_request(clientRequestToken="my-token-2025-01-01")))
    new = coerced(parsed(base_request(clientRequestToken="my-token-2025-01-01", customModelName="support-bot-v2")))

    with pytest.raises(HandlerError, match="keeps the clientRequestToken of the old job"):
        decide_update(JOB_ARN, old, new, names_generated=True)


# --- errors: what is retried, and what CloudFormation shows ----------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_server_error_status_is_retried_whatever_its_code(status: int) -> None:
    assert errors.is_transient(wire_error("SomeNewServerFault", status=status))


def test_http_429_is_retried_whatever_its_code() -> None:
    assert errors.is_transient(wire_error("SlowDownPlease", status=429))


@pytest.mark.parametrize("status", [400, 403, 404, 409, 428, 430, 499])
def test_a_client_error_status_with_an_unknown_code_is_not_retried(status: int) -> None:
    assert not errors.is_transient(wire_error("SomeNewClientFault", status=status))


def test_a_parsed_throttling_code_is_retried_whatever_its_status() -> None:
    assert errors.is_transient(wire_error("ThrottlingException", status=400))


def test_a_parsed_not_found_code_is_not_found() -> None:
    assert errors.is_not_found(wire_error("ResourceNotFoundException", status=404))
    assert not errors.is_not_found(wire_error("ValidationException", status=404))


@pytest.mark.parametrize(
    ("code", "message", "conflict"),
    [
        ("ValidationException", "A job with the name supportbot-job already exists.", True),
        ("ConflictException", "conflict", True),
        ("ResourceInUseException", "in use", True),
        ("AccessDeniedException", "The name supportbot-job is already in use by this caller's policy", False),
        ("ServiceQuotaExceededException", "A job named supportbot-job already exists in quota", False),
        ("ThrottlingException", "Rate exceeded while the name is in use", False),
        ("ValidationException", "The base model is not available.", False),
    ],
)
def test_only_a_name_in_use_validation_error_or_a_conflict_is_a_name_conflict(
    code: str, message: str, conflict: bool
) -> None:
    assert errors.is_name_conflict(wire_error(code, message)) is conflict


@pytest.mark.parametrize(
    ("code", "message", "propagating"),
    [
        ("AccessDeniedException", "not authorized", True),
        ("ValidationException", "Bedrock could not assume the role arn:aws:iam::1:role/r", True),
        ("ValidationException", "The role arn is malformed", False),
        ("ServiceQuotaExceededException", "could not assume anything", False),
    ],
)
def test_iam_propagation_is_access_denied_or_a_role_that_could_not_be_assumed(
    code: str, message: str, propagating: bool
) -> None:
    assert errors.is_iam_propagation(wire_error(code, message)) is propagating


def test_a_parsed_access_denied_on_another_call_blames_the_handlers_role() -> None:
    error = wire_error("AccessDeniedException", "User is not authorized to perform bedrock:StopModelCustomizationJob")
    message = errors.error_message(error)

    text = str(errors.invalid_request("Stopping job", errors.error_code(error), message))

    assert "The custom-resource handler's role lacks the permission the message names." in text


def test_iam_not_ready_for_a_parsed_access_denied_names_the_handlers_permissions() -> None:
    error = wire_error("AccessDeniedException", "not authorized to perform iam:PassRole")

    text = str(errors.iam_not_ready("arn:aws:iam::1:role/r", 120, errors.error_code(error), "m"))

    assert "needs bedrock:CreateModelCustomizationJob" in text and "iam:PassRole on arn:aws:iam::1:role/r" in text
    other = str(errors.iam_not_ready("arn:aws:iam::1:role/r", 120, "ValidationException", "could not assume"))
    assert "trusts bedrock.amazonaws.com" in other


def test_a_failure_reason_is_cut_to_950_bytes_with_an_ellipsis() -> None:
    fits, too_long = "x" * 950, "y" * 951

    assert str(HandlerError(fits)) == fits
    cut = str(HandlerError(too_long))
    assert len(cut.encode()) == 950 and cut == "y" * 947 + "..."
    wide = str(HandlerError("é" * 600))  # 1,200 bytes: cut at a character boundary
    assert wide == "é" * 473 + "..." and len(wide.encode()) == 949


def test_bedrocks_message_is_quoted_up_to_450_bytes() -> None:
    assert errors.error_message(wire_error("ValidationException", "m" * 450)) == "m" * 450
    quoted = errors.error_message(wire_error("ValidationException", "n" * 451))
    assert quoted == "n" * 447 + "..." and len(quoted.encode()) == 450


def test_a_bug_report_quotes_at_most_450_bytes_of_the_exception() -> None:
    text = str(errors.unexpected("Create", ValueError("z" * 2000)))

    assert "'" + "z" * 447 + "...'" in text and "z" * 448 not in text


@pytest.mark.parametrize(
    ("field", "prop"),
    [
        ("jobName", "job_name"),
        ("customModelName", "custom_model_name"),
        ("roleArn", "role"),
        ("baseModelIdentifier", "base_model"),
        ("customizationType", "customization_type"),
        ("customModelKmsKeyId", "custom_model_kms_key"),
        ("jobTags", "job_tags"),
        ("customModelTags", "custom_model_tags"),
        ("requestMetadataFilters", "training_data (invocation logs)"),
        ("trainingDataConfig", "training_data"),
        ("validators", "validation_data"),
        ("outputDataConfig", "output_data"),
        ("subnetIds", "vpc / vpc_subnets / security_groups"),
        ("teacherModelIdentifier", "distillation (DistillationConfig: teacher model)"),
        ("lambdaArn", "rft (RftConfig: grader and its hyperparameters)"),
        ("hyperParameters", "hyper_parameters"),
        ("clientRequestToken", "client_request_token"),
    ],
)
def test_a_refused_field_names_the_construct_prop_it_comes_from(field: str, prop: str) -> None:
    message = f"1 validation error detected: Value at '{field}' failed to satisfy constraint"

    text = str(errors.invalid_request("Starting job", "ValidationException", message, creating=True))

    assert f"Change the construct prop(s) {prop}" in text


def test_an_s3_message_without_a_field_points_at_the_three_s3_props() -> None:
    text = str(errors.invalid_request("Starting job", "ValidationException", "Cannot read s3://b/k", creating=True))

    assert "Change the construct prop(s) training_data / validation_data / output_data." in text

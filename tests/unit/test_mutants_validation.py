"""The synth-time rules at their exact boundaries, pinned where the mutation run (issue 15, docs/mutation.md)
found none: each limit is accepted at its value and refused one past it with a message naming the prop,
the value and the rule; unresolved tokens are skipped, concrete values are not."""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest

from constructs_lib.rules import validation as v
from constructs_lib.rules.validation import ValidationError

STRING_TOKEN = "${Token[TOKEN.1234]}"
LIST_TOKEN = "#{Token[TOKEN.77]}"
NUMBER_TOKEN = struct.unpack(">d", struct.pack(">Q", (0xFBFF << 48) | 1234))[0]


def refused(check: Any, *args: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        check(*args)
    return str(raised.value)


# --- lengths of names, tokens, ARNs and identifiers --------------------------------------------------------


@pytest.mark.parametrize(("check", "what"), [(v.check_job_name, "a job name"), (v.check_custom_model_name, "name")])
def test_names_are_1_to_63_characters(check: Any, what: str) -> None:
    check("a" * 62)
    check("a" * 63)
    assert "must be 1-63 characters long, got 64." in refused(check, "a" * 64)
    assert "must be 1-63 characters long, got 0." in refused(check, "")
    check("a")


def test_a_job_name_must_match_its_pattern() -> None:
    v.check_job_name("supportbot-job-1.2+3")
    message = refused(v.check_job_name, "-supportbot")
    assert message.startswith("Invalid job_name '-supportbot': a job name must match the pattern")


def test_a_custom_model_name_must_match_its_pattern() -> None:
    v.check_custom_model_name("support_bot-2")
    assert "must match the pattern" in refused(v.check_custom_model_name, "support__bot")


def test_a_client_request_token_is_1_to_256_characters() -> None:
    v.check_client_request_token("a" * 256)
    assert "must be 1-256 characters long, got 257." in refused(v.check_client_request_token, "a" * 257)
    assert "got 0." in refused(v.check_client_request_token, "")
    assert "must match the pattern" in refused(v.check_client_request_token, "token-")


def test_a_role_arn_is_at_most_2048_characters_and_an_iam_role() -> None:
    arn = "arn:aws:iam::123456789012:role/"
    v.check_role_arn(arn + "r" * (2048 - len(arn)))
    assert "got 2049." in refused(v.check_role_arn, arn + "r" * (2049 - len(arn)))
    message = refused(v.check_role_arn, "arn:aws:iam::123456789012:user/u")
    assert message.startswith("Invalid role 'arn:aws:iam::123456789012:user/u': a role ARN must match")


def test_a_model_identifier_is_1_to_2048_characters() -> None:
    v.check_identifier("base_model", "m" * 2048)
    v.check_identifier("base_model", "m")
    assert refused(v.check_identifier, "base_model", "m" * 2049) == (
        f"Invalid base_model {'m' * 2049!r}: a model identifier must be 1-2048 characters long, got 2049."
    )
    assert "got 0." in refused(v.check_identifier, "base_model", "")
    v.check_identifier("base_model", STRING_TOKEN)


def test_a_base_model_is_1_to_2048_characters_of_its_pattern() -> None:
    v.check_base_model("amazon.nova-micro-v1:0:128k")
    v.check_base_model("m" * 2048)  # a custom model name
    assert "got 2049." in refused(v.check_base_model, "m" * 2049)
    assert "a base model identifier (a model id such as" in refused(v.check_base_model, "amazon nova")


def test_a_teacher_model_is_1_to_2048_characters_of_its_pattern() -> None:
    v.check_teacher_model("us.amazon.nova-pro-v1:0")
    profile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
    v.check_teacher_model(profile + "p" * (2048 - len(profile)))
    message = refused(v.check_teacher_model, profile + "p" * (2049 - len(profile)))
    assert message.startswith("Invalid distillation.teacher_model") and "must be 1-2048 characters long, got 2049" in (
        message
    )
    assert "got 0." in refused(v.check_teacher_model, "")
    assert "a teacher model identifier" in refused(v.check_teacher_model, "nova")


def test_a_kms_key_and_a_lambda_arn_are_checked() -> None:
    v.check_kms_key("alias/my-key")
    v.check_kms_key("1234abcd-12ab-34cd-56ef-1234567890ab")
    assert "a KMS key id, key ARN or alias" in refused(v.check_kms_key, "my-key")
    alias = "alias/"
    v.check_kms_key(alias + "k" * (2048 - len(alias)))
    assert "a KMS key id, key ARN or alias must be 1-2048 characters long, got 2049." in refused(
        v.check_kms_key, alias + "k" * (2049 - len(alias))
    )
    assert "must match the pattern" in refused(v.check_kms_key, "k")  # one character: long enough, not a key
    function = "arn:aws:lambda:us-east-1:123456789012:function:"
    v.check_lambda_arn(function + "f" * (512 - len(function)))
    too_long = function + "f" * (513 - len(function))
    assert "must be 1-512 characters long, got 513." in refused(v.check_lambda_arn, too_long)
    assert refused(v.check_lambda_arn, "grader").startswith("Invalid rft.grader 'grader'")


@pytest.mark.parametrize(
    "check",
    [
        v.check_job_name,
        v.check_custom_model_name,
        v.check_client_request_token,
        v.check_role_arn,
        v.check_base_model,
        v.check_teacher_model,
        v.check_kms_key,
        v.check_lambda_arn,
    ],
)
def test_a_deploy_time_token_is_not_checked(check: Any) -> None:
    check(STRING_TOKEN)
    check(f"prefix-{STRING_TOKEN}")


# --- model versions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "amazon.nova-micro",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro",
    ],
)
def test_an_identifier_without_a_version_is_an_advisory(value: str) -> None:
    (advisory,) = v.model_version_advisories(value)
    assert advisory.startswith(f"base_model {value!r} names no model version")


@pytest.mark.parametrize(
    "value",
    [
        "amazon.nova-micro-v1:0:128k",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdefabcdef",
        "my-custom-model",
        STRING_TOKEN,
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro",  # only foundation models are read
        "arn:aws:bedrock:us-east-1:123456789012:imported-model/support.bot",
    ],
)
def test_a_versioned_id_an_arn_or_a_custom_model_name_gets_no_advisory(value: str) -> None:
    assert v.model_version_advisories(value) == []


# --- tags ---------------------------------------------------------------------------------------------------


def test_tag_keys_are_1_to_128_characters() -> None:
    v.check_tags("job_tags", {"k" * 127: "v", "k" * 128: "v", "k": "v"})
    assert refused(v.check_tags, "job_tags", {"k" * 129: "v"}) == (
        f"Invalid job_tags key {'k' * 129!r}: a tag key must be 1-128 characters long, got 129."
    )
    assert "got 0." in refused(v.check_tags, "job_tags", {"": "v"})


def test_tag_values_are_0_to_256_characters() -> None:
    v.check_tags("job_tags", {"team": "", "a": "v" * 255, "b": "v" * 256})
    assert refused(v.check_tags, "job_tags", {"team": "v" * 257}) == (
        f"Invalid job_tags['team'] {'v' * 257!r}: a tag value is at most 256 characters, got 257."
    )


def test_at_most_49_tags_leave_room_for_the_owner_tag() -> None:
    v.check_tags("job_tags", {f"k{i}": "v" for i in range(49)})
    message = refused(v.check_tags, "job_tags", {f"k{i}": "v" for i in range(50)})
    assert message.startswith("Invalid job_tags '<50 tags>': at most 49 tags are allowed") and "got 50." in message


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"aws:cloudformation": "v"}, "must not start with 'aws:'"),
        ({"AWS:team": "v"}, "must not start with 'aws:'"),
        ({"team#1": "v"}, "a tag key must match"),
        ({v.OWNER_TAG_KEY.upper(): "v"}, "this key is reserved"),
        ({"team": "a#b"}, "a tag value must match"),
        ({"team": 3}, "a tag value must be a string, got int."),
        ({3: "v"}, "a tag key must be a string, got int."),
    ],
)
def test_a_tag_bedrock_would_refuse_is_refused_at_synth(tags: dict[Any, Any], expected: str) -> None:
    assert expected in refused(v.check_tags, "job_tags", tags)


def test_tags_must_be_a_mapping() -> None:
    assert "expected a mapping of tag keys to values (dict[str, str]), got list." in refused(
        v.check_tags, "job_tags", [("team", "v")]
    )


def test_token_tag_keys_and_values_are_not_checked() -> None:
    v.check_tags("job_tags", {STRING_TOKEN + "k" * 200 + "#": "v", "team": STRING_TOKEN + "#" + "v" * 300})


# --- S3 -----------------------------------------------------------------------------------------------------


def test_an_s3_uri_is_at_most_1024_characters() -> None:
    head = "s3://demo-data-bucket/"
    v.check_s3_uri("training_data", head + "k" * (1024 - len(head)))
    assert "an S3 URI must be 1-1024 characters long, got 1025." in refused(
        v.check_s3_uri, "training_data", head + "k" * (1025 - len(head))
    )
    assert "an S3 URI must match" in refused(v.check_s3_uri, "training_data", "s3://Demo-Bucket/k")


@pytest.mark.parametrize("key", ["", "train/", "train/data.jsonl", STRING_TOKEN])
def test_an_s3_key_bedrock_accepts(key: str) -> None:
    v.check_s3_key("training_data", key)


def test_an_s3_key_bedrock_refuses() -> None:
    assert "must not start with '/'" in refused(v.check_s3_key, "training_data", "/train")
    assert "separated by single '/'" in refused(v.check_s3_key, "training_data", "train//data")


# --- counts, ranges, filters ----------------------------------------------------------------------------------


def test_counts_are_checked_at_both_bounds() -> None:
    v.check_count("vpc_subnets", ["s"], 1, 16, "subnets")
    v.check_count("vpc_subnets", ["s"] * 16, 1, 16, "subnets")
    assert refused(v.check_count, "vpc_subnets", ["s"] * 17, 1, 16, "subnets") == (
        "Invalid vpc_subnets '<17 subnets>': between 1 and 16 subnets are allowed, got 17."
    )
    assert "got 0." in refused(v.check_count, "vpc_subnets", [], 1, 16, "subnets")


def test_a_deploy_time_list_is_neither_counted_nor_pattern_checked() -> None:
    """Found by the mutation run: the list check asked for a ``${Token[..]}`` string marker, never CDK's
    ``#{Token[..]}`` list marker, so a deploy-time list was counted as one item and its marker pattern-checked."""
    assert v.is_token([LIST_TOKEN])  # what CDK's Token.is_unresolved says of ['#{Token[TOKEN.77]}']
    v.check_count("vpc_subnets", [LIST_TOKEN], 2, 16, "subnets")
    v.check_vpc_ids("vpc_subnets", [LIST_TOKEN], v.SUBNETS, "subnets")


def test_a_list_of_one_string_token_is_counted_as_one_item() -> None:
    assert "got 1." in refused(v.check_count, "vpc_subnets", [STRING_TOKEN], 2, 16, "subnets")


def test_vpc_ids_are_at_most_32_characters_of_letters_digits_and_dashes() -> None:
    v.check_vpc_ids("vpc_subnets", ["s" * 32], v.SUBNETS, "subnets")
    assert "each of the subnets must be 1-32 characters long, got 33." in refused(
        v.check_vpc_ids, "vpc_subnets", ["s" * 33], v.SUBNETS, "subnets"
    )
    assert "must match the pattern" in refused(v.check_vpc_ids, "vpc_subnets", ["subnet_1"], v.SUBNETS, "subnets")
    v.check_vpc_ids("vpc_subnets", [STRING_TOKEN], v.SUBNETS, "subnets")


def test_ranges_include_their_bounds() -> None:
    v.check_range("epoch_count", 1, 1, 5)
    v.check_range("epoch_count", 5, 1, 5)
    v.check_range("learning_rate", 1e-6, 1e-6, 1e-4)
    assert refused(v.check_range, "epoch_count", 6, 1, 5) == "Invalid epoch_count 6: must be between 1 and 5."
    assert "must be between 1 and 5." in refused(v.check_range, "epoch_count", 0.999, 1, 5)
    assert "got bool." in refused(v.check_range, "epoch_count", True, 1, 5)
    assert "got str." in refused(v.check_range, "epoch_count", "3", 1, 5)
    assert "must be a finite number between 1 and 5." in refused(v.check_range, "epoch_count", math.inf, 1, 5)
    assert "finite" in refused(v.check_range, "epoch_count", math.nan, 1, 5)
    v.check_range("epoch_count", NUMBER_TOKEN, 1, 5)


def test_positive_integers() -> None:
    v.check_positive_int("max_response_length", 1)
    for value in (0, -1, True, 1.5):
        assert "must be a positive integer." in refused(v.check_positive_int, "max_response_length", value)
    v.check_positive_int("max_response_length", NUMBER_TOKEN)


def test_a_filter_maps_exactly_one_key() -> None:
    v.check_filter_map("equals", {"project": "support"})
    v.check_filter_map("equals", {"project": ""})
    assert "got 2 entries." in refused(v.check_filter_map, "equals", {"a": "1", "b": "2"})
    assert "got 0 entries." in refused(v.check_filter_map, "equals", {})
    assert "got list." in refused(v.check_filter_map, "equals", [("a", "1")])
    assert "a metadata key must match" in refused(v.check_filter_map, "equals", {"a#": "1"})
    assert "a metadata value must match" in refused(v.check_filter_map, "equals", {"a": "1#"})
    assert "must be strings." in refused(v.check_filter_map, "equals", {"a": 1})
    assert "a metadata value must match" in refused(v.check_filter_map, "equals", {"a": "v" * 257})
    v.check_filter_map("equals", {"a": "v" * 256})
    v.check_filter_map("equals", {STRING_TOKEN: STRING_TOKEN + "#"})


# --- tokens, types, where an error is ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "token"),
    [
        (STRING_TOKEN, True),
        (f"s3://{STRING_TOKEN}/train", True),
        ("-1.8881545897087626e+289", True),
        ("${Token[]}", False),
        ("plain", False),
        (NUMBER_TOKEN, True),
        (1234, False),
        (1e308, False),
        (10**400, False),
        (True, False),
        ([LIST_TOKEN], True),
        ((LIST_TOKEN,), True),
        ([LIST_TOKEN, LIST_TOKEN], False),
        ([STRING_TOKEN], False),
        ([3], False),
        ({"a": STRING_TOKEN}, False),
        (None, False),
    ],
)
def test_which_values_are_deploy_time_tokens(value: Any, token: bool) -> None:
    assert v.is_token(value) is token


def test_an_object_that_resolves_itself_is_a_token() -> None:
    class Resolvable:
        def resolve(self, context: Any) -> str:
            return "x"

    assert v.is_token(Resolvable())


def test_a_type_error_names_the_prop_the_value_and_both_types() -> None:
    message = refused(v.check_type, "epoch_count", "3", int, "an int")
    assert message == "Invalid epoch_count '3': expected an int, got str."
    v.check_type("epoch_count", 3, int, "an int")
    assert refused(v.check_optional_str, "job_name", 3) == "Invalid job_name 3: must be a string, got int."
    v.check_optional_str("job_name", None)
    v.check_optional_str("job_name", "x")


def test_the_construct_path_is_put_in_front_once() -> None:
    with pytest.raises(ValidationError) as raised, v.reported_at("Stack/Job"), v.reported_at("Stack/Job"):
        v.check_job_name("-x")
    assert str(raised.value).startswith("Stack/Job: Invalid job_name '-x'")
    assert str(raised.value).count("Stack/Job: ") == 1

"""The server-side constraints of CreateModelCustomizationJob, checked at synth time.

botocore checks only required fields and types; Bedrock checks the rest minutes into a deploy. Each
check here names the construct property, the offending value and the rule, and skips values that are
unresolved CDK tokens (they are only known at deploy time).

The patterns are the service model's, copied verbatim (the tests compare them with botocore's) and
matched against the whole value. Where a message is raised, ``reported_at`` puts in front of it where
the error is: the construct path of the job, or the factory (``TrainingData.from_bucket``) when no
construct exists yet.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from .. import contract

JOB_NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*"
MODEL_NAME_PATTERN = r"([0-9a-zA-Z][_-]?){1,63}"
CLIENT_TOKEN_PATTERN = r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?"
TAG_PATTERN = r"[a-zA-Z0-9\s._:/=+@-]*"
S3_URI_PATTERN = r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
S3_KEY_PATTERN = r"(?:[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
FILTER_KEY_PATTERN = r"[a-zA-Z0-9\s._:/=+$@-]{1,256}"
FILTER_VALUE_PATTERN = r"[a-zA-Z0-9\s._:/=+$@-]{0,256}"
VPC_ID_PATTERN = r"[-0-9a-zA-Z]+"
ROLE_ARN_PATTERN = r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"
BASE_MODEL_PATTERN = (
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}"
    r"([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}"
    r"[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})"
    r"([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)"
)
TEACHER_MODEL_PATTERN = (
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}"
    r"([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)$)|([0-9]{12}:inference-profile/"
    r"[a-zA-Z0-9-:.]+$)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})"
)
KMS_KEY_PATTERN = (
    r"(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)))"
    r"|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)"
)
LAMBDA_ARN_PATTERN = (
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_\.]+"
    r"(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)

OWNER_TAG_KEY = contract.OWNER_TAG_KEY
"""The tag the handler puts on every job and custom model it creates (value: the CloudFormation stack id).

The handler stops, retags and deletes only resources carrying its own stack's id, and its IAM policy
is conditioned on the tag, so the key is reserved: a user tag with it (in any case, as IAM compares
tag keys case-insensitively) is refused at synth.
"""
TAGS_PER_RESOURCE = 50
"""What a Bedrock job or custom model keeps (TooManyTagsException: "50 tags per resource", existing tags
included), although the request's tag lists admit 200 items."""
MAX_TAGS = TAGS_PER_RESOURCE - 1
"""The user's tags per job and per model: the handler adds the owner tag to each."""
MAX_VALIDATORS = 10
MAX_FILTER_CONDITIONS = 16
SUBNETS = (1, 16)
SECURITY_GROUPS = (1, 5)


class ValidationError(ValueError):
    """A property value that Bedrock would reject; raised at synth, before anything is deployed."""


# CDK's token encoding (aws-cdk-lib core/lib/private/encoding.ts), read in Python: the rules wing must not
# load aws-cdk-lib, and a kernel round trip per checked value was most of a job's synth cost.
_KEY = r"[a-zA-Z0-9:._-]+"
_STRING_TOKEN = re.compile(rf"\$\{{Token\[{_KEY}\]\}}|-1\.\d{{10,16}}e\+289")
_LIST_TOKEN = re.compile(rf"#\{{Token\[{_KEY}\]\}}")
_DOUBLE_TOKEN_MARK = 0xFBFF
"""The top 16 bits of a number that stands for a token."""


def is_token(value: Any) -> bool:
    """True when the value is only known at deploy time: ``Token.is_unresolved``'s answer, without jsii.

    A string holding a token marker, a number whose top bits mark a token, a one-element list holding a
    list token, or an object that resolves itself (``IResolvable``); a map is not searched, as CDK does not.
    """
    if isinstance(value, str):
        return _STRING_TOKEN.search(value) is not None
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        try:
            bits = struct.unpack(">Q", struct.pack(">d", float(value)))[0]
        except OverflowError:
            return False
        return bool(bits >> 48 == _DOUBLE_TOKEN_MARK)
    if isinstance(value, list | tuple):
        return len(value) == 1 and isinstance(value[0], str) and _LIST_TOKEN.search(value[0]) is not None
    return callable(getattr(value, "resolve", None))


def _fail(prop: str, value: Any, rule: str) -> ValidationError:
    return ValidationError(f"Invalid {prop} {value!r}: {rule}")


@contextmanager
def reported_at(where: str) -> Iterator[None]:
    """Put ``where`` (a construct path, or a factory such as ``TrainingData.from_bucket``) in front of the
    message of a ValidationError raised inside, once: one bad job among many is found by its message."""
    try:
        yield
    except ValidationError as error:
        message = str(error)
        if not message.startswith(f"{where}: "):
            error.args = (f"{where}: {message}",)
        raise


def type_name(value: Any) -> str:
    return type(value).__name__


def check_type(prop: str, value: Any, types: type | tuple[type, ...], expected: str) -> None:
    """An isinstance check whose failure names the prop, the value, what was expected and what was given."""
    if not isinstance(value, types):
        raise _fail(prop, value, f"expected {expected}, got {type_name(value)}.")


def check_optional_str(prop: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise _fail(prop, value, f"must be a string, got {type_name(value)}.")


def check_pattern(prop: str, value: str, pattern: str, min_len: int, max_len: int, what: str) -> None:
    """Length and full-match pattern, as the service model states them."""
    if is_token(value):
        return
    if not min_len <= len(value) <= max_len:
        raise _fail(prop, value, f"{what} must be {min_len}-{max_len} characters long, got {len(value)}.")
    if re.fullmatch(pattern, value) is None:
        raise _fail(prop, value, f"{what} must match the pattern {pattern}.")


def check_job_name(value: str, prop: str = "job_name") -> None:
    check_pattern(prop, value, JOB_NAME_PATTERN, 1, 63, "a job name")


def check_custom_model_name(value: str, prop: str = "custom_model_name") -> None:
    check_pattern(prop, value, MODEL_NAME_PATTERN, 1, 63, "a custom model name")


def check_client_request_token(value: str, prop: str = "client_request_token") -> None:
    check_pattern(prop, value, CLIENT_TOKEN_PATTERN, 1, 256, "a client request token")


def check_role_arn(value: str, prop: str = "role") -> None:
    # botocore bedrock shape RoleArn: min 0, max 2048 (an empty value fails the pattern)
    check_pattern(prop, value, ROLE_ARN_PATTERN, 0, 2048, "a role ARN")


def check_identifier(prop: str, value: str) -> None:
    """Model identifiers (id, name or ARN) are 1-2048 characters."""
    if is_token(value):
        return
    if not 1 <= len(value) <= 2048:
        raise _fail(prop, value, f"a model identifier must be 1-2048 characters long, got {len(value)}.")


_MODEL_HINT = "a model id such as 'amazon.nova-micro-v1:0:128k', a custom model name, or a model ARN"


def check_base_model(value: str, prop: str = "base_model") -> None:
    """``baseModelIdentifier``: a versioned model id, a custom model name, or a foundation/custom model ARN; a
    model's display name is refused with the id to use."""
    from .catalogue.ids import display_name_error

    if not is_token(value):
        shown = value.rsplit("/", 1)[-1] if value.startswith("arn:") and ":foundation-model/" in value else value
        error = display_name_error(shown, prop)
        if error is not None:
            raise ValidationError(error)
    check_pattern(prop, value, BASE_MODEL_PATTERN, 1, 2048, f"a base model identifier ({_MODEL_HINT})")


def check_teacher_model(value: str, prop: str = "distillation.teacher_model") -> None:
    """``teacherModelIdentifier``: a model id, a foundation-model or inference-profile ARN."""
    check_pattern(
        prop,
        value,
        TEACHER_MODEL_PATTERN,
        1,
        2048,
        "a teacher model identifier (a model id or cross-Region profile id such as 'us.amazon.nova-pro-v1:0', or a "
        "foundation-model or inference-profile ARN)",
    )


def model_version_advisories(value: str, prop: str = "base_model") -> list[str]:
    """Warnings for an identifier the API pattern admits but that names no model version ('amazon.nova-micro')."""
    if is_token(value):
        return []
    model_id = value.rsplit("/", 1)[-1] if value.startswith("arn:") and ":foundation-model/" in value else value
    if value.startswith("arn:") and model_id == value:
        return []
    if "." not in model_id or ":" in model_id:
        return []
    return [
        f"{prop} {value!r} names no model version: Bedrock customizes a given version of a model, such as "
        "'amazon.nova-micro-v1:0:128k' (aws bedrock list-foundation-models --by-customization-type FINE_TUNING "
        "lists them); the API pattern admits the value, but Bedrock will most likely reject it at deploy."
    ]


def check_kms_key(value: str, prop: str = "custom_model_kms_key") -> None:
    check_pattern(prop, value, KMS_KEY_PATTERN, 1, 2048, "a KMS key id, key ARN or alias")


def check_lambda_arn(value: str, prop: str = "rft.grader") -> None:
    check_pattern(prop, value, LAMBDA_ARN_PATTERN, 1, 512, "a Lambda function ARN")


def _reserved_key_rule() -> str:
    return (
        "this key is reserved: the construct's handler tags every job and custom model it creates with it (value: "
        "the CloudFormation stack id), and stops, retags or deletes only jobs and models that carry its own stack "
        "id, so a stack never touches another stack's resources; choose another key."
    )


def check_tags(prop: str, tags: Mapping[str, str]) -> None:
    """Bedrock tags: at most 49 of the user's (a resource keeps 50, one is the owner tag), keys 1-128 and
    values 0-256 of a restricted character set, no ``aws:`` keys and not the owner tag's key."""
    if not isinstance(tags, Mapping):
        raise _fail(prop, tags, f"expected a mapping of tag keys to values (dict[str, str]), got {type_name(tags)}.")
    if len(tags) > MAX_TAGS:
        raise _fail(
            prop,
            f"<{len(tags)} tags>",
            f"at most {MAX_TAGS} tags are allowed (Bedrock keeps {TAGS_PER_RESOURCE} tags per job or model, and "
            f"the construct's handler adds its {OWNER_TAG_KEY} tag to each), got {len(tags)}.",
        )
    for key, value in tags.items():
        if not isinstance(key, str):
            raise _fail(f"{prop} key", key, f"a tag key must be a string, got {type_name(key)}.")
        if not is_token(key):
            if not 1 <= len(key) <= 128:
                raise _fail(f"{prop} key", key, f"a tag key must be 1-128 characters long, got {len(key)}.")
            if re.fullmatch(TAG_PATTERN, key) is None or key.lower().startswith("aws:"):
                raise _fail(
                    f"{prop} key",
                    key,
                    f"a tag key must match {TAG_PATTERN} and must not start with 'aws:'.",
                )
            if key.lower() == OWNER_TAG_KEY.lower():
                raise _fail(f"{prop} key", key, _reserved_key_rule())
        if not isinstance(value, str):
            raise _fail(f"{prop}[{key!r}]", value, f"a tag value must be a string, got {type_name(value)}.")
        if not is_token(value):
            if len(value) > 256:
                raise _fail(f"{prop}[{key!r}]", value, f"a tag value is at most 256 characters, got {len(value)}.")
            if re.fullmatch(TAG_PATTERN, value) is None:
                raise _fail(f"{prop}[{key!r}]", value, f"a tag value must match {TAG_PATTERN}.")


_BUCKET_CHARS = re.compile(r"[-.a-z0-9]+")
_KEY_PART = re.compile(r"[-!_*'().a-z0-9A-Z]+")


def s3_uri_problem(uri: str) -> str | None:
    """What is wrong with an S3 URI that misses ``S3_URI_PATTERN``, in a sentence (None when nothing is found)."""
    if not uri.startswith("s3://"):
        return f"an S3 URI starts with 's3://' (such as 's3://my-bucket/train.jsonl'), got {uri[:20]!r}."
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not 3 <= len(bucket) <= 63:
        return f"the bucket name {bucket!r} is {len(bucket)} characters long; S3 bucket names are 3-63 characters."
    if _BUCKET_CHARS.fullmatch(bucket) is None:
        return f"the bucket name {bucket!r} may hold only lower-case letters, digits, '.' and '-'."
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        return f"the bucket name {bucket!r} must start and end with a letter or a digit."
    parts = key.removesuffix("/").split("/") if key else []
    if any(part == "" for part in parts):
        return f"the key {key!r} has an empty part (two '/' in a row, or a leading '/')."
    for part in parts:
        if _KEY_PART.fullmatch(part) is None:
            bad = sorted({c for c in part if _KEY_PART.fullmatch(c) is None})
            return (
                f"the key {key!r} holds {', '.join(repr(c) for c in bad)}: Bedrock accepts keys made only of letters, "
                "digits and -!_*'(). separated by '/'."
            )
    return None


def check_s3_uri(prop: str, uri: str) -> None:
    """A whole S3 URI as Bedrock accepts it (lower-case bucket, restricted key characters); the message says
    which part is wrong, with the pattern at its tail."""
    if is_token(uri) or re.fullmatch(S3_URI_PATTERN, uri) is not None or not 1 <= len(uri) <= 1024:
        check_pattern(prop, uri, S3_URI_PATTERN, 1, 1024, "an S3 URI")
        return
    problem = s3_uri_problem(uri)
    if problem is None:
        check_pattern(prop, uri, S3_URI_PATTERN, 1, 1024, "an S3 URI")
        return
    raise _fail(prop, uri, f"{problem} (an S3 URI must match the pattern {S3_URI_PATTERN}.)")


def check_s3_key(prop: str, key: str) -> None:
    """The key part alone, for URIs whose bucket name is a deploy-time token."""
    if is_token(key) or key == "":
        return
    if key.startswith("/"):
        raise _fail(prop, key, "an S3 key or prefix must not start with '/'.")
    if re.fullmatch(S3_KEY_PATTERN, key) is None:
        raise _fail(
            prop,
            key,
            "Bedrock accepts S3 keys made only of letters, digits and -!_*'(). separated by single '/' "
            f"(pattern {S3_KEY_PATTERN}).",
        )


def _is_list_token(items: Sequence[Any]) -> bool:
    """A CDK list token (a deploy-time list) is encoded as a one-string list."""
    return isinstance(items, list | tuple) and is_token(list(items))


def check_count(prop: str, items: Sequence[Any], low: int, high: int, what: str) -> None:
    if _is_list_token(items):
        return
    if not low <= len(items) <= high:
        raise _fail(prop, f"<{len(items)} {what}>", f"between {low} and {high} {what} are allowed, got {len(items)}.")


def check_vpc_ids(prop: str, ids: Sequence[str], bounds: tuple[int, int], what: str) -> None:
    """Subnet and security-group ids: bounded counts, each at most 32 of [-0-9a-zA-Z]."""
    check_count(prop, ids, bounds[0], bounds[1], what)
    if _is_list_token(ids):
        return
    for value in ids:
        check_pattern(prop, value, VPC_ID_PATTERN, 1, 32, f"each of the {what}")


def check_range(prop: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(prop, value, f"must be a number between {low:g} and {high:g}, got {type_name(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(prop, value, f"must be a finite number between {low:g} and {high:g}.")
    if is_token(value):
        return
    if isinstance(value, bool) or not low <= value <= high:
        raise _fail(prop, value, f"must be between {low:g} and {high:g}.")


def check_positive_int(prop: str, value: int) -> None:
    if is_token(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(prop, value, "must be a positive integer.")


def check_filter_map(prop: str, entries: Mapping[str, str]) -> None:
    """An equals / notEquals filter is a map of exactly one metadata key to its value."""
    if not isinstance(entries, Mapping):
        raise _fail(prop, entries, f"expected a mapping of one metadata key to a value, got {type_name(entries)}.")
    if len(entries) != 1:
        raise _fail(prop, dict(entries), f"must map exactly one metadata key to a value, got {len(entries)} entries.")
    for key, value in entries.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise _fail(f"{prop}[{key!r}]", value, "a metadata key and its value must be strings.")
        if not is_token(key) and re.fullmatch(FILTER_KEY_PATTERN, key) is None:
            raise _fail(f"{prop} key", key, f"a metadata key must match {FILTER_KEY_PATTERN}.")
        if not is_token(value) and re.fullmatch(FILTER_VALUE_PATTERN, value) is None:
            raise _fail(f"{prop}[{key!r}]", value, f"a metadata value must match {FILTER_VALUE_PATTERN}.")

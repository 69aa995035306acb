"""Property tests of the synth-time validators against the API's own constraints.

The patterns and bounds come from the bedrock service model of the installed botocore (not from
constructs_lib.rules.validation), so these tests catch the validators drifting from the API: every value
the API accepts passes, and values it rejects raise ``ValidationError`` naming the construct property.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import botocore_model

from constructs_lib.rules import validation as v

fast = settings(
    max_examples=100,
    deadline=None,
    database=None,  # failures print their reproducing example; nothing is stored
    suppress_health_check=[HealthCheck.filter_too_much],
)

ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Constraint:
    pattern: str
    low: int
    high: int

    def accepts(self, value: str) -> bool:
        return self.low <= len(value) <= self.high and re.fullmatch(self.pattern, value) is not None

    def values(self) -> st.SearchStrategy[str]:
        """Strings the API accepts."""
        return st.from_regex(self.pattern, fullmatch=True).filter(lambda s: self.low <= len(s) <= self.high)

    def rejected(self) -> st.SearchStrategy[str]:
        """Strings of a plausible length the API rejects (mostly for their characters)."""
        return st.text(min_size=self.low, max_size=min(self.high, 80)).filter(lambda s: not self.accepts(s))

    def too_long(self, alphabet: str = ALNUM) -> st.SearchStrategy[str]:
        """Strings of allowed characters, just over the maximum length."""
        return st.integers(self.high + 1, self.high + 40).flatmap(
            lambda n: st.text(alphabet=alphabet, min_size=n, max_size=n)
        )


def _input_shape() -> Any:
    model = botocore_model()
    return model.operation_model("CreateModelCustomizationJob").input_shape


INPUT = _input_shape()


def _shape(*path: str) -> Any:
    """Walk the input shape: member names, ``[]`` for a list's member, ``{key}``/``{value}`` for a map's."""
    shape = INPUT
    for step in path:
        if step == "[]":
            shape = shape.member
        elif step == "{key}":
            shape = shape.key
        elif step == "{value}":
            shape = shape.value
        else:
            shape = shape.members[step]
    return shape


def api(*path: str) -> Constraint:
    """The pattern and length bounds of the shape at ``path`` in the CreateModelCustomizationJob input."""
    shape = _shape(*path)
    meta = shape.metadata
    return Constraint(meta["pattern"], int(meta.get("min", 0)), int(meta.get("max", 10**6)))


def bounds(*path: str) -> tuple[int, int]:
    shape = _shape(*path)
    return int(shape.metadata.get("min", 0)), int(shape.metadata["max"])


JOB_NAME = api("jobName")
MODEL_NAME = api("customModelName")
TOKEN = api("clientRequestToken")
TAG_KEY = api("jobTags", "[]", "key")
TAG_VALUE = api("jobTags", "[]", "value")
S3_URI = api("outputDataConfig", "s3Uri")
SUBNET_ID = api("vpcConfig", "subnetIds", "[]")
FILTERS = ("trainingDataConfig", "invocationLogsConfig", "requestMetadataFilters", "equals")
FILTER_KEY = api(*FILTERS, "{key}")
FILTER_VALUE = api(*FILTERS, "{value}")


def raises_naming(prop: str) -> pytest.RaisesContext[v.ValidationError]:
    return pytest.raises(v.ValidationError, match=re.escape(prop))


# ---- names and token ---------------------------------------------------------------------------

NAME_CHECKS = [
    pytest.param(v.check_job_name, JOB_NAME, "job_name", id="job_name"),
    pytest.param(v.check_custom_model_name, MODEL_NAME, "custom_model_name", id="custom_model_name"),
    pytest.param(v.check_client_request_token, TOKEN, "client_request_token", id="client_request_token"),
]


@pytest.mark.parametrize(("check", "api_rule", "prop"), NAME_CHECKS)
@fast
@given(data=st.data())
def test_names_the_api_accepts_pass(check: Any, api_rule: Constraint, prop: str, data: st.DataObject) -> None:
    check(data.draw(api_rule.values()))


@pytest.mark.parametrize(("check", "api_rule", "prop"), NAME_CHECKS)
@fast
@given(data=st.data())
def test_names_the_api_rejects_fail_naming_the_prop(
    check: Any, api_rule: Constraint, prop: str, data: st.DataObject
) -> None:
    value = data.draw(st.one_of(api_rule.rejected(), api_rule.too_long(), st.just("")))
    assert not api_rule.accepts(value)
    with raises_naming(prop):
        check(value)


# ---- tags ---------------------------------------------------------------------------------------

tag_keys = TAG_KEY.values().filter(
    # AWS reserves aws: keys; the construct reserves its owner tag (IAM compares tag keys case-insensitively)
    lambda k: not k.lower().startswith("aws:") and k.lower() != v.OWNER_TAG_KEY.lower()
)
tag_values = TAG_VALUE.values()
TAGS_MIN, TAGS_MAX = bounds("jobTags")


@fast
@given(tags=st.dictionaries(tag_keys, tag_values, max_size=8), prop=st.sampled_from(["job_tags", "custom_model_tags"]))
def test_tags_the_api_accepts_pass(tags: dict[str, str], prop: str) -> None:
    v.check_tags(prop, tags)


@fast
@given(
    tags=st.dictionaries(tag_keys, tag_values, max_size=4),
    bad=st.one_of(
        st.tuples(TAG_KEY.rejected(), tag_values),
        st.tuples(TAG_KEY.too_long(), tag_values),
        st.tuples(tag_keys, TAG_VALUE.rejected()),
        st.tuples(tag_keys, TAG_VALUE.too_long()),
    ),
    prop=st.sampled_from(["job_tags", "custom_model_tags"]),
)
def test_a_tag_the_api_rejects_fails_naming_the_prop(tags: dict[str, str], bad: tuple[str, str], prop: str) -> None:
    key, value = bad
    with raises_naming(prop):
        v.check_tags(prop, {**tags, key: value})


@fast
@given(count=st.integers(TAGS_MAX + 1, TAGS_MAX + 30))
def test_more_tags_than_the_api_allows_fail(count: int) -> None:
    with raises_naming("job_tags"):
        v.check_tags("job_tags", {f"k{i}": "v" for i in range(count)})


# Bedrock's TooManyTagsException: "50 tags per resource", existing tags included; the request's list may
# hold up to 200, but a job or model keeps at most 50, and the handler adds the owner tag to each.
TAGS_PER_RESOURCE = 50


def test_the_tag_limit_leaves_room_for_the_owner_tag() -> None:
    exception = botocore_model().shape_for("TooManyTagsException")
    assert f"{TAGS_PER_RESOURCE} tags per resource" in exception.documentation
    assert v.MAX_TAGS == TAGS_PER_RESOURCE - 1 <= TAGS_MAX


@fast
@given(count=st.integers(v.MAX_TAGS + 1, TAGS_MAX), prop=st.sampled_from(["job_tags", "custom_model_tags"]))
def test_more_tags_than_a_resource_keeps_fail(count: int, prop: str) -> None:
    with raises_naming(prop):
        v.check_tags(prop, {f"k{i}": "v" for i in range(count)})


@fast
@given(key=st.sampled_from([v.OWNER_TAG_KEY, v.OWNER_TAG_KEY.upper(), v.OWNER_TAG_KEY.title()]))
def test_the_owner_tag_key_is_reserved_in_any_case(key: str) -> None:
    assert TAG_KEY.accepts(key)  # the API would take it: the construct must refuse it
    with raises_naming("custom_model_tags"):
        v.check_tags("custom_model_tags", {key: "x"})


# ---- S3 locations -------------------------------------------------------------------------------

buckets = st.from_regex(r"[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]", fullmatch=True)


@fast
@given(uri=S3_URI.values())
def test_s3_uris_the_api_accepts_pass(uri: str) -> None:
    v.check_s3_uri("training_data", uri)


@fast
@given(uri=st.one_of(S3_URI.rejected(), buckets.map(lambda b: f"s3://{b.upper()}X/key"), st.just("")))
def test_s3_uris_the_api_rejects_fail_naming_the_prop(uri: str) -> None:
    assert not S3_URI.accepts(uri)
    with raises_naming("output_data"):
        v.check_s3_uri("output_data", uri)


# Keys: any text, keys built from the API's key characters, and short pieces rich in '/' (empty segments,
# leading and trailing slashes are where key rules differ).
KEYS = [
    pytest.param(st.text(max_size=60), id="any-text"),
    pytest.param(st.from_regex(r"[-!_*'().a-zA-Z0-9/]{0,60}", fullmatch=True), id="key-characters"),
    pytest.param(
        st.lists(st.sampled_from(["a", "Z", "9", "-", ".", "*", "/", "/"]), min_size=1, max_size=12).map("".join),
        id="slashes",
    ),
]


@pytest.mark.parametrize("keys", KEYS)
@fast
@given(data=st.data())
def test_the_key_check_agrees_with_the_api_on_the_whole_uri(keys: st.SearchStrategy[str], data: st.DataObject) -> None:
    """check_s3_key is for URIs whose bucket is a deploy-time token: it must judge keys as the API would."""
    bucket, key = data.draw(buckets), data.draw(keys)
    accepted = S3_URI.accepts(f"s3://{bucket}/{key}")
    if accepted:
        v.check_s3_key("training_data", key)
    else:
        with raises_naming("training_data"):
            v.check_s3_key("training_data", key)


# ---- VPC ------------------------------------------------------------------------------------------

VPC = [
    pytest.param("vpc_subnets", bounds("vpcConfig", "subnetIds"), "subnets", id="subnets"),
    pytest.param("security_groups", bounds("vpcConfig", "securityGroupIds"), "security groups", id="security_groups"),
]
vpc_ids = SUBNET_ID.values().filter(lambda s: len(s) >= 1)


@pytest.mark.parametrize(("prop", "count", "what"), VPC)
@fast
@given(data=st.data())
def test_vpc_ids_the_api_accepts_pass(prop: str, count: tuple[int, int], what: str, data: st.DataObject) -> None:
    v.check_vpc_ids(prop, data.draw(st.lists(vpc_ids, min_size=count[0], max_size=count[1])), count, what)


@pytest.mark.parametrize(("prop", "count", "what"), VPC)
@fast
@given(data=st.data())
def test_vpc_ids_the_api_rejects_fail_naming_the_prop(
    prop: str, count: tuple[int, int], what: str, data: st.DataObject
) -> None:
    low, high = count
    ids = data.draw(
        st.one_of(
            st.lists(vpc_ids, min_size=high + 1, max_size=high + 5),  # too many
            st.just([]),  # too few
            st.tuples(
                st.lists(vpc_ids, min_size=low - 1, max_size=high - 1),
                st.one_of(SUBNET_ID.rejected().filter(bool), SUBNET_ID.too_long()),
            ).map(lambda t: [*t[0], t[1]]),  # one bad id
        )
    )
    with raises_naming(prop):
        v.check_vpc_ids(prop, ids, count, what)


# ---- invocation-log metadata filters ----------------------------------------------------------------

FILTER_ENTRIES = bounds(*FILTERS)
PROP = "training_data.request_metadata_filters"


@fast
@given(key=FILTER_KEY.values(), value=FILTER_VALUE.values())
def test_filter_entries_the_api_accepts_pass(key: str, value: str) -> None:
    assert FILTER_ENTRIES == (1, 1)
    v.check_filter_map(PROP, {key: value})


@fast
@given(
    entries=st.one_of(
        st.just({}),
        st.dictionaries(FILTER_KEY.values(), FILTER_VALUE.values(), min_size=2, max_size=4),
        st.tuples(FILTER_KEY.rejected(), FILTER_VALUE.values()).map(lambda t: {t[0]: t[1]}),
        st.tuples(FILTER_KEY.values(), FILTER_VALUE.too_long()).map(lambda t: {t[0]: t[1]}),
    )
)
def test_filter_entries_the_api_rejects_fail_naming_the_prop(entries: dict[str, str]) -> None:
    with raises_naming(PROP):
        v.check_filter_map(PROP, entries)


@pytest.mark.parametrize("value", ["support#bot", "stage=prod?", "team|ml"])
def test_filter_values_with_characters_the_api_rejects_fail(value: str) -> None:
    assert not FILTER_VALUE.accepts(value)
    with raises_naming(PROP):
        v.check_filter_map(PROP, {"project": value})


# ---- numeric ranges ---------------------------------------------------------------------------------

RFT = INPUT.members["customizationConfig"].members["rftConfig"].members["hyperParameters"]
RANGES = [
    pytest.param(name, float(shape.metadata["min"]), float(shape.metadata["max"]), id=name)
    for name, shape in RFT.members.items()
    if "min" in shape.metadata and "max" in shape.metadata
]


@pytest.mark.parametrize(("name", "low", "high"), RANGES)
@fast
@given(data=st.data())
def test_values_in_the_api_range_pass(name: str, low: float, high: float, data: st.DataObject) -> None:
    whole = [st.integers(math.ceil(low), math.floor(high))] if math.ceil(low) <= math.floor(high) else []
    value = data.draw(st.one_of(st.floats(low, high), *whole))
    v.check_range(f"rft.hyper_parameters.{name}", value, low, high)


@pytest.mark.parametrize(("name", "low", "high"), RANGES)
@fast
@given(data=st.data())
def test_values_outside_the_api_range_fail_naming_the_prop(
    name: str, low: float, high: float, data: st.DataObject
) -> None:
    value = data.draw(
        st.one_of(
            st.floats(max_value=low, exclude_max=True),
            st.floats(min_value=high, exclude_min=True),
            st.just(math.nan),
            st.booleans(),
        )
    )
    prop = f"rft.hyper_parameters.{name}"
    with raises_naming(prop):
        v.check_range(prop, value, low, high)


# ---- the validators' patterns are the service model's ------------------------------------------------


def _installed(*path: str) -> dict[str, Any]:
    """Metadata of a CreateModelCustomizationJob input member in the installed botocore's service model."""
    shape = botocore_model().operation_model("CreateModelCustomizationJob").input_shape
    for step in path:
        if step == "[]":
            shape = shape.member
        elif step in ("{key}", "{value}"):
            shape = shape.key if step == "{key}" else shape.value
        else:
            shape = shape.members[step]
    return dict(shape.metadata)


TEACHER = ("customizationConfig", "distillationConfig", "teacherModelConfig", "teacherModelIdentifier")
PATTERNS = [
    pytest.param(v.BASE_MODEL_PATTERN, ("baseModelIdentifier",), id="baseModelIdentifier"),
    pytest.param(v.TEACHER_MODEL_PATTERN, TEACHER, id="teacherModelIdentifier"),
    pytest.param(v.JOB_NAME_PATTERN, ("jobName",), id="jobName"),
    pytest.param(v.MODEL_NAME_PATTERN, ("customModelName",), id="customModelName"),
    pytest.param(v.CLIENT_TOKEN_PATTERN, ("clientRequestToken",), id="clientRequestToken"),
    pytest.param(v.ROLE_ARN_PATTERN, ("roleArn",), id="roleArn"),
    pytest.param(v.KMS_KEY_PATTERN, ("customModelKmsKeyId",), id="customModelKmsKeyId"),
    pytest.param(v.TAG_PATTERN, ("jobTags", "[]", "key"), id="tag-key"),
    pytest.param(v.TAG_PATTERN, ("jobTags", "[]", "value"), id="tag-value"),
    pytest.param(v.TAG_PATTERN, ("customModelTags", "[]", "key"), id="model-tag-key"),
    pytest.param(v.S3_URI_PATTERN, ("trainingDataConfig", "s3Uri"), id="training-s3Uri"),
    pytest.param(v.S3_URI_PATTERN, ("outputDataConfig", "s3Uri"), id="output-s3Uri"),
    pytest.param(v.S3_URI_PATTERN, ("validationDataConfig", "validators", "[]", "s3Uri"), id="validator-s3Uri"),
    pytest.param(
        v.S3_URI_PATTERN,
        ("trainingDataConfig", "invocationLogsConfig", "invocationLogSource", "s3Uri"),
        id="invocation-log-s3Uri",
    ),
    pytest.param(v.FILTER_KEY_PATTERN, (*FILTERS, "{key}"), id="filter-key"),
    pytest.param(v.FILTER_VALUE_PATTERN, (*FILTERS[:-1], "notEquals", "{value}"), id="filter-value"),
    pytest.param(v.VPC_ID_PATTERN, ("vpcConfig", "subnetIds", "[]"), id="subnet-id"),
    pytest.param(v.VPC_ID_PATTERN, ("vpcConfig", "securityGroupIds", "[]"), id="security-group-id"),
    pytest.param(
        v.LAMBDA_ARN_PATTERN,
        ("customizationConfig", "rftConfig", "graderConfig", "lambdaGrader", "lambdaArn"),
        id="lambdaArn",
    ),
]


@pytest.mark.parametrize(("constant", "path"), PATTERNS)
def test_each_pattern_constant_is_the_installed_service_models(constant: str, path: tuple[str, ...]) -> None:
    assert constant == _installed(*path)["pattern"]


COUNTS = [
    pytest.param((0, v.MAX_VALIDATORS), ("validationDataConfig", "validators"), id="validators"),
    pytest.param(v.SUBNETS, ("vpcConfig", "subnetIds"), id="subnets"),
    pytest.param(v.SECURITY_GROUPS, ("vpcConfig", "securityGroupIds"), id="security-groups"),
    pytest.param((1, v.MAX_FILTER_CONDITIONS), (*FILTERS[:-1], "andAll"), id="and-all"),
    pytest.param((1, v.MAX_FILTER_CONDITIONS), (*FILTERS[:-1], "orAll"), id="or-all"),
]


@pytest.mark.parametrize(("count", "path"), COUNTS)
def test_each_count_is_the_installed_service_models(count: tuple[int, int], path: tuple[str, ...]) -> None:
    meta = _installed(*path)
    assert count == (meta["min"], meta["max"])


@pytest.mark.parametrize(
    "model",
    [
        "amazon.nova-micro-v1:0:128k",
        "meta.llama3-1-8b-instruct-v1:0:128k",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k",
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdefghijkl",
        "my-custom-model",
    ],
)
def test_base_models_the_api_accepts_pass(model: str) -> None:
    assert api("baseModelIdentifier").accepts(model)
    v.check_base_model(model)


@pytest.mark.parametrize(
    "model",
    ["Amazon Nova Micro", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k ", "", "a" * 2049],
)
def test_base_models_the_api_rejects_fail_naming_the_prop(model: str) -> None:
    assert not api("baseModelIdentifier").accepts(model)
    with raises_naming("base_model"):
        v.check_base_model(model)


@fast
@given(model=api("baseModelIdentifier").rejected())
def test_any_base_model_the_api_rejects_fails(model: str) -> None:
    with raises_naming("base_model"):
        v.check_base_model(model)

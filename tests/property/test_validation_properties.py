"""Property tests of the synth-time validators against the API's own constraints.

The patterns and bounds come from the bedrock service model the handler ships (not from
constructs_lib.validation), so these tests catch the validators drifting from the API: every value
the API accepts passes, and values it rejects raise ``ValidationError`` naming the construct property.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib import validation as v
from lambda_src.customization_job.service_model import use_bundled_service_model

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
    use_bundled_service_model()
    model = botocore.session.Session().get_service_model("bedrock")
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

tag_keys = TAG_KEY.values().filter(lambda k: not k.lower().startswith("aws:"))  # AWS reserves aws: keys
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

"""The rules wing's ``is_token`` gives CDK's own answer (``Token.is_unresolved``) without a jsii round trip."""

from __future__ import annotations

from typing import Any

import jsii
import pytest
from aws_cdk import App, Aws, CfnParameter, Fn, IStableNumberProducer, IStableStringProducer, Lazy, Stack, Token
from aws_cdk import aws_s3 as s3
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.rules.validation import is_token


@jsii.implements(IStableStringProducer)
class _Text:
    def produce(self) -> str:
        return "a"


@jsii.implements(IStableNumberProducer)
class _Number:
    def produce(self) -> int:
        return 1


def cdk_values() -> list[Any]:
    stack = Stack(App(), "S")
    bucket = s3.Bucket(stack, "B")
    number = CfnParameter(stack, "P", type="Number")
    return [
        Aws.ACCOUNT_ID,
        bucket.bucket_arn,
        f"prefix-{bucket.bucket_name}/suffix",
        Lazy.string(_Text()),
        Lazy.number(_Number()),
        number.value_as_number,
        number.value_as_string,
        Token.as_list(number.value_as_string),
        Fn.split(",", number.value_as_string),
        Token.as_any(bucket.bucket_arn),
        stack,
        {"a": bucket.bucket_arn},
        ["a", bucket.bucket_arn],
        "${Token[x]}",
        "${notatoken}",
        "#{Token[y]}",
        "plain",
        ["a"],
        [],
        3,
        3.5,
        -1.8881545897087626e289,
        1e300,
        True,
        None,
    ]


@pytest.mark.parametrize("index", range(len(cdk_values())))
def test_agrees_with_cdk_on_real_tokens_and_look_alikes(index: int) -> None:
    value = cdk_values()[index]
    assert is_token(value) is bool(Token.is_unresolved(value)), repr(value)


# Only values jsii can carry to Node: JSON has no NaN or infinities (one kills the kernel for the rest of the
# session), and a lone surrogate is not UTF-8.
JSON_NUMBERS = st.floats(allow_nan=False, allow_infinity=False)
JSON_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.one_of(JSON_NUMBERS, st.integers(-(2**53), 2**53), JSON_TEXT))
def test_agrees_with_cdk_on_any_number_or_text(value: Any) -> None:
    assert is_token(value) is bool(Token.is_unresolved(value))


def test_numbers_jsii_cannot_carry_are_no_tokens() -> None:
    """NaN and infinities never reach CDK (JSON cannot carry them); they are plain, if invalid, values."""
    assert not any(is_token(x) for x in (float("nan"), float("inf"), float("-inf")))

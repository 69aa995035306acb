"""Issue 23: the role ARN's length bounds, read from botocore's service model (CreateModelCustomizationJob's
roleArn, shape RoleArn), not retyped."""

from __future__ import annotations

import pytest
from support import botocore_model

from constructs_lib.rules import validation as v
from constructs_lib.rules.validation import ValidationError

ROLE = botocore_model().shape_for("RoleArn")
LOW, HIGH = ROLE.metadata["min"], ROLE.metadata["max"]
PREFIX = "arn:aws:iam::123456789012:role/"


def refused(value: str) -> str:
    with pytest.raises(ValidationError) as raised:
        v.check_role_arn(value)
    return str(raised.value)


def test_the_role_arn_pattern_is_the_service_models() -> None:
    assert ROLE.metadata["pattern"] == v.ROLE_ARN_PATTERN


def test_a_role_arn_at_the_service_models_upper_bound_is_accepted_and_one_more_is_refused() -> None:
    v.check_role_arn(PREFIX + "r" * (HIGH - len(PREFIX)))
    assert f"a role ARN must be {LOW}-{HIGH} characters long, got {HIGH + 1}." in refused(
        PREFIX + "r" * (HIGH + 1 - len(PREFIX))
    )


def test_a_role_arn_at_or_just_above_the_lower_bound_is_refused_by_the_pattern_not_the_length() -> None:
    """The service model's lower bound is 0: no length rule refuses a short value; the pattern does."""
    assert LOW == 0
    for value in ("", "a", "ab"):
        assert f"a role ARN must match the pattern {ROLE.metadata['pattern']}." in refused(value)


def test_the_shortest_role_arn_the_pattern_takes_is_accepted() -> None:
    v.check_role_arn("arn:aws:iam:::role/r")


# --- survivor of the fresh sample (seed 2989105734) -----------------------------------------------------------


@pytest.mark.parametrize("value", [-1e300, -1.7976931348623157e308, float("-inf")])
def test_a_large_negative_number_is_a_value_not_a_deploy_time_number(value: float) -> None:
    """CDK's number tokens are NaN-like doubles whose top 16 bits are exactly 0xFBFF; larger negative numbers (top
    bits above it) are concrete values and get checked."""
    assert not v.is_token(value)
    with pytest.raises(ValidationError):
        v.check_range("epoch_count", value, 1, 5)

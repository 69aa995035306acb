"""Issue 23: merging the bindings' request fragments when their shapes differ (survivors of bindings.py's run)."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.cdk import bindings


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": {"b": 1}}, {"a": [1]}),  # a map, then a list
        ({"a": [1]}, {"a": {"b": 1}}),  # a list, then a map
        ({"a": "x"}, {"a": {"b": 1}}),  # a value, then a map
        ({"a": "x"}, {"a": [1]}),  # a value, then a list
        ({"a": {"b": 1}}, {"a": "x"}),
        ({"a": [1]}, {"a": "x"}),
    ],
)
def test_two_fragments_giving_one_field_different_shapes_are_a_binders_bug(first: Any, second: Any) -> None:
    with pytest.raises(ValueError, match="Two configs set the request's a"):
        bindings.merge([first, second])

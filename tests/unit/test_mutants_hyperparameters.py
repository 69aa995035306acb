"""Hyperparameters as a user meets them: what is refused, what is sent on the wire, and the advisories at the
documented ranges' exact bounds; pinned where the mutation run (issue 15, docs/mutation.md) found no test."""

from __future__ import annotations

import math
from typing import Any

import pytest

from constructs_lib.rules import hyperparameters as hp
from constructs_lib.rules.validation import ValidationError

NOVA = "amazon.nova-micro-v1:0:128k"
NOVA_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
TITAN_EMBED = "amazon.titan-embed-image-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"


# --- the documented tables, pinned --------------------------------------------------------------------------


def test_the_nova_table_is_pinned() -> None:
    family = hp.family_of(NOVA)

    assert family is not None and family.name == "Amazon Nova Micro/Lite/Pro"
    assert {k: (r.low, r.high, r.default, r.allows_auto) for k, r in family.ranges.items()} == {
        "epochCount": (1, 5, 2, False),
        "learningRate": (1e-06, 0.0001, 1e-05, False),
        "learningRateWarmupSteps": (0, 100, 10, False),
    }


def test_the_claude_3_haiku_table_is_pinned() -> None:
    family = hp.family_of(HAIKU)

    assert family is not None and family.name == "Anthropic Claude 3 Haiku"
    assert {k: (r.low, r.high, r.default) for k, r in family.ranges.items()} == {
        "epochCount": (1, 10, 2),
        "batchSize": (4, 256, 32),
        "learningRateMultiplier": (0.1, 2, 1),
        "earlyStoppingThreshold": (0, 0.1, 0.001),
        "earlyStoppingPatience": (1, 10, 2),
    }


def test_a_base_model_given_as_an_arn_keeps_its_family() -> None:
    assert hp.family_of(NOVA_ARN) == hp.family_of(NOVA)
    assert hp.advisories(NOVA_ARN, {"epochCount": 6}) == hp.advisories(NOVA, {"epochCount": 6}) != []


@pytest.mark.parametrize("model", [None, "my-custom-model", "unknown.vendor-model-v1:0"])
def test_a_model_of_no_documented_family_gets_no_advisories(model: str | None) -> None:
    assert hp.family_of(model) is None
    assert hp.advisories(model, {"epochCount": 500, "whatever": "x"}) == []


def test_every_family_has_its_own_prefixes_and_a_table() -> None:
    names = [f.name for f in hp.FAMILIES]
    assert len(names) == len(set(names)) >= 8
    for family in hp.FAMILIES:
        assert family.id_prefixes and family.ranges
        for prefix in family.id_prefixes:
            assert hp.family_of(f"{prefix}:0") == family


# --- advisories ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "low", "high"), [("epochCount", 1, 5), ("learningRateWarmupSteps", 0, 100)])
def test_the_documented_bounds_are_inside_the_range(name: str, low: int, high: int) -> None:
    assert hp.advisories(NOVA, {name: low}) == []
    assert hp.advisories(NOVA, {name: high}) == []
    assert hp.advisories(NOVA, {name: str(high)}) == []
    (above,) = hp.advisories(NOVA, {name: high + 1})
    (below,) = hp.advisories(NOVA, {name: low - 1})
    assert f"is outside the documented range for Amazon Nova Micro/Lite/Pro: {low}-{high}" in above
    assert f"hyper_parameters[{name!r}] = {low - 1}" in below


def test_an_out_of_range_advisory_quotes_the_value_the_range_and_the_default() -> None:
    (advisory,) = hp.advisories(NOVA, {"learningRate": 0.001})

    assert advisory == (
        "hyper_parameters['learningRate'] = 0.001 is outside the documented range for Amazon Nova Micro/Lite/Pro: "
        "1e-06-0.0001 (default 1e-05)."
    )
    assert hp.advisories(NOVA, {"learningRate": 1e-06}) == hp.advisories(NOVA, {"learningRate": 0.0001}) == []
    assert len(hp.advisories(NOVA, {"learningRate": 9.9e-07})) == 1
    assert len(hp.advisories(NOVA, {"learningRate": "0.00011"})) == 1


def test_a_non_numeric_value_is_an_advisory_not_a_crash() -> None:
    (advisory,) = hp.advisories(NOVA, {"epochCount": "two"})

    assert advisory == (
        "hyper_parameters['epochCount'] = 'two' is not a number; Amazon Nova Micro/Lite/Pro expects 1-5."
    )


def test_auto_is_accepted_only_where_the_table_allows_it() -> None:
    assert hp.advisories(TITAN_EMBED, {"epochCount": "Auto"}) == []
    (refused,) = hp.advisories(NOVA, {"epochCount": "Auto"})
    assert "'Auto' is not a number" in refused
    (case,) = hp.advisories(TITAN_EMBED, {"epochCount": "auto"})
    assert "'auto' is not a number" in case


def test_every_value_gets_its_own_advisory_in_order() -> None:
    found = hp.advisories(
        NOVA, {"epochCount": 9, "learningRate": 1e-5, "temperature": 1, "learningRateWarmupSteps": -1}
    )

    assert [a.split("]", 1)[0] for a in found] == [
        "hyper_parameters['epochCount'",
        "hyper_parameters['temperature'",
        "hyper_parameters['learningRateWarmupSteps'",
    ]


def test_an_unknown_name_lists_the_documented_ones() -> None:
    (advisory,) = hp.advisories(NOVA, {"epochs": 2})

    assert advisory.startswith(
        "hyper_parameters['epochs'] is not a documented hyperparameter for Amazon Nova Micro/Lite/Pro"
    )
    assert advisory.endswith("(documented: epochCount, learningRate, learningRateWarmupSteps).")


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("epochcount", "epochCount"),
        ("EPOCHCOUNT", "epochCount"),
        ("learningrate", "learningRate"),
        ("learningRat", "learningRate"),
        ("temperature", None),
        ("epoch", None),
    ],
)
def test_a_suggestion_is_the_closest_documented_name(name: str, suggested: str | None) -> None:
    assert hp.suggestion(name, ["epochCount", "learningRate", "learningRateWarmupSteps"]) == suggested


# --- what is refused, and what is sent --------------------------------------------------------------------------


def test_a_mapping_of_names_to_values_is_taken_as_given() -> None:
    values = {"epochCount": 2, "learningRate": 1e-5, "packing": True, "mode": "Auto"}

    assert hp.checked(values) == values and hp.checked(values) is not values
    assert hp.checked(None) == {}
    assert hp.checked({}) == {}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([("epochCount", 2)], "Invalid hyper_parameters [('epochCount', 2)]: expected a mapping of names to values"),
        ({"": 2}, "Invalid hyper_parameters key '': a hyperparameter name must be a non-empty string."),
        ({3: 2}, "Invalid hyper_parameters key 3: a hyperparameter name must be a non-empty string."),
        ({"epochCount": None}, "a hyperparameter value must be a string, a number or a bool (sent as a string), got"),
        ({"epochCount": [2]}, "Invalid hyper_parameters['epochCount'] [2]: a hyperparameter value must be"),
        (
            {"learningRate": math.inf},
            "Invalid hyper_parameters['learningRate'] inf: a hyperparameter value must be a finite",
        ),
        ({"learningRate": math.nan}, "must be a finite number."),
    ],
)
def test_a_value_that_cannot_be_sent_is_refused_at_synth(values: Any, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        hp.checked(values)
    assert message in str(raised.value)


def test_the_refusal_names_the_prop_it_was_given_under() -> None:
    with pytest.raises(ValidationError, match=r"^Invalid rft\.hyper_parameters key ''"):
        hp.checked({"": 1}, "rft.hyper_parameters")


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (True, "true"),
        (False, "false"),
        (2, "2"),
        (0, "0"),
        (1e-05, "0.00001"),
        (0.0001, "0.0001"),
        (2.0, "2"),
        (2.50, "2.5"),
        (100.0, "100"),
        (1e20, "100000000000000000000"),
        (0.1, "0.1"),
        ("Auto", "Auto"),
    ],
)
def test_values_are_sent_as_plain_strings(value: Any, wire: str) -> None:
    assert hp.to_wire(value) == wire


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_value_that_is_not_a_finite_number_is_never_sent(value: float) -> None:
    with pytest.raises(ValueError, match="is not a finite number"):
        hp.to_wire(value)

"""A hyperparameter of the wrong kind is a synth error where the catalogue knows the type: a non-integer for an
integer, a value that is not a number; it names the construct, the key and the documented range."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.rules.validation import ValidationError

from .helpers import new_stack, only_request, simple_job

ROOT = Path(__file__).resolve().parents[2]
CLEAN = ROOT / "examples" / "data" / "converse" / "train.jsonl"


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("epochCount", 2.5, "an integer"),
        ("epochCount", "2.5", "an integer"),
        ("epochCount", "two", "a number"),
        ("epochCount", True, "an integer"),
        ("learningRate", "fast", "a number"),
        ("learningRateWarmupSteps", 1e-3, "an integer"),
    ],
)
def test_a_value_of_the_wrong_kind_is_a_synth_error_with_key_and_range(key: str, value: object, kind: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError) as error:
        simple_job(stack, hyper_parameters={key: value})
    message = str(error.value)
    assert message.startswith("TestStack/Job: Invalid hyper_parameters[")
    assert repr(key) in message and repr(value) in message and kind in message
    assert "Amazon Nova Micro/Lite/Pro" in message and (
        "1-5" in message or "1e-06-0.0001" in message or "0-100" in message
    )


@pytest.mark.parametrize(
    ("values", "wire"),
    [
        ({"epochCount": 2, "learningRate": 1e-5}, {"epochCount": "2", "learningRate": "0.00001"}),
        ({"epochCount": "3", "learningRate": "0.00002"}, {"epochCount": "3", "learningRate": "0.00002"}),
        ({"epochCount": 2.0}, {"epochCount": "2"}),
    ],
)
def test_values_of_the_right_kind_pass_as_strings(values: dict[str, object], wire: dict[str, str]) -> None:
    stack = new_stack()
    simple_job(stack, hyper_parameters=values)
    assert only_request(stack)["hyperParameters"] == wire


def test_a_model_the_catalogue_does_not_type_keeps_any_value() -> None:
    stack = new_stack()
    simple_job(stack, base_model="acme.widget-v1:0", hyper_parameters={"epochCount": 2.5})
    assert only_request(stack)["hyperParameters"] == {"epochCount": "2.5"}


def test_validate_data_reports_a_wrong_kind_as_an_error() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "constructs_lib",
            "validate-data",
            str(CLEAN),
            "--model",
            "amazon.nova-micro-v1:0:128k",
            "-p",
            "epochCount=2.5",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "error: Invalid hyper_parameters['epochCount'] '2.5'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("FAILED: 1 error")

"""A base model id the catalogue does not list is never silent: a synth warning with the closest ids, in the
construct and in ``validate-data`` alike; a display name is refused by both with the id to use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk.assertions import Annotations, Match

from constructs_lib.rules.validation import ValidationError

from .helpers import new_stack, simple_job

ROOT = Path(__file__).resolve().parents[2]
CLEAN = ROOT / "examples" / "data" / "converse" / "train.jsonl"


def _warnings(stack: Stack) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    return [str(message.entry.data) for message in found]


@pytest.mark.parametrize("typo", ["amazon.nova-mikro-v1:0:128k", "amazon.nova-micro-v9:0"])
@pytest.mark.parametrize("as_foundation_model", [False, True])
def test_a_mistyped_model_id_gets_a_warning_with_the_closest_catalogue_ids(
    typo: str, as_foundation_model: bool
) -> None:
    stack = new_stack()
    model = (
        bedrock.FoundationModel.from_foundation_model_id(stack, "Base", bedrock.FoundationModelIdentifier(typo))
        if as_foundation_model
        else typo
    )
    simple_job(stack, base_model=model)
    (warning,) = [w for w in _warnings(stack) if typo in w]
    assert "not a model the catalogue lists" in warning
    assert "did you mean 'amazon.nova-micro-v1:0:128k'" in warning
    assert "[ack: bedrock-customization:unknown-model]" in warning


def test_an_unknown_id_of_the_documented_shape_stays_a_warning_and_a_listed_one_is_silent() -> None:
    stack = new_stack()
    simple_job(stack, "Unknown", base_model="acme.widget-v1:0")
    simple_job(stack, "Known", base_model="amazon.nova-micro-v1:0:128k")
    simple_job(stack, "Arn", base_model="arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k")
    found = _warnings(stack)
    assert [w for w in found if "acme.widget-v1:0" in w and "not a model the catalogue lists" in w]
    assert not [w for w in found if "catalogue lists" in w and "acme" not in w]


@pytest.mark.parametrize("name", ["Amazon Nova Micro", "amazon nova micro"])
def test_the_construct_refuses_a_display_name_with_the_id_to_use(name: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=r"display name.*'amazon\.nova-micro-v1:0:128k'") as error:
        simple_job(stack, base_model=name)
    assert "TestStack/Job" in str(error.value) and "base_model" in str(error.value)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "constructs_lib", "validate-data", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_data_warns_about_an_unknown_model_with_the_closest_ids() -> None:
    result = _cli(str(CLEAN), "--model", "amazon.nova-mikro-v1:0:128k")
    assert result.returncode == 0, result.stderr
    assert "warning: --model 'amazon.nova-mikro-v1:0:128k' is not a model the catalogue lists" in result.stdout
    assert "did you mean 'amazon.nova-micro-v1:0:128k'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: 0 errors, 1 warning")
    unknown = _cli(str(CLEAN), "--model", "acme.widget-v1:0")
    assert "not a model the catalogue lists" in unknown.stdout and "OK: 0 errors, 1 warning" in unknown.stdout
    assert _cli(str(CLEAN), "--model", "acme.widget-v1:0", "--strict").returncode == 1


def test_validate_data_refuses_a_display_name_with_the_id_to_use() -> None:
    result = _cli(str(CLEAN), "--model", "Amazon Nova Micro")
    assert result.returncode == 2
    assert "display name" in result.stderr and "'amazon.nova-micro-v1:0:128k'" in result.stderr

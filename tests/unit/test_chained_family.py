"""A job chained on another job (or on an imported one whose model ARN names its base) checks its data against
the root base model's family, exactly as the same data given with that base model directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Duration, Stack

from constructs_lib import Completion, CustomizationType, ModelCustomizationJob, TrainingData
from constructs_lib.rules.validation import ValidationError

from .helpers import NOVA, new_stack, simple_job

ROOT = Path(__file__).resolve().parents[2]
PROMPT_COMPLETION = str(ROOT / "examples" / "data" / "prompt-completion" / "train.jsonl")
CUSTOM_MODEL_ARN = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{NOVA}/abcdef123456"


def _second(stack: Stack, base: object) -> ModelCustomizationJob:
    return ModelCustomizationJob(
        stack,
        "Second",
        base_model=base,  # type: ignore[arg-type]
        training_data=TrainingData.from_asset(PROMPT_COMPLETION),
        customization_type=CustomizationType.FINE_TUNING,
    )


def test_direct_nova_base_refuses_prompt_completion_data() -> None:
    with pytest.raises(ValidationError, match="Amazon Nova"):
        _second(new_stack(), NOVA)


def test_a_job_chained_on_a_job_checks_against_the_root_base_family() -> None:
    stack = new_stack()
    first = simple_job(stack, "First", completion=Completion.wait(timeout=Duration.hours(2)))
    with pytest.raises(ValidationError, match=r"(?s)TestStack/Second.*Amazon Nova") as chained:
        _second(stack, first)
    with pytest.raises(ValidationError) as direct:
        _second(new_stack(), NOVA)
    assert str(chained.value).split(": ", 1)[1] == str(direct.value).split(": ", 1)[1]


def test_a_chain_of_three_follows_to_the_root() -> None:
    stack = new_stack()
    first = simple_job(stack, "First", completion=Completion.wait(timeout=Duration.hours(2)))
    middle = simple_job(stack, "Middle", base_model=first, completion=Completion.wait(timeout=Duration.hours(2)))
    with pytest.raises(ValidationError, match="Amazon Nova"):
        _second(stack, middle)


def test_an_imported_job_with_a_known_model_arn_is_a_base_checked_by_its_family() -> None:
    stack = new_stack()
    imported = ModelCustomizationJob.from_job_attributes(
        stack,
        "Imported",
        job_arn="arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x/abcdef123456",
        custom_model_arn=CUSTOM_MODEL_ARN,
    )
    with pytest.raises(ValidationError, match="Amazon Nova"):
        _second(stack, imported)


def test_a_custom_model_arn_as_base_is_checked_by_the_base_it_names() -> None:
    with pytest.raises(ValidationError, match="Amazon Nova"):
        _second(new_stack(), CUSTOM_MODEL_ARN)

"""Hyperparameters: typed Python values on the way in, strings on the wire, checked per model family.

The ranges are the documented tables for fine-tuning and continued pre-training. Bedrock adds
families over time, so an unknown name or an out-of-table value is a warning, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .validation import ValidationError

HyperParameterValue = str | int | float | bool


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    default: float
    allows_auto: bool = False


@dataclass(frozen=True)
class ModelFamily:
    name: str
    id_prefixes: tuple[str, ...]
    ranges: Mapping[str, Range]


_TITAN_LITE = {
    "epochCount": Range(1, 10, 5),
    "batchSize": Range(1, 64, 1),
    "learningRate": Range(0, 1, 1e-5),
    "learningRateWarmupSteps": Range(0, 250, 5),
}

FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily("Titan Text G1 Lite/Express", ("amazon.titan-text-lite", "amazon.titan-text-express"), _TITAN_LITE),
    ModelFamily(
        "Titan Text Premier",
        ("amazon.titan-text-premier",),
        {
            "epochCount": Range(1, 5, 2),
            "batchSize": Range(1, 1, 1),
            "learningRate": Range(1e-7, 1e-5, 1e-6),
            "learningRateWarmupSteps": Range(0, 20, 5),
        },
    ),
    ModelFamily(
        "Amazon Nova Micro/Lite/Pro",
        ("amazon.nova-micro", "amazon.nova-lite", "amazon.nova-pro"),
        {
            "epochCount": Range(1, 5, 2),
            "learningRate": Range(1e-6, 1e-4, 1e-5),
            "learningRateWarmupSteps": Range(0, 100, 10),
        },
    ),
    ModelFamily(
        "Meta Llama 2 / 3.1 / 3.2",
        ("meta.llama2", "meta.llama3-1", "meta.llama3-2"),
        {"epochCount": Range(1, 10, 5), "batchSize": Range(1, 1, 1), "learningRate": Range(5e-6, 0.1, 1e-4)},
    ),
    ModelFamily(
        "Cohere Command Light",
        ("cohere.command-light-text",),
        {
            "epochCount": Range(1, 100, 1),
            "batchSize": Range(8, 32, 8),
            "learningRate": Range(5e-6, 0.1, 1e-5),
            "earlyStoppingThreshold": Range(0, 0.1, 0.01),
            "earlyStoppingPatience": Range(1, 10, 6),
            "evalPercentage": Range(5, 50, 20),
        },
    ),
    ModelFamily(
        "Cohere Command",
        ("cohere.command-text",),
        {
            "epochCount": Range(1, 100, 1),
            "batchSize": Range(8, 8, 8),
            "learningRate": Range(5e-6, 0.1, 1e-5),
            "earlyStoppingThreshold": Range(0, 0.1, 0.01),
            "earlyStoppingPatience": Range(1, 10, 6),
            "evalPercentage": Range(5, 50, 20),
        },
    ),
    ModelFamily(
        "Anthropic Claude 3 Haiku",
        ("anthropic.claude-3-haiku",),
        {
            "epochCount": Range(1, 10, 2),
            "batchSize": Range(4, 256, 32),
            "learningRateMultiplier": Range(0.1, 2, 1),
            "earlyStoppingThreshold": Range(0, 0.1, 0.001),
            "earlyStoppingPatience": Range(1, 10, 2),
        },
    ),
    ModelFamily(
        "Titan Multimodal Embeddings G1",
        ("amazon.titan-embed-image-v1",),
        {
            "epochCount": Range(1, 100, 1, allows_auto=True),
            "batchSize": Range(256, 9216, 576),
            "learningRate": Range(5e-8, 1, 5e-5),
        },
    ),
)


def family_of(model_id: str | None) -> ModelFamily | None:
    """The documented family a model id belongs to, from its id prefix (ARNs are cut to the id)."""
    if not model_id:
        return None
    model_id = model_id.rsplit("/", 1)[-1]
    for family in FAMILIES:
        if model_id.startswith(family.id_prefixes):
            return family
    return None


def checked(values: Any, prop: str = "hyper_parameters") -> dict[str, HyperParameterValue]:
    """The user's mapping, when every name is a string and every value one of str, int, float (finite) or bool."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValidationError(
            f"Invalid {prop} {values!r}: expected a mapping of names to values, such as "
            f"{{'epochCount': 2, 'learningRate': 1e-5}}, got {type(values).__name__}."
        )
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(f"Invalid {prop} key {name!r}: a hyperparameter name must be a non-empty string.")
        if not isinstance(value, str | int | float):  # bool is an int
            raise ValidationError(
                f"Invalid {prop}[{name!r}] {value!r}: a hyperparameter value must be a string, a number or a bool "
                f"(sent as a string), got {type(value).__name__}."
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(
                f"Invalid {prop}[{name!r}] {value!r}: a hyperparameter value must be a finite number."
            )
    return dict(values)


def to_wire(value: HyperParameterValue) -> str:
    """The API takes strings: ints as digits, floats in plain decimal (no '1e-05'), bools as 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"hyper_parameters value {value!r} is not a finite number")
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return value


def advisories(model_id: str | None, values: Mapping[str, HyperParameterValue]) -> list[str]:
    """Warnings for names the family does not document and values outside its documented range."""
    family = family_of(model_id)
    if family is None:
        return []
    found: list[str] = []
    for name, raw in values.items():
        spec = family.ranges.get(name)
        if spec is None:
            known = ", ".join(sorted(family.ranges))
            found.append(
                f"hyper_parameters[{name!r}] is not a documented hyperparameter for {family.name} "
                f"(documented: {known})."
            )
            continue
        if isinstance(raw, str):
            if raw == "Auto" and spec.allows_auto:
                continue
            try:
                number = float(raw)
            except ValueError:
                found.append(
                    f"hyper_parameters[{name!r}] = {raw!r} is not a number; {family.name} expects "
                    f"{spec.low:g}-{spec.high:g}."
                )
                continue
        else:
            number = float(raw)
        if not spec.low <= number <= spec.high:
            found.append(
                f"hyper_parameters[{name!r}] = {raw!r} is outside the documented range for {family.name}: "
                f"{spec.low:g}-{spec.high:g} (default {spec.default:g})."
            )
    return found

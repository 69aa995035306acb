"""Hyperparameters: typed Python values on the way in, strings on the wire, checked per model family.

The ranges are the documented tables for fine-tuning and continued pre-training, kept with each base
model in the model catalogue (constructs_lib.catalogue), which the dataset checks read too. Bedrock adds
families over time, so an unknown name or an out-of-table value is a warning, not an error.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import catalogue
from .catalogue import Range
from .validation import ValidationError

HyperParameterValue = str | int | float | bool

__all__ = [
    "FAMILIES",
    "HyperParameterValue",
    "ModelFamily",
    "Range",
    "advisories",
    "checked",
    "family_of",
    "suggestion",
    "to_wire",
    "type_errors",
]


@dataclass(frozen=True)
class ModelFamily:
    """The models that share one documented hyperparameter table (read from the model catalogue)."""

    name: str
    id_prefixes: tuple[str, ...]
    ranges: Mapping[str, Range]


def _families() -> tuple[ModelFamily, ...]:
    prefixes: dict[str, list[str]] = {}
    tables: dict[str, catalogue.HyperparameterTable] = {}
    for entry in catalogue.MODELS:
        if entry.hyperparameters is not None:
            tables.setdefault(entry.hyperparameters.name, entry.hyperparameters)
            prefixes.setdefault(entry.hyperparameters.name, []).extend(entry.id_prefixes)
    return tuple(ModelFamily(name, tuple(prefixes[name]), table.ranges) for name, table in tables.items())


FAMILIES: tuple[ModelFamily, ...] = _families()
_BY_NAME = {family.name: family for family in FAMILIES}


def family_of(model_id: str | None) -> ModelFamily | None:
    """The documented family a model id belongs to (the catalogue's entry; ARNs and profiles are cut to the id)."""
    entry = catalogue.model_entry(model_id)
    if entry is None or entry.hyperparameters is None:
        return None
    return _BY_NAME[entry.hyperparameters.name]


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


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The documented name closest to a misspelt one (case ignored: ``epochcount`` -> ``epochCount``), if any."""
    by_folded = {k.casefold(): k for k in known}
    if name.casefold() in by_folded:
        return by_folded[name.casefold()]
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.75)
    return by_folded[close[0]] if close else None


def _number(raw: HyperParameterValue) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def type_errors(
    model_id: str | None, values: Mapping[str, HyperParameterValue], prop: str = "hyper_parameters"
) -> dict[str, str]:
    """Name -> error, for values of a kind the family's table does not take: not a number, or not an integer
    where the table's Type is integer (``2.0`` and ``"2"`` are integers; ``True`` is not a number here)."""
    family = family_of(model_id)
    if family is None:
        return {}
    found: dict[str, str] = {}
    for name, raw in values.items():
        spec = family.ranges.get(name)
        if spec is None or (raw == "Auto" and spec.allows_auto):
            continue
        number = _number(raw)
        kind = "an integer" if spec.integer else "a number"
        documented = (
            f"{family.name} documents {name} as {kind} in {spec.low:g}-{spec.high:g} (default {spec.default:g})"
        )
        if number is None:
            found[name] = f"Invalid {prop}[{name!r}] {raw!r}: not a number: {documented}."
        elif spec.integer and not number.is_integer():
            found[name] = f"Invalid {prop}[{name!r}] {raw!r}: expected {kind}, got a fraction: {documented}."
    return found


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
            hint = suggestion(name, family.ranges)
            found.append(
                f"hyper_parameters[{name!r}] is not a documented hyperparameter for {family.name}"
                f"{f'; did you mean {hint!r}?' if hint else ''} (documented: {known})."
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

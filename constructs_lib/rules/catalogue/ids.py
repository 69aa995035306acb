"""Is a base model id one the catalogue lists? An unknown id is a warning with the closest listed ids (AWS adds
models, so never an error); a model's display name ("Amazon Nova Micro") is refused with the id to use.

Read by the construct (a synth warning) and by ``validate-data`` alike, so both say the same thing.
"""

from __future__ import annotations

import difflib

from . import model_entry, model_id
from .models import MODELS

UNKNOWN_MODEL_ACK = "bedrock-customization:unknown-model"
LIST_COMMAND = "aws bedrock list-foundation-models --by-customization-type FINE_TUNING"


def _documented(entry_name: str) -> str:
    entry = next(e for e in MODELS if e.name == entry_name)
    return " or ".join(repr(i) for i in entry.ids) if entry.ids else f"an id starting {entry.id_prefixes[0]!r}"


def display_name_error(value: str, prop: str) -> str | None:
    """The message for a model's display name given where its id belongs, else None."""
    folded = " ".join(value.split()).casefold()
    for entry in MODELS:
        if entry.name.casefold() == folded:
            return (
                f"Invalid {prop} {value!r}: this is the display name of a model; give its model id: "
                f"{_documented(entry.name)} (custom-model-supported; {LIST_COMMAND} lists them)."
            )
    return None


def _candidates() -> list[str]:
    found: list[str] = []
    for entry in MODELS:
        found.extend(entry.ids or entry.id_prefixes)
    return found


def closest_ids(value: str, count: int = 3) -> list[str]:
    """The catalogue's ids closest to a mistyped one (difflib)."""
    return difflib.get_close_matches(value, _candidates(), n=count, cutoff=0.6)


def plain_model_id(value: str) -> str | None:
    """The model id a base-model value names, where it names one: an id, a foundation-model ARN or an inference
    profile; None for a custom model name or another ARN (a custom model, a provisioned model)."""
    if value.startswith("arn:"):
        return model_id(value) if ":foundation-model/" in value else None
    if "." not in value:
        return None  # a custom model name has no dot
    return model_id(value)


def unknown_model_advisory(value: str, prop: str) -> str | None:
    """A warning for a model id the catalogue does not list, with the closest ids it does; None when listed."""
    found = plain_model_id(value)
    if found is None or model_entry(found) is not None:
        return None
    close = closest_ids(found)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "."
    return (
        f"{prop} {value!r} is not a model the catalogue lists{hint} AWS adds models, so this is a warning only: "
        f"if {found!r} is right, {LIST_COMMAND} lists it in your Region (custom-model-supported); the data and "
        "hyperparameter checks then use the rules every model of its customization type shares."
    )

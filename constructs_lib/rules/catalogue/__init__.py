"""The model catalogue: one table of the customizable base models, read by the dataset checks, the
hyperparameter advisories and the CLI. It never imports aws-cdk-lib (``validate-data`` runs without it).

A model is found by its id (an ARN or an inference profile id is cut to the model id); a model the
catalogue does not list gets the rules every model of its customization type shares.
"""

from __future__ import annotations

import re

from .models import CPT, DISTILLATION, DISTILLATION_DEFAULT, FT, MODELS, PROVIDERS, RFT, RFT_DEFAULT
from .sources import SOURCES, Source
from .types import (
    CONVERSE_SCHEMA,
    DataFormat,
    DatasetSpec,
    HyperparameterTable,
    Limit,
    Media,
    ModelEntry,
    Provider,
    Range,
    SchemaVersion,
)

__all__ = [
    "CONVERSE_SCHEMA",
    "CPT",
    "DISTILLATION",
    "FT",
    "MODELS",
    "PROVIDERS",
    "RFT",
    "SOURCES",
    "DataFormat",
    "DatasetSpec",
    "HyperparameterTable",
    "Limit",
    "Media",
    "ModelEntry",
    "Provider",
    "Range",
    "SchemaVersion",
    "Source",
    "context_tokens",
    "dataset_spec",
    "model_entry",
    "model_id",
    "provider",
]

# Cross-Region inference profiles put a geography in front of the model id (us.anthropic.claude-...).
_PROFILE_PREFIX = re.compile(r"^(?:us|us-gov|eu|apac|jp|au|ca|global)\.(?=[a-z0-9-]+\.)")
_CONTEXT = re.compile(r":(\d+)k$")

# What every model of a customization type takes when the catalogue lists no rules for it.
GENERIC: dict[str, DatasetSpec] = {
    FT: DatasetSpec(formats=(DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE, DataFormat.CLAUDE), source="text-ft"),
    CPT: DatasetSpec(formats=(DataFormat.PRETRAINING,), source="jsonl"),
    DISTILLATION: DISTILLATION_DEFAULT,
    RFT: RFT_DEFAULT,
}
NO_FORMAT = DatasetSpec(formats=(), source="jsonl")


def model_id(model: str | None) -> str | None:
    """The plain model id of an id, a foundation-model ARN or an inference profile (id or ARN)."""
    if not model:
        return None
    return _PROFILE_PREFIX.sub("", model.rsplit("/", 1)[-1])


def is_inference_profile(model: str) -> bool:
    """A cross-Region inference profile id (``us.amazon.nova-pro-v1:0``): its Region-group prefix, then a model id."""
    return _PROFILE_PREFIX.match(model) is not None


def model_entry(model: str | None) -> ModelEntry | None:
    """The catalogue's entry for a model, by the prefix of its id."""
    found = model_id(model)
    if found is None:
        return None
    for entry in MODELS:
        if found.startswith(entry.id_prefixes):
            return entry
    return None


def provider(model: str | None) -> Provider | None:
    found = model_id(model)
    if found is None:
        return None
    for candidate in PROVIDERS:
        if found.startswith(candidate.prefix):
            return candidate
    return None


def dataset_spec(customization_type: str, model: str | None) -> DatasetSpec:
    """What the data sets of a customization type of a model must be (the shared rules when unlisted)."""
    entry = model_entry(model)
    if entry is not None and customization_type in entry.datasets:
        return entry.datasets[customization_type]
    return GENERIC.get(customization_type, NO_FORMAT)


def context_tokens(model: str | None) -> int | None:
    """The inference context a model id states in its last part (``amazon.nova-micro-v1:0:128k`` -> 128,000)."""
    if not model:
        return None
    match = _CONTEXT.search(model)
    return int(match.group(1)) * 1000 if match else None

"""The shapes of the model catalogue: formats, limits with their sources, dataset rules, hyperparameter tables.

Plain frozen data, no behaviour: the dataset checks (constructs_lib.datasets) and the hyperparameter
advisories (constructs_lib.hyperparameters) read it. Every limit and rule names the key of its source
in ``sources.SOURCES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

CONVERSE_SCHEMA = "bedrock-conversation-2024"


class DataFormat(Enum):
    """A record shape Bedrock reads; the value is how messages describe it."""

    PROMPT_COMPLETION = 'prompt/completion ({"prompt": str, "completion": str})'
    CONVERSE = f'Converse ({{"schemaVersion": "{CONVERSE_SCHEMA}", "system": [...], "messages": [...]}})'
    CLAUDE = 'Claude 3 Haiku messages ({"system": str, "messages": [{"role", "content": str}]})'
    PRETRAINING = 'continued pre-training ({"input": str})'
    IMAGE_CAPTION = 'image/caption ({"image-ref": "s3://...", "caption": str})'
    RFT_CHAT = 'OpenAI chat prompts ({"messages": [{"role", "content": str}], "reference_answer": ...})'

    @property
    def short(self) -> str:
        return self.value.split(" (", 1)[0]


class SchemaVersion(Enum):
    """What a Converse record's ``schemaVersion`` must be."""

    ANY = "any string, or none"
    OPTIONAL_EXACT = f"none, or {CONVERSE_SCHEMA!r}"
    REQUIRED_EXACT = f"{CONVERSE_SCHEMA!r}"
    UNCONFIRMED = f"{CONVERSE_SCHEMA!r} as documented for text models (unconfirmed for this model)"


@dataclass(frozen=True)
class Limit:
    """A documented bound. ``hard``: Bedrock rejects data past it (an error); otherwise a warning."""

    value: int
    source: str
    hard: bool = False


@dataclass(frozen=True)
class Media:
    """Which media a Converse user turn may hold, and the documented bounds on them."""

    kinds: frozenset[str]
    """Of "image", "video", "document"; empty for a text-only model."""
    source: str
    image_formats: tuple[str, ...] = ()
    video_formats: tuple[str, ...] = ()
    max_images: int | None = None
    max_videos: int | None = None
    max_documents: int | None = None
    one_modality: bool = False
    """Images or videos in one data set, never both."""
    same_bucket: bool = False
    """Media must be in the data set's own S3 bucket."""
    turn_source: str | None = None
    """Set when media belong in user turns only."""
    formats_source: str | None = None
    uri_chars_source: str | None = None
    """Set when a validator allows only letters, digits, ``_-/.`` in media URIs."""


@dataclass(frozen=True)
class DatasetSpec:
    """What one customization type of one model takes, each rule with the key of its source."""

    formats: tuple[DataFormat, ...]
    source: str
    schema_version: SchemaVersion = SchemaVersion.UNCONFIRMED
    media: Media | None = None
    """None: media blocks need only an s3:// URI (nothing else is known)."""
    reasoning_source: str | None = None
    """Set when assistant turns may hold ``reasoningContent``."""
    tools_warning_source: str | None = None
    """Set when tool use is documented as likely to fail."""
    reserved_words: tuple[str, ...] = ()
    reserved_words_source: str | None = None
    reserved_words_validator: str | None = None
    """An AWS validator that matches the reserved words without regard to case, in every turn."""
    validator_only_words: tuple[str, ...] = ()
    """Words only that validator rejects (a warning: the guide does not list them)."""
    tools_source: str | None = None
    """Set when ``toolConfig``, ``toolUse`` and ``toolResult`` are part of the format."""
    empty_text_source: str | None = None
    """Set when a message of empty text only is rejected (not just unhelpful)."""
    multi_turn: bool = True
    reply_required: bool = True
    structure_source: str | None = None
    """The source of the structural limits below, when not the format's own page (an AWS validator's schema)."""
    system_blocks: tuple[int, int] | None = None
    one_text_block: bool = False
    """Each message holds exactly one text block (the distillation schema)."""
    extra_fields_error: bool = False
    """Fields outside the format are errors (documented as not allowed), not warnings."""
    min_records: Limit | None = None
    max_records: Limit | None = None
    min_validation_records: Limit | None = None
    max_validation_records: Limit | None = None
    max_training_bytes: Limit | None = None
    max_validation_bytes: Limit | None = None
    record_tokens: Limit | None = None
    """The per-record token limit for training (not the inference context in the model id)."""
    record_tokens_chars_per_token: int | None = None
    """The source's own, stricter estimate: over the limit at this rate only is a warning."""
    validation_unsupported_source: str | None = None
    caption_chars: tuple[Limit, Limit] | None = None
    image_extensions: tuple[str, ...] = ()
    image_extensions_source: str | None = None


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    default: float
    allows_auto: bool = False
    integer: bool = False
    """The table's Type column says integer: a non-integer value is an error, not a warning."""


@dataclass(frozen=True)
class HyperparameterTable:
    """A documented hyperparameter table; ``name`` is the family the documentation gives it."""

    name: str
    ranges: Mapping[str, Range]


@dataclass(frozen=True)
class ModelEntry:
    """One customizable base model: a new base model is one of these."""

    name: str
    id_prefixes: tuple[str, ...]
    data_family: str
    """The name dataset messages use (models that share their data rules share it)."""
    datasets: Mapping[str, DatasetSpec] = field(default_factory=dict)
    """Customization type (the API's value) -> what its data sets must be."""
    hyperparameters: HyperparameterTable | None = None
    ids: tuple[str, ...] = ()
    """The model ids the documentation lists for it ("custom-model-supported"), for "did you mean" hints."""


@dataclass(frozen=True)
class Provider:
    """A model provider, by the prefix of its model ids."""

    name: str
    prefix: str
    distillation_multi_turn: bool
    source: str

"""The customizable base models: per model, its data set rules per customization type and its hyperparameters.

Each rule names its source (see ``sources.py``); the README's dataset table is this file in prose.
Adding a base model is adding one ``ModelEntry`` to ``MODELS``.
"""

from __future__ import annotations

from dataclasses import replace

from .hyperparameters import (
    COHERE,
    COHERE_LIGHT,
    HAIKU,
    LLAMA,
    NOVA,
    TITAN_EMBED,
    TITAN_LITE_EXPRESS,
    TITAN_PREMIER,
)
from .types import DataFormat, DatasetSpec, Limit, Media, ModelEntry, Provider, SchemaVersion

FT = "FINE_TUNING"
CPT = "CONTINUED_PRE_TRAINING"
DISTILLATION = "DISTILLATION"
RFT = "REINFORCEMENT_FINE_TUNING"

_GB = 1000**3
_MB = 1000**2

# ---- Amazon Nova understanding models ------------------------------------------------------------------

# nova-ft: "The terms User:, Bot:, Assistant:, System:, <image>, <video>, and [EOS] are reserved keywords."
NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")
NOVA_VALIDATOR_ONLY = ("<unk>",)  # nova-validator: INVALID_TOKENS_TEXT also holds "<unk>"
# nova-validator: MODEL_TO_NUM_SAMPLES_MAP, (8, 20000) for micro, lite and pro
_NOVA_MIN = Limit(8, "nova-validator")
_NOVA_MAX = Limit(20_000, "nova-validator")
_NOVA1_MEDIA = Media(
    kinds=frozenset({"image", "video", "document"}),
    source="nova-ft",
    image_formats=("jpeg", "png", "gif", "webp"),  # nova-validator: IMAGE_FORMATS
    video_formats=("mov", "mkv", "mp4", "webm"),  # nova-validator: VIDEO_FORMATS
    max_images=10,  # nova-validator: MAX_NUM_IMAGES
    max_videos=1,  # nova-ft: "One sample ... can have only 1 video"
    max_documents=1,  # nova-validator: "Only one document is allowed per sample"
    one_modality=True,  # nova-ft: "Dataset can't contain different media modalities"
    same_bucket=True,  # nova-ft: "The images or videos must be in the same Amazon S3 bucket as your dataset"
    turn_source="nova-validator",  # "image/video/document/toolResult cannot be included when role is 'assistant'"
    formats_source="nova-validator",
    uri_chars_source="nova-validator",  # is_valid_path: r"^[\w\-/\.]+$"
)
# The Nova validator and the request schema: "Amazon Nova Micro does not support images or videos".
_NOVA_MICRO_MEDIA = Media(kinds=frozenset(), source="nova-validator", turn_source="nova-validator")


def _nova_ft(media: Media) -> DatasetSpec:
    return DatasetSpec(
        formats=(DataFormat.CONVERSE,),
        source="nova-ft",
        schema_version=SchemaVersion.ANY,  # nova-ft: "schemaVersion can be any string value"
        media=media,
        reserved_words=NOVA_RESERVED,
        reserved_words_source="nova-ft",
        reserved_words_validator="nova-validator",
        validator_only_words=NOVA_VALIDATOR_ONLY,
        tools_source="nova-validator",  # ConverseDatasetSample.toolConfig, ContentItem.toolUse / toolResult
        empty_text_source="nova-validator",  # "Invalid content, empty text content"
        min_records=_NOVA_MIN,
        max_records=_NOVA_MAX,
    )


def _distillation(provider_source: str = "distill-prompts") -> DatasetSpec:
    """distill-prompts: schemaVersion required, optional system, a user prompt, an optional reply."""
    return DatasetSpec(
        formats=(DataFormat.CONVERSE,),
        source=provider_source,
        schema_version=SchemaVersion.REQUIRED_EXACT,
        media=Media(kinds=frozenset(), source="distill-validator"),  # schema: one text item per message
        reply_required=False,
        structure_source="distill-validator",
        system_blocks=(1, 1),  # distill-validator schema: system minItems 1, maxItems 1
        one_text_block=True,  # distill-validator schema: content minItems 1, maxItems 1, {"text"}
        extra_fields_error=True,  # distill-validator schema: additionalProperties false
        min_records=Limit(100, "distill-validator"),  # MIN_NUM_PROMPTS (invalid prompts are dropped)
        max_training_bytes=Limit(1 * _GB, "distill-validator"),  # MAX_SIZE: 1 GB
    )


DISTILLATION_DEFAULT = _distillation()

_NOVA1 = {DISTILLATION: DISTILLATION_DEFAULT}
_NOVA2_SFT = DatasetSpec(
    formats=(DataFormat.CONVERSE,),
    source="nova2-sft",
    schema_version=SchemaVersion.ANY,  # nova-validator: schemaVersion Optional[str]
    media=Media(
        kinds=frozenset({"image", "video", "document"}),
        source="nova2-sft",
        image_formats=("png", "jpeg", "gif"),  # nova2-sft: "Images - PNG, JPEG, GIF"
        video_formats=("mov", "mkv", "mp4"),  # nova2-sft: "Videos - MOV, MKV, MP4"
        max_images=10,
        max_videos=1,
        max_documents=1,
        one_modality=True,  # nova2-sft: "You cannot mix images and videos within the same dataset"
        same_bucket=True,
        turn_source="nova2-sft",  # "Input types - Text, image, or video in user content blocks"
        formats_source="nova2-sft",
        uri_chars_source="nova-validator",
    ),
    reasoning_source="nova2-sft",  # nova2-sft: "Assistant content - Text-only responses and reasoning content"
    tools_warning_source="nova2-sft",  # nova2-sft: "Adding tool sections might cause your job to fail."
    reserved_words=NOVA_RESERVED,
    reserved_words_source="nova-ft",
    reserved_words_validator="nova-validator",
    validator_only_words=NOVA_VALIDATOR_ONLY,
    tools_source="nova-validator",
    empty_text_source="nova-validator",
    min_records=Limit(200, "nova-validator"),  # NOVA_2_0_LITE_SAMPLE_BOUNDS["SFT"] = (200, 20000)
    max_records=Limit(20_000, "nova-validator"),
    validation_unsupported_source="nova2-sft",  # "Validation sets ... will not be supported during SFT training"
)
_NOVA_RFT = DatasetSpec(
    formats=(DataFormat.RFT_CHAT,),
    source="rft-nova",
    min_records=Limit(100, "rft-nova"),  # "A minimum of 100 records in training dataset"
    max_records=Limit(20_000, "nova-validator"),  # NOVA_2_0_LITE_SAMPLE_BOUNDS["RFT"] = (100, 20000)
)
_OPEN_WEIGHT_RFT = DatasetSpec(
    formats=(DataFormat.RFT_CHAT,),
    source="rft-open-weight",
    min_records=Limit(100, "rft-open-weight"),  # "OpenAI chat completions format with 100-20K examples"
    max_records=Limit(20_000, "rft-open-weight"),
)
RFT_DEFAULT = DatasetSpec(formats=(DataFormat.RFT_CHAT,), source="rft-nova", min_records=Limit(100, "rft-nova"))

# ---- Amazon Titan ----------------------------------------------------------------------------------------

# bedrock-limits: "Character quota per sample in dataset: Token quota x 6"; 4,096 tokens at the smallest batch
# size for Titan Text Premier, G1 Express and G1 Lite (fine-tuning and continued pre-training).
_TITAN_TOKENS = Limit(4_096, "bedrock-limits", hard=True)
_TITAN_FT = DatasetSpec(
    formats=(DataFormat.PROMPT_COMPLETION,),  # jsonl: Titan Text takes no single- or multi-turn messaging
    source="text-ft",
    record_tokens=_TITAN_TOKENS,
    max_training_bytes=Limit(1 * _GB, "bedrock-limits"),
    max_validation_bytes=Limit(100 * _MB, "bedrock-limits"),
)
_TITAN_CPT = DatasetSpec(
    formats=(DataFormat.PRETRAINING,),
    source="jsonl",
    record_tokens=_TITAN_TOKENS,
    max_training_bytes=Limit(10 * _GB, "bedrock-limits"),
    max_validation_bytes=Limit(100 * _MB, "bedrock-limits"),
)
_JPEG_PNG = (".jpg", ".jpeg", ".png")  # image-ft / nova-canvas-ft: "The images must be in JPEG or PNG format."


def _image_caption(
    source: str,
    *,
    validation: bool,
    caption_chars: tuple[Limit, Limit] | None = None,
    min_records: Limit | None = None,
    max_records: Limit | None = None,
) -> DatasetSpec:
    return DatasetSpec(
        formats=(DataFormat.IMAGE_CAPTION,),
        source=source,
        image_extensions=_JPEG_PNG,
        image_extensions_source=source,
        # image-ft: "Validation datasets are not supported."
        validation_unsupported_source=None if validation else source,
        caption_chars=caption_chars,
        min_records=min_records,
        max_records=max_records,
    )


# ---- Anthropic Claude 3 Haiku ----------------------------------------------------------------------------

_HAIKU_FT = DatasetSpec(
    formats=(DataFormat.CLAUDE,),
    source="haiku-cookbook",
    extra_fields_error=True,  # haiku-cookbook: "No extraneous keys are allowed."
    reserved_words=("\nHuman:", "\nAssistant:"),  # haiku-validator: RESERVED_KEYWORDS
    reserved_words_source="haiku-validator",
    min_records=Limit(32, "haiku-validator"),  # MIN_LINES
    max_records=Limit(10_000, "haiku-validator"),  # MAX_TRAINING_LINES
    # The validator also wants 32 validation lines; left out while examples/data/claude-haiku ships 8 (see README).
    max_validation_records=Limit(1_000, "haiku-validator"),  # MAX_VALIDATION_LINES
    max_training_bytes=Limit(10 * 1024**3, "haiku-validator"),  # MAX_TRAINING_SIZE_GB (GiB in the script)
    max_validation_bytes=Limit(1 * 1024**3, "haiku-validator"),
    record_tokens=Limit(32_000, "haiku-validator", hard=True),  # MAX_TOKENS, not the 200k inference context
    record_tokens_chars_per_token=3,  # the validator's CHARS_PER_TOKEN
)

# ---- Meta Llama, Cohere ----------------------------------------------------------------------------------

_LLAMA_MIN = Limit(100, "unconfirmed")
_LLAMA_MAX = Limit(10_000, "llama-validator")  # MAX_TRAIN_RECORDS
_LLAMA_MAX_VALIDATION = Limit(1_000, "llama-validator")  # MAX_VALIDATION_RECORDS
# llama-validator: "Input token length of each dataset row <= 16K (10K for Llama 3.2 90B model)"
_LLAMA_PC = DatasetSpec(
    formats=(DataFormat.PROMPT_COMPLETION,),  # llama-validator: 3.1 8B/70B take prompt-completion
    source="llama-validator",
    record_tokens=Limit(16_000, "llama-validator"),
    min_records=_LLAMA_MIN,
    max_records=_LLAMA_MAX,
    max_validation_records=_LLAMA_MAX_VALIDATION,
)


def _llama_converse(media: Media, tokens: int = 16_000) -> DatasetSpec:
    return DatasetSpec(
        formats=(DataFormat.CONVERSE,),  # llama-validator: 3.2 models take the Converse format
        source="llama-validator",
        schema_version=SchemaVersion.OPTIONAL_EXACT,  # schema: "const": "bedrock-conversation-2024"
        media=media,
        system_blocks=(1, 1),  # schema: system minItems 1, maxItems 1
        record_tokens=Limit(tokens, "llama-validator"),
        min_records=_LLAMA_MIN,
        max_records=_LLAMA_MAX,
        max_validation_records=_LLAMA_MAX_VALIDATION,
    )


_LLAMA_TEXT = Media(kinds=frozenset(), source="llama-validator")
_LLAMA_VISION = Media(
    kinds=frozenset({"image"}),
    source="llama-validator",
    image_formats=("png", "jpeg", "gif", "webp"),  # README: "Format must be one of png, jpeg, gif, webp"
    turn_source="llama-validator",  # "Prevents assistant messages from containing images"
    formats_source="llama-validator",
)
_COHERE_FT = DatasetSpec(
    formats=(DataFormat.PROMPT_COMPLETION,),  # jsonl: Cohere Command takes no messaging formats
    source="text-ft",
    max_records=Limit(10_000, "unconfirmed"),
    max_validation_records=Limit(1_000, "unconfirmed"),
)
_LLAMA2_FT = DatasetSpec(formats=(DataFormat.PROMPT_COMPLETION,), source="jsonl")

MODELS: tuple[ModelEntry, ...] = (
    ModelEntry(
        "Amazon Nova Micro",
        ("amazon.nova-micro-v1",),
        "Amazon Nova",
        {**_NOVA1, FT: _nova_ft(_NOVA_MICRO_MEDIA)},
        NOVA,
    ),
    ModelEntry(
        "Amazon Nova Lite", ("amazon.nova-lite-v1",), "Amazon Nova", {**_NOVA1, FT: _nova_ft(_NOVA1_MEDIA)}, NOVA
    ),
    ModelEntry("Amazon Nova Pro", ("amazon.nova-pro-v1",), "Amazon Nova", {**_NOVA1, FT: _nova_ft(_NOVA1_MEDIA)}, NOVA),
    ModelEntry("Amazon Nova 2 Lite", ("amazon.nova-2-lite-v1",), "Amazon Nova 2", {FT: _NOVA2_SFT, RFT: _NOVA_RFT}),
    ModelEntry(
        "Amazon Nova Canvas",
        ("amazon.nova-canvas-v1",),
        "Amazon Nova Canvas",
        {FT: _image_caption("nova-canvas-ft", validation=True)},
    ),
    ModelEntry(
        "Titan Text G1 Express",
        ("amazon.titan-text-express-v1",),
        "Titan Text",
        {FT: _TITAN_FT, CPT: _TITAN_CPT},
        TITAN_LITE_EXPRESS,
    ),
    ModelEntry(
        "Titan Text G1 Lite",
        ("amazon.titan-text-lite-v1",),
        "Titan Text",
        {FT: _TITAN_FT, CPT: _TITAN_CPT},
        TITAN_LITE_EXPRESS,
    ),
    ModelEntry("Titan Text Premier", ("amazon.titan-text-premier-v1",), "Titan Text", {FT: _TITAN_FT}, TITAN_PREMIER),
    ModelEntry(
        "Titan Image Generator G1",
        ("amazon.titan-image-generator-v1", "amazon.titan-image-generator-v2"),
        "Titan Image Generator G1",
        {
            FT: _image_caption(
                "image-ft",
                validation=False,
                caption_chars=(Limit(3, "bedrock-limits"), Limit(1_024, "bedrock-limits")),
                min_records=Limit(5, "bedrock-limits"),
                max_records=Limit(10_000, "bedrock-limits"),
            )
        },
    ),
    ModelEntry(
        "Titan Multimodal Embeddings G1",
        ("amazon.titan-embed-image-v1",),
        "Titan Multimodal Embeddings G1",
        {
            FT: _image_caption(
                "image-ft",
                validation=False,
                caption_chars=(Limit(0, "bedrock-limits"), Limit(2_560, "bedrock-limits")),
                min_records=Limit(1_000, "bedrock-limits"),
                max_records=Limit(500_000, "bedrock-limits"),
            )
        },
        TITAN_EMBED,
    ),
    ModelEntry(
        "Claude 3 Haiku",
        ("anthropic.claude-3-haiku-20240307-v1",),
        "Claude 3 Haiku",
        {FT: _HAIKU_FT, DISTILLATION: DISTILLATION_DEFAULT},
        HAIKU,
    ),
    ModelEntry("Cohere Command", ("cohere.command-text-v14",), "Cohere Command", {FT: _COHERE_FT}, COHERE),
    ModelEntry(
        "Cohere Command Light", ("cohere.command-light-text-v14",), "Cohere Command", {FT: _COHERE_FT}, COHERE_LIGHT
    ),
    ModelEntry("Meta Llama 2", ("meta.llama2-13b", "meta.llama2-70b"), "Meta Llama 2", {FT: _LLAMA2_FT}, LLAMA),
    ModelEntry(
        "Meta Llama 3.1",
        ("meta.llama3-1-8b-instruct", "meta.llama3-1-70b-instruct"),
        "Meta Llama 3.x",
        {FT: _LLAMA_PC, DISTILLATION: DISTILLATION_DEFAULT},
        LLAMA,
    ),
    ModelEntry(
        "Meta Llama 3.2 text",
        ("meta.llama3-2-1b-instruct", "meta.llama3-2-3b-instruct"),
        "Meta Llama 3.x",
        {FT: _llama_converse(_LLAMA_TEXT), DISTILLATION: DISTILLATION_DEFAULT},
        LLAMA,
    ),
    ModelEntry(
        "Meta Llama 3.2 11B Vision",
        ("meta.llama3-2-11b-instruct",),
        "Meta Llama 3.x",
        {FT: _llama_converse(_LLAMA_VISION)},
        LLAMA,
    ),
    ModelEntry(
        "Meta Llama 3.2 90B Vision",
        ("meta.llama3-2-90b-instruct",),
        "Meta Llama 3.x",
        {FT: _llama_converse(_LLAMA_VISION, tokens=10_000)},
        LLAMA,
    ),
    ModelEntry("OpenAI gpt-oss-20b", ("openai.gpt-oss-20b",), "OpenAI gpt-oss", {RFT: _OPEN_WEIGHT_RFT}),
    ModelEntry("Qwen3 32B", ("qwen.qwen3-32b",), "Qwen3", {RFT: _OPEN_WEIGHT_RFT}),
)

# custom-model-supported: the model ids the Bedrock user guide's table lists, per catalogue entry.
_DOCUMENTED_IDS: dict[str, tuple[str, ...]] = {
    "Amazon Nova Micro": ("amazon.nova-micro-v1:0:128k",),
    "Amazon Nova Lite": ("amazon.nova-lite-v1:0:300k",),
    "Amazon Nova Pro": ("amazon.nova-pro-v1:0:300k",),
    "Amazon Nova 2 Lite": ("amazon.nova-2-lite-v1:0:256k",),
    "Amazon Nova Canvas": ("amazon.nova-canvas-v1:0",),
    "Titan Text G1 Express": ("amazon.titan-text-express-v1:0:8k",),
    "Titan Image Generator G1": ("amazon.titan-image-generator-v1:0", "amazon.titan-image-generator-v2:0"),
    "Titan Multimodal Embeddings G1": ("amazon.titan-embed-image-v1:0",),
    "Claude 3 Haiku": ("anthropic.claude-3-haiku-20240307-v1:0:200k",),
    "Meta Llama 3.1": ("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-70b-instruct-v1:0:128k"),
    "Meta Llama 3.2 text": ("meta.llama3-2-1b-instruct-v1:0:128k", "meta.llama3-2-3b-instruct-v1:0:128k"),
    "Meta Llama 3.2 11B Vision": ("meta.llama3-2-11b-instruct-v1:0:128k",),
}
MODELS = tuple(replace(entry, ids=_DOCUMENTED_IDS.get(entry.name, ())) for entry in MODELS)

# distill-prompts: "Anthropic and Meta Llama models support only single-turn conversation prompts ... The Amazon
# Nova models support multi-turn conversations".
PROVIDERS: tuple[Provider, ...] = (
    Provider("Anthropic", "anthropic.", distillation_multi_turn=False, source="distill-prompts"),
    Provider("Meta", "meta.", distillation_multi_turn=False, source="distill-prompts"),
    Provider("Amazon Nova", "amazon.nova-", distillation_multi_turn=True, source="distill-prompts"),
)

"""The flat record formats: prompt/completion, continued pre-training ``input``, image/caption."""

from __future__ import annotations

from typing import Any

from ..catalogue import DataFormat
from .base import RecordFormat, extra_keys, good_text, kind, text_field
from .report import ERR, WARN, Emit

_PC_KEYS = frozenset({"prompt", "completion"})
_INPUT_KEYS = frozenset({"input"})
_IMAGE_KEYS = frozenset({"image-ref", "caption"})


class PromptCompletion(RecordFormat):
    """``{"prompt", "completion"}`` (text-ft: "Non-conversational tasks")."""

    format = DataFormat.PROMPT_COMPLETION

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        return "prompt" in record or "completion" in record

    def fast(self, record: dict[str, Any]) -> int:
        prompt = record.get("prompt")
        completion = record.get("completion")
        if len(record) == 2 and good_text(prompt) and good_text(completion):
            return len(prompt) + len(completion)  # type: ignore[arg-type]
        return -1

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        source = self.spec.source
        chars = text_field(record, "prompt", line, emit, "prompt", source)
        chars += text_field(record, "completion", line, emit, "completion", source)
        if not _PC_KEYS.issuperset(record):
            extra_keys(record, _PC_KEYS, line, emit, "prompt/completion", False, source)
        return chars


class Pretraining(RecordFormat):
    """``{"input"}`` (jsonl: the continued pre-training format)."""

    format = DataFormat.PRETRAINING

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        return "input" in record

    def fast(self, record: dict[str, Any]) -> int:
        text = record.get("input")
        return len(text) if len(record) == 1 and good_text(text) else -1  # type: ignore[arg-type]

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        chars = text_field(record, "input", line, emit, "input", self.spec.source)
        if not _INPUT_KEYS.issuperset(record):
            extra_keys(record, _INPUT_KEYS, line, emit, "continued pre-training", False, self.spec.source)
        return chars


class ImageCaption(RecordFormat):
    """``{"image-ref": "s3://...", "caption"}`` (image-ft, nova-canvas-ft): every record takes the full check."""

    format = DataFormat.IMAGE_CAPTION

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        return "image-ref" in record

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        spec = self.spec
        ref = record.get("image-ref")
        if type(ref) is not str:
            found = "is missing." if ref is None else f"must be a string, got {kind(ref)}."
            emit(ERR, line, "image-ref", found, spec.source)
        elif not ref.startswith("s3://"):
            emit(ERR, line, "image-ref", f"must be an s3:// URI of the image, got {ref[:60]!r}.", spec.source)
        elif spec.image_extensions and not ref.lower().endswith(spec.image_extensions):
            emit(
                WARN,
                line,
                "image-ref",
                f"does not end in {', '.join(spec.image_extensions)}; the images must be JPEG or PNG.",
                spec.image_extensions_source or spec.source,
            )
        chars = text_field(record, "caption", line, emit, "caption", spec.source)
        caption = record.get("caption")
        if spec.caption_chars is not None and type(caption) is str:
            low, high = spec.caption_chars
            if not low.value <= len(caption) <= high.value:
                emit(
                    WARN,
                    line,
                    "caption",
                    f"is {len(caption):,} characters; {self.expected.what} takes {low.value:,} to {high.value:,}.",
                    high.source,
                )
        if not _IMAGE_KEYS.issuperset(record):
            extra_keys(record, _IMAGE_KEYS, line, emit, "image/caption", False, spec.source)
        return chars

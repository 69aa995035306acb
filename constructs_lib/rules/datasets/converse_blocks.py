"""The content blocks of a Converse message: text (with reserved words), media, reasoning, tool use.

Holds what one file has shown so far (the first image and video lines), because Nova documents one
media modality per data set.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .base import extra_keys, kind, text_field
from .report import ERR, WARN, Emit

if TYPE_CHECKING:
    from .expectation import Expectation

MEDIA_KINDS = ("image", "video", "document")
_DOCUMENT_FORMATS = ("pdf",)  # nova-validator: DOCUMENT_FORMATS
_SAFE_KEY = re.compile(r"[\w\-/.]+")
_TEXT_BLOCK_KEYS = frozenset({"text"})


class Blocks:
    """Checks content blocks against one expectation and remembers the file's media so far."""

    def __init__(self, expected: Expectation) -> None:
        self.expected = expected
        self.spec = expected.spec
        self.media = expected.spec.media
        self.first_line: dict[str, int] = {}
        self.first_media: tuple[int, str] | None = None
        self.record_media = False
        self.record_reasoning: str | None = None
        self.record_videos = 0

    @property
    def who(self) -> str:
        return self.expected.model_name or self.expected.what

    # ---- records ----------------------------------------------------------------------------------------

    def begin_record(self) -> None:
        self.record_media = False
        self.record_reasoning = None
        self.record_videos = 0

    def end_record(self, line: int, emit: Emit) -> None:
        if self.record_media and self.record_reasoning is not None:
            emit(
                ERR,
                line,
                self.record_reasoning,
                "reasoning content with images or videos in the same record is not supported by Nova 2 SFT.",
                self.spec.reasoning_source or self.spec.source,
            )

    # ---- text and reserved words ------------------------------------------------------------------------

    def text_block(self, block: dict[str, Any], line: int, emit: Emit, where: str, turn: str) -> int:
        if len(block) > 1:
            extra_keys(block, _TEXT_BLOCK_KEYS, line, emit, "text block", False, self.spec.source, f"{where}.")
        chars = text_field(block, "text", line, emit, f"{where}.text", self.spec.source)
        text = block.get("text")
        if self.spec.reserved_words and type(text) is str:
            self.reserved(text, line, f"{where}.text", turn, emit)
        return chars

    def reserved(self, text: str, line: int, where: str, turn: str, emit: Emit) -> None:
        """nova-ft: a user or system prompt holding a reserved word fails the job; the Nova validator also
        matches them without regard to case and in assistant turns (a warning: the guide does not say so)."""
        spec = self.spec
        lowered = text.lower()
        for word in spec.reserved_words:
            if word in text and turn in ("user", "system"):
                emit(
                    ERR,
                    line,
                    where,
                    f"holds the reserved keyword {word!r}; a {turn} prompt with it fails the training job.",
                    spec.reserved_words_source or spec.source,
                )
            elif word.lower() in lowered:
                emit(
                    WARN,
                    line,
                    where,
                    f"holds {word!r} (in any case, in any turn): AWS's validator rejects it as a reserved keyword.",
                    spec.reserved_words_validator or spec.source,
                )
        for word in spec.validator_only_words:
            if word in lowered:
                emit(
                    WARN,
                    line,
                    where,
                    f"holds {word!r}: AWS's validator rejects it.",
                    spec.reserved_words_validator or "",
                )

    # ---- one message ------------------------------------------------------------------------------------

    def message(self, content: list[Any], role: str, line: int, index: int, emit: Emit) -> int:
        chars = 0
        text_chars = 0
        counts = {"text": 0, "image": 0, "video": 0, "document": 0, "other": 0}
        for number, block in enumerate(content):
            where = f"messages[{index}].content[{number}]"
            if type(block) is not dict:
                emit(
                    ERR, line, where, f'must be an object such as {{"text": str}}, got {kind(block)}.', self.spec.source
                )
                continue
            if "text" in block:
                found = self.text_block(block, line, emit, where, role)
                chars += found
                text_chars += found
                counts["text"] += 1
                continue
            if "reasoningContent" in block:
                chars += self.reasoning(block["reasoningContent"], role, line, where, emit)
                counts["other"] += 1
                continue
            if self.spec.tools_source is not None and ("toolUse" in block or "toolResult" in block):
                self.tool("toolUse" if "toolUse" in block else "toolResult", role, line, where, emit)
                counts["other"] += 1
                continue
            media = [name for name in MEDIA_KINDS if name in block and (name != "document" or self.media)]
            if not media:
                names = ", ".join(sorted(block)) or "no fields"
                emit(ERR, line, where, f"must hold text, image or video, got {names}.", self.spec.source)
                continue
            counts[media[0]] += 1
            self.media_block(media[0], block[media[0]], role, line, where, emit)
        self._counts(counts, text_chars, line, index, emit)
        return chars

    def _counts(self, counts: dict[str, int], text_chars: int, line: int, index: int, emit: Emit) -> None:
        media = self.media
        where = f"messages[{index}].content"
        has_media = counts["image"] or counts["video"] or counts["document"]
        if self.spec.empty_text_source and counts["text"] and not has_media and not counts["other"] and not text_chars:
            emit(
                ERR, line, where, "holds only empty text; AWS's Nova validator rejects it.", self.spec.empty_text_source
            )
        if media is None or not has_media:
            return
        source = media.formats_source or media.source
        if media.max_images is not None and counts["image"] > media.max_images:
            emit(ERR, line, where, f"holds {counts['image']} images; at most {media.max_images} per message.", source)
        if media.max_documents is not None and counts["document"] > media.max_documents:
            emit(ERR, line, where, f"holds {counts['document']} documents; at most {media.max_documents}.", source)
        if counts["video"] and (counts["image"] or counts["document"]):
            emit(ERR, line, where, "holds a video with images or documents; a video comes alone.", source)

    # ---- media --------------------------------------------------------------------------------------------

    def media_block(self, name: str, value: Any, role: str, line: int, where: str, emit: Emit) -> None:
        media = self.media
        uri = None
        if type(value) is dict:
            source = value.get("source")
            location = source.get("s3Location") if type(source) is dict else None
            uri = location.get("uri") if type(location) is dict else None
        if type(uri) is not str or not uri.startswith("s3://"):
            emit(
                ERR,
                line,
                f"{where}.{name}.source.s3Location.uri",
                "must be the s3:// URI of the file.",
                self.spec.source,
            )
            uri = None
        if media is None:
            return
        self.record_media = True
        if role != "user" and media.turn_source:
            emit(
                ERR,
                line,
                f"{where}.{name}",
                "belongs in a user turn; assistant turns hold text only.",
                media.turn_source,
            )
        if name not in media.kinds:
            allowed = f"text with {', '.join(sorted(media.kinds))}" if media.kinds else "text only"
            emit(ERR, line, f"{where}.{name}", f"is not supported: {self.who} takes {allowed}.", media.source)
            return
        self._format(name, value, line, where, emit)
        if uri is not None:
            self._uri(uri, line, f"{where}.{name}.source.s3Location.uri", emit)
        if name == "video":
            self.record_videos += 1
            if media.max_videos is not None and self.record_videos > media.max_videos:
                emit(
                    ERR,
                    line,
                    f"{where}.video",
                    f"is video {self.record_videos} of this record; one record holds at most {media.max_videos}.",
                    media.source,
                )
        if media.one_modality and name in ("image", "video"):
            other = "video" if name == "image" else "image"
            if other in self.first_line:
                emit(
                    ERR,
                    line,
                    f"{where}.{name}",
                    f"line {self.first_line[other]} has {other}s; a data set holds text with images or text with "
                    "videos, never both.",
                    media.source,
                )
            self.first_line.setdefault(name, line)

    def _format(self, name: str, value: Any, line: int, where: str, emit: Emit) -> None:
        media = self.media
        assert media is not None
        formats = {"image": media.image_formats, "video": media.video_formats, "document": _DOCUMENT_FORMATS}[name]
        if not formats or type(value) is not dict:
            return
        found = value.get("format")
        source = media.formats_source or media.source
        if type(found) is not str:
            emit(
                ERR, line, f"{where}.{name}.format", f"must be one of {', '.join(formats)}, got {kind(found)}.", source
            )
        elif found.lower() not in formats:
            emit(ERR, line, f"{where}.{name}.format", f"is {found!r}; {self.who} takes {', '.join(formats)}.", source)

    def _uri(self, uri: str, line: int, where: str, emit: Emit) -> None:
        media = self.media
        assert media is not None
        if media.uri_chars_source and not _SAFE_KEY.fullmatch(uri[5:]):
            emit(
                WARN,
                line,
                where,
                "has characters other than letters, digits, _ - / and . (AWS's Nova validator rejects them).",
                media.uri_chars_source,
            )
        if media.same_bucket and self.first_media is None:
            self.first_media = (line, where)

    def finish(self, emit: Emit) -> None:
        """nova-ft: media must sit in the data set's bucket, which a local file's asset upload decides."""
        if self.first_media is not None and self.media is not None:
            line, where = self.first_media
            emit(
                WARN,
                None,
                where,
                f"line {line} and the others name media in S3: they must be in the same bucket as the data set "
                "(a local file deployed as a CDK asset lives in the CDK assets bucket).",
                self.media.source,
            )

    # ---- reasoning and tools ----------------------------------------------------------------------------

    def reasoning(self, value: Any, role: str, line: int, where: str, emit: Emit) -> int:
        spec = self.spec
        field = f"{where}.reasoningContent"
        if spec.reasoning_source is None:
            if spec.reserved_words_validator:
                emit(
                    ERR,
                    line,
                    field,
                    f"is for Amazon Nova 2 models; {self.who} does not take it.",
                    spec.reserved_words_validator,
                )
            else:
                emit(
                    WARN,
                    line,
                    field,
                    f"the catalogue cannot confirm that {self.who} takes reasoning content.",
                    spec.source,
                )
            return 0
        if role != "assistant":
            emit(ERR, line, field, "belongs in an assistant turn.", spec.reasoning_source)
        self.record_reasoning = field
        reasoning = value.get("reasoningText") if type(value) is dict else None
        text = reasoning.get("text") if type(reasoning) is dict else None
        if type(text) is not str or not text.strip():
            emit(ERR, line, f"{field}.reasoningText.text", "must be a non-empty string.", "nova-validator")
            return 0
        if spec.reserved_words:
            self.reserved(text, line, f"{field}.reasoningText.text", "assistant", emit)
        return len(text)

    def tool(self, name: str, role: str, line: int, where: str, emit: Emit) -> None:
        spec = self.spec
        if spec.tools_warning_source:
            emit(
                WARN,
                line,
                f"{where}.{name}",
                "tool use is not supported by Nova 2 SFT yet; it might fail the job.",
                spec.tools_warning_source,
            )
        wrong = "user" if name == "toolUse" else "assistant"
        if role == wrong:
            emit(ERR, line, f"{where}.{name}", f"cannot be in a {wrong} turn.", spec.tools_source or spec.source)

"""One streaming pass over a JSONL file: parse each line, fix the file's format from its first record,
check each record (fast path first), then the file-level limits. Memory does not grow with the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..catalogue import DataFormat
from .base import RecordFormat, kind
from .claude import Claude
from .converse import Converse
from .expectation import CHARS_PER_TOKEN, LengthRule
from .flat import ImageCaption, Pretraining, PromptCompletion
from .report import ERR, Report
from .rft import RftChat

MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longer than any model's record at any encoding: such a line is reported, never read into memory."""
PROGRESS_STEP_BYTES = 1024 * 1024

FORMATS: dict[DataFormat, type[RecordFormat]] = {
    DataFormat.CONVERSE: Converse,
    DataFormat.RFT_CHAT: RftChat,
    DataFormat.CLAUDE: Claude,
    DataFormat.PROMPT_COMPLETION: PromptCompletion,
    DataFormat.PRETRAINING: Pretraining,
    DataFormat.IMAGE_CAPTION: ImageCaption,
}
"""Every record format, in the order detection tries them."""


def detect_format(record: dict[str, Any], prefer: Sequence[DataFormat] = ()) -> DataFormat | None:
    """The format a record is written in, by its fields; ``prefer``: the formats the file should hold, which
    read an ambiguous record (``messages`` with string content is an RFT prompt in an RFT file)."""
    for fmt, cls in FORMATS.items():
        if cls.detect(record, fmt in prefer):
            return fmt
    return None


def formats_text(formats: Sequence[DataFormat]) -> str:
    return " or ".join(f.value for f in formats)


class Scan:
    """One pass over a file for one report."""

    def __init__(self, report: Report, progress: Callable[[int], None] | None, max_line_bytes: int) -> None:
        self.report = report
        self.expected = report.expected
        self.progress = progress
        self.max_line_bytes = max_line_bytes
        self.record_format: RecordFormat | None = None
        self.format_line = 0

    def run(self, handle: IO[bytes]) -> None:
        report = self.report
        emit = report.add
        readline = handle.readline
        # The C scanner itself, without json.loads' per-call overhead; json.loads explains the lines it rejects.
        scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
        prefer = self.expected.formats
        rules = self.expected.length_rules
        shortest = min((rule.chars for rule in rules), default=None)
        check_shape = bool(prefer)
        progress = self.progress
        limit = self.max_line_bytes
        next_tick = PROGRESS_STEP_BYTES
        fmt: RecordFormat | None = None
        fast: Callable[[dict[str, Any]], int] = _decline
        watches = False
        longest = 0
        longest_line = None
        line = size = records = 0
        while True:
            raw = readline(limit)
            if not raw:
                break
            line += 1
            size += len(raw)
            if progress is not None and size >= next_tick:
                progress(size)
                next_tick = size + PROGRESS_STEP_BYTES
            if len(raw) == limit and not raw.endswith(b"\n"):
                size += _skip_rest(readline, limit)
                emit(
                    ERR,
                    line,
                    None,
                    f"is longer than {limit:,} bytes, more than any model takes as one record (not read).",
                )
                continue
            try:
                text = raw.decode("utf-8")
                record, end = scan(text, 0)
                if end != len(text) and not text[end:].isspace():
                    raise StopIteration(end)
            except (ValueError, StopIteration, RecursionError):
                record, problem = parse_slowly(raw, line)
                if problem is not None:
                    emit(ERR, line, None, problem)
                    continue
            if type(record) is not dict:
                emit(ERR, line, None, f"is {kind(record)}, not a JSON object; every line must be one JSON object.")
                continue
            records += 1
            if not check_shape:
                continue
            if fmt is None:
                fmt = self._fix_format(record, line)
                if fmt is None:
                    continue
                fast = fmt.fast
                watches = fmt.watches
            chars = fast(record)
            if chars < 0:
                fmt.suspect = False  # the full check looks at every text anyway
                found = detect_format(record, prefer)
                if found is not None and found is not report.data_format:
                    self._wrong_format(found, line)
                    continue
                chars = fmt.check(record, line, emit)
            elif watches and fmt.suspect:
                fmt.suspect = False
                fmt.on_trigger(record, line, emit)
            if chars > longest:
                longest = chars
                longest_line = line
            if shortest is not None and chars > shortest:
                self._too_long(chars, line, rules)
        if fmt is not None:
            fmt.finish(emit)
        if progress is not None:
            progress(size)
        report.records = records
        report.size_bytes = size
        report.longest_record_tokens = -(-longest // CHARS_PER_TOKEN)
        report.longest_record_line = longest_line

    def _fix_format(self, record: dict[str, Any], line: int) -> RecordFormat | None:
        """The first record decides the file's format; a record that fits no allowed format is an error."""
        expected = self.expected
        formats = expected.formats
        found = detect_format(record, formats)
        chosen = found if found in formats else (formats[0] if len(formats) == 1 and found is None else None)
        if chosen is None:
            fields = ", ".join(sorted(record)[:6]) or "no fields"
            got = f"is in the {found.short} format" if found else f"has fields {fields}"
            self.report.add(
                ERR,
                line,
                None,
                f"record {got}; {expected.what} {expected.role.value} data must be {formats_text(formats)}.",
                expected.spec.source,
            )
            return None
        self.report.data_format = chosen
        self.format_line = line
        self.record_format = FORMATS[chosen](expected)
        return self.record_format

    def _wrong_format(self, found: DataFormat, line: int) -> None:
        expected = self.expected
        fixed = self.report.data_format
        if found in expected.formats and fixed is not None:
            rule = f"line {self.format_line} is in the {fixed.short} format, and one file holds one format."
        else:
            rule = f"{expected.what} {expected.role.value} data must be {formats_text(expected.formats)}."
        self.report.add(ERR, line, None, f"record is in the {found.short} format; {rule}", expected.spec.source)

    def _too_long(self, chars: int, line: int, rules: tuple[LengthRule, ...]) -> None:
        for rule in rules:
            if chars > rule.chars:
                tokens = -(-chars // rule.chars_per_token)
                estimate = f"{chars:,} characters at ~{rule.chars_per_token} per token"
                if rule.training:
                    who = self.expected.model_name or self.expected.model_id
                    takes = f"{who} takes per training record"
                else:
                    takes = f"{self.expected.model_id} takes"
                message = (
                    f"record is about {tokens:,} tokens ({estimate}), more than the {rule.tokens:,} tokens {takes}."
                )
                self.report.add(rule.severity, line, None, message, rule.source)
                return


def _decline(record: dict[str, Any]) -> int:
    return -1


def _skip_rest(readline: Callable[[int], bytes], limit: int) -> int:
    skipped = 0
    while True:
        chunk = readline(limit)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def parse_slowly(raw: bytes, line: int) -> tuple[Any, str | None]:
    """The record, or the reason the line is not one JSON value (json.loads' own words, at the right column)."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except RecursionError:
        return None, "is nested too deeply to parse."
    except ValueError as error:
        return None, parse_problem(raw, error, line)


def parse_problem(raw: bytes, error: ValueError, line: int) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at byte {error.start + 1} of the line)."
    if not raw.strip():
        return "is empty; every line must be one JSON object (remove blank lines)."
    if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM."
    if not isinstance(error, json.JSONDecodeError):
        return f"is not valid JSON: {error}."
    text = error.doc.rstrip("\r\n")
    message = error.msg
    for suffix in (" starting at", " at"):
        if message.endswith(suffix):
            message = message[: -len(suffix)]
            break
    cut = (
        error.pos >= len(text)
        or message == "Unterminated string"
        or (message == "Invalid control character" and error.doc[error.pos] in "\r\n")
    )
    if cut:
        # json reports where an unfinished string starts, or a column past the newline: the line breaks off here.
        return f"is not valid JSON: the line breaks off at column {len(text) + 1} ({message.lower()}); is it truncated?"
    return f"is not valid JSON: {message} at column {error.pos + 1}."

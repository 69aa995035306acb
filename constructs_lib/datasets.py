"""Local JSONL training data, checked before deploy (at synth and by ``python -m constructs_lib validate-data``).

Bedrock validates a dataset only after the job has started. These checks read the file once, line by
line (memory does not grow with the file), and report what Bedrock would reject as errors and what
the documented limits advise against as warnings. Every finding names the file, the line and the field.

Which record shape is expected follows from the customization type and the base model's family:

- fine-tuning: ``{"prompt", "completion"}`` (Titan Text, Cohere, Llama), the Converse format
  ``{"schemaVersion": "bedrock-conversation-2024", "system", "messages"}`` (Amazon Nova, Llama 3.x,
  and the other text-to-text models), Claude 3 Haiku's ``{"system", "messages"}``, and
  ``{"image-ref", "caption"}`` for Titan Multimodal Embeddings; an unknown model may use any text format;
- continued pre-training: ``{"input"}``;
- distillation: Converse prompts, where the assistant's reply is optional;
- reinforcement fine-tuning and imported models: only "every line is one JSON object".

The limits (record counts, file sizes) are the documented ones in bedrock-facts.md section 6; token
lengths are estimated at about 6 characters per token against the context length the model id states
(``...:128k``). Both are advisory: Bedrock adds models and raises limits over time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Any

from .validation import ValidationError

CHARS_PER_TOKEN = 6
MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longer than any model's record at any encoding: such a line is reported, never read into memory."""
DEFAULT_MAX_FINDINGS = 20
PROGRESS_STEP_BYTES = 1024 * 1024
CONVERSE_SCHEMA = "bedrock-conversation-2024"


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


class DatasetRole(Enum):
    """Which of the job's data sets a file is (limits differ)."""

    TRAINING = "training"
    VALIDATION = "validation"


class DataFormat(Enum):
    PROMPT_COMPLETION = 'prompt/completion ({"prompt": str, "completion": str})'
    CONVERSE = f'Converse ({{"schemaVersion": "{CONVERSE_SCHEMA}", "system": [...], "messages": [...]}})'
    CLAUDE = 'Claude 3 Haiku messages ({"system": str, "messages": [{"role", "content": str}]})'
    PRETRAINING = 'continued pre-training ({"input": str})'
    IMAGE_CAPTION = 'image/caption ({"image-ref": "s3://...", "caption": str})'

    @property
    def short(self) -> str:
        return self.value.split(" (", 1)[0]


TEXT_FINE_TUNING = (DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE, DataFormat.CLAUDE)


@dataclass(frozen=True)
class DataFamily:
    """Dataset rules of the models whose ids start with one of ``id_prefixes``."""

    name: str
    id_prefixes: tuple[str, ...]
    fine_tuning: tuple[DataFormat, ...]
    min_training_records: int | None = None
    max_training_records: int | None = None
    max_validation_records: int | None = None
    max_training_bytes: int | None = None
    max_validation_bytes: int | None = None
    max_record_tokens: int | None = None
    """A per-record token limit for training, when it is smaller than the context the model id states."""


_GB = 1000**3
_MB = 1000**2

DATA_FAMILIES: tuple[DataFamily, ...] = (
    DataFamily(
        "Titan Text",
        ("amazon.titan-text-",),
        (DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE),
        max_training_bytes=1 * _GB,
        max_validation_bytes=100 * _MB,
    ),
    DataFamily("Amazon Nova", ("amazon.nova-",), (DataFormat.CONVERSE,)),
    DataFamily(
        "Meta Llama 3.x",
        ("meta.llama3",),
        (DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE),
        min_training_records=100,
        max_training_records=10_000,
    ),
    DataFamily("Meta Llama 2", ("meta.llama2",), (DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE)),
    DataFamily(
        "Cohere Command",
        ("cohere.command",),
        (DataFormat.PROMPT_COMPLETION, DataFormat.CONVERSE),
        max_training_records=10_000,
        max_validation_records=1_000,
    ),
    DataFamily(
        "Claude 3 Haiku",
        ("anthropic.claude-3-haiku",),
        (DataFormat.CLAUDE,),
        min_training_records=32,
        max_training_records=10_000,
        max_validation_records=1_000,
    ),
    DataFamily("Titan Multimodal Embeddings G1", ("amazon.titan-embed-image",), (DataFormat.IMAGE_CAPTION,)),
)


def data_family(model_id: str | None) -> DataFamily | None:
    if not model_id:
        return None
    model_id = model_id.rsplit("/", 1)[-1]
    for family in DATA_FAMILIES:
        if model_id.startswith(family.id_prefixes):
            return family
    return None


def context_tokens(model_id: str | None) -> int | None:
    """The context length a model id states in its last part (``amazon.nova-micro-v1:0:128k`` -> 128,000)."""
    if not model_id:
        return None
    match = re.search(r":(\d+)k$", model_id)
    return int(match.group(1)) * 1000 if match else None


@dataclass(frozen=True)
class Expectation:
    """What a file must hold, derived from the customization type, the model and the data set's role."""

    customization_type: str
    model_id: str | None
    role: DatasetRole
    formats: tuple[DataFormat, ...]
    family: DataFamily | None
    max_record_tokens: int | None
    assistant_reply_required: bool = True

    @property
    def what(self) -> str:
        model = self.family.name if self.family else self.model_id
        return f"{model} {self.customization_type}" if model else self.customization_type


def expectation(
    customization_type: str | Enum, model_id: str | None, role: DatasetRole = DatasetRole.TRAINING
) -> Expectation:
    kind = str(customization_type.value if isinstance(customization_type, Enum) else customization_type)
    family = data_family(model_id)
    formats: tuple[DataFormat, ...]
    if kind == "CONTINUED_PRE_TRAINING":
        formats = (DataFormat.PRETRAINING,)
    elif kind == "FINE_TUNING":
        formats = family.fine_tuning if family else TEXT_FINE_TUNING
    elif kind == "DISTILLATION":
        formats = (DataFormat.CONVERSE,)
    else:
        formats = ()
    tokens = context_tokens(model_id)
    if family is not None and family.max_record_tokens is not None:
        tokens = min(tokens or family.max_record_tokens, family.max_record_tokens)
    return Expectation(
        customization_type=kind,
        model_id=model_id,
        role=role,
        formats=formats,
        family=family,
        max_record_tokens=tokens,
        assistant_reply_required=kind != "DISTILLATION",
    )


@dataclass(frozen=True)
class Finding:
    severity: Severity
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Report:
    """The outcome of checking one file; at most ``max_findings`` findings of each severity are kept."""

    file: str
    expected: Expectation
    max_findings: int = DEFAULT_MAX_FINDINGS
    data_format: DataFormat | None = None
    records: int = 0
    size_bytes: int = 0
    longest_record_tokens: int = 0
    longest_record_line: int | None = None
    findings: list[Finding] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def omitted_errors(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def omitted_warnings(self) -> int:
        return self.warning_count - len(self.warnings)

    def add(self, severity: Severity, line: int | None, field: str | None, message: str) -> None:
        if severity is Severity.ERROR:
            self.error_count += 1
            kept = self.error_count
        else:
            self.warning_count += 1
            kept = self.warning_count
        if kept <= self.max_findings:
            self.findings.append(Finding(severity, self.file, line, field, message))

    def error_lines(self) -> list[str]:
        return _bounded([str(f) for f in self.errors], self.omitted_errors, "error", self.file)

    def warning_lines(self) -> list[str]:
        return _bounded([str(f) for f in self.warnings], self.omitted_warnings, "warning", self.file)


def _bounded(lines: list[str], omitted: int, noun: str, file: str) -> list[str]:
    if omitted:
        lines.append(f"{file}: ... and {omitted} more {noun}{'s' if omitted != 1 else ''}")
    return lines


Emit = Callable[[Severity, int, str | None, str], None]
Checker = Callable[[dict[str, Any], int, Emit, bool], int]
"""Checks one record, reports through ``emit``, returns the characters of text it holds."""

_ERR = Severity.ERROR
_WARN = Severity.WARNING


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _text(record: dict[str, Any], name: str, line: int, emit: Emit, where: str, required: bool = True) -> int:
    value = record.get(name)
    if type(value) is str:
        if not value or value.isspace():
            emit(_WARN, line, where, "is empty; the model learns nothing from an empty text.")
        return len(value)
    if value is None and name not in record:
        if required:
            emit(_ERR, line, where, "is missing.")
    else:
        emit(_ERR, line, where, f"must be a string, got {_kind(value)}.")
    return 0


def _extra_keys(
    record: dict[str, Any], allowed: frozenset[str], line: int, emit: Emit, what: str, sev: Severity, where: str = ""
) -> None:
    for key in record:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            emit(sev, line, f"{where}{key}", f"is not a field of the {what} format (fields: {names}).")


_PC_KEYS = frozenset({"prompt", "completion"})


def _check_prompt_completion(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    chars = _text(record, "prompt", line, emit, "prompt") + _text(record, "completion", line, emit, "completion")
    if not _PC_KEYS.issuperset(record):
        _extra_keys(record, _PC_KEYS, line, emit, "prompt/completion", _WARN)
    return chars


_INPUT_KEYS = frozenset({"input"})


def _check_pretraining(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    chars = _text(record, "input", line, emit, "input")
    if not _INPUT_KEYS.issuperset(record):
        _extra_keys(record, _INPUT_KEYS, line, emit, "continued pre-training", _WARN)
    return chars


_IMAGE_KEYS = frozenset({"image-ref", "caption"})


def _check_image_caption(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    ref = record.get("image-ref")
    if type(ref) is not str:
        emit(_ERR, line, "image-ref", "is missing." if ref is None else f"must be a string, got {_kind(ref)}.")
    elif not ref.startswith("s3://"):
        emit(_ERR, line, "image-ref", f"must be an s3:// URI of the image, got {ref[:60]!r}.")
    chars = _text(record, "caption", line, emit, "caption")
    if not _IMAGE_KEYS.issuperset(record):
        _extra_keys(record, _IMAGE_KEYS, line, emit, "image/caption", _WARN)
    return chars


_ROLES = ("user", "assistant")
_CONVERSE_KEYS = frozenset({"schemaVersion", "system", "messages"})
_MESSAGE_KEYS = frozenset({"role", "content"})
_CONVERSE_MEDIA = ("image", "video")


def _check_turns(roles: list[str], line: int, emit: Emit, reply_required: bool) -> None:
    """The first message is the user's, user and assistant alternate, the last is the assistant's reply."""
    if not roles:
        return
    if roles[0] != "user":
        emit(_ERR, line, "messages[0].role", f"must be 'user' (a conversation starts with the user), got {roles[0]!r}.")
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1]:
            emit(
                _ERR,
                line,
                f"messages[{index}].role",
                f"is {roles[index]!r} again: user and assistant messages must alternate.",
            )
            break
    if reply_required and roles[-1] != "assistant":
        emit(
            _ERR,
            line,
            f"messages[{len(roles) - 1}].role",
            f"must be 'assistant' (the last message is the reply to learn), got {roles[-1]!r}.",
        )


def _check_converse(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    chars = 0
    schema = record.get("schemaVersion")
    if schema is None:
        emit(
            _ERR, line, "schemaVersion", f'is missing; the Converse format needs "schemaVersion": "{CONVERSE_SCHEMA}".'
        )
    elif type(schema) is not str:
        emit(_ERR, line, "schemaVersion", f"must be a string, got {_kind(schema)}.")
    elif schema != CONVERSE_SCHEMA:
        emit(_WARN, line, "schemaVersion", f"is {schema[:60]!r}; Bedrock documents {CONVERSE_SCHEMA!r}.")
    system = record.get("system")
    if system is not None:
        if type(system) is not list:
            emit(_ERR, line, "system", f'must be an array of {{"text": str}} blocks, got {_kind(system)}.')
        else:
            for index, block in enumerate(system):
                if type(block) is not dict:
                    emit(_ERR, line, f"system[{index}]", f'must be an object {{"text": str}}, got {_kind(block)}.')
                else:
                    chars += _text_block(block, line, emit, f"system[{index}]")
    messages = record.get("messages")
    if type(messages) is not list or not messages:
        found = "is missing" if messages is None else f"must be a non-empty array, got {_kind(messages)}"
        emit(_ERR, line, "messages", f"{found}; give the conversation as user/assistant messages.")
    else:
        roles: list[str] = []
        for index, message in enumerate(messages):
            if type(message) is not dict:
                emit(
                    _ERR, line, f"messages[{index}]", f'must be an object {{"role", "content"}}, got {_kind(message)}.'
                )
                return chars
            role = message.get("role")
            if role not in _ROLES:
                emit(_ERR, line, f"messages[{index}].role", f"must be 'user' or 'assistant', got {role!r}.")
                return chars
            roles.append(role)
            if not _MESSAGE_KEYS.issuperset(message):
                _extra_keys(message, _MESSAGE_KEYS, line, emit, "Converse message", _WARN, f"messages[{index}].")
            content = message.get("content")
            if type(content) is not list or not content:
                emit(
                    _ERR,
                    line,
                    f"messages[{index}].content",
                    f'must be a non-empty array of {{"text": str}} blocks, got {_kind(content)}.',
                )
                continue
            for number, block in enumerate(content):
                chars += _check_content_block(block, line, emit, f"messages[{index}].content[{number}]")
        _check_turns(roles, line, emit, reply_required)
    if not _CONVERSE_KEYS.issuperset(record):
        _extra_keys(record, _CONVERSE_KEYS, line, emit, "Converse", _WARN)
    return chars


_TEXT_BLOCK_KEYS = frozenset({"text"})


def _text_block(block: dict[str, Any], line: int, emit: Emit, where: str) -> int:
    if len(block) > 1:
        _extra_keys(block, _TEXT_BLOCK_KEYS, line, emit, "text block", _WARN, f"{where}.")
    return _text(block, "text", line, emit, f"{where}.text")


def _check_content_block(block: Any, line: int, emit: Emit, where: str) -> int:
    if type(block) is not dict:
        emit(_ERR, line, where, f'must be an object such as {{"text": str}}, got {_kind(block)}.')
        return 0
    if "text" in block:
        return _text_block(block, line, emit, where)
    media = [kind for kind in _CONVERSE_MEDIA if kind in block]
    if not media:
        names = ", ".join(sorted(block)) or "no fields"
        emit(_ERR, line, where, f"must hold text, image or video, got {names}.")
        return 0
    value = block[media[0]]
    uri = None
    if type(value) is dict:
        source = value.get("source")
        location = source.get("s3Location") if type(source) is dict else None
        uri = location.get("uri") if type(location) is dict else None
    if type(uri) is not str or not uri.startswith("s3://"):
        emit(_ERR, line, f"{where}.{media[0]}.source.s3Location.uri", "must be the s3:// URI of the file.")
    return 0


_CLAUDE_KEYS = frozenset({"system", "messages"})
_CLAUDE_MESSAGE_KEYS = frozenset({"role", "content"})


def _check_claude(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    chars = 0
    if not _CLAUDE_KEYS.issuperset(record):
        _extra_keys(record, _CLAUDE_KEYS, line, emit, "Claude 3 Haiku", _ERR)
    if "system" in record:
        chars += _text(record, "system", line, emit, "system", required=False)
    messages = record.get("messages")
    if type(messages) is not list:
        found = "is missing" if messages is None else f"must be an array, got {_kind(messages)}"
        emit(_ERR, line, "messages", f"{found}; give at least a user message and the assistant's reply.")
        return chars
    if len(messages) < 2:
        emit(_ERR, line, "messages", f"needs at least 2 messages (user, then assistant), got {len(messages)}.")
    roles: list[str] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if type(message) is not dict:
            emit(_ERR, line, where, f'must be an object {{"role", "content"}}, got {_kind(message)}.')
            return chars
        role = message.get("role")
        if role not in _ROLES:
            emit(_ERR, line, f"{where}.role", f"must be 'user' or 'assistant', got {role!r}.")
            return chars
        roles.append(role)
        if not _CLAUDE_MESSAGE_KEYS.issuperset(message):
            _extra_keys(message, _CLAUDE_MESSAGE_KEYS, line, emit, "Claude 3 Haiku message", _ERR, f"{where}.")
        content = message.get("content")
        if type(content) is str:
            chars += len(content)
            if not content or content.isspace():
                emit(_WARN, line, f"{where}.content", "is empty; the model learns nothing from an empty text.")
        elif type(content) is list and content:
            for number, block in enumerate(content):
                if type(block) is not dict or block.get("type") != "text":
                    emit(_ERR, line, f"{where}.content[{number}]", 'must be {"type": "text", "text": str}.')
                else:
                    chars += _text(block, "text", line, emit, f"{where}.content[{number}].text")
        else:
            emit(_ERR, line, f"{where}.content", f"must be a string, got {_kind(content)}.")
    _check_turns(roles, line, emit, len(messages) >= 2)
    return chars


# ---- fast paths: a record that is exactly right costs one call; anything else goes to the checkers above --


def _good(text: Any) -> bool:
    return type(text) is str and bool(text) and not text.isspace()


def _fast_prompt_completion(record: dict[str, Any], reply_required: bool) -> int:
    prompt = record.get("prompt")
    completion = record.get("completion")
    if len(record) == 2 and _good(prompt) and _good(completion):
        return len(prompt) + len(completion)  # type: ignore[arg-type]
    return -1


def _fast_pretraining(record: dict[str, Any], reply_required: bool) -> int:
    text = record.get("input")
    return len(text) if len(record) == 1 and _good(text) else -1  # type: ignore[arg-type]


def _fast_text_blocks(blocks: Any, may_be_empty: bool = False) -> int:
    """Characters of an array of ``{"text": str}`` blocks (non-empty unless ``may_be_empty``), or -1."""
    if type(blocks) is not list or not (blocks or may_be_empty):
        return -1
    chars = 0
    for block in blocks:
        if type(block) is not dict or len(block) != 1:
            return -1
        text = block.get("text")
        if type(text) is not str or not text or text.isspace():
            return -1
        chars += len(text)
    return chars


def _fast_converse(record: dict[str, Any], reply_required: bool) -> int:
    if record.get("schemaVersion") != CONVERSE_SCHEMA or not _CONVERSE_KEYS.issuperset(record):
        return -1
    chars = 0
    if "system" in record:
        chars = _fast_text_blocks(record["system"], may_be_empty=True)
        if chars < 0:
            return -1
    messages = record.get("messages")
    if type(messages) is not list or not messages:
        return -1
    expected = "user"
    for message in messages:
        if type(message) is not dict or len(message) != 2 or message.get("role") != expected:
            return -1
        found = _fast_text_blocks(message.get("content"))
        if found < 0:
            return -1
        chars += found
        expected = "assistant" if expected == "user" else "user"
    if reply_required and expected == "assistant":
        return -1
    return chars


def _fast_claude(record: dict[str, Any], reply_required: bool) -> int:
    if not _CLAUDE_KEYS.issuperset(record):
        return -1
    chars = 0
    if "system" in record:
        system = record["system"]
        if type(system) is not str or not system or system.isspace():
            return -1
        chars = len(system)
    messages = record.get("messages")
    if type(messages) is not list or len(messages) < 2:
        return -1
    expected = "user"
    for message in messages:
        if type(message) is not dict or len(message) != 2 or message.get("role") != expected:
            return -1
        content = message.get("content")
        if type(content) is not str or not content or content.isspace():
            return -1
        chars += len(content)
        expected = "assistant" if expected == "user" else "user"
    return chars if expected == "user" else -1


def _fast_none(record: dict[str, Any], reply_required: bool) -> int:
    return -1


def _check_nothing(record: dict[str, Any], line: int, emit: Emit, reply_required: bool) -> int:
    return 0


FastCheck = Callable[[dict[str, Any], bool], int]

FAST: dict[DataFormat, FastCheck] = {
    DataFormat.PROMPT_COMPLETION: _fast_prompt_completion,
    DataFormat.CONVERSE: _fast_converse,
    DataFormat.CLAUDE: _fast_claude,
    DataFormat.PRETRAINING: _fast_pretraining,
    DataFormat.IMAGE_CAPTION: _fast_none,
}


CHECKERS: dict[DataFormat, Checker] = {
    DataFormat.PROMPT_COMPLETION: _check_prompt_completion,
    DataFormat.CONVERSE: _check_converse,
    DataFormat.CLAUDE: _check_claude,
    DataFormat.PRETRAINING: _check_pretraining,
    DataFormat.IMAGE_CAPTION: _check_image_caption,
}


def detect_format(record: dict[str, Any]) -> DataFormat | None:
    """The format a record is written in, by its fields (None when it fits none)."""
    if "schemaVersion" in record:
        return DataFormat.CONVERSE
    messages = record.get("messages")
    if messages is not None:
        first = messages[0] if type(messages) is list and messages else None
        content = first.get("content") if type(first) is dict else None
        block = content[0] if type(content) is list and content else None
        if type(content) is list and not (type(block) is dict and "type" in block):
            return DataFormat.CONVERSE
        return DataFormat.CLAUDE
    if "prompt" in record or "completion" in record:
        return DataFormat.PROMPT_COMPLETION
    if "input" in record:
        return DataFormat.PRETRAINING
    if "image-ref" in record:
        return DataFormat.IMAGE_CAPTION
    return None


def _formats_text(formats: Sequence[DataFormat]) -> str:
    return " or ".join(f.value for f in formats)


class _Scan:
    """One pass over a file: parse each line, fix the file's format from its first record, check each record."""

    def __init__(self, report: Report, progress: Callable[[int], None] | None) -> None:
        self.report = report
        self.expected = report.expected
        self.progress = progress
        self.checker: Checker = _check_nothing
        self.fast: FastCheck = _fast_none
        self.format_line = 0

    def run(self, handle: IO[bytes]) -> None:
        report = self.report
        emit = report.add
        readline = handle.readline
        # The C scanner itself, without json.loads' per-call overhead; json.loads explains the lines it rejects.
        scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
        detect = detect_format
        fast: FastCheck | None = None
        reply_required = self.expected.assistant_reply_required
        token_limit = self.expected.max_record_tokens
        char_limit = token_limit * CHARS_PER_TOKEN if token_limit else None
        check_shape = bool(self.expected.formats)
        progress = self.progress
        next_tick = PROGRESS_STEP_BYTES
        longest = 0
        longest_line = None
        line = 0
        size = 0
        records = 0
        while True:
            raw = readline(MAX_LINE_BYTES)
            if not raw:
                break
            line += 1
            size += len(raw)
            if progress is not None and size >= next_tick:
                progress(size)
                next_tick = size + PROGRESS_STEP_BYTES
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                size += self._skip_rest(readline)
                emit(
                    _ERR,
                    line,
                    None,
                    f"is longer than {MAX_LINE_BYTES:,} bytes, more than any model takes as one record (not read).",
                )
                continue
            try:
                text = raw.decode("utf-8")
                record, end = scan(text, 0)
                if end != len(text) and not text[end:].isspace():
                    raise StopIteration(end)
            except (ValueError, StopIteration, RecursionError):
                record, problem = _parse_slowly(raw, line)
                if problem is not None:
                    emit(_ERR, line, None, problem)
                    continue
            if type(record) is not dict:
                emit(_ERR, line, None, f"is {_kind(record)}, not a JSON object; every line must be one JSON object.")
                continue
            records += 1
            if not check_shape:
                continue
            if fast is None:
                if self._fix_format(record, line) is None:
                    continue
                fast = self.fast
            chars = fast(record, reply_required)
            if chars < 0:
                found = detect(record)
                if found is not None and found is not report.data_format:
                    self._wrong_format(found, line)
                    continue
                chars = self.checker(record, line, emit, reply_required)
            if chars > longest:
                longest = chars
                longest_line = line
            if char_limit is not None and chars > char_limit:
                tokens = -(-chars // CHARS_PER_TOKEN)
                emit(
                    _WARN,
                    line,
                    None,
                    f"record is about {tokens:,} tokens ({chars:,} characters at ~{CHARS_PER_TOKEN} per token), "
                    f"more than the {token_limit:,} tokens {self.expected.model_id} takes.",
                )
        if progress is not None:
            progress(size)
        report.records = records
        report.size_bytes = size
        report.longest_record_tokens = -(-longest // CHARS_PER_TOKEN)
        report.longest_record_line = longest_line

    def _fix_format(self, record: dict[str, Any], line: int) -> DataFormat | None:
        """The first record decides the file's format; a record that fits no allowed format is an error."""
        formats = self.expected.formats
        found = detect_format(record)
        chosen = found if found in formats else (formats[0] if len(formats) == 1 and found is None else None)
        if chosen is None:
            fields = ", ".join(sorted(record)[:6]) or "no fields"
            got = f"is in the {found.short} format" if found else f"has fields {fields}"
            self.report.add(
                _ERR,
                line,
                None,
                f"record {got}; {self.expected.what} {self.expected.role.value} data must be {_formats_text(formats)}.",
            )
            return None
        self.report.data_format = chosen
        self.format_line = line
        self.checker = CHECKERS[chosen]
        self.fast = FAST[chosen]
        return chosen

    def _wrong_format(self, found: DataFormat, line: int) -> None:
        formats = self.expected.formats
        fixed = self.report.data_format
        if found in formats and fixed is not None:
            rule = f"line {self.format_line} is in the {fixed.short} format, and one file holds one format."
        else:
            rule = f"{self.expected.what} {self.expected.role.value} data must be {_formats_text(formats)}."
        self.report.add(_ERR, line, None, f"record is in the {found.short} format; {rule}")

    @staticmethod
    def _skip_rest(readline: Callable[[int], bytes]) -> int:
        skipped = 0
        while True:
            chunk = readline(MAX_LINE_BYTES)
            skipped += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                return skipped


def _parse_slowly(raw: bytes, line: int) -> tuple[Any, str | None]:
    """The record, or the reason the line is not one JSON value (json.loads' own words)."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except RecursionError:
        return None, "is nested too deeply to parse."
    except ValueError as error:
        return None, _parse_problem(raw, error, line)


def _parse_problem(raw: bytes, error: ValueError, line: int) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at byte {error.start + 1} of the line)."
    if not raw.strip():
        return "is empty; every line must be one JSON object (remove blank lines)."
    if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM."
    if isinstance(error, json.JSONDecodeError):
        return f"is not valid JSON: {error.msg} at column {error.colno}."
    return f"is not valid JSON: {error}."


def _check_totals(report: Report) -> None:
    expected = report.expected
    family = expected.family
    if report.records == 0 and report.error_count == 0:
        report.add(_ERR, None, None, "holds no records; Bedrock needs at least one JSON object per line.")
        return
    if family is None or expected.customization_type not in ("FINE_TUNING", "CONTINUED_PRE_TRAINING"):
        return
    training = expected.role is DatasetRole.TRAINING
    low = family.min_training_records if training else None
    high = family.max_training_records if training else family.max_validation_records
    role = expected.role.value
    if low is not None and report.records < low:
        report.add(
            _WARN,
            None,
            None,
            f"{report.records:,} records: {family.name} takes at least {low:,} {role} records.",
        )
    if high is not None and report.records > high:
        report.add(
            _WARN,
            None,
            None,
            f"{report.records:,} records: {family.name} takes at most {high:,} {role} records.",
        )
    max_bytes = family.max_training_bytes if training else family.max_validation_bytes
    if max_bytes is not None and report.size_bytes > max_bytes:
        report.add(
            _WARN,
            None,
            None,
            f"{report.size_bytes / _MB:,.1f} MB: {family.name} takes {role} files of at most "
            f"{max_bytes / _MB:,.0f} MB.",
        )


def check_file(
    path: str | os.PathLike[str],
    *,
    customization_type: str | Enum = "FINE_TUNING",
    model_id: str | None = None,
    role: DatasetRole = DatasetRole.TRAINING,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check one local JSONL file in a single streaming pass.

    :param progress: called with the bytes read so far, about once per MiB and once at the end.
    """
    report = Report(file=str(path), expected=expectation(customization_type, model_id, role), max_findings=max_findings)
    with open(path, "rb") as handle:
        _Scan(report, progress).run(handle)
    _check_totals(report)
    return report


def check_job_data(
    customization_type: str | Enum,
    model_id: str | None,
    training_file: str | None,
    validation_files: Iterable[str | None] = (),
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> list[str]:
    """The synth-time check of a job's local data sets: raise on errors, return the warnings as lines."""
    reports: list[tuple[str, Report]] = []  # (the job prop the file is given as, its report)
    if training_file is not None:
        reports.append(
            (
                "training_data",
                check_file(
                    training_file, customization_type=customization_type, model_id=model_id, max_findings=max_findings
                ),
            )
        )
    for index, validation_file in enumerate(validation_files):
        if validation_file is not None:
            report = check_file(
                validation_file,
                customization_type=customization_type,
                model_id=model_id,
                role=DatasetRole.VALIDATION,
                max_findings=max_findings,
            )
            reports.append((f"validation_data[{index}]", report))
    failed = [(prop, r) for prop, r in reports if not r.ok]
    if failed:
        raise ValidationError(
            "\n".join(
                f"Invalid {prop} {r.file!r}: {r.error_count} error{'s' if r.error_count != 1 else ''} in the local "
                "dataset file:\n  " + "\n  ".join(r.error_lines())
                for prop, r in failed
            )
        )
    return [line for _, r in reports for line in r.warning_lines()]

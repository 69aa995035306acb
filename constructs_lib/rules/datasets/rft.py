"""Reinforcement fine-tuning prompts in the OpenAI chat format: ``{"messages": [...], "reference_answer"}``.

rft-nova / rft-open-weight: each record holds ``messages`` (system, user or assistant roles holding the
prompt) and ``reference_answer`` (what the grader scores against), and may add fields for the grader.
The Nova validator (nova-validator, RFTDatasetSample) adds: at least one user message, a system message
only first, content a non-empty string.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import DataFormat
from .base import RecordFormat, good_text, kind, text_field
from .report import ERR, WARN, Emit

_ROLES = ("system", "user", "assistant")


class RftChat(RecordFormat):
    format = DataFormat.RFT_CHAT

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        if "reference_answer" in record:
            return True
        messages = record.get("messages")
        if preferred:
            return messages is not None
        return type(messages) is list and any(type(m) is dict and m.get("role") == "system" for m in messages)

    def fast(self, record: dict[str, Any]) -> int:
        messages = record.get("messages")
        if type(messages) is not list or not messages or not _good_answer(record.get("reference_answer")):
            return -1
        chars = 0
        users = 0
        for index, message in enumerate(messages):
            if type(message) is not dict or len(message) != 2:
                return -1
            role = message.get("role")
            content = message.get("content")
            if role not in _ROLES or type(content) is not str or not content or content.isspace():
                return -1
            if role == "system" and index:
                return -1
            users += role == "user"
            chars += len(content)
        return chars if users else -1

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        source = self.spec.source
        messages = record.get("messages")
        chars = 0
        if type(messages) is not list or not messages:
            found = "is missing" if messages is None else f"must be a non-empty array, got {kind(messages)}"
            emit(ERR, line, "messages", f"{found}; an RFT record gives its prompt as chat messages.", source)
        else:
            chars = self._messages(messages, line, emit)
        answer = record.get("reference_answer")
        if "reference_answer" not in record:
            emit(
                WARN,
                line,
                "reference_answer",
                "is missing; the grader has no expected output to score against.",
                source,
            )
        elif not _good_answer(answer):
            emit(
                WARN,
                line,
                "reference_answer",
                "is null or empty; the grader has nothing to score against.",
                source,
            )
        return chars

    def _messages(self, messages: list[Any], line: int, emit: Emit) -> int:
        source = self.spec.source
        chars = 0
        users = 0
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if type(message) is not dict:
                emit(ERR, line, where, f'must be an object {{"role", "content"}}, got {kind(message)}.', source)
                continue
            role = message.get("role")
            if role not in _ROLES:
                emit(ERR, line, f"{where}.role", f"must be 'system', 'user' or 'assistant', got {role!r}.", source)
                continue
            users += role == "user"
            if role == "system" and index:
                emit(
                    WARN,
                    line,
                    f"{where}.role",
                    "a system message comes first (AWS's Nova validator).",
                    "nova-validator",
                )
            content = message.get("content")
            if type(content) is str:
                chars += len(content)
                if not content.strip():
                    emit(ERR, line, f"{where}.content", "is empty (AWS's Nova validator rejects it).", "nova-validator")
            elif (
                type(content) is list and content and all(type(p) is dict and p.get("type") == "text" for p in content)
            ):
                emit(
                    WARN,
                    line,
                    f"{where}.content",
                    "is an array of parts; the documented records give a string.",
                    source,
                )
                for number, part in enumerate(content):
                    chars += text_field(part, "text", line, emit, f"{where}.content[{number}].text", source)
            else:
                emit(ERR, line, f"{where}.content", f"must be a string, got {kind(content)}.", source)
            extra = [key for key in message if key not in ("role", "content")]
            for key in extra:
                emit(
                    WARN,
                    line,
                    f"{where}.{key}",
                    "is not a field of an OpenAI chat message (fields: content, role).",
                    source,
                )
        if not users:
            emit(ERR, line, "messages", "holds no user message; the prompt goes in a user message.", source)
        return chars


def _good_answer(answer: Any) -> bool:
    """rft-open-weight: reference_answer "is not limited to structured outputs—it can contain any format that
    helps your reward function evaluate quality", so any value counts but null, blank text and an empty
    object or array (https://docs.aws.amazon.com/bedrock/latest/userguide/rft-prepare-data-open-weight.html)."""
    if type(answer) is str:
        return good_text(answer)
    if type(answer) is dict or type(answer) is list:
        return bool(answer)
    return answer is not None

"""Claude 3 Haiku's ``{"system": str, "messages": [{"role", "content": str}]}``.

haiku-cookbook: system optional, at least two messages, user first, assistant last, alternating, "No
extraneous keys are allowed"; haiku-validator: string content, the reserved "\\nHuman:" and
"\\nAssistant:".
"""

from __future__ import annotations

from typing import Any

from ..catalogue import DataFormat
from .base import ROLES, RecordFormat, check_turns, extra_keys, kind, text_field
from .report import ERR, WARN, Emit

_KEYS = frozenset({"system", "messages"})
_MESSAGE_KEYS = frozenset({"role", "content"})


class Claude(RecordFormat):
    format = DataFormat.CLAUDE

    def __init__(self, expected: Any) -> None:
        super().__init__(expected)
        self.reserved = self.spec.reserved_words

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        return "messages" in record

    def fast(self, record: dict[str, Any]) -> int:
        if not _KEYS.issuperset(record):
            return -1
        chars = 0
        if "system" in record:
            system = record["system"]
            if type(system) is not str or not system or system.isspace():
                return -1
            for word in self.reserved:
                if word in system:
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
            for word in self.reserved:
                if word in content:
                    return -1
            chars += len(content)
            expected = "assistant" if expected == "user" else "user"
        return chars if expected == "user" else -1

    def _all_reserved(self, record: dict[str, Any], line: int, emit: Emit) -> None:
        system = record.get("system")
        if type(system) is str:
            self._reserved(system, line, "system", emit)
        for index, message in enumerate(record.get("messages") or ()):
            content = message.get("content") if type(message) is dict else None
            if type(content) is str:
                self._reserved(content, line, f"messages[{index}].content", emit)

    def _reserved(self, text: str, line: int, where: str, emit: Emit) -> None:
        for word in self.reserved:
            if word in text:
                shown = word.replace("\n", "\\n")
                emit(ERR, line, where, f"holds the reserved keyword {shown!r}.", self.spec.reserved_words_source or "")

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        source = self.spec.source
        chars = 0
        if not _KEYS.issuperset(record):
            extra_keys(record, _KEYS, line, emit, "Claude 3 Haiku", True, source)
        if "system" in record:
            chars += text_field(record, "system", line, emit, "system", source, required=False)
        messages = record.get("messages")
        if type(messages) is not list:
            found = "is missing" if messages is None else f"must be an array, got {kind(messages)}"
            emit(ERR, line, "messages", f"{found}; give at least a user message and the assistant's reply.", source)
            return chars
        if len(messages) < 2:
            emit(
                ERR, line, "messages", f"needs at least 2 messages (user, then assistant), got {len(messages)}.", source
            )
        roles: list[str] = []
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if type(message) is not dict:
                emit(ERR, line, where, f'must be an object {{"role", "content"}}, got {kind(message)}.', source)
                return chars
            role = message.get("role")
            if role not in ROLES:
                emit(ERR, line, f"{where}.role", f"must be 'user' or 'assistant', got {role!r}.", source)
                return chars
            roles.append(role)
            if not _MESSAGE_KEYS.issuperset(message):
                extra_keys(message, _MESSAGE_KEYS, line, emit, "Claude 3 Haiku message", True, source, f"{where}.")
            chars += self._content(message.get("content"), line, where, emit)
        check_turns(roles, line, emit, len(messages) >= 2, source)
        if self.reserved:
            self._all_reserved(record, line, emit)
        return chars

    def _content(self, content: Any, line: int, where: str, emit: Emit) -> int:
        source = self.spec.source
        if type(content) is str:
            if not content or content.isspace():
                emit(WARN, line, f"{where}.content", "is empty; the model learns nothing from an empty text.", source)
            return len(content)
        if type(content) is list and content:
            chars = 0
            for number, block in enumerate(content):
                if type(block) is not dict or block.get("type") != "text":
                    emit(ERR, line, f"{where}.content[{number}]", 'must be {"type": "text", "text": str}.', source)
                else:
                    chars += text_field(block, "text", line, emit, f"{where}.content[{number}].text", source)
            return chars
        emit(ERR, line, f"{where}.content", f"must be a string, got {kind(content)}.", source)
        return 0

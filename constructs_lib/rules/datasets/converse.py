"""The Converse record format ``{"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [...]}]}``.

One class serves Nova fine-tuning (nova-ft, nova2-sft), Llama 3.2 (llama-validator), distillation prompts
(distill-prompts, distill-validator) and models the catalogue does not list (text-ft); the expectation's
DatasetSpec says which rules apply. Content blocks are checked in converse_blocks.py.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import CONVERSE_SCHEMA, DataFormat, SchemaVersion
from .base import ROLES, RecordFormat, check_turns, extra_keys, kind
from .converse_blocks import Blocks
from .report import ERR, WARN, Emit

KEYS = frozenset({"schemaVersion", "system", "messages"})
_MESSAGE_KEYS = frozenset({"role", "content"})


class Converse(RecordFormat):
    format = DataFormat.CONVERSE

    def __init__(self, expected: Any) -> None:
        super().__init__(expected)
        spec = self.spec
        self.mode = spec.schema_version
        self.reply_required = spec.reply_required
        self.multi_turn = expected.multi_turn
        self.keys = KEYS | {"toolConfig"} if spec.tools_source else KEYS
        self.blocks = Blocks(expected)
        self.watches = bool(spec.reserved_words)

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        if "schemaVersion" in record:
            return True
        messages = record.get("messages")
        if messages is None:
            return False
        first = messages[0] if type(messages) is list and messages else None
        content = first.get("content") if type(first) is dict else None
        block = content[0] if type(content) is list and content else None
        return type(content) is list and not (type(block) is dict and "type" in block)

    # ---- fast path ----------------------------------------------------------------------------------------

    def fast(self, record: dict[str, Any]) -> int:
        """One pass over an exactly right record; the loops are inlined, this runs once per line."""
        if not KEYS.issuperset(record):
            return -1
        mode = self.mode
        if mode is SchemaVersion.ANY:
            if "schemaVersion" in record and type(record["schemaVersion"]) is not str:
                return -1
        elif mode is SchemaVersion.OPTIONAL_EXACT:
            if "schemaVersion" in record and record["schemaVersion"] != CONVERSE_SCHEMA:
                return -1
        elif record.get("schemaVersion") != CONVERSE_SCHEMA:
            return -1
        watch = self.watches
        suspect = False
        chars = 0
        system = record.get("system")
        if system is not None:  # null reads as no system prompt, as in the full check (_system)
            bounds = self.spec.system_blocks
            if type(system) is not list or (bounds is not None and not bounds[0] <= len(system) <= bounds[1]):
                return -1
            for block in system:
                if type(block) is not dict or len(block) != 1:
                    return -1
                text = block.get("text")
                if type(text) is not str or not text or text.isspace():
                    return -1
                # nova-ft's reserved words hold a colon, "<" or "]": such a record gets a closer look.
                if watch and (":" in text or "<" in text or "]" in text):
                    suspect = True
                chars += len(text)
        messages = record.get("messages")
        if type(messages) is not list or not messages or (len(messages) > 2 and self.multi_turn is not True):
            return -1
        one_block = self.spec.one_text_block
        expected = "user"
        for message in messages:
            if type(message) is not dict or len(message) != 2 or message.get("role") != expected:
                return -1
            content = message.get("content")
            if type(content) is not list or not content or (one_block and len(content) != 1):
                return -1
            for block in content:
                if type(block) is not dict or len(block) != 1:
                    return -1
                text = block.get("text")
                if type(text) is not str or not text or text.isspace():
                    return -1
                if watch and (":" in text or "<" in text or "]" in text):
                    suspect = True
                chars += len(text)
            expected = "assistant" if expected == "user" else "user"
        if self.reply_required and expected == "assistant":
            return -1
        if suspect:
            self.suspect = True
        return chars

    def on_trigger(self, record: dict[str, Any], line: int, emit: Emit) -> None:
        """A record the fast path accepted whose line may hold a reserved word: look at each text."""
        blocks = self.blocks
        for index, block in enumerate(record.get("system") or ()):
            blocks.reserved(block["text"], line, f"system[{index}].text", "system", emit)
        for index, message in enumerate(record["messages"]):
            for number, block in enumerate(message["content"]):
                where = f"messages[{index}].content[{number}].text"
                blocks.reserved(block["text"], line, where, message["role"], emit)

    def finish(self, emit: Emit) -> None:
        self.blocks.finish(emit)

    # ---- full check ---------------------------------------------------------------------------------------

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        spec = self.spec
        self.blocks.begin_record()
        self._schema(record.get("schemaVersion"), "schemaVersion" in record, line, emit)
        chars = self._system(record, line, emit)
        if "toolConfig" in record and spec.tools_warning_source:
            emit(
                WARN,
                line,
                "toolConfig",
                "tool use is not supported by Nova 2 SFT yet; it might fail the job.",
                spec.tools_warning_source,
            )
        messages = record.get("messages")
        if type(messages) is not list or not messages:
            found = "is missing" if messages is None else f"must be a non-empty array, got {kind(messages)}"
            emit(ERR, line, "messages", f"{found}; give the conversation as user/assistant messages.", spec.source)
        else:
            chars += self._messages(messages, line, emit)
        self.blocks.end_record(line, emit)
        extra = {key: None for key in record if key not in self.keys}
        if extra:
            source = spec.structure_source or spec.source
            extra_keys(extra, KEYS, line, emit, "Converse", spec.extra_fields_error, source)
        return chars

    def _schema(self, schema: Any, present: bool, line: int, emit: Emit) -> None:
        mode = self.mode
        source = self.spec.source
        if not present:
            if mode in (SchemaVersion.REQUIRED_EXACT, SchemaVersion.UNCONFIRMED):
                severity = ERR if mode is SchemaVersion.REQUIRED_EXACT else WARN
                message = f'is missing; the Converse format needs "schemaVersion": "{CONVERSE_SCHEMA}".'
                emit(severity, line, "schemaVersion", message, source)
        elif type(schema) is not str:
            emit(ERR, line, "schemaVersion", f"must be a string, got {kind(schema)}.", source)
        elif schema != CONVERSE_SCHEMA and mode is not SchemaVersion.ANY:
            if mode is SchemaVersion.UNCONFIRMED:
                emit(WARN, line, "schemaVersion", f"is {schema[:60]!r}; Bedrock documents {CONVERSE_SCHEMA!r}.", source)
            else:
                emit(ERR, line, "schemaVersion", f"is {schema[:60]!r}; it must be {CONVERSE_SCHEMA!r}.", source)

    def _system(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        system = record.get("system")
        if system is None:
            return 0
        source = self.spec.source
        if type(system) is not list:
            emit(ERR, line, "system", f'must be an array of {{"text": str}} blocks, got {kind(system)}.', source)
            return 0
        bounds = self.spec.system_blocks
        if bounds is not None and not bounds[0] <= len(system) <= bounds[1]:
            holds = f"holds {len(system)} blocks; {self.expected.what} takes exactly one."
            emit(ERR, line, "system", holds, self.spec.structure_source or source)
        chars = 0
        for index, block in enumerate(system):
            if type(block) is not dict:
                emit(ERR, line, f"system[{index}]", f'must be an object {{"text": str}}, got {kind(block)}.', source)
            else:
                chars += self.blocks.text_block(block, line, emit, f"system[{index}]", "system")
        return chars

    def _messages(self, messages: list[Any], line: int, emit: Emit) -> int:
        spec = self.spec
        chars = 0
        roles: list[str] = []
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if type(message) is not dict:
                emit(ERR, line, where, f'must be an object {{"role", "content"}}, got {kind(message)}.', spec.source)
                return chars
            role = message.get("role")
            if role not in ROLES:
                emit(ERR, line, f"{where}.role", f"must be 'user' or 'assistant', got {role!r}.", spec.source)
                return chars
            roles.append(role)
            if not _MESSAGE_KEYS.issuperset(message):
                what = "Converse message"
                source = spec.structure_source or spec.source
                extra_keys(message, _MESSAGE_KEYS, line, emit, what, spec.extra_fields_error, source, f"{where}.")
            content = message.get("content")
            if type(content) is not list or not content:
                shape = 'a non-empty array of {"text": str} blocks'
                emit(ERR, line, f"{where}.content", f"must be {shape}, got {kind(content)}.", spec.source)
                continue
            if spec.one_text_block and len(content) != 1:
                emit(
                    ERR,
                    line,
                    f"{where}.content",
                    f"holds {len(content)} blocks; a prompt message holds one.",
                    spec.structure_source or spec.source,
                )
            chars += self.blocks.message(content, role, line, index, emit)
        check_turns(roles, line, emit, self.reply_required, spec.source)
        self._turns(roles, line, emit)
        return chars

    def _turns(self, roles: list[str], line: int, emit: Emit) -> None:
        """distill-prompts: Anthropic and Meta Llama models take one user prompt; Amazon Nova takes several."""
        prompts = roles.count("user")
        if prompts < 2 or self.multi_turn is True:
            return
        note = self.expected.turn_note
        if self.multi_turn is False:
            emit(
                ERR,
                line,
                "messages",
                f"holds {prompts} user prompts; {note} take single-turn prompts only.",
                "distill-prompts",
            )
        else:
            emit(WARN, line, "messages", f"holds {prompts} user prompts; {note}", "distill-prompts")

"""What every record format shares: the interface (detection, fast path, full check) and small field checks.

A format object is made for one file's expectation (model, type, role). ``fast`` accepts a record that
is exactly right in one call and returns the characters of text it holds (-1 to decline); ``check``
explains every problem through ``emit`` and returns the same count. The fast path must never accept a
record ``check`` would report (tests/datasets/test_streaming.py holds them to that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..catalogue import DataFormat
from .report import ERR, WARN, Emit

if TYPE_CHECKING:
    from .expectation import Expectation

ROLES = ("user", "assistant")


def kind(value: Any) -> str:
    """How a message names a JSON value's type."""
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def good_text(text: Any) -> bool:
    return type(text) is str and bool(text) and not text.isspace()


def text_field(
    record: dict[str, Any],
    name: str,
    line: int,
    emit: Emit,
    where: str,
    source: str,
    required: bool = True,
) -> int:
    """A string field: missing or not a string is an error, empty text a warning. Returns its length."""
    value = record.get(name)
    if type(value) is str:
        if not value or value.isspace():
            emit(WARN, line, where, "is empty; the model learns nothing from an empty text.", source)
        return len(value)
    if value is None and name not in record:
        if required:
            emit(ERR, line, where, "is missing.", source)
    else:
        emit(ERR, line, where, f"must be a string, got {kind(value)}.", source)
    return 0


def extra_keys(
    record: dict[str, Any],
    allowed: frozenset[str],
    line: int,
    emit: Emit,
    what: str,
    error: bool,
    source: str,
    where: str = "",
) -> None:
    """Fields outside a format: errors where the format documents that none are allowed, else warnings."""
    for key in record:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            emit(
                ERR if error else WARN,
                line,
                f"{where}{key}",
                f"is not a field of the {what} format (fields: {names}).",
                source,
            )


def check_turns(roles: list[str], line: int, emit: Emit, reply_required: bool, source: str) -> None:
    """The first message is the user's, user and assistant alternate, the last is the assistant's reply."""
    if not roles:
        return
    if roles[0] != "user":
        emit(
            ERR,
            line,
            "messages[0].role",
            f"must be 'user' (a conversation starts with the user), got {roles[0]!r}.",
            source,
        )
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1]:
            emit(
                ERR,
                line,
                f"messages[{index}].role",
                f"is {roles[index]!r} again: user and assistant messages must alternate.",
                source,
            )
            break
    if reply_required and roles[-1] != "assistant":
        emit(
            ERR,
            line,
            f"messages[{len(roles) - 1}].role",
            f"must be 'assistant' (the last message is the reply to learn), got {roles[-1]!r}.",
            source,
        )


class RecordFormat:
    """One record format: how to recognize it, the fast path and the full check, for one expectation."""

    format: ClassVar[DataFormat]
    watches = False
    """Whether ``fast`` may flag an accepted record as ``suspect`` (the scan then calls ``on_trigger``)."""
    suspect = False

    def __init__(self, expected: Expectation) -> None:
        self.expected = expected
        self.spec = expected.spec

    @staticmethod
    def detect(record: dict[str, Any], preferred: bool) -> bool:
        """Whether a record is written in this format (``preferred``: the format the file should hold)."""
        raise NotImplementedError

    def fast(self, record: dict[str, Any]) -> int:
        return -1

    def check(self, record: dict[str, Any], line: int, emit: Emit) -> int:
        raise NotImplementedError

    def on_trigger(self, record: dict[str, Any], line: int, emit: Emit) -> None:
        """The closer look a suspect record the fast path accepted needs (reserved words)."""

    def finish(self, emit: Emit) -> None:
        """Findings about the whole file, once every record is read."""

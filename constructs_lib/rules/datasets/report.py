"""Findings and the report of one file: each finding names the file, the line, the field and its rule's source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..catalogue import DataFormat
    from .expectation import Expectation

from .kinds import ERR as ERR
from .kinds import WARN as WARN
from .kinds import DatasetRole as DatasetRole
from .kinds import Severity as Severity

DEFAULT_MAX_FINDINGS = 20


Emit = Callable[[Severity, "int | None", "str | None", str, str], None]
"""How a check reports: severity, line, field, message, the key of the rule's source."""


@dataclass(frozen=True)
class Finding:
    severity: Severity
    file: str
    line: int | None
    field: str | None
    message: str
    source: str = "jsonl"
    """The short name of the documentation the rule comes from (catalogue.SOURCES)."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def cited(self) -> str:
        """The finding with its source, as the CLI and synth messages show it."""
        return f"{self} [{self.source}]"


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

    def add(self, severity: Severity, line: int | None, field: str | None, message: str, source: str = "jsonl") -> None:
        if severity is Severity.ERROR:
            self.error_count += 1
            kept = self.error_count
        else:
            self.warning_count += 1
            kept = self.warning_count
        if kept <= self.max_findings:
            self.findings.append(Finding(severity, self.file, line, field, message, source))

    def error_lines(self) -> list[str]:
        return _bounded([f.cited() for f in self.errors], self.omitted_errors, "error", self.file)

    def warning_lines(self) -> list[str]:
        return _bounded([f.cited() for f in self.warnings], self.omitted_warnings, "warning", self.file)


def _bounded(lines: list[str], omitted: int, noun: str, file: str) -> list[str]:
    if omitted:
        lines.append(f"{file}: ... and {omitted} more {noun}{'s' if omitted != 1 else ''}")
    return lines

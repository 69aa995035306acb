"""Local JSONL training data, checked before deploy (at synth and by ``python -m constructs_lib validate-data``).

Bedrock validates a dataset only after the job has started. These checks read the file once, line by
line (memory does not grow with the file). Errors are what Bedrock rejects; warnings are what the
documentation says degrades results, and what the model catalogue cannot confirm. Every finding names
the file, the line, the field and the short name of its rule's source (catalogue.SOURCES; the README's
dataset table explains them).

The rules per model and customization type live in the model catalogue (constructs_lib.catalogue);
each record format is one class here (detection, fast path and full check together):
``converse.Converse``, ``claude.Claude``, ``rft.RftChat``, and in ``flat`` prompt/completion,
continued pre-training ``input`` and image/caption. ``scan`` reads the file, ``limits`` checks counts
and sizes. Token lengths are estimated at about 6 characters per token (text-ft).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from enum import Enum
from functools import cache
from typing import Any

from ..catalogue import CONVERSE_SCHEMA, DataFormat, context_tokens
from ..validation import ValidationError
from .base import RecordFormat
from .expectation import CHARS_PER_TOKEN, Expectation, expectation
from .limits import check_totals
from .report import DEFAULT_MAX_FINDINGS, DatasetRole, Finding, Report, Severity
from .scan import FORMATS, MAX_LINE_BYTES, PROGRESS_STEP_BYTES, Scan, detect_format

__all__ = [
    "CHARS_PER_TOKEN",
    "CHECKERS",
    "CONVERSE_SCHEMA",
    "DEFAULT_MAX_FINDINGS",
    "FAST",
    "FORMATS",
    "MAX_LINE_BYTES",
    "PROGRESS_STEP_BYTES",
    "DataFormat",
    "DatasetRole",
    "Expectation",
    "Finding",
    "Report",
    "Severity",
    "check_file",
    "check_job_data",
    "context_tokens",
    "detect_format",
    "expectation",
]


def check_file(
    path: str | os.PathLike[str],
    *,
    customization_type: str | Enum = "FINE_TUNING",
    model_id: str | None = None,
    role: DatasetRole = DatasetRole.TRAINING,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    progress: Callable[[int], None] | None = None,
    teacher_model_id: str | None = None,
) -> Report:
    """Check one local JSONL file in a single streaming pass.

    :param progress: called with the bytes read so far, about once per MiB and once at the end.
    :param teacher_model_id: a distillation's teacher (its provider decides whether prompts may hold turns).
    """
    expected = expectation(customization_type, model_id, role, teacher_model_id)
    report = Report(file=str(path), expected=expected, max_findings=max_findings)
    with open(path, "rb") as handle:
        Scan(report, progress, MAX_LINE_BYTES).run(handle)
    check_totals(report)
    return report


def check_job_data(
    customization_type: str | Enum,
    model_id: str | None,
    training_file: str | None,
    validation_files: Iterable[str | None] = (),
    max_findings: int = DEFAULT_MAX_FINDINGS,
    *,
    teacher_model_id: str | None = None,
) -> list[str]:
    """The synth-time check of a job's local data sets: raise on errors, return the warnings as lines."""

    def check(path: str, role: DatasetRole) -> Report:
        return check_file(
            path,
            customization_type=customization_type,
            model_id=model_id,
            role=role,
            max_findings=max_findings,
            teacher_model_id=teacher_model_id,
        )

    reports: list[tuple[str, Report]] = []  # (the job prop the file is given as, its report)
    if training_file is not None:
        reports.append(("training_data", check(training_file, DatasetRole.TRAINING)))
    for index, validation_file in enumerate(validation_files):
        if validation_file is not None:
            reports.append((f"validation_data[{index}]", check(validation_file, DatasetRole.VALIDATION)))
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


# ---- one-call access to each format's checks with the rules every model shares (tests, tools) ---------------

Emit4 = Callable[[Severity, int, "str | None", str], None]


@cache
def _generic(fmt: DataFormat, reply_required: bool) -> RecordFormat:
    base = expectation("FINE_TUNING", None)
    spec = dataclasses.replace(base.spec, formats=(fmt,), reply_required=reply_required)
    return FORMATS[fmt](dataclasses.replace(base, spec=spec))


def _checker(fmt: DataFormat) -> Callable[[dict[str, Any], int, Emit4, bool], int]:
    def check(record: dict[str, Any], line: int, emit: Emit4, reply_required: bool) -> int:
        def forward(severity: Severity, at: int | None, field: str | None, message: str, source: str = "") -> None:
            emit(severity, at or 0, field, message)

        return _generic(fmt, reply_required).check(record, line, forward)

    return check


def _fast(fmt: DataFormat) -> Callable[[dict[str, Any], bool], int]:
    return lambda record, reply_required: _generic(fmt, reply_required).fast(record)


CHECKERS = {fmt: _checker(fmt) for fmt in FORMATS}
"""Format -> ``check(record, line, emit(severity, line, field, message), reply_required)`` (shared rules)."""
FAST = {fmt: _fast(fmt) for fmt in FORMATS}
"""Format -> ``fast(record, reply_required)``: the characters of an exactly right record, else -1."""

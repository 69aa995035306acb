"""The file-level limits: record counts, file sizes, data sets the model does not use.

Record counts and sizes are warnings: the documented bounds count training and validation records
together or per account (quotas), and a truncated or partial file is checked on its own.
"""

from __future__ import annotations

from ..catalogue import Limit
from .report import ERR, WARN, DatasetRole, Report

_MB = 1000**2


def check_totals(report: Report) -> None:
    expected = report.expected
    spec = expected.spec
    if report.records == 0 and report.error_count == 0:
        report.add(ERR, None, None, "holds no records; Bedrock needs at least one JSON object per line.")
        return
    if not spec.formats:
        return
    training = expected.role is DatasetRole.TRAINING
    who = expected.family_name or expected.what
    role = expected.role.value
    if not training and spec.validation_unsupported_source:
        report.add(
            WARN,
            None,
            None,
            f"{expected.model_name or who} does not use a validation data set for {expected.customization_type}; "
            "Bedrock ignores it or the job fails.",
            spec.validation_unsupported_source,
        )
    low = spec.min_records if training else spec.min_validation_records
    high = spec.max_records if training else spec.max_validation_records
    if low is not None and report.records < low.value:
        _add(report, low, f"{report.records:,} records: {who} takes at least {low.value:,} {role} records.")
    if high is not None and report.records > high.value:
        _add(report, high, f"{report.records:,} records: {who} takes at most {high.value:,} {role} records.")
    max_bytes = spec.max_training_bytes if training else spec.max_validation_bytes
    if max_bytes is not None and report.size_bytes > max_bytes.value:
        _add(
            report,
            max_bytes,
            f"{report.size_bytes / _MB:,.1f} MB: {who} takes {role} files of at most {max_bytes.value / _MB:,.0f} MB.",
        )


def _add(report: Report, limit: Limit, message: str) -> None:
    report.add(WARN, None, None, message, limit.source)

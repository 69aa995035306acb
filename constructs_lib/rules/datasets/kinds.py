"""The two words every dataset check shares: how bad a finding is, and which of the job's data sets a file is."""

from __future__ import annotations

from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


ERR = Severity.ERROR
WARN = Severity.WARNING


class DatasetRole(Enum):
    """Which of the job's data sets a file is (limits differ)."""

    TRAINING = "training"
    VALIDATION = "validation"

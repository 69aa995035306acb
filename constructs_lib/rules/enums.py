"""The API's enumerations, free of CDK imports so the command-line tools start without jsii."""

from __future__ import annotations

from enum import Enum


class CustomizationType(Enum):
    """The kinds of customization Bedrock runs (``customizationType``)."""

    FINE_TUNING = "FINE_TUNING"
    CONTINUED_PRE_TRAINING = "CONTINUED_PRE_TRAINING"
    DISTILLATION = "DISTILLATION"
    REINFORCEMENT_FINE_TUNING = "REINFORCEMENT_FINE_TUNING"
    IMPORTED = "IMPORTED"


class ReasoningEffort(Enum):
    """How hard an RFT policy model reasons while generating samples."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

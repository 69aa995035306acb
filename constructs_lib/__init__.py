"""AWS CDK constructs for Amazon Bedrock model customization jobs (fine-tuning, continued pre-training,
distillation, reinforcement fine-tuning) as deployable CloudFormation resources.

Names are loaded on first use (PEP 562), so ``python -m constructs_lib validate-data`` starts without
loading aws-cdk-lib and its Node.js runtime.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .completion import JobStatus
    from .config import (
        Completion,
        DistillationConfig,
        MetadataCondition,
        OutputData,
        RequestMetadataFilters,
        RftConfig,
        RftHyperParameters,
        S3Location,
        TrainingData,
        ValidationData,
    )
    from .enums import CustomizationType, ReasoningEffort
    from .job import ModelCustomizationJob
    from .job_base import IModelCustomizationJob, ImportedModelCustomizationJob, ModelCustomizationJobBase
    from .log_settings import ModelCustomizationLogs
    from .validation import ValidationError

_WHERE = {
    "Completion": "config",
    "CustomizationType": "enums",
    "DistillationConfig": "config",
    "IModelCustomizationJob": "job_base",
    "ImportedModelCustomizationJob": "job_base",
    "ModelCustomizationJobBase": "job_base",
    "JobStatus": "completion",
    "MetadataCondition": "config",
    "ModelCustomizationJob": "job",
    "ModelCustomizationLogs": "log_settings",
    "OutputData": "config",
    "ReasoningEffort": "enums",
    "RequestMetadataFilters": "config",
    "RftConfig": "config",
    "RftHyperParameters": "config",
    "S3Location": "config",
    "TrainingData": "config",
    "ValidationData": "config",
    "ValidationError": "validation",
}

__all__ = [
    "Completion",
    "CustomizationType",
    "DistillationConfig",
    "IModelCustomizationJob",
    "ImportedModelCustomizationJob",
    "JobStatus",
    "MetadataCondition",
    "ModelCustomizationJob",
    "ModelCustomizationJobBase",
    "ModelCustomizationLogs",
    "OutputData",
    "ReasoningEffort",
    "RequestMetadataFilters",
    "RftConfig",
    "RftHyperParameters",
    "S3Location",
    "TrainingData",
    "ValidationData",
    "ValidationError",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

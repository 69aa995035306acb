"""AWS CDK constructs for Amazon Bedrock model customization jobs (fine-tuning, continued pre-training,
distillation, reinforcement fine-tuning) as deployable CloudFormation resources, and the trained model served
on demand or with Provisioned Throughput.

Names are loaded on first use (PEP 562), so ``python -m constructs_lib validate-data`` starts without
loading aws-cdk-lib and its Node.js runtime.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cdk.completion import JobStatus
    from .cdk.config import Completion, DistillationConfig, RftConfig, RftHyperParameters
    from .cdk.data import (
        MetadataCondition,
        OutputData,
        RequestMetadataFilters,
        S3Location,
        TrainingData,
        ValidationData,
    )
    from .cdk.evaluation import Baseline, Builtin, CandidateHost, CustomMetric, EvaluationDataset, EvaluationGate
    from .cdk.job import ModelCustomizationJob
    from .cdk.job_base import IModelCustomizationJob, ImportedModelCustomizationJob, ModelCustomizationJobBase
    from .cdk.log_settings import ModelCustomizationLogs
    from .cdk.serving import CustomModelDeployment, ProvisionedThroughput
    from .cdk.serving_props import Commitment, CommittedRemoval, QualityGate
    from .rules.enums import CustomizationType, ReasoningEffort
    from .rules.validation import ValidationError

_WHERE = {
    "Baseline": "cdk.evaluation",
    "Builtin": "cdk.evaluation",
    "CandidateHost": "cdk.evaluation",
    "CustomMetric": "cdk.evaluation",
    "EvaluationDataset": "cdk.evaluation",
    "EvaluationGate": "cdk.evaluation",
    "Commitment": "cdk.serving_props",
    "CommittedRemoval": "cdk.serving_props",
    "Completion": "cdk.config",
    "CustomModelDeployment": "cdk.serving",
    "CustomizationType": "rules.enums",
    "DistillationConfig": "cdk.config",
    "IModelCustomizationJob": "cdk.job_base",
    "ImportedModelCustomizationJob": "cdk.job_base",
    "ModelCustomizationJobBase": "cdk.job_base",
    "JobStatus": "cdk.completion",
    "MetadataCondition": "cdk.data",
    "ModelCustomizationJob": "cdk.job",
    "ModelCustomizationLogs": "cdk.log_settings",
    "OutputData": "cdk.data",
    "ProvisionedThroughput": "cdk.serving",
    "QualityGate": "cdk.serving_props",
    "ReasoningEffort": "rules.enums",
    "RequestMetadataFilters": "cdk.data",
    "RftConfig": "cdk.config",
    "RftHyperParameters": "cdk.config",
    "S3Location": "cdk.data",
    "TrainingData": "cdk.data",
    "ValidationData": "cdk.data",
    "ValidationError": "rules.validation",
}

__all__ = [
    "Baseline",
    "Builtin",
    "CandidateHost",
    "Commitment",
    "CommittedRemoval",
    "Completion",
    "CustomMetric",
    "CustomModelDeployment",
    "CustomizationType",
    "DistillationConfig",
    "EvaluationDataset",
    "EvaluationGate",
    "IModelCustomizationJob",
    "ImportedModelCustomizationJob",
    "JobStatus",
    "MetadataCondition",
    "ModelCustomizationJob",
    "ModelCustomizationJobBase",
    "ModelCustomizationLogs",
    "OutputData",
    "ProvisionedThroughput",
    "QualityGate",
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

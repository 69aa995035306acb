"""AWS CDK constructs for Amazon Bedrock model customization jobs (fine-tuning, continued pre-training,
distillation, reinforcement fine-tuning) as deployable CloudFormation resources."""

from .completion import JobStatus
from .config import (
    Completion,
    CustomizationType,
    DistillationConfig,
    MetadataCondition,
    OutputData,
    ReasoningEffort,
    RequestMetadataFilters,
    RftConfig,
    RftHyperParameters,
    S3Location,
    TrainingData,
    ValidationData,
)
from .imported import IModelCustomizationJob, ImportedModelCustomizationJob
from .job import ModelCustomizationJob
from .validation import ValidationError

__all__ = [
    "Completion",
    "CustomizationType",
    "DistillationConfig",
    "IModelCustomizationJob",
    "ImportedModelCustomizationJob",
    "JobStatus",
    "MetadataCondition",
    "ModelCustomizationJob",
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

"""Where each dataset rule and limit comes from: a short name per source, cited next to every rule.

Findings name their rule's source by these keys; the README's dataset table and docs/datasets.md
explain them. A rule whose only source is ``unconfirmed`` is never more than a warning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A page of the AWS documentation or a file of AWS's published samples."""

    key: str
    title: str
    url: str

    def cite(self) -> str:
        return f"{self.title} <{self.url}>"


_BEDROCK = "https://docs.aws.amazon.com/bedrock/latest/userguide"
_NOVA = "https://docs.aws.amazon.com/nova/latest/userguide"
_SAMPLES = "https://github.com/aws-samples/amazon-bedrock-samples/blob/85fba9d9c404ae120c0ceee5e67befed35004fdc"
_NOVA_SAMPLES = "https://github.com/aws-samples/amazon-nova-samples/blob/1e88f2450a00a3a24933765ae96159a55ad02a90"

_ALL = (
    Source(
        "jsonl",
        "Prepare data for fine-tuning your models (Amazon Bedrock)",
        f"{_BEDROCK}/model-customization-prepare.html",
    ),
    Source(
        "bedrock-limits",
        "Model requirements for training and validation datasets (Amazon Bedrock)",
        f"{_BEDROCK}/model-training-validation-requirements.html",
    ),
    Source(
        "text-ft",
        "Prepare data for fine-tuning text-to-text models (Amazon Bedrock)",
        f"{_BEDROCK}/preparing-text-data.html",
    ),
    Source(
        "image-ft",
        "Prepare data for fine-tuning image generation and embedding models (Amazon Bedrock)",
        f"{_BEDROCK}/preparing-image-generation-data.html",
    ),
    Source(
        "nova-ft",
        "Preparing data for fine-tuning Understanding models (Amazon Nova user guide)",
        f"{_NOVA}/fine-tune-prepare-data-understanding.html",
    ),
    Source(
        "nova-canvas-ft",
        "Preparing data for fine-tuning Creative Content Generation models (Amazon Nova user guide)",
        f"{_NOVA}/fine-tune-prepare-data-creative-content.html",
    ),
    Source(
        "nova2-sft",
        "Supervised fine-tuning on Amazon Nova 2.0 (Amazon Bedrock)",
        f"{_BEDROCK}/nova-2-sft-data-prep.html",
    ),
    Source(
        "nova-validator",
        "Nova fine-tuning dataset validator (aws-samples/amazon-nova-samples)",
        f"{_NOVA_SAMPLES}/customization/bedrock-finetuning/understanding/dataset_validation/nova_ft_dataset_validator.py",
    ),
    Source(
        "distill-prompts",
        "Option 1: Provide your own prompts for data preparation (Amazon Bedrock, distillation)",
        f"{_BEDROCK}/distillation-data-prep-option-1.html",
    ),
    Source(
        "distill-validator",
        "Distillation dataset validator and schema (aws-samples/amazon-bedrock-samples)",
        f"{_SAMPLES}/custom-models/model_distillation/dataset-validation/schema.py",
    ),
    Source(
        "rft-nova", "Prepare data for Amazon Nova models (Amazon Bedrock, RFT)", f"{_BEDROCK}/rft-prepare-data.html"
    ),
    Source(
        "rft-open-weight",
        "Prepare data for open-weight models (Amazon Bedrock, RFT)",
        f"{_BEDROCK}/rft-prepare-data-open-weight.html",
    ),
    Source(
        "haiku-validator",
        "Claude 3 Haiku fine-tuning data validator (aws-samples/amazon-bedrock-samples)",
        f"{_SAMPLES}/custom-models/bedrock-fine-tuning/claude-haiku/DataValidation/data_validation.py",
    ),
    Source(
        "haiku-cookbook",
        "Finetuning Claude 3 Haiku on Bedrock (Anthropic cookbook)",
        "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock",
    ),
    Source(
        "llama-validator",
        "Meta Llama fine-tuning dataset validator (aws-samples/amazon-bedrock-samples)",
        f"{_SAMPLES}/custom-models/bedrock-fine-tuning/meta-llama/dataset_validation/README.md",
    ),
    Source(
        "on-demand",
        "Deploy a custom model for on-demand inference (Amazon Bedrock)",
        f"{_BEDROCK}/deploy-custom-model-on-demand.html",
    ),
    Source(
        "nova-on-demand",
        "Deploy a custom model for on-demand inference (Amazon Nova user guide)",
        f"{_NOVA}/deploy-custom-model.html",
    ),
    Source(
        "eval-judge",
        "Create a prompt dataset for a model evaluation job that uses a model as judge (Amazon Bedrock)",
        f"{_BEDROCK}/model-evaluation-prompt-datasets-judge.html",
    ),
    Source(
        "eval-report-s3",
        "Understand how the results of your model evaluation job are saved in Amazon S3 (Amazon Bedrock)",
        f"{_BEDROCK}/model-evaluation-report-s3.html",
    ),
    Source(
        "eval-api",
        "CreateEvaluationJob (Amazon Bedrock API reference; botocore's service model bedrock 2023-04-20)",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateEvaluationJob.html",
    ),
    Source(
        "custom-model-supported",
        "Supported models and Regions for fine-tuning and continued pre-training (Amazon Bedrock)",
        f"{_BEDROCK}/custom-model-supported.html",
    ),
    Source(
        "unconfirmed",
        "No current AWS page found: a limit carried over from this library's earlier table (warning only)",
        "https://docs.aws.amazon.com/general/latest/gr/bedrock.html",
    ),
)

SOURCES: dict[str, Source] = {source.key: source for source in _ALL}
"""Every source a rule may cite, by its short name."""

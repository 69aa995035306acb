"""The documented hyperparameter tables (Bedrock user guide, "<model> model customization hyperparameters").

Each base model in ``models.py`` names the table it uses; constructs_lib.hyperparameters turns them into
advisories. The names are the families the documentation gives the tables.
"""

from __future__ import annotations

from .types import HyperparameterTable, Range

TITAN_LITE_EXPRESS = HyperparameterTable(
    "Titan Text G1 Lite/Express",
    {
        "epochCount": Range(1, 10, 5),
        "batchSize": Range(1, 64, 1),
        "learningRate": Range(0, 1, 1e-5),
        "learningRateWarmupSteps": Range(0, 250, 5),
    },
)
TITAN_PREMIER = HyperparameterTable(
    "Titan Text Premier",
    {
        "epochCount": Range(1, 5, 2),
        "batchSize": Range(1, 1, 1),
        "learningRate": Range(1e-7, 1e-5, 1e-6),
        "learningRateWarmupSteps": Range(0, 20, 5),
    },
)
NOVA = HyperparameterTable(
    "Amazon Nova Micro/Lite/Pro",
    {
        "epochCount": Range(1, 5, 2),
        "learningRate": Range(1e-6, 1e-4, 1e-5),
        "learningRateWarmupSteps": Range(0, 100, 10),
    },
)
LLAMA = HyperparameterTable(
    "Meta Llama 2 / 3.1 / 3.2",
    {"epochCount": Range(1, 10, 5), "batchSize": Range(1, 1, 1), "learningRate": Range(5e-6, 0.1, 1e-4)},
)
_COHERE_COMMON = {
    "epochCount": Range(1, 100, 1),
    "learningRate": Range(5e-6, 0.1, 1e-5),
    "earlyStoppingThreshold": Range(0, 0.1, 0.01),
    "earlyStoppingPatience": Range(1, 10, 6),
    "evalPercentage": Range(5, 50, 20),
}
COHERE_LIGHT = HyperparameterTable("Cohere Command Light", {**_COHERE_COMMON, "batchSize": Range(8, 32, 8)})
COHERE = HyperparameterTable("Cohere Command", {**_COHERE_COMMON, "batchSize": Range(8, 8, 8)})
HAIKU = HyperparameterTable(
    "Anthropic Claude 3 Haiku",
    {
        "epochCount": Range(1, 10, 2),
        "batchSize": Range(4, 256, 32),
        "learningRateMultiplier": Range(0.1, 2, 1),
        "earlyStoppingThreshold": Range(0, 0.1, 0.001),
        "earlyStoppingPatience": Range(1, 10, 2),
    },
)
TITAN_EMBED = HyperparameterTable(
    "Titan Multimodal Embeddings G1",
    {
        "epochCount": Range(1, 100, 1, allows_auto=True),
        "batchSize": Range(256, 9216, 576),
        "learningRate": Range(5e-8, 1, 5e-5),
    },
)

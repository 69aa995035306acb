"""The documented hyperparameter tables (Bedrock user guide, "<model> model customization hyperparameters").

Each base model in ``models.py`` names the table it uses; constructs_lib.hyperparameters turns them into
advisories. The names are the families the documentation gives the tables. ``integer=True`` follows the
tables' Type column ("Custom model hyperparameters", custom-models-hp.html): epochs, batch sizes, warmup steps
and early-stopping patience are integers there.
"""

from __future__ import annotations

from .types import HyperparameterTable, Range

TITAN_LITE_EXPRESS = HyperparameterTable(
    "Titan Text G1 Lite/Express",
    {
        "epochCount": Range(1, 10, 5, integer=True),
        "batchSize": Range(1, 64, 1, integer=True),
        "learningRate": Range(0, 1, 1e-5),
        "learningRateWarmupSteps": Range(0, 250, 5, integer=True),
    },
)
TITAN_PREMIER = HyperparameterTable(
    "Titan Text Premier",
    {
        "epochCount": Range(1, 5, 2, integer=True),
        "batchSize": Range(1, 1, 1, integer=True),
        "learningRate": Range(1e-7, 1e-5, 1e-6),
        "learningRateWarmupSteps": Range(0, 20, 5, integer=True),
    },
)
NOVA = HyperparameterTable(
    "Amazon Nova Micro/Lite/Pro",
    {
        "epochCount": Range(1, 5, 2, integer=True),
        "learningRate": Range(1e-6, 1e-4, 1e-5),
        "learningRateWarmupSteps": Range(0, 100, 10, integer=True),
    },
)
LLAMA = HyperparameterTable(
    "Meta Llama 2 / 3.1 / 3.2",
    {
        "epochCount": Range(1, 10, 5, integer=True),
        "batchSize": Range(1, 1, 1, integer=True),
        "learningRate": Range(5e-6, 0.1, 1e-4),
    },
)
_COHERE_COMMON = {
    "epochCount": Range(1, 100, 1, integer=True),
    "learningRate": Range(5e-6, 0.1, 1e-5),
    "earlyStoppingThreshold": Range(0, 0.1, 0.01),
    "earlyStoppingPatience": Range(1, 10, 6, integer=True),
    "evalPercentage": Range(5, 50, 20),
}
COHERE_LIGHT = HyperparameterTable(
    "Cohere Command Light", {**_COHERE_COMMON, "batchSize": Range(8, 32, 8, integer=True)}
)
COHERE = HyperparameterTable("Cohere Command", {**_COHERE_COMMON, "batchSize": Range(8, 8, 8, integer=True)})
HAIKU = HyperparameterTable(
    "Anthropic Claude 3 Haiku",
    {
        "epochCount": Range(1, 10, 2, integer=True),
        "batchSize": Range(4, 256, 32, integer=True),
        "learningRateMultiplier": Range(0.1, 2, 1),
        "earlyStoppingThreshold": Range(0, 0.1, 0.001),
        "earlyStoppingPatience": Range(1, 10, 2, integer=True),
    },
)
TITAN_EMBED = HyperparameterTable(
    "Titan Multimodal Embeddings G1",
    {
        "epochCount": Range(1, 100, 1, allows_auto=True, integer=True),
        "batchSize": Range(256, 9216, 576, integer=True),
        "learningRate": Range(5e-8, 1, 5e-5),
    },
)

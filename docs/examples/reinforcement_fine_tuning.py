"""Reinforcement fine-tuning: a Lambda grader scores the policy model's sampled answers."""

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from constructs_lib import (
    CustomizationType,
    ModelCustomizationJob,
    ReasoningEffort,
    RftConfig,
    RftHyperParameters,
    TrainingData,
)

app = App()
stack = Stack(app, "RftExample")
prompts = s3.Bucket.from_bucket_name(stack, "Prompts", "my-rft-prompts")
grader = lambda_.Function.from_function_name(stack, "Grader", "my-answer-grader")

ModelCustomizationJob(
    stack,
    "MathTutor",
    base_model="amazon.nova-2-lite-v1:0:256k",
    customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
    training_data=TrainingData.from_bucket(prompts, "math/prompts.jsonl"),
    rft=RftConfig(
        grader=grader,
        hyper_parameters=RftHyperParameters(
            epoch_count=2, batch_size=64, learning_rate=1e-5, reasoning_effort=ReasoningEffort.MEDIUM
        ),
    ),
)
app.synth()

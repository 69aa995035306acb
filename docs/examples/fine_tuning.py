"""Fine-tune Amazon Nova Micro on prompt/completion records in an existing bucket."""

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from constructs_lib import CustomizationType, ModelCustomizationJob, TrainingData, ValidationData

app = App()
stack = Stack(app, "FineTuningExample")
data = s3.Bucket.from_bucket_name(stack, "Data", "my-training-data")

ModelCustomizationJob(
    stack,
    "SupportBot",
    base_model="amazon.nova-micro-v1:0:128k",
    customization_type=CustomizationType.FINE_TUNING,
    training_data=TrainingData.from_bucket(data, "support-bot/train.jsonl"),
    validation_data=[ValidationData.from_bucket(data, "support-bot/validation.jsonl")],
    hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
)
app.synth()

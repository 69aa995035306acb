"""Distil a Nova Pro teacher into Nova Lite using prompts from Bedrock invocation logs."""

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from constructs_lib import (
    CustomizationType,
    DistillationConfig,
    ModelCustomizationJob,
    RequestMetadataFilters,
    TrainingData,
)

app = App()
stack = Stack(app, "DistillationExample")
logs = s3.Bucket.from_bucket_name(stack, "InvocationLogs", "my-bedrock-invocation-logs")

ModelCustomizationJob(
    stack,
    "Student",
    base_model="amazon.nova-lite-v1:0:300k",
    customization_type=CustomizationType.DISTILLATION,
    training_data=TrainingData.from_invocation_logs(
        logs, "AWSLogs/", request_metadata_filters=RequestMetadataFilters.equals({"project": "support-bot"})
    ),
    distillation=DistillationConfig(teacher_model="us.amazon.nova-pro-v1:0", max_response_length_for_inference=1000),
)
app.synth()

"""Fine-tune Titan Text G1 Express and serve it with Provisioned Throughput: one model unit, no commitment.

Billed per model unit per hour while the throughput exists (deleted with the stack). A commitment term
(``Commitment.one_month(acknowledge_non_cancellable_charge=True)``) bills the whole term and cannot be deleted
before it ends; see docs/serving.md.
"""

from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from constructs_lib import Completion, ModelCustomizationJob, QualityGate, TrainingData

app = App()
stack = Stack(app, "ProvisionedThroughputExample")
data = s3.Bucket.from_bucket_name(stack, "Data", "my-training-data")

job = ModelCustomizationJob(
    stack,
    "Summarizer",
    base_model="amazon.titan-text-express-v1:0:8k",
    training_data=TrainingData.from_bucket(data, "summaries/train.jsonl"),
    hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
    completion=Completion.wait(timeout=Duration.hours(4)),
)
throughput = job.provision_throughput("Serving", model_units=1, gate=QualityGate(max_training_loss=2.0))
caller = iam.Role(stack, "SummarizerApp", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
throughput.grant_invoke(caller)
CfnOutput(stack, "ProvisionedModelArn", value=throughput.provisioned_model_arn)
app.synth()

"""Fine-tune Amazon Nova Micro, gate the result on its validation loss and serve it on demand.

The deploy ends with a deployment ARN an application passes as ``modelId`` to InvokeModel or Converse.
On-demand serving of custom models exists in us-east-1 and us-west-2; the stack names its Region.
"""

from aws_cdk import App, CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from constructs_lib import Completion, ModelCustomizationJob, QualityGate, TrainingData, ValidationData

app = App()
stack = Stack(app, "ServeOnDemandExample", env=Environment(region="us-east-1"))
data = s3.Bucket.from_bucket_name(stack, "Data", "my-training-data")

job = ModelCustomizationJob(
    stack,
    "SupportBot",
    base_model="amazon.nova-micro-v1:0:128k",
    training_data=TrainingData.from_bucket(data, "support-bot/train.jsonl"),
    validation_data=[ValidationData.from_bucket(data, "support-bot/validation.jsonl")],
    hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
    completion=Completion.wait(timeout=Duration.hours(4)),  # serving needs the trained model's ARN
)
# Pay per token; a retrain swaps the new model into the same deployment once it passes the gate.
served = job.deploy_on_demand("OnDemand", gate=QualityGate(max_validation_loss=1.5))
caller = iam.Role(stack, "SupportApp", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
served.grant_invoke(caller)  # bedrock:InvokeModel and InvokeModelWithResponseStream on the deployment only
CfnOutput(stack, "DeploymentArn", value=served.deployment_arn)
app.synth()

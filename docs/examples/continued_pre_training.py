"""Continue pre-training Titan Text Express on a folder of unlabeled {"input": ...} records."""

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from constructs_lib import CustomizationType, ModelCustomizationJob, OutputData, TrainingData

app = App()
stack = Stack(app, "ContinuedPreTrainingExample")
corpus = s3.Bucket.from_bucket_name(stack, "Corpus", "my-domain-corpus")

ModelCustomizationJob(
    stack,
    "DomainAdapted",
    base_model="amazon.titan-text-express-v1:0:8k",
    customization_type=CustomizationType.CONTINUED_PRE_TRAINING,
    training_data=TrainingData.from_bucket(corpus, "cpt/"),
    output_data=OutputData.from_bucket(corpus, "cpt-output/"),
    hyper_parameters={"epochCount": 1, "batchSize": 8, "learningRate": 0.00001},
)
app.synth()

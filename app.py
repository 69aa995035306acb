#!/usr/bin/env python3
"""Example app: one stack per way of customizing a model. Copy the stack you need.

Synthesizes with no AWS account (env-agnostic stacks): `make synth` writes cdk.out/.
Before `cdk deploy`, put training data where each stack's job expects it (see the comments).
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import App, CfnOutput, Duration, Environment, RemovalPolicy, Stack, Tags
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib import (
    Builtin,
    Completion,
    CustomizationType,
    DistillationConfig,
    EvaluationDataset,
    JobStatus,
    MetadataCondition,
    ModelCustomizationJob,
    OutputData,
    QualityGate,
    ReasoningEffort,
    RequestMetadataFilters,
    RftConfig,
    RftHyperParameters,
    TrainingData,
    ValidationData,
)
from constructs_lib.cdk.nag import acknowledge

DATA = Path(__file__).resolve().parent / "examples" / "data"


def data_bucket(scope: Construct, construct_id: str, key: kms.IKey | None = None) -> s3.Bucket:
    """A private, TLS-only, encrypted bucket for datasets, with access logs in a sibling bucket."""
    logs_bucket = s3.Bucket(
        scope,
        f"{construct_id}AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(logs_bucket, [("AwsSolutions-S1", "This bucket receives the data bucket's server access logs.")])
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=key,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=logs_bucket,
        server_access_logs_prefix="data/",
        removal_policy=RemovalPolicy.RETAIN,
    )


class FineTuningStack(Stack):
    """Fine-tune Amazon Nova Micro on Converse-format records shipped from this repository.

    The JSONL files become CDK assets, are checked record by record at synth, and a changed file
    starts a new job on the next deploy.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        job = ModelCustomizationJob(
            self,
            "SupportBot",
            base_model=bedrock.FoundationModel.from_foundation_model_id(
                self, "NovaMicro", bedrock.FoundationModelIdentifier("amazon.nova-micro-v1:0:128k")
            ),
            customization_type=CustomizationType.FINE_TUNING,
            training_data=TrainingData.from_asset(str(DATA / "converse" / "train.jsonl")),
            validation_data=[ValidationData.from_asset(str(DATA / "converse" / "validation.jsonl"))],
            hyper_parameters={"epochCount": 2, "learningRate": 1e-5, "learningRateWarmupSteps": 10},
            custom_model_tags={"use-case": "support"},
        )
        Tags.of(job).add("team", "ml-platform")


class DistillationStack(Stack):
    """Distil Amazon Nova Pro into Nova Lite, using the prompts already in Bedrock invocation logs."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        log_bucket_name = self.node.try_get_context("invocation_log_bucket") or "my-bedrock-invocation-logs"
        logs_bucket = s3.Bucket.from_bucket_name(self, "InvocationLogs", log_bucket_name)
        ModelCustomizationJob(
            self,
            "NovaLiteStudent",
            base_model="amazon.nova-lite-v1:0:300k",
            customization_type=CustomizationType.DISTILLATION,
            training_data=TrainingData.from_invocation_logs(
                logs_bucket,
                "AWSLogs/",
                use_prompt_response=False,
                request_metadata_filters=RequestMetadataFilters.and_all(
                    [
                        MetadataCondition(equals={"project": "support-bot"}),
                        MetadataCondition(not_equals={"stage": "test"}),
                    ]
                ),
            ),
            distillation=DistillationConfig(
                teacher_model="us.amazon.nova-pro-v1:0", max_response_length_for_inference=1000
            ),
        )


class RftStack(Stack):
    """Reinforcement fine-tuning with a Lambda grader that scores each sampled answer."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        data = data_bucket(self, "DataBucket")
        grader_logs = logs.LogGroup(self, "GraderLogs", retention=logs.RetentionDays.ONE_MONTH)
        grader_role = iam.Role(self, "GraderRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        grader_logs.grant_write(grader_role)
        grader = lambda_.Function(
            self,
            "Grader",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            role=grader_role,
            log_group=grader_logs,
            timeout=Duration.seconds(30),
            code=lambda_.Code.from_inline(
                "def handler(event, context):\n"
                "    # Score each sample 0..1; replace with your task's reward function.\n"
                "    return [{'id': s.get('id'), 'aggregate_reward_score': 1.0} for s in event]\n"
            ),
        )
        acknowledge(grader, [("AwsSolutions-L1", "Example grader pinned to python3.13 like the handler.")])
        acknowledge(
            grader_role,
            [
                (
                    "AwsSolutions-IAM5[Resource::<GraderLogs98D2B5F6.Arn>:*]",
                    "Log streams of the grader's own log group only.",
                )
            ],
        )
        ModelCustomizationJob(
            self,
            "MathTutor",
            base_model="amazon.nova-2-lite-v1:0:256k",
            customization_type=CustomizationType.REINFORCEMENT_FINE_TUNING,
            training_data=TrainingData.from_bucket(data, "math/prompts.jsonl"),
            rft=RftConfig(
                grader=grader,
                hyper_parameters=RftHyperParameters(
                    epoch_count=2,
                    batch_size=64,
                    learning_rate=1e-5,
                    training_sample_per_prompt=4,
                    reasoning_effort=ReasoningEffort.MEDIUM,
                    eval_interval=10,
                ),
            ),
        )


class PrivateNetworkStack(Stack):
    """A job whose data access stays in a VPC, with data and model encrypted by one customer key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(self, "ModelKey", enable_key_rotation=True, description="Training data and custom model")
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ],
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
            flow_logs={"all": ec2.FlowLogOptions()},
        )
        data = data_bucket(self, "DataBucket", key=key)
        output = data_bucket(self, "OutputBucket", key=key)
        ModelCustomizationJob(
            self,
            "ClaimsClassifier",
            base_model="meta.llama3-1-8b-instruct-v1:0:128k",
            training_data=TrainingData.from_bucket(data, "claims/train/"),
            output_data=OutputData.from_bucket(output, "claims/"),
            hyper_parameters={"epochCount": 3, "batchSize": 1, "learningRate": 0.0001},
            custom_model_kms_key=key,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            job_tags={"data-classification": "confidential"},
            model_removal_policy=RemovalPolicy.RETAIN,
        )


# Feature flags: cdk.json's context, what `cdk init` writes for this aws-cdk-lib (tools/feature_flags.py), so
# `python app.py` (make synth) and `cdk synth` build the same templates.
FEATURE_FLAGS = json.loads((Path(__file__).resolve().parent / "cdk.json").read_text())["context"]


class ChainedStack(Stack):
    """Continued pre-training on domain text, then fine-tuning on its result, in one deploy.

    Each job waits for its trained model (up to 12 hours each); the data ships from examples/data.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        domain = ModelCustomizationJob(
            self,
            "DomainAdapted",
            base_model=bedrock.FoundationModel.from_foundation_model_id(
                self, "TitanExpress", bedrock.FoundationModelIdentifier("amazon.titan-text-express-v1:0:8k")
            ),
            customization_type=CustomizationType.CONTINUED_PRE_TRAINING,
            training_data=TrainingData.from_asset(str(DATA / "continued-pretraining" / "train.jsonl")),
            hyper_parameters={"epochCount": 1, "learningRate": 1e-5},
            completion=Completion.wait(timeout=Duration.hours(8)),
        )
        support = ModelCustomizationJob(
            self,
            "SupportBot",
            base_model=domain,  # trains on the first job's model once it has completed
            training_data=TrainingData.from_asset(str(DATA / "prompt-completion" / "train.jsonl")),
            validation_data=[ValidationData.from_asset(str(DATA / "prompt-completion" / "validation.jsonl"))],
            hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
            completion=Completion.wait(timeout=Duration.hours(4)),
        )
        alerts = sns.Topic(self, "JobAlerts", enforce_ssl=True)
        support.on_state_change(
            "Ended",
            target=targets.SnsTopic(alerts),
            statuses=[JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED],
        )
        CfnOutput(self, "SupportBotModelArn", value=support.custom_model_arn)
        CfnOutput(self, "SupportBotValidationLoss", value=support.validation_loss)


class ServedStack(Stack):
    """Train, gate and serve on demand: one deploy ends with a model ARN an application can invoke.

    On-demand serving of custom models exists in us-east-1 and us-west-2 only, so the stack names its Region
    (the account stays the one you deploy with). A retrain (new data or hyperparameters) swaps the new model
    into the same deployment once it passes the gate; a worse model fails the deploy and the old one keeps serving.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, env=Environment(region="us-east-1"))
        job = ModelCustomizationJob(
            self,
            "SupportBot",
            base_model="amazon.nova-micro-v1:0:128k",
            training_data=TrainingData.from_asset(str(DATA / "converse" / "train.jsonl")),
            validation_data=[ValidationData.from_asset(str(DATA / "converse" / "validation.jsonl"))],
            hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
            completion=Completion.wait(timeout=Duration.hours(4)),
        )
        served = job.deploy_on_demand(
            "OnDemand", gate=QualityGate(max_validation_loss=1.5), description="Support bot, on-demand inference"
        )
        caller = iam.Role(self, "SupportApp", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        served.grant_invoke(caller)  # InvokeModel / Converse (and streaming) with modelId=served.deployment_arn
        CfnOutput(self, "SupportBotDeploymentArn", value=served.deployment_arn)


class ProvisionedStack(Stack):
    """Fine-tune Titan Text G1 Express (served only with Provisioned Throughput) and provision one model unit
    without commitment: billed per hour while it exists, deleted with the stack."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        job = ModelCustomizationJob(
            self,
            "Summarizer",
            base_model="amazon.titan-text-express-v1:0:8k",
            training_data=TrainingData.from_asset(str(DATA / "prompt-completion" / "train.jsonl")),
            validation_data=[ValidationData.from_asset(str(DATA / "prompt-completion" / "validation.jsonl"))],
            hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
            completion=Completion.wait(timeout=Duration.hours(4)),
        )
        throughput = job.provision_throughput("Serving", model_units=1, gate=QualityGate(max_training_loss=2.0))
        caller = iam.Role(self, "SummarizerApp", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        throughput.grant_invoke(caller)
        CfnOutput(self, "SummarizerProvisionedModelArn", value=throughput.provisioned_model_arn)


class GatedStack(Stack):
    """Retrain behind the evaluation gate: before a retrained support bot serves, it and the model serving now
    answer the same prompts, a judge model scores both, and the swap happens only if the new one is at least as
    correct and helpful. A worse retrain fails the deploy; the old model keeps serving (docs/serving.md)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, env=Environment(region="us-east-1"))
        job = ModelCustomizationJob(
            self,
            "SupportBot",
            base_model="amazon.nova-micro-v1:0:128k",
            training_data=TrainingData.from_asset(str(DATA / "converse" / "train.jsonl")),
            validation_data=[ValidationData.from_asset(str(DATA / "converse" / "validation.jsonl"))],
            hyper_parameters={"epochCount": 2, "learningRate": 1e-5},
            completion=Completion.wait(timeout=Duration.hours(4)),
        )
        gate = QualityGate.evaluation(
            dataset=EvaluationDataset.from_asset(str(DATA / "evaluation" / "prompts.jsonl")),
            judge="anthropic.claude-3-5-sonnet-20240620-v1:0",
            metrics=[Builtin.CORRECTNESS, Builtin.HELPFULNESS, Builtin.HARMFULNESS],
        )
        served = job.deploy_on_demand("OnDemand", gate=gate, description="Support bot, promoted by evaluation")
        CfnOutput(self, "SupportBotDeploymentArn", value=served.deployment_arn)
        CfnOutput(self, "SupportBotCandidateScores", value=served.evaluation_candidate_scores)
        CfnOutput(self, "SupportBotIncumbentScores", value=served.evaluation_incumbent_scores)
        CfnOutput(self, "SupportBotEvaluationReport", value=served.evaluation_report)


def build_app(app: App | None = None) -> App:
    app = app or App(context=FEATURE_FLAGS)
    FineTuningStack(app, "BedrockFineTuning")
    DistillationStack(app, "BedrockDistillation")
    RftStack(app, "BedrockRft")
    PrivateNetworkStack(app, "BedrockPrivateNetwork")
    ChainedStack(app, "BedrockChained")
    ServedStack(app, "BedrockServed")
    ProvisionedStack(app, "BedrockProvisioned")
    GatedStack(app, "BedrockGated")
    return app


if __name__ == "__main__":
    build_app().synth()

"""The stack's default output bucket and its key, created once and shared by every job that has no
output location of its own (each job writes under its own prefix)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from . import nag

STORAGE_ID = "BedrockCustomizationStorage"


class DefaultStorage(Construct):
    """A versioned, TLS-only, KMS-encrypted bucket with a rotating key; both outlive the stack."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts Bedrock model customization outputs (metrics, artifacts).",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = s3.Bucket(
            self,
            "OutputBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.bucket,
            [
                (
                    "AwsSolutions-S1",
                    "Holds only Bedrock job outputs written by the job's service role; audit access with "
                    "CloudTrail S3 data events, or pass OutputData.from_bucket(...) with a logged bucket.",
                )
            ],
        )

    @staticmethod
    def of(scope: IConstruct) -> DefaultStorage:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(STORAGE_ID)
        if isinstance(existing, DefaultStorage):
            return existing
        return DefaultStorage(stack, STORAGE_ID)

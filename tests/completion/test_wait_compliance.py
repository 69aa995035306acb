"""A stack of chained waiting jobs passes cdk-nag (AwsSolutions) and cfn-lint like the example app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from unit.helpers import dependency_cycle

from constructs_lib import Completion, CustomizationType, ModelCustomizationJob, TrainingData, ValidationData
from constructs_lib.cdk.nag import acknowledge

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
CFN_LINT_IGNORED = {"W3005"}  # aws-cdk-lib's explicit DependsOn next to a Lambda role GetAtt (see tests/unit)


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Chained")
    data = s3.Bucket(
        stack,
        "Data",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(data, [("AwsSolutions-S1", "Test bucket; the example app shows server access logging.")])
    pre = ModelCustomizationJob(
        stack,
        "DomainPreTraining",
        base_model="amazon.titan-text-express-v1:0:8k",
        customization_type=CustomizationType.CONTINUED_PRE_TRAINING,
        training_data=TrainingData.from_bucket(data, "corpus/"),
        completion=Completion.wait(Duration.hours(8)),
    )
    ModelCustomizationJob(
        stack,
        "SupportFineTuning",
        base_model=pre,
        training_data=TrainingData.from_bucket(data, "support/train.jsonl"),
        validation_data=[ValidationData.from_bucket(data, "support/validation.jsonl")],
        completion=Completion.wait(Duration.hours(4)),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed on any unacknowledged AwsSolutions finding
    return outdir


def test_cdk_nag_passes_with_specific_acknowledgments(assembly: Path) -> None:
    metadata = json.loads((assembly / "Chained.metadata.json").read_text())
    acknowledged = {
        rule: reason
        for entries in metadata.values()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }
    watcher_rules = [rule for rule in acknowledged if "Watcher" in rule or "model-customization-job" in rule]
    assert watcher_rules
    for rule, reason in acknowledged.items():
        assert rule != "Annotation::AwsSolutions-IAM5" and "[Action::" not in rule
        assert len(reason) >= 40, (rule, reason)


def test_cfn_lint_reports_nothing_and_there_are_no_cycles(assembly: Path) -> None:
    path = assembly / "Chained.template.json"
    result = subprocess.run(
        [CFN_LINT, "--format", "json", "--ignore-checks", *CFN_LINT_IGNORED, "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr == "", result.stderr  # cfn-lint ran
    assert json.loads(result.stdout) == [], result.stdout[:4000]
    assert result.returncode == 0
    assert dependency_cycle(json.loads(path.read_text())) is None

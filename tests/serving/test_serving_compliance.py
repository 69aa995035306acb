"""A stack that trains, gates and serves passes cdk-nag (AwsSolutions) and cfn-lint, with no dependency cycle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from unit.helpers import dependency_cycle

from constructs_lib import Commitment, QualityGate

from .helpers import job_with_validation

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
TEMPLATE = "Serving.template.json"
CFN_LINT_IGNORED = {"W3005"}  # aws-cdk-lib's explicit DependsOn next to a Lambda role GetAtt (see test_compliance)


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Serving")  # env-agnostic, like app.py's stacks (on-demand then warns about the Region)
    job = job_with_validation(stack, bucket=s3.Bucket.from_bucket_name(stack, "Data", "my-training-data"))
    served = job.deploy_on_demand("Serve", gate=QualityGate(max_validation_loss=1.2))
    throughput = job.provision_throughput(
        "Throughput", model_units=1, commitment=Commitment.one_month(acknowledge_non_cancellable_charge=True)
    )
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    served.grant_invoke(caller)
    throughput.grant_invoke(caller)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed if any AwsSolutions finding is not acknowledged
    return outdir


def template(outdir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((outdir / TEMPLATE).read_text())
    return loaded


def test_cdk_nag_acknowledgments_of_the_serving_provider_are_per_finding_with_reasons(assembly: Path) -> None:
    metadata = json.loads((assembly / "Serving.metadata.json").read_text())
    acknowledged = {
        rule: reason
        for path, entries in metadata.items()
        if "BedrockModelServingProvider" in path
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }
    assert acknowledged
    for rule, reason in acknowledged.items():
        assert rule != "Annotation::AwsSolutions-IAM5" and "[Action::" not in rule, rule
        assert len(reason) >= 40, (rule, reason)


def test_cfn_lint_reports_nothing(assembly: Path) -> None:
    result = subprocess.run(
        [CFN_LINT, "--format", "json", "--ignore-checks", *CFN_LINT_IGNORED, "--", str(assembly / TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr == "", result.stderr
    assert json.loads(result.stdout) == [], result.stdout[:4000]


def test_no_dependency_cycle_and_the_serving_resources_come_after_the_trained_model(assembly: Path) -> None:
    resources = template(assembly)["Resources"]
    assert dependency_cycle(template(assembly)) is None
    (result,) = [k for k, r in resources.items() if r["Type"] == "Custom::BedrockModelCustomizationResult"]
    for resource_type in ("Custom::BedrockCustomModelDeployment", "Custom::BedrockProvisionedModelThroughput"):
        (served,) = [r for r in resources.values() if r["Type"] == resource_type]
        assert result in json.dumps(served["Properties"]["Request"])

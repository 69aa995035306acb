"""Every stack app.py synthesizes passes cdk-nag (AwsSolutions) and cfn-lint, and has no cycles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

import app as example

from .helpers import dependency_cycle

# CDK itself writes an explicit DependsOn next to the GetAtt of a Lambda function's role; that is
# aws-cdk-lib's choice, harmless, and not something a user of this library can change.
CFN_LINT_IGNORED = {"W3005"}
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir), context=example.FEATURE_FLAGS)
    example.build_app(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed if any AwsSolutions finding is not acknowledged
    return outdir


def templates(outdir: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(outdir.glob("*.template.json"))}


def metadata_entries(outdir: Path, entry_type: str) -> list[tuple[str, Any]]:
    found = []
    for path in sorted(outdir.glob("*.metadata.json")):
        for construct_path, entries in json.loads(path.read_text()).items():
            found.extend((construct_path, e["data"]) for e in entries if e["type"] == entry_type)
    return found


def test_app_synthesizes_every_example_stack_with_no_warnings_or_errors(assembly: Path) -> None:
    assert set(templates(assembly)) == {
        "BedrockFineTuning.template.json",
        "BedrockDistillation.template.json",
        "BedrockRft.template.json",
        "BedrockPrivateNetwork.template.json",
        "BedrockChained.template.json",
        "BedrockServed.template.json",
        "BedrockProvisioned.template.json",
        "BedrockGated.template.json",
    }
    assert metadata_entries(assembly, "aws:cdk:warning") == []
    assert metadata_entries(assembly, "aws:cdk:error") == []


def test_every_cdk_nag_acknowledgment_names_one_finding_and_a_specific_reason(assembly: Path) -> None:
    acknowledged = metadata_entries(assembly, "aws:cdk:acknowledged-rules")
    rules = {rule: reason for _, data in acknowledged for rule, reason in data.items()}
    assert any(rule.startswith("Annotation::AwsSolutions-IAM5[Resource::") for rule in rules)
    for rule, reason in rules.items():
        assert rule != "Annotation::AwsSolutions-IAM5", "IAM5 must be acknowledged per finding"
        assert len(reason) >= 40, (rule, reason)
    assert not any("[Action::" in rule for rule in rules), "no wildcard actions are acknowledged"


def test_cdk_nag_check_can_fail() -> None:
    """The same check on a careless stack fails, so the passing run above means something."""
    app = App()
    stack = Stack(app, "Careless")
    s3.Bucket(stack, "Open")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*AwsSolutions-S10"):
        app.synth()


def test_cfn_lint_reports_nothing(assembly: Path) -> None:
    paths = [str(p) for p in sorted(assembly.glob("*.template.json"))]
    result = subprocess.run(
        [CFN_LINT, "--format", "json", "--ignore-checks", *CFN_LINT_IGNORED, "--", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr == "", result.stderr
    findings = json.loads(result.stdout)
    assert findings == [], json.dumps(findings, indent=1)[:4000]
    assert result.returncode == 0


def test_cfn_lint_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}}}))
    result = subprocess.run([CFN_LINT, str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "Nope" in result.stdout


def test_no_dependency_cycles(assembly: Path) -> None:
    for name, template in templates(assembly).items():
        assert dependency_cycle(template) is None, name

"""Log groups of the stack's shared functions: retention, an optional KMS key, and none left to Lambda.

Every function of the stack's runtime (issue 20: one log group for all of them) logs to a log group of the
stack with the retention and key of ``ModelCustomizationLogs.configure``; without an
explicit log group Lambda would create one on first use that never expires and outlives the stack.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from constructs_lib import Completion, ModelCustomizationLogs, ValidationError
from constructs_lib.cdk.nag import acknowledge

from .helpers import dependency_cycle, new_stack, simple_job, template

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
CFN_LINT_IGNORED = {"W3005"}  # aws-cdk-lib's explicit DependsOn next to a Lambda role GetAtt (see test_compliance)
IMPORTED_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
RUNTIME_FUNCTION = "BedrockModelCustomizationProviderframeworkonEvent5C021FD6"
WATCHER_FUNCTION = "BedrockModelCustomizationWatcher4046DE04"


def waiting_job(stack: Stack, construct_id: str = "Job") -> None:
    simple_job(stack, construct_id, completion=Completion.wait(timeout=Duration.hours(2)))


def resources(stack: Stack, resource_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template(stack).find_resources(resource_type)
    return found


def function_log_groups(stack: Stack) -> dict[str, str]:
    """Function logical id -> the logical id of the log group the function logs to (LoggingConfig.LogGroup Ref)."""
    groups = resources(stack, "AWS::Logs::LogGroup")
    found = {}
    for logical_id, function in resources(stack, "AWS::Lambda::Function").items():
        props = function["Properties"]
        ref = props.get("LoggingConfig", {}).get("LogGroup", {})
        assert isinstance(ref, dict) and ref.get("Ref") in groups, (logical_id, props.get("LoggingConfig"))
        found[logical_id] = ref["Ref"]
    return found


def test_every_function_of_a_waiting_job_logs_to_the_runtimes_one_log_group_kept_one_year_by_default() -> None:
    stack = new_stack()
    waiting_job(stack)
    by_function = function_log_groups(stack)
    assert set(by_function) == {RUNTIME_FUNCTION, WATCHER_FUNCTION}
    groups = resources(stack, "AWS::Logs::LogGroup")
    assert set(by_function.values()) == set(groups) and len(groups) == 1  # one, and no other log group
    for logical_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == 365, logical_id
        assert "KmsKeyId" not in group["Properties"], logical_id


def test_a_submitted_job_has_one_function_and_one_log_group() -> None:
    stack = new_stack()
    simple_job(stack)  # submitted mode: the runtime only
    by_function = function_log_groups(stack)
    assert set(by_function) == {RUNTIME_FUNCTION}
    groups = resources(stack, "AWS::Logs::LogGroup")
    assert [group["Properties"] for group in groups.values()] == [{"RetentionInDays": 365}]


def test_configured_key_and_retention_apply_to_every_log_group_and_the_key_policy_lets_logs_use_it() -> None:
    stack = new_stack()
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key)
    waiting_job(stack)
    waiting_job(stack, "Second")
    key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
    groups = resources(stack, "AWS::Logs::LogGroup")
    assert len(groups) == 1
    for logical_id, group in groups.items():
        assert group["Properties"] == {"RetentionInDays": 90, "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}, logical_id
    assert len(function_log_groups(stack)) == 2

    statements = resources(stack, "AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]["Statement"]
    (for_logs,) = [s for s in statements if "Service" in s.get("Principal", {})]
    assert for_logs["Effect"] == "Allow"
    assert for_logs["Principal"] == {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    assert for_logs["Action"] == LOGS_KEY_ACTIONS
    assert for_logs["Resource"] == "*"
    assert for_logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":logs:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":log-group:*",
                    ],
                ]
            }
        }
    }


def test_key_policy_statement_names_the_region_and_account_of_a_stack_with_an_environment() -> None:
    stack = Stack(App(), "Pinned", env={"account": "111122223333", "region": "eu-west-1"})
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    ModelCustomizationLogs.configure(stack, encryption_key=key)
    simple_job(stack)
    statements = template(stack).to_json()["Resources"][stack.get_logical_id(key.node.default_child)][  # type: ignore[arg-type]
        "Properties"
    ]["KeyPolicy"]["Statement"]
    (for_logs,) = [s for s in statements if "Service" in s.get("Principal", {})]
    assert for_logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert for_logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:eu-west-1:111122223333:log-group:*"]]
        }
    }


def test_an_imported_key_is_used_as_is() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "ImportedKey", IMPORTED_KEY_ARN)
    ModelCustomizationLogs.configure(stack, encryption_key=key)
    waiting_job(stack)
    groups = resources(stack, "AWS::Logs::LogGroup")
    assert len(groups) == 1
    for group in groups.values():
        assert group["Properties"] == {"RetentionInDays": 365, "KmsKeyId": IMPORTED_KEY_ARN}
    # Only the stack's own output-bucket key exists, and its policy is untouched by the log settings.
    for key_resource in resources(stack, "AWS::KMS::Key").values():
        assert not any(
            "Service" in s.get("Principal", {}) for s in key_resource["Properties"]["KeyPolicy"]["Statement"]
        )


def test_settings_are_per_stack() -> None:
    app = App()
    configured, plain = Stack(app, "Configured"), Stack(app, "Plain")
    ModelCustomizationLogs.configure(configured, retention=logs.RetentionDays.ONE_WEEK)
    waiting_job(configured)
    waiting_job(plain)
    assert {g["Properties"]["RetentionInDays"] for g in resources(configured, "AWS::Logs::LogGroup").values()} == {7}
    assert {g["Properties"]["RetentionInDays"] for g in resources(plain, "AWS::Logs::LogGroup").values()} == {365}


def test_configure_after_the_first_job_names_the_prop() -> None:
    stack = new_stack()
    simple_job(stack)
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    with pytest.raises(ValidationError, match=r"^TestStack: Invalid encryption_key TestStack/LogKey: .*already exist"):
        ModelCustomizationLogs.configure(stack, encryption_key=key)
    with pytest.raises(
        ValidationError, match=r"^TestStack: Invalid retention RetentionDays.ONE_DAY: .*before the first ModelCustom"
    ):
        ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_DAY)


def test_configure_before_a_later_waiting_job_is_too_late_once_the_handler_exists() -> None:
    stack = new_stack()
    simple_job(stack)  # creates the handler's log group with the defaults
    with pytest.raises(ValidationError, match=r"Invalid retention"):
        ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_MONTH)


def test_configure_twice_with_other_values_names_the_prop_and_the_same_values_are_a_no_op() -> None:
    stack = new_stack()
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    first = ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_MONTH, encryption_key=key)
    assert ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_MONTH, encryption_key=key) is first
    with pytest.raises(
        ValidationError,
        match=re.escape("TestStack: Invalid retention RetentionDays.ONE_WEEK: the logs of this stack are already "),
    ):
        ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_WEEK, encryption_key=key)
    with pytest.raises(ValidationError, match=r"^TestStack: Invalid encryption_key None: .*configured"):
        ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_MONTH)
    simple_job(stack)
    assert ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.ONE_MONTH, encryption_key=key) is first


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"retention": 30}, r"^TestStack: Invalid retention 30: use aws_logs.RetentionDays"),
        (
            {"encryption_key": IMPORTED_KEY_ARN},
            r"^TestStack: Invalid encryption_key 'arn:aws:kms:.*kms.Key.from_key_arn",
        ),
    ],
)
def test_wrong_types_are_validation_errors(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ModelCustomizationLogs.configure(new_stack(), **props)


def test_settings_are_made_with_configure_only() -> None:
    with pytest.raises(ValidationError, match=r"ModelCustomizationLogs.configure"):
        ModelCustomizationLogs(new_stack(), "MyLogs")


@pytest.fixture(scope="module")
def encrypted_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "EncryptedLogs")
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    ModelCustomizationLogs.configure(stack, retention=logs.RetentionDays.SIX_MONTHS, encryption_key=key)
    data = s3.Bucket(
        stack,
        "Data",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(data, [("AwsSolutions-S1", "Test bucket; the example app shows server access logging.")])
    waiting_job(stack)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed on any unacknowledged AwsSolutions finding
    return outdir


def test_encrypted_logs_pass_cdk_nag_and_cfn_lint_without_cycles(encrypted_assembly: Path) -> None:
    path = encrypted_assembly / "EncryptedLogs.template.json"
    tpl = json.loads(path.read_text())
    groups = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == 1 and all(g["Properties"]["RetentionInDays"] == 180 for g in groups)
    assert dependency_cycle(tpl) is None
    result = subprocess.run(
        [CFN_LINT, "--format", "json", "--ignore-checks", *CFN_LINT_IGNORED, "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr == "", result.stderr
    assert json.loads(result.stdout) == [], result.stdout[:4000]
    assert result.returncode == 0

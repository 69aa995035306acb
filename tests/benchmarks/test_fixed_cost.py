"""The per-stack fixed cost table (benchmarks/fixed_cost.py): counts by type and the fixed part of a stack."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import fixed_cost  # noqa: E402


def test_counts_every_resource_and_the_kinds_the_issue_names() -> None:
    template = {
        "Resources": {
            "F": {"Type": "AWS::Lambda::Function"},
            "R": {"Type": "AWS::IAM::Role"},
            "L": {"Type": "AWS::Logs::LogGroup"},
            "S": {"Type": "AWS::StepFunctions::StateMachine"},
            "B": {"Type": "AWS::S3::Bucket"},
        }
    }
    assert fixed_cost.counts(template, 123) == {
        "resources": 5,
        "functions": 1,
        "roles": 1,
        "log_groups": 1,
        "state_machines": 1,
        "template_bytes": 123,
    }


def test_the_table_puts_each_kind_next_to_the_peer_and_the_app_stacks() -> None:
    row = {"resources": 8, "functions": 1, "roles": 1, "log_groups": 1, "state_machines": 0, "template_bytes": 9}
    result = {
        "kinds": {k: {"one_job": row, "per_added_job": row, "fixed": row} for k in fixed_cost.KINDS},
        "app": {"BedrockServed": row},
    }
    table = fixed_cost.markdown(result)
    for label in fixed_cost.KINDS.values():
        assert f"| {label} (fixed) | 8 | 1 | 1 | 1 | 0 | 9 |" in table
    assert "| BedrockServed | 8 | 1 | 1 | 1 | 0 | 9 |" in table

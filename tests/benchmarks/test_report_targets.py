"""Issue 11's verdicts in benchmarks/report.py, on made-up numbers (no synth, no timing)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402


def _timed(wall: float, cpu: float) -> dict[str, float]:
    return {"wall_s": wall, "cpu_s": cpu, "runs": 3}


def _footprint_row(kind: str, role: str, per_job: float, at: dict[int, int], max_jobs: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "role": role,
        "resources_per_job": per_job,
        "resources_at": at,
        "by_resources": max_jobs,
        "by_template_bytes": max_jobs,
        "max_jobs": max_jobs,
    }


BASELINE = {
    "resources_per_job": {"ours:default": [2, 2]},
    "jobs_per_stack": {"ours:default": 191},
    "handler_import": {"ratio": 1.38, "handler_ms": 207, "boto3_ms": 150},
    "asset_zip_bytes": 133_193,
}


@pytest.fixture
def results() -> dict[str, Any]:
    # per added job: ours (5.0 - 4.0) / 49, peer (5.49 - 4.0) / 49 -> ours is cheaper in wall time;
    # in CPU time ours adds (7.0 - 5.0) / 49, the peer (6.0 - 5.0) / 49 -> 2x the peer
    return {
        "kinds": ["ours", "peer", "ours-wait"],
        "synth": {
            "matrix": {"failures": {}},
            "medians": {
                "empty:0": _timed(3.0, 4.0),
                "ours:1": _timed(4.0, 5.0),
                "ours:50": _timed(5.0, 7.0),
                "peer:1": _timed(4.0, 5.0),
                "peer:50": _timed(5.49, 6.0),
                "ours-wait:1": _timed(4.5, 5.5),
                "ours-wait:50": _timed(6.5, 6.5),
            },
        },
        "footprint": {
            "ours:default": _footprint_row("ours", "default", 2, {1: 11, 10: 29, 100: 209}, 190),
        },
        "kernel_requests": {
            "ours": {"between": [1, 21], "requests_per_added_job": 9.0, "callbacks_per_added_job": 0.0},
            "ours-wait": {"between": [1, 21], "requests_per_added_job": 28.6, "callbacks_per_added_job": 0.2},
            "peer": {"between": [1, 21], "requests_per_added_job": 3.0, "callbacks_per_added_job": 0.0},
        },
        "cold_start": {
            "import_ratio": 1.2,
            "handler_import_s": 0.18,
            "boto3_import_s": 0.15,
            "asset": {"zip_bytes": 140_000},
        },
        "api_calls": [],
    }


def _row(rows: list[dict[str, Any]], starts: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["target"].startswith(starts)]
    return row


def test_per_added_job_is_the_difference_of_the_medians_per_job(results: dict[str, Any]) -> None:
    added = report.per_added(results, "ours")
    assert added == pytest.approx({"wall_s": 1.0 / 49, "cpu_s": 2.0 / 49})
    assert report.per_added(results, "absent") is None


def test_wall_and_cpu_each_get_a_verdict(results: dict[str, Any]) -> None:
    rows = report.targets(results, BASELINE)
    per_job = _row(rows, "Per added job, submitted")
    assert (per_job["result"], per_job["cpu_result"]) == ("PASS", "MISS")
    assert "0.67x" in per_job["measured"] and "2.00x" in per_job["cpu_measured"]
    # 1 job: 4.0 vs 4.0 s wall (1.0x), 5.0 vs 5.0 s CPU: both within 1.1x
    one = _row(rows, "1 job, submitted")
    assert (one["result"], one["cpu_result"]) == ("PASS", "PASS")
    # wait: (6.5 - 4.5) / 49 against the peer's 1.49 / 49 wall -> 1.34x; CPU 1.0 / 49 against 1.0 / 49
    wait = _row(rows, "Wait mode, per added job")
    assert (wait["result"], wait["cpu_result"]) == ("MISS", "PASS")


def test_kernel_requests_and_the_before_issue_11_rows(results: dict[str, Any]) -> None:
    rows = report.targets(results, BASELINE)
    assert _row(rows, "Kernel requests per added job, submitted")["result"] == "PASS"
    assert _row(rows, "Kernel requests per added job, wait")["result"] == "MISS"
    assert _row(rows, "Kernel requests per added job, submitted")["cpu_result"] is None
    assert _row(rows, "Resources per added job no worse")["result"] == "PASS"
    assert _row(rows, "Jobs per stack no worse")["result"] == "MISS"  # 190 < 191
    assert _row(rows, "Handler import time no worse")["result"] == "PASS"
    assert _row(rows, "Code asset size no worse")["result"] == "MISS"  # 140,000 > 133,193 bytes


def test_issue_7_synth_ratios_are_information(results: dict[str, Any]) -> None:
    rows = report.issue7(results)
    ratios = [r for r in rows if "empty stack" in r["target"]]
    assert ratios and all(r["info"] and r["ok"] is None for r in ratios)

"""The benchmark's counting on real synthesized stacks (no timing): per-job deltas are the job's resources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import stacks  # noqa: E402
import templates  # noqa: E402


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Stacks of 1 and 2 submitted jobs (default role): their summaries and templates."""
    out = {}
    for n in (1, 2):
        outdir = tmp_path_factory.mktemp(f"bench-{n}")
        stacks.build_app("ours", n, str(outdir), validation=False).synth()
        summary = {"n": n, **templates.summarize(outdir)}
        out[n] = (summary, json.loads(templates.template_path(outdir).read_text()))
    return out


def test_summary_counts_every_resource_once(synthesized: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    summary, template = synthesized[2]
    assert summary["resources"] == len(template["Resources"])
    assert sum(summary["by_type"].values()) == summary["resources"]
    assert summary["by_type"]["Custom::BedrockModelCustomizationJob"] == 2


def test_per_job_delta_is_what_the_second_job_adds(
    synthesized: dict[int, tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    (one, _), (two, template) = synthesized[1], synthesized[2]
    fit = templates.per_job(one, two)
    under_second_job = [
        r
        for r in template["Resources"].values()
        if r.get("Metadata", {}).get("aws:cdk:path", "").startswith("Bench/Job1/")
    ]
    assert fit["resources_per_job"] == len(under_second_job)
    assert fit["fixed_resources"] + 2 * fit["resources_per_job"] == two["resources"]
    assert fit["bytes_per_job"] > 0
    # issue 7: submitted mode adds at most 3 resources per job with a default role
    assert fit["resources_per_job"] <= 3


def test_max_jobs_takes_the_tighter_limit() -> None:
    fit = {"fixed_resources": 10, "resources_per_job": 2, "fixed_bytes": 48_576, "bytes_per_job": 10_000}
    caps = templates.max_jobs(fit)
    assert caps == {"by_resources": 245, "by_template_bytes": 100, "max_jobs": 100}

#!/usr/bin/env python3
"""`make bench`: synth cost, CloudFormation footprint (per stack and per job), handler start-up and API calls,
against the peer.

Prints markdown tables with PASS/MISS for each target of issue 11 (synth cost against aws-cdk-lib's
BedrockCreateModelCustomizationJob in the same run, wall and CPU time; kernel requests per added job;
footprint and handler no worse than before) and for issue 7's footprint, cold-start and API targets
(its synth ratios to an empty stack are printed as information), and writes docs/benchmark.png. Raw
numbers go to build/benchmarks/results.json. See docs/benchmarks.md for what each number means.

    python benchmarks/run.py                 # the full run (~10 min on 2 cores)
    python benchmarks/run.py --quick         # fewer repetitions, for trying changes out
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

import api_calls
import coldstart
import fixed_cost
import report
import synth_bench
import templates
from common import BENCH_DIR, REPO, child_env, short_error

# Timed sizes: 1 and 50 carry issue 11's targets and get every round; 100 (the "large" rounds only) gives
# the footprint's extrapolation and issue 7's 100-job ratio.
NS = [1, 50, 100]
LARGE_FROM = 100
# Footprint sizes: the timed stacks' templates, and untimed synths (count_child.py) for the others
FOOTPRINT_NS = [1, 10, 20, 50, 100]
UNTIMED_DEFAULT_NS = (10,)
BARE_NS = [1, 50]
# kernel requests per added job (roundtrips.py --per-added): between these stack sizes
REQUESTS_BETWEEN = (1, 21)
RESULTS = REPO / "build" / "benchmarks" / "results.json"
PLOT = REPO / "docs" / "benchmark.png"
DOC = REPO / "docs" / "benchmarks.md"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "unknown"
    node = child_env().get("JSII_NODE", "node")
    try:
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node_version = "unknown"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": node_version,
        "aws-cdk-lib": metadata.version("aws-cdk-lib"),
        "jsii": metadata.version("jsii"),
        "boto3": metadata.version("boto3"),
    }


def wait_mode_available() -> bool:
    code = "import sys; sys.path.insert(0, 'benchmarks'); import stacks; print(stacks.has_wait())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), cwd=REPO, check=True
    )
    return out.stdout.strip().splitlines()[-1] == "True"


def kernel_requests(kinds: list[str]) -> dict[str, dict[str, Any]]:
    """Kernel requests and callbacks one more job adds, per kind, each counted in a fresh process
    (roundtrips.py patches the jsii kernel)."""
    found: dict[str, dict[str, Any]] = {}
    small, large = REQUESTS_BETWEEN
    for kind in kinds:
        out = subprocess.run(
            [sys.executable, str(BENCH_DIR / "roundtrips.py"), "--kind", kind, "--per-added", str(small), str(large)],
            capture_output=True,
            text=True,
            env=child_env(),
            cwd=REPO,
        )
        if out.returncode != 0:
            found[kind] = {"kind": kind, "error": short_error(out.stderr)}
            report.log(f"  {kind}: FAILED: {found[kind]['error']}")
            continue
        found[kind] = json.loads(out.stdout[out.stdout.index("{") :])
        report.log(f"  {kind}: {found[kind]['requests_per_added_job']} requests per added job")
    return found


def count(specs: list[tuple[str, int, bool]]) -> list[dict[str, Any]]:
    """Resources and template bytes of stacks synthesized (untimed) in one child process."""
    return list(_probe(json.dumps(specs)))


def footprint(
    matrix: dict[str, Any],
    kinds: list[str],
    untimed: list[dict[str, Any]],
    limits: dict[str, dict[str, Any]],
    iam_exact: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Per-job resources and bytes, and how many jobs fit one stack, per (kind, role): from the timed
    stacks' templates (default role) and the untimed synths (``untimed``: shared role, other sizes)."""
    rows: dict[str, Any] = {}
    by_key = {f"{s['kind']}:{s['n']}:{'shared' if s['shared_role'] else 'default'}": s for s in untimed}
    for kind in kinds:
        for role in ("default", "shared"):
            if role == "default":
                points = {
                    n: matrix["templates"].get(f"{kind}:{n}") or by_key.get(f"{kind}:{n}:default") for n in FOOTPRINT_NS
                }
            else:
                points = {n: by_key.get(f"{kind}:{n}:shared") for n in FOOTPRINT_NS}
            points = {n: p for n, p in points.items() if p is not None and "error" not in p}
            if 1 not in points or 10 not in points:
                continue
            first = templates.per_job(points[1], points[10])  # what one added job costs
            largest = max(points)
            fit = templates.per_job(points[10], points[largest]) if largest > 10 else first
            linear = all(
                p["resources"] == round(first["fixed_resources"] + first["resources_per_job"] * n)
                for n, p in points.items()
            )
            managed = {n: p["by_type"].get("AWS::IAM::ManagedPolicy", 0) for n, p in points.items()}
            caps: dict[str, Any] = dict(templates.max_jobs(fit))
            iam_cap = _managed_policy_cap(managed)
            if role == "shared" and kind in iam_exact:
                iam_cap = iam_exact[kind]["largest_ok"]
            if iam_cap is not None:
                caps["by_iam_managed_policies"] = iam_cap
                caps["iam_cap_estimated"] = not (role == "shared" and kind in iam_exact)
            synth_cap = limits.get(kind)
            if synth_cap is not None:
                caps["by_synth"] = synth_cap["largest_ok"]
                caps["synth_limit_reason"] = synth_cap["reason"]
            found = [caps[k] for k in ("max_jobs", "by_iam_managed_policies", "by_synth") if caps.get(k) is not None]
            caps["max_jobs"] = min(found) if found else None
            rows[f"{kind}:{role}"] = {
                "kind": kind,
                "role": role,
                "resources_per_job": first["resources_per_job"],
                "fixed_resources": first["fixed_resources"],
                "bytes_per_job": fit["bytes_per_job"],
                "fit_resources_per_job": fit["resources_per_job"],  # slope from 10 jobs to the largest stack
                "fit_fixed_resources": fit["fixed_resources"],
                "linear_resources": linear,
                "resources_at": {n: p["resources"] for n, p in points.items()},
                "bytes_at": {n: p["template_bytes"] for n, p in points.items()},
                "managed_policies_at": managed,
                "largest_role_policy_chars_at": {n: p["largest_role_policy_chars"] for n, p in points.items()},
                **caps,
            }
    return rows


def _probe(*args: str) -> Any:
    """Run benchmarks/count_child.py with ``args`` in a fresh process; its last line is the JSON answer."""
    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / "count_child.py"), *args],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
    )
    if out.returncode != 0:
        raise RuntimeError(f"count_child {args[0][:40]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def iam_caps(kinds: list[str], shared: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind whose shared role overflows into managed policies: the largest job count whose role
    needs at most IAM's default 10 managed policies, bisected between the synthesized sizes."""
    caps: dict[str, dict[str, Any]] = {}
    limit = templates.MANAGED_POLICIES_PER_ROLE
    for kind in kinds:
        points = sorted(
            (s["n"], s["by_type"].get("AWS::IAM::ManagedPolicy", 0))
            for s in shared
            if s["kind"] == kind and "error" not in s
        )
        bracket = next(((lo, hi) for (lo, a), (hi, b) in itertools.pairwise(points) if a <= limit < b), None)
        if bracket is None:
            continue
        report.log(
            f"{kind}, shared role: bisecting for {limit} managed policies between {bracket[0]} and {bracket[1]} jobs"
        )
        caps[kind] = _probe("--largest-shared-within", kind, *map(str, bracket), str(limit))
    return caps


def _managed_policy_cap(managed: dict[int, int]) -> int | None:
    """Jobs before the shared role needs more than 10 managed policies (IAM's default per-role quota),
    interpolated linearly between the synthesized sizes; None when no overflow policies appear."""
    ns = sorted(managed)
    if not any(managed.values()):
        return None
    limit = templates.MANAGED_POLICIES_PER_ROLE
    for lo, hi in itertools.pairwise(ns):
        if managed[hi] > limit >= managed[lo]:
            slope = (managed[hi] - managed[lo]) / (hi - lo)
            return int(lo + (limit - managed[lo]) / slope)
    top = ns[-1]
    if managed[top] <= limit:
        slope = managed[top] / top
        return int(limit / slope) if slope else None
    return None


def synth_limits(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each kind that failed to synthesize at some size: the largest size that still does (bisected)."""
    limits: dict[str, dict[str, Any]] = {}
    for kind, failure in matrix["failures"].items():
        ok = max((int(key.split(":")[1]) for key in matrix["samples"] if key.split(":")[0] == kind), default=0)
        if not 0 < ok < failure["n"]:
            continue
        report.log(f"{kind} does not synthesize at {failure['n']} jobs; bisecting between {ok} and {failure['n']} ...")
        found = _probe("--largest", kind, str(ok), str(failure["n"]))
        limits[kind] = {**found, "reason": short_error(found["reason"]) or failure["reason"]}
    return limits


def synth_limits_shared(limits: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each kind whose stacks stop synthesizing: the largest job count that synthesizes when the jobs share
    one role (fewer resources per job, so more jobs), bisected from the own-role cap up to twice it. The
    footprint's shared-role rows, and the README's figures, quote this."""
    found: dict[str, dict[str, Any]] = {}
    for kind, own in limits.items():
        low = int(own["largest_ok"])
        report.log(f"{kind}, shared role: bisecting what synthesizes between {low} and {2 * low} jobs ...")
        # no managed-policy limit here (10**6): iam_caps measures that one
        probe = _probe("--largest-shared-within", kind, str(low), str(2 * low), str(10**6))
        if not probe["reason"]:
            probe["reason"] = f"still synthesizes at {probe['largest_ok']} jobs (a lower bound)"
        found[kind] = {**probe, "reason": short_error(probe["reason"]) or probe["reason"]}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--reps", type=int, default=5, help=f"at most this many synth runs per case below {LARGE_FROM} jobs"
    )
    parser.add_argument(
        "--reps-large", type=int, default=2, help=f"at most this many synth runs at {LARGE_FROM} jobs and more"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=330,
        help="seconds for the main synth runs: after 3 rounds, no round starts that would end past it",
    )
    parser.add_argument("--cold-runs", type=int, default=15, help="fresh-process imports of handler and boto3 each")
    parser.add_argument("--quick", action="store_true", help="2 / 1 synth runs, 5 import runs, 60 s synth budget")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--from-results", type=Path, help="measure nothing: print the tables and draw the plot from a results.json"
    )
    parser.add_argument(
        "--update-docs", action="store_true", help=f"also replace the generated block of {DOC.relative_to(REPO)}"
    )
    args = parser.parse_args()
    os.chdir(REPO)
    if args.from_results:
        results = json.loads(args.from_results.read_text())
        results["targets"] = report.targets(results)
        results["issue7"] = report.issue7(results)
        publish(results, plot=not args.no_plot, update_docs=args.update_docs)
        return

    info = machine()
    has_wait = wait_mode_available()
    kinds = ["ours", "peer"] + (["ours-wait"] if has_wait else [])
    reps, reps_large, cold_runs, budget = args.reps, args.reps_large, args.cold_runs, args.budget
    if args.quick:
        reps, reps_large, cold_runs, budget = 2, 1, 5, 60
    log = report.log
    log(f"machine: {info['cores']} cores, {info['cpu']}; aws-cdk-lib {info['aws-cdk-lib']}; wait mode: {has_wait}")

    log("API calls per lifecycle (Stubber) ...")
    calls = api_calls.count_calls()

    log(f"handler cold start ({cold_runs} runs each) ...")
    cold = coldstart.measure(runs=cold_runs, client_runs=min(7, cold_runs))

    log(
        f"synth time: {kinds} x {NS} + empty stack; up to {reps} runs (<{LARGE_FROM} jobs), "
        f"{reps_large} (>={LARGE_FROM} jobs) ..."
    )
    with tempfile.TemporaryDirectory(prefix="bench-asset-") as tmp:
        staged = Path(tmp) / "handler-asset"
        matrix = synth_bench.run_matrix(
            kinds,
            NS,
            reps=reps,
            reps_large=reps_large,
            min_reps=min(3, reps),
            budget_s=budget,
            large_from=LARGE_FROM,
            keep_asset_into=staged,
            log=log,
        )
        cold["staged_asset"] = coldstart.zipped_size(staged) if staged.exists() else None

    # aws-cdk-lib 2.275 validates every template with a WASM rules engine inside app.synth(); most of
    # the empty stack's time is that. The same stacks without it show what the constructs themselves cost.
    log("synth time without CDK's built-in template validation (CDK_VALIDATION=false) ...")
    bare = synth_bench.run_matrix(
        ["ours", "peer"],
        BARE_NS,
        reps=1 if args.quick else 3,
        reps_large=1 if args.quick else 3,
        min_reps=1,
        budget_s=20 if args.quick else 60,
        large_from=LARGE_FROM,
        env_extra={"CDK_VALIDATION": "false"},
        log=log,
    )

    log("per-stack fixed cost (untimed synths) ...")
    fixed = fixed_cost.measure()

    log(f"kernel requests per added job ({REQUESTS_BETWEEN[0]} -> {REQUESTS_BETWEEN[1]} jobs) ...")
    requests = kernel_requests(kinds)

    limits = synth_limits(matrix)
    log(f"resources with one shared role, and with default roles at {UNTIMED_DEFAULT_NS} jobs (untimed synths) ...")
    shared_specs = [(k, n, True) for k in kinds for n in ((1, 10, 20) if k == "ours-wait" else (1, 10, 50, 100))]
    untimed = count(shared_specs + [(k, n, False) for k in kinds for n in UNTIMED_DEFAULT_NS])
    shared = [s for s in untimed if s["shared_role"]]
    iam_exact = iam_caps(kinds, shared)

    results = {
        "machine": info,
        "wait_mode": has_wait,
        "kinds": kinds,
        "ns": NS,
        "synth": {"matrix": matrix, "medians": synth_bench.medians(matrix)},
        "synth_without_validation": {"matrix": bare, "medians": synth_bench.medians(bare)},
        "synth_limits": limits,
        "synth_limits_shared": synth_limits_shared(limits),
        "iam_caps": iam_exact,
        "footprint": footprint(matrix, kinds, untimed, limits, iam_exact),
        "shared_role_templates": shared,
        "untimed_default_role_templates": [s for s in untimed if not s["shared_role"]],
        "cold_start": cold,
        "api_calls": calls,
        "kernel_requests": requests,
        "fixed_cost": fixed,
    }
    results["targets"] = report.targets(results)
    results["issue7"] = report.issue7(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    report.log(f"raw results: {RESULTS.relative_to(REPO)}")
    # through JSON and back, so that a re-render with --from-results prints exactly the same
    publish(json.loads(RESULTS.read_text()), plot=not args.no_plot, update_docs=args.update_docs)


def publish(results: dict[str, Any], *, plot: bool, update_docs: bool) -> None:
    tables = report.markdown(results)
    if results.get("fixed_cost"):
        tables += "\n\n" + fixed_cost.markdown(results["fixed_cost"])
    print(tables)
    if plot:
        report.plot(results, PLOT)
        report.log(f"plot: {PLOT.relative_to(REPO)}")
    if update_docs:
        report.replace_block(DOC, tables)
        report.log(f"tables: {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()

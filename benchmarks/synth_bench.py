"""Whole-process synth time of N jobs (this library, submitted and wait mode) and of N peer tasks.

Every measurement is a fresh ``python benchmarks/synth_child.py KIND N OUTDIR``: interpreter start,
imports, jsii kernel start, construction, ``app.synth()`` into a temporary outdir, exit -- what a user
waits for on ``cdk synth`` minus the CLI itself. Kinds run alternately inside each round (the order
rotates from round to round), so load from other processes on the machine hits all kinds alike.
"""

from __future__ import annotations

import compileall
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import templates
from common import BENCH_DIR, REPO, ChildFailed, child_env, load_average, median, run_timed


def bytecode_env(env: dict[str, str]) -> dict[str, str]:
    """Both sides with compiled bytecode, as users run them: pip compiles a wheel's modules when it installs it
    (aws-cdk-lib, the peer's code, is installed so), and a checkout caches them after its first run. The library's
    and the benchmark's own modules are compiled here once, and a PYTHONDONTWRITEBYTECODE=1 in the environment (as
    on the machine these numbers come from) is dropped for the timed children: with it, every run of ours would
    compile about 230 KB of source that the peer never pays for."""
    for folder in ("constructs_lib", "benchmarks"):
        compileall.compile_dir(str(REPO / folder), quiet=1)
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


CHILD = str(BENCH_DIR / "synth_child.py")


def _asset_dirs(outdir: Path) -> list[Path]:
    return [p for p in outdir.iterdir() if p.is_dir() and p.name.startswith("asset.")]


def handler_asset(outdir: Path) -> Path | None:
    """The staged code asset of the job handler (the one holding customization_job/, at its root or in the
    runtime's package ``_runtime``)."""
    return next(
        (p for p in _asset_dirs(outdir) if any(p.glob("customization_job")) or any(p.glob("*/customization_job"))),
        None,
    )


def run_matrix(
    kinds: list[str],
    ns: list[int],
    *,
    reps: int,
    reps_large: int,
    min_reps: int = 3,
    budget_s: float | None = None,
    large_from: int = 50,
    env_extra: dict[str, str] | None = None,
    keep_asset_into: Path | None = None,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
) -> dict[str, Any]:
    """Samples per (kind, n), the first run's template summary per (kind, n), and the run's conditions.

    Rounds that include the large stacks (n >= ``large_from``) come first, up to ``reps_large`` of them;
    then rounds of the small ones, up to ``reps``. After ``min_reps`` rounds, a round that would end past
    ``budget_s`` (judged by the last round of its type) is not started: a loaded machine gets fewer
    repetitions instead of a longer run. The table reports the runs each median is from.
    """
    env = bytecode_env(child_env(env_extra))
    samples: dict[str, list[dict[str, Any]]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    failures: dict[str, dict[str, Any]] = {}  # kind -> the smallest n that did not synthesize, and why
    errors: list[dict[str, Any]] = []  # failed runs of sizes that did synthesize in another run
    loads = [load_average()]
    started = time.perf_counter()

    def one(kind: str, n: int, round_no: int) -> None:
        key = f"{kind}:{n}"
        failed = failures.get(kind)
        if failed is not None and n >= failed["n"]:
            return  # a larger stack of a kind that already failed to synthesize
        outdir = Path(tempfile.mkdtemp(prefix="bench-synth-"))
        try:
            try:
                timed = run_timed([CHILD, kind, str(n), str(outdir)], env=env)
            except ChildFailed as error:
                if any(k == kind and int(m) >= n for k, m in (key.split(":") for key in samples)):
                    # the same or a larger stack synthesized before: not a size limit (e.g. code being edited)
                    errors.append({"kind": kind, "n": n, "round": round_no + 1, "reason": error.reason})
                    log(f"  round {round_no + 1}: {kind:9s} n={n:<3d} FAILED, not a size limit: {error.reason}")
                    return
                failures[kind] = {"n": n, "reason": error.reason}
                log(f"  round {round_no + 1}: {kind:9s} n={n:<3d} does not synthesize: {error.reason}")
                return
            phases = json.loads(timed.stdout.strip().splitlines()[-1])
            samples.setdefault(key, []).append({"wall_s": timed.wall_s, "cpu_s": timed.cpu_s, **phases})
            if key not in summaries:
                summaries[key] = {"kind": kind, "n": n, **templates.summarize(outdir)}
            if keep_asset_into is not None and kind == "ours" and not keep_asset_into.exists():
                asset = handler_asset(outdir)
                if asset is not None:
                    shutil.copytree(asset, keep_asset_into)
            log(f"  round {round_no + 1}: {kind:9s} n={n:<3d} {timed.wall_s:6.2f} s wall, {timed.cpu_s:6.2f} s cpu")
        finally:
            shutil.rmtree(outdir, ignore_errors=True)

    last_round: dict[bool, float] = {}
    for r in range(max(reps, reps_large)):
        with_large = r < reps_large
        if r >= reps and not with_large:
            break
        elapsed = time.perf_counter() - started
        if budget_s is not None and r >= min_reps and elapsed + last_round.get(with_large, 0.0) > budget_s:
            log(f"  time budget ({budget_s:.0f} s) reached after {r} rounds")
            break
        round_start = time.perf_counter()
        one("empty", 0, r)
        for n in ns:
            if n >= large_from and not with_large:
                continue
            shift = r % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                one(kind, n, r)
        last_round[with_large] = time.perf_counter() - round_start
        loads.append(load_average())
    return {
        "samples": samples,
        "templates": summaries,
        "failures": failures,
        "errors": errors,
        "reps": reps,
        "reps_large": reps_large,
        "large_from": large_from,
        "budget_s": budget_s,
        "load_averages": loads,
        "elapsed_s": time.perf_counter() - started,
    }


def medians(matrix: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds (and phases) per ``kind:n``."""
    out: dict[str, dict[str, float]] = {}
    for key, runs in matrix["samples"].items():
        out[key] = {field: median([r[field] for r in runs]) for field in runs[0]}
        out[key]["runs"] = len(runs)
    return out

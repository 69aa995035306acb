"""jsii round trips per job, and where they come from (``make bench`` uses ``per_added_job``).

    python benchmarks/roundtrips.py [--kind ours|ours-wait|peer] [--jobs 100] [--time-only]
    python benchmarks/roundtrips.py --kind ours --per-added 1 21     # requests one more job adds

Every Python -> Node request of the jsii kernel is counted and attributed to the innermost frame in
constructs_lib (or the benchmark's stack builder); every Node -> Python callback (aspects, Lazy
producers, validations) is counted by phase. CDK's template validation is off, so what remains is the
construct library's own work. Counting slows the run down: take times from ``--time-only`` runs.

``--per-added SMALL LARGE`` counts two stacks in one process and reports the difference per job, so the
per-stack singletons (handler, provider, bucket, watcher) cancel out: the figure issue 11 targets.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jsii._kernel as kernel_module
from common import set_jsii_env
from jsii._kernel.providers import process as process_provider

_requests: collections.Counter[tuple[str, str]] = collections.Counter()
_callbacks: collections.Counter[tuple[str, str]] = collections.Counter()
_phase = ["import"]
_send = process_provider._NodeProcess.send
_handle_callback = kernel_module._handle_callback


def _site() -> str:
    for frame in reversed(traceback.extract_stack(limit=40)):
        if "/constructs_lib/" in frame.filename or "/benchmarks/stacks.py" in frame.filename:
            return f"{os.path.basename(frame.filename)}:{frame.name}"
    return "(jsii: answer to a callback)"


def _counting_send(self: Any, request: Any, response_type: Any) -> Any:
    _requests[(_phase[0], _site())] += 1
    return _send(self, request, response_type)


def _counting_callback(kernel: Any, callback: Any) -> Any:
    target = ""
    if callback.invoke:
        reference_map: Any = getattr(kernel_module, "_reference_map")  # noqa: B009  (not exported)
        target = type(reference_map.resolve_id(callback.invoke.objref.ref)).__name__ + "."
    _callbacks[(_phase[0], f"{target}{callback.cookie}")] += 1
    return _handle_callback(kernel, callback)


def _install_counters() -> None:
    setattr(process_provider._NodeProcess, "send", _counting_send)  # noqa: B010
    kernel_module._handle_callback = _counting_callback


def measure(kind: str, jobs: int) -> dict[str, Any]:
    import stacks

    _requests.clear()
    _callbacks.clear()
    _phase[0] = "construct"
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench-rt-") as outdir:
        app = stacks.build_app(kind, jobs, outdir, validation=False)
        construct_s = time.perf_counter() - wall
        _phase[0] = "synth"
        app.synth()
    result: dict[str, Any] = {
        "kind": kind,
        "jobs": jobs,
        "construct_s": round(construct_s, 2),
        "construct_and_synth_s": round(time.perf_counter() - wall, 2),
        "python_cpu_s": round(time.process_time() - cpu, 2),
    }
    for phase in ("construct", "synth"):
        result[f"{phase}_requests_per_job"] = round(sum(v for (p, _), v in _requests.items() if p == phase) / jobs, 1)
        result[f"{phase}_callbacks_per_job"] = round(sum(v for (p, _), v in _callbacks.items() if p == phase) / jobs, 1)
        result[f"{phase}_requests_by_site"] = {
            site: round(v / jobs, 1) for (p, site), v in _requests.most_common() if p == phase and v >= jobs / 2
        }
        result[f"{phase}_callbacks_by_target"] = {
            name: round(v / jobs, 1) for (p, name), v in _callbacks.most_common() if p == phase and v >= jobs / 2
        }
    return result


def per_added_job(kind: str, small: int, large: int) -> dict[str, Any]:
    """Kernel requests and callbacks (construction + synth) that one more job adds, between two stack sizes;
    the per-stack singletons (provider, bucket, watcher) cancel out."""
    totals = {}
    measure(kind, small)  # warm-up: anything the process does once (first imports, caches) is not per job
    for n in (small, large):
        measure(kind, n)
        totals[n] = (sum(_requests.values()), sum(_callbacks.values()))
    span = large - small
    return {
        "kind": kind,
        "between": [small, large],
        "requests_per_added_job": round((totals[large][0] - totals[small][0]) / span, 2),
        "callbacks_per_added_job": round((totals[large][1] - totals[small][1]) / span, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", default="ours", choices=["ours", "ours-wait", "peer"])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--per-added", nargs=2, type=int, metavar=("SMALL", "LARGE"), help="requests per added job")
    parser.add_argument(
        "--time-only", action="store_true", help="no counting (it slows the run down): construct + synth seconds only"
    )
    args = parser.parse_args()
    if not args.time_only:
        _install_counters()
    set_jsii_env()
    import aws_cdk  # noqa: F401  (the kernel starts outside the counted phases)

    if args.per_added:
        print(json.dumps(per_added_job(args.kind, *args.per_added), indent=1))
        return
    result = measure(args.kind, args.jobs)
    if args.time_only:
        result = {k: v for k, v in result.items() if "per_job" not in k and "_by_" not in k}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

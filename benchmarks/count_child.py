"""Synthesize several stacks in one process and report their resources and template sizes (not timed).

``python benchmarks/count_child.py '[["ours", 2, false], ["peer", 2, true]]'`` prints a JSON list of
``templates.summarize`` results, one per ``[kind, n, shared_role]``.

``python benchmarks/count_child.py --largest KIND OK FAILS`` bisects for the largest job count of KIND
that still synthesizes, given a count OK that does and a count FAILS that does not.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stacks
import templates


def main(spec: str) -> None:
    results = []
    for kind, n, shared in json.loads(spec):
        with tempfile.TemporaryDirectory(prefix="bench-count-") as outdir:
            try:
                stacks.build_app(kind, n, outdir, shared_role=shared, validation=False).synth()
            except Exception as error:  # reported: a stack of this size does not synthesize
                results.append({"kind": kind, "n": n, "shared_role": shared, "error": str(error).splitlines()[0]})
                continue
            results.append({"kind": kind, "n": n, "shared_role": shared, **templates.summarize(outdir)})
    print(json.dumps(results))


def largest(kind: str, ok: int, fails: int) -> None:
    reason = ""
    while fails - ok > 1:
        mid = (ok + fails) // 2
        with tempfile.TemporaryDirectory(prefix="bench-count-") as outdir:
            try:
                stacks.build_app(kind, mid, outdir, validation=False).synth()
                ok = mid
            except Exception as error:  # jsii surfaces synth-time validation errors as RuntimeError
                fails, reason = mid, str(error).splitlines()[0]
    print(json.dumps({"kind": kind, "largest_ok": ok, "smallest_failing": fails, "reason": reason}))


if __name__ == "__main__":
    if sys.argv[1] == "--largest":
        largest(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main(sys.argv[1])

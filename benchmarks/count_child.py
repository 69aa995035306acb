"""Synthesize several stacks in one process and report their resources and template sizes (not timed).

``python benchmarks/count_child.py '[["ours", 2, false], ["peer", 2, true]]'`` prints a JSON list of
``templates.summarize`` results, one per ``[kind, n, shared_role]``.

``python benchmarks/count_child.py --largest KIND OK FAILS`` bisects for the largest job count of KIND
that still synthesizes, given a count OK that does and a count FAILS that does not.
``--largest-shared-within KIND OK FAILS LIMIT`` does the same with one shared role, counting a stack
with more than LIMIT managed policies (CDK's overflow of the role's policy) as failing.
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


def largest(kind: str, ok: int, fails: int, *, shared_role: bool = False, managed_limit: int | None = None) -> None:
    """Bisect for the largest job count that synthesizes (and, with ``managed_limit``, whose stack has at
    most that many AWS::IAM::ManagedPolicy resources)."""
    reason = ""
    while fails - ok > 1:
        mid = (ok + fails) // 2
        with tempfile.TemporaryDirectory(prefix="bench-count-") as outdir:
            try:
                stacks.build_app(kind, mid, outdir, shared_role=shared_role, validation=False).synth()
            except Exception as error:  # jsii surfaces synth-time validation errors as RuntimeError
                fails, reason = mid, str(error).splitlines()[0]
                continue
            managed = templates.summarize(outdir)["by_type"].get("AWS::IAM::ManagedPolicy", 0)
            if managed_limit is not None and managed > managed_limit:
                fails, reason = mid, f"{managed} managed policies"
            else:
                ok = mid
    print(json.dumps({"kind": kind, "largest_ok": ok, "smallest_failing": fails, "reason": reason}))


if __name__ == "__main__":
    if sys.argv[1] == "--largest":
        largest(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "--largest-shared-within":
        largest(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), shared_role=True, managed_limit=int(sys.argv[5]))
    else:
        main(sys.argv[1])

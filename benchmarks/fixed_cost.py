#!/usr/bin/env python3
"""Per-stack fixed cost (issue 20): what a stack pays before its first job, next to the Step Functions peer's.

For each kind, a stack with one job and one with two are synthesized (not timed, in one child process, with the
context ``cdk synth`` passes); the fixed cost is what the first job costs beyond every further one
(``2 * one - two``): resources, Lambda functions, IAM roles, log groups, state machines and template bytes. The
example app's stacks are counted whole. ``python benchmarks/fixed_cost.py`` prints the table alone (seconds,
not the full ``make bench``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import BENCH_DIR, REPO, child_env

KINDS = {
    "ours": "one job, submitted",
    "ours-wait": "one job that waits",
    "ours-served": "one job that waits, served on demand",
    "peer": "Step Functions peer: a state machine with one task",
}
COUNTED = {
    "resources": None,
    "functions": "AWS::Lambda::Function",
    "roles": "AWS::IAM::Role",
    "log_groups": "AWS::Logs::LogGroup",
    "state_machines": "AWS::StepFunctions::StateMachine",
}
APP_STACKS = ("BedrockFineTuning", "BedrockChained", "BedrockServed")


def counts(template: dict[str, Any], size: int) -> dict[str, int]:
    types = Counter(r["Type"] for r in template.get("Resources", {}).values())
    found = {name: (sum(types.values()) if kind is None else types[kind]) for name, kind in COUNTED.items()}
    return {**found, "template_bytes": size}


def _synth(kind: str, n: int) -> dict[str, int]:
    import stacks

    with tempfile.TemporaryDirectory(prefix="bench-fixed-") as outdir:
        base = "ours-wait" if kind == "ours-served" else kind
        app = stacks.build_app(base, n, outdir, validation=False)
        if kind == "ours-served":
            stack = app.node.find_child(stacks.STACK_NAME)
            for i in range(n):
                stack.node.find_child(f"Job{i}").deploy_on_demand("Serve")  # type: ignore[attr-defined]
        app.synth()
        path = Path(outdir) / f"{stacks.STACK_NAME}.template.json"
        return counts(json.loads(path.read_text()), path.stat().st_size)


def _app_stacks() -> dict[str, dict[str, int]]:
    from aws_cdk import App

    import app as example

    with tempfile.TemporaryDirectory(prefix="bench-fixed-app-") as outdir:
        # as `python app.py` synthesizes them (the table): without the CLI's metadata resource
        cdk_app = App(outdir=outdir, context=example.FEATURE_FLAGS)
        example.build_app(cdk_app)
        cdk_app.synth()
        found = {}
        for name in APP_STACKS:
            path = Path(outdir) / f"{name}.template.json"
            found[name] = counts(json.loads(path.read_text()), path.stat().st_size)
        return found


def child() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for kind in KINDS:
        one, two = _synth(kind, 1), _synth(kind, 2)
        rows[kind] = {
            "one_job": one,
            "per_added_job": {k: two[k] - one[k] for k in one},
            "fixed": {k: 2 * one[k] - two[k] for k in one},
        }
    return {"kinds": rows, "app": _app_stacks()}


def measure() -> dict[str, Any]:
    """Run ``child`` in a fresh process (jsii), return its JSON."""
    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / "fixed_cost.py"), "--child"],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
    )
    if out.returncode != 0:
        raise RuntimeError(f"fixed_cost failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = ["## Per-stack fixed cost (issue 20)", ""]
    w = lines.append
    w(
        "What a stack pays before its first job (`2 x one job - two jobs`), next to the peer's; synthesized with the "
        "context `cdk synth` passes (so `AWS::CDK::Metadata` is one of the resources on both sides)."
    )
    w("")
    w("| stack | resources | Lambda functions | IAM roles | log groups | state machines | template bytes |")
    w("|---|---|---|---|---|---|---|")
    for kind, label in KINDS.items():
        row = result["kinds"].get(kind)
        if row is None:
            continue
        f = row["fixed"]
        w(
            f"| {label} (fixed) | {f['resources']} | {f['functions']} | {f['roles']} | {f['log_groups']} | "
            f"{f['state_machines']} | {f['template_bytes']:,} |"
        )
    w("")
    w(
        "Per added job: "
        + "; ".join(
            f"{label}: {row['per_added_job']['resources']} resources, {row['per_added_job']['template_bytes']:,} bytes"
            for kind, label in KINDS.items()
            if (row := result["kinds"].get(kind)) is not None
        )
        + "."
    )
    w("")
    w(
        "The example app's stacks, whole, as `python app.py` synthesizes them (before issue 20: 13 / 32 / 47 "
        "resources, 2 / 3 / 8 functions, 3 / 5 / 10 roles, 2 / 3 / 7 log groups, 0 / 0 / 1 state machines):"
    )
    w("")
    w("| app.py stack | resources | Lambda functions | IAM roles | log groups | state machines | template bytes |")
    w("|---|---|---|---|---|---|---|")
    for name, c in result["app"].items():
        w(
            f"| {name} | {c['resources']} | {c['functions']} | {c['roles']} | {c['log_groups']} | "
            f"{c['state_machines']} | {c['template_bytes']:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        from common import set_jsii_env

        set_jsii_env()
        print(json.dumps(child()))
    else:
        print(markdown(measure()))

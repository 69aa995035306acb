"""The CDK CLI works in the repository after `make synth`, without activating anything (issue 13).

cdk.json's app is bin/cdk-app: the project's .venv Python, with jsii on the Node 22 the Makefile puts in
.tools/ (the machine's Node may be past jsii's support window, which prints an end-of-life banner).
The CLI itself is installed into .tools/ by the Makefile too, so CI has it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / ".tools" / "node_modules" / ".bin" / "cdk"
NODE_BANNER = ("end-of-life", "not supported anymore", "!!!!!!!!")
"""Words of jsii's Node end-of-life banner (and its frame)."""


def plain_env(**extra: str) -> dict[str, str]:
    """A shell as a new user has it: no virtual environment active, no JSII_* settings, no PYTHONPATH."""
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JSII_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "CDK_OUTDIR", "CDK_CONTEXT_JSON")
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    # No notices or telemetry: the tests have loopback network only.
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env.update(extra)
    return env


def cdk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CDK.exists(), f"{CDK} is missing: `make test` (or `make synth`) installs the CDK CLI into .tools/"
    return subprocess.run(
        [str(CDK), *args, "--no-notices"],
        cwd=cwd,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_no_node_banner(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert not [word for word in NODE_BANNER if word in output], output[-3000:]


def test_cdk_json_runs_the_app_through_the_projects_venv_and_node() -> None:
    assert json.loads((ROOT / "cdk.json").read_text())["app"] == "bin/cdk-app"
    assert os.access(ROOT / "bin" / "cdk-app", os.X_OK)


def test_cdk_synth_and_ls_work_in_the_repository_without_activating_anything(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    synth = cdk("synth", "--quiet", "--output", str(out), cwd=ROOT)
    assert synth.returncode == 0, synth.stderr[-4000:]
    assert_no_node_banner(synth)
    assert {p.name for p in out.glob("*.template.json")} >= {
        "BedrockFineTuning.template.json",
        "BedrockChained.template.json",
    }
    listed = cdk("ls", "--app", str(out), cwd=ROOT)  # the same assembly, listed without synthesizing again
    assert listed.returncode == 0, listed.stderr[-4000:]
    assert listed.stdout.split() == [
        "BedrockFineTuning",
        "BedrockDistillation",
        "BedrockRft",
        "BedrockPrivateNetwork",
        "BedrockChained",
        "BedrockServed",
        "BedrockProvisioned",
    ]
    assert_no_node_banner(listed)

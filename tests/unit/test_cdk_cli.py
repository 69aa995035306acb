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
        "BedrockGated",
    ]
    assert_no_node_banner(listed)


def _recommended_flags() -> dict[str, object]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("feature_flags", ROOT / "tools" / "feature_flags.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flags: dict[str, object] = module.recommended_flags()
    return flags


def test_cdk_json_carries_the_feature_flags_cdk_init_writes_for_the_installed_aws_cdk_lib() -> None:
    """What `cdk init` puts in a new app's cdk.json: aws-cdk-lib's recommended flags (refresh them with
    `python tools/feature_flags.py --write` after an upgrade)."""
    recommended = _recommended_flags()
    assert len(recommended) > 50
    assert json.loads((ROOT / "cdk.json").read_text())["context"] == recommended


def test_cdk_synth_prints_no_feature_flag_notice(tmp_path: Path) -> None:
    synth = cdk("synth", "--quiet", "--output", str(tmp_path / "cdk.out"), "BedrockFineTuning", cwd=ROOT)
    assert synth.returncode == 0, synth.stderr[-4000:]
    assert "feature flags are not configured" not in synth.stdout + synth.stderr


def test_the_recommended_flags_change_no_job_or_serving_resource(tmp_path: Path) -> None:
    """A flag that changed a job's or serving resource's logical id, name or digest would retrain on upgrade:
    the Bedrock custom resources of the example app are the same with the flags as without any."""
    import sys

    from aws_cdk import App

    sys.path.insert(0, str(ROOT))
    try:
        import app as example
    finally:
        sys.path.remove(str(ROOT))

    def bedrock_resources(context: dict[str, object], outdir: Path) -> dict[str, object]:
        assembly = example.build_app(App(outdir=str(outdir), context=context)).synth()
        found: dict[str, object] = {}
        for stack in assembly.stacks:
            for logical_id, resource in stack.template["Resources"].items():
                if resource["Type"].startswith("Custom::Bedrock"):
                    found[f"{stack.stack_name}/{logical_id}"] = resource
        return found

    without = bedrock_resources({}, tmp_path / "without")
    with_flags = bedrock_resources(json.loads((ROOT / "cdk.json").read_text())["context"], tmp_path / "with")
    assert len(without) >= 10
    assert with_flags == without

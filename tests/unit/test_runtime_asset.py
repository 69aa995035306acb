"""The functions' code asset is staged from the installed library into a folder of this process's own.

A folder under a predictable name in the shared temp directory could have been planted by another user
of the machine; CDK would bundle whatever it holds as the handler. The staging must never reuse one.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from constructs_lib.cdk import provider

ROOT = Path(__file__).resolve().parents[2]


def files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_a_planted_folder_is_never_bundled(tmp_path: Path) -> None:
    os.environ["TMPDIR"] = str(tmp_path)
    try:
        tempfile.tempdir = None
        source = provider.lambda_source_dir()
        digest = hashlib.sha256()  # the name an earlier version staged under: public content, public name
        for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        # What an attacker can compute and pre-create: names under the temp directory, with junk inside.
        for name in ("cdk-bedrock-customization-runtime-" + digest.hexdigest()[:16], "cdk-bedrock-customization"):
            planted = tmp_path / name / "_runtime" / "customization_job"
            planted.mkdir(parents=True)
            (planted / "handler.py").write_text("def on_event(event, context):\n    return 'pwned'\n")
        provider.runtime_asset_dir.cache_clear()

        staged = provider.runtime_asset_dir()

        assert staged.parent == tmp_path and not staged.name.endswith(digest.hexdigest()[:16])
        assert stat.S_IMODE(staged.stat().st_mode) == 0o700 and staged.stat().st_uid == os.getuid()
        assert [p.name for p in staged.iterdir()] == ["_runtime"]
        assert files(staged / "_runtime") == files(source)
        provider.runtime_asset_dir.cache_clear()
        assert provider.runtime_asset_dir() != staged, "a folder is never reused, not even this process's own"
    finally:
        os.environ.pop("TMPDIR", None)
        tempfile.tempdir = None
        provider.runtime_asset_dir.cache_clear()


SYNTH = """
import json, sys
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from constructs_lib import ModelCustomizationJob, TrainingData
app = App(outdir=sys.argv[1]); stack = Stack(app, "S")
ModelCustomizationJob(stack, "J", base_model="amazon.nova-micro-v1:0:128k",
                      training_data=TrainingData.from_bucket(s3.Bucket(stack, "B"), "train.jsonl"))
template = app.synth().get_stack_by_name("S").template
print(json.dumps(sorted(r["Properties"]["Code"]["S3Key"] for r in template["Resources"].values()
                        if r["Type"] == "AWS::Lambda::Function" and "Handler" in r["Properties"]
                        and r["Properties"]["Handler"].startswith("_runtime."))))
"""


def test_two_processes_stage_different_folders_with_the_same_asset_hash(tmp_path: Path) -> None:
    keys = []
    for run in ("a", "b"):
        done = subprocess.run(
            [sys.executable, "-c", SYNTH, str(tmp_path / run)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        keys.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert keys[0] == keys[1] and len(keys[0]) == 1


def test_a_folder_planted_in_the_output_under_the_assets_name_is_not_bundled(tmp_path: Path) -> None:
    """The library stages the asset into the app's output itself (CDK then neither fingerprints nor copies it):
    a folder already there under the asset's name is used only if it holds exactly the runtime's files (CDK's own
    staging would use whatever it finds there)."""
    first = subprocess.run(
        [sys.executable, "-c", SYNTH, str(tmp_path / "a")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr[-2000:]
    [key] = json.loads(first.stdout.strip().splitlines()[-1])
    planted = tmp_path / "b" / f"asset.{key.removesuffix('.zip')}" / "_runtime" / "customization_job"
    planted.mkdir(parents=True)
    (planted / "handler.py").write_text("def on_event(event, context):\n    return 'pwned'\n")

    again = subprocess.run(
        [sys.executable, "-c", SYNTH, str(tmp_path / "b")], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout.strip().splitlines()[-1]) == [key]
    staged = tmp_path / "b" / f"asset.{key.removesuffix('.zip')}"
    assert [p.name for p in staged.iterdir()] == ["_runtime"]
    assert files(staged / "_runtime") == files(provider.lambda_source_dir())


def test_every_function_of_the_runtime_runs_the_one_staged_folder(tmp_path: Path) -> None:
    """The first function's asset is staged by the library, the watcher's (an aws_lambda L2) finds it staged: one
    folder in the output, named in both functions' Code and asset metadata."""
    from aws_cdk import App, Duration, Stack

    from constructs_lib import Completion

    from .helpers import simple_job

    app = App(outdir=str(tmp_path), context={"aws:cdk:enable-asset-metadata": True})
    stack = Stack(app, "S")
    simple_job(stack, completion=Completion.wait(timeout=Duration.hours(2)))
    template = app.synth().get_stack_by_name("S").template
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 2
    keys = {f["Properties"]["Code"]["S3Key"] for f in functions}
    paths = {f["Metadata"]["aws:asset:path"] for f in functions}
    staged = [p.name for p in tmp_path.iterdir() if p.name.startswith("asset.")]
    assert len(keys) == 1 and paths == set(staged) and staged == [f"asset.{next(iter(keys)).removesuffix('.zip')}"]
    assert files(tmp_path / staged[0] / "_runtime") == files(provider.lambda_source_dir())

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

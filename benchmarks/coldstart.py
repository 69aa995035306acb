"""Handler cold start (import time in a fresh process, against ``import boto3``) and code-asset size.

``python benchmarks/coldstart.py --size`` prints the asset's size alone (no timing): zipped, by package, the
bundled service model (``_runtime/customization_job/data``, written by tools/bundle_service_model.py) as a
part of its own.

The handler is imported from a copy of lambda_src/ without ``__pycache__`` -- what the code asset
holds -- with PYTHONDONTWRITEBYTECODE=1, so its modules compile from source on every start, as they do
in Lambda (the asset ships no bytecode and /var/task is read-only). boto3/botocore come from the venv
with their installed bytecode, as the Lambda runtime's own boto3 does.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from common import child_env, median, run_timed

from constructs_lib.cdk.provider import runtime_asset_dir

_IMPORT_HANDLER = """
import sys, time
sys.path.insert(0, {src!r})
t = time.perf_counter()
import _runtime.customization_job.handler
t_import = time.perf_counter() - t
if {with_client}:
    _runtime.customization_job.handler.new_bedrock_client()
print(t_import, time.perf_counter() - t)
"""
_IMPORT_BOTO3 = """
import time
t = time.perf_counter()
import boto3
t_import = time.perf_counter() - t
if {with_client}:
    boto3.session.Session().client("bedrock")
print(t_import, time.perf_counter() - t)
"""
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def copy_asset(dest: Path) -> Path:
    """The functions' code asset as the construct stages it (no bytecode caches)."""
    target = dest / "asset"
    shutil.copytree(runtime_asset_dir(), target)
    return target


def zipped_size(directory: Path, *, leave_out: tuple[Path, ...] = ()) -> dict[str, int]:
    """Bytes of ``directory`` zipped with deflate (level 9), and its unzipped size and file count."""
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not any(p.is_relative_to(d) for d in leave_out))
    with tempfile.TemporaryDirectory(prefix="bench-zip-") as tmp:
        archive = Path(tmp) / "asset.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for path in files:
                zf.write(path, path.relative_to(directory).as_posix())
        return {
            "zip_bytes": archive.stat().st_size,
            "unzipped_bytes": sum(p.stat().st_size for p in files),
            "files": len(files),
        }


def largest_files(directory: Path, count: int = 3) -> list[tuple[str, int]]:
    files = sorted((p for p in directory.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size, reverse=True)
    return [(p.relative_to(directory).as_posix(), p.stat().st_size) for p in files[:count]]


def measure(runs: int = 15, client_runs: int = 7) -> dict[str, Any]:
    """Median import times (handler vs boto3), run alternately; then import + first bedrock client."""
    env = child_env(FAKE_AWS)
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        src = copy_asset(Path(tmp))
        samples: dict[str, list[float]] = {"handler": [], "boto3": [], "handler_proc": [], "boto3_proc": []}
        client: dict[str, list[float]] = {"handler": [], "boto3": []}
        for i in range(runs):
            with_client = i < client_runs
            for name, code in (("handler", _IMPORT_HANDLER), ("boto3", _IMPORT_BOTO3)):
                timed = run_timed(["-c", code.format(src=str(src), with_client=False)], env=env, cwd=Path(tmp))
                import_s, _ = (float(x) for x in timed.stdout.split())
                samples[name].append(import_s)
                samples[f"{name}_proc"].append(timed.wall_s)
                if with_client:
                    timed = run_timed(["-c", code.format(src=str(src), with_client=True)], env=env, cwd=Path(tmp))
                    client[name].append(float(timed.stdout.split()[1]))
        size = asset_size(src)
    handler_s, boto3_s = median(samples["handler"]), median(samples["boto3"])
    handler_proc_s, boto3_proc_s = median(samples["handler_proc"]), median(samples["boto3_proc"])
    handler_client_s, boto3_client_s = median(client["handler"]), median(client["boto3"])
    return {
        "runs": runs,
        "client_runs": client_runs,
        "handler_import_s": handler_s,
        "boto3_import_s": boto3_s,
        "import_ratio": handler_s / boto3_s,
        "handler_process_s": handler_proc_s,
        "boto3_process_s": boto3_proc_s,
        "process_ratio": handler_proc_s / boto3_proc_s,
        "handler_import_and_client_s": handler_client_s,
        "boto3_import_and_client_s": boto3_client_s,
        "client_ratio": handler_client_s / boto3_client_s,
        **size,
    }


BUNDLED_MODEL = Path("customization_job") / "data"
"""The bundled Bedrock service model's folder inside the runtime package: its own part of the size."""


def asset_size(src: Path) -> dict[str, Any]:
    """The staged asset ``src`` zipped: in all, its largest files, and by package (each part zipped alone)."""
    packages = [p for p in sorted(src.iterdir()) if p.is_dir()]
    models = tuple(p / BUNDLED_MODEL for p in packages if (p / BUNDLED_MODEL).is_dir())
    parts = {
        f"{package.name}/{sub.name}": zipped_size(sub, leave_out=models)["zip_bytes"]
        for package in packages
        for sub in sorted(package.iterdir())
        if sub.is_dir() and sub.name != "__pycache__"
    }
    parts.update({model.relative_to(src).as_posix(): zipped_size(model)["zip_bytes"] for model in models})
    return {
        "asset": zipped_size(src),
        "asset_largest_files": largest_files(src),
        "asset_parts": parts,  # zipped bytes of each package of the runtime, and of the bundled model, zipped alone
    }


def staged_asset_size() -> dict[str, Any]:
    """``asset_size`` of the asset as the construct stages it, measured in a copy."""
    with tempfile.TemporaryDirectory(prefix="bench-size-") as tmp:
        return asset_size(copy_asset(Path(tmp)))


if __name__ == "__main__":
    if "--size" in sys.argv[1:]:
        print(json.dumps(staged_asset_size(), indent=1))
    else:
        print(json.dumps(measure(runs=5, client_runs=3), indent=1))

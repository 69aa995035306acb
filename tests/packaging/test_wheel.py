"""The wheel works in another CDK app outside this repo: the handler asset comes from the install.

The runtime (the repository's ``lambda_src/``) ships inside the library as ``constructs_lib._runtime``,
so an app with its own ``lambda_src`` package (a common name) cannot replace the handler the library
bundles. The same holds for the editable install the Makefile does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEEL_RUNTIME = "constructs_lib/_runtime"
ASSET_PACKAGE = "_runtime"
"""The asset's one top-level package: Lambda imports the handler strings from it."""
HANDLER_ENTRY = "_runtime.entry.handler.handler"
"""Every function of the stack's runtime (issue 20) runs this entry."""
# Never part of a build: virtual environments, caches, build output, synth output.
BUILD_EDITABLE = "import sys; from setuptools import build_meta; build_meta.build_editable(sys.argv[1])"
NOT_SOURCE = {"build", "dist", "cdk.out", "tests", "benchmarks", "docs", "examples"}

CONSUMER_APP = textwrap.dedent(
    """
    import json, sys
    import constructs_lib
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3
    from constructs_lib import ModelCustomizationJob, TrainingData

    app = App(outdir=sys.argv[1])
    stack = Stack(app, "Consumer")
    ModelCustomizationJob(stack, "Job", base_model="amazon.nova-micro-v1:0:128k",
                          training_data=TrainingData.from_bucket(s3.Bucket(stack, "Data"), "train.jsonl"))
    app.synth()
    print(json.dumps({"library": constructs_lib.__file__}))
    """
)

# An app whose own code lives in a package named like the repository's runtime folder.
SHADOWING_APP = textwrap.dedent(
    """
    import json, sys
    import lambda_src  # the app's own package
    from aws_cdk import App, Duration, Stack
    from aws_cdk import aws_s3 as s3
    from constructs_lib import Completion, ModelCustomizationJob, TrainingData

    app = App(outdir=sys.argv[1])
    stack = Stack(app, "Shadowed")
    ModelCustomizationJob(stack, "Job", base_model="amazon.nova-micro-v1:0:128k",
                          training_data=TrainingData.from_bucket(s3.Bucket(stack, "Data"), "train.jsonl"),
                          completion=Completion.wait(timeout=Duration.hours(1)))
    app.synth()
    print(json.dumps({"app_lambda_src": lambda_src.__file__}))
    """
)
JUNK = "raise RuntimeError(\"the app's own code, not the library's handler\")\n"


def files_under(folder: Path) -> set[str]:
    """Every file under the folder, relative to it (no bytecode caches)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project as packaging sees it, so builds never write into (or read stale output of) the
    shared working tree."""
    copy = tmp_path_factory.mktemp("src") / "project"

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".egg-info"))}
        if Path(folder) == ROOT:
            skipped |= {n for n in names if n.startswith(".") or n in NOT_SOURCE}
        return skipped

    shutil.copytree(ROOT, copy, ignore=ignore)
    return copy


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def editable_wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``pip install -e .`` installs (PEP 660), built from the copy with this environment's setuptools."""
    dist = tmp_path_factory.mktemp("editable")
    subprocess.run(
        [sys.executable, "-c", BUILD_EDITABLE, str(dist)],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("*.whl")
    return built


def venv_with(wheel_file: Path, where: Path) -> tuple[Path, Path]:
    """A fresh venv with the wheel installed: (python, site-packages)."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Dependencies (aws-cdk-lib, ...) come from the test environment's site-packages through a .pth
    # line; the library itself only from the wheel (the repo's editable finder is not loaded that way).
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel_file)],
        check=True,
        capture_output=True,
    )
    return python, site


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return venv_with(wheel, tmp_path_factory.mktemp("wheel-venv"))


@pytest.fixture(scope="module")
def installed_editable(editable_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return venv_with(editable_wheel, tmp_path_factory.mktemp("editable-venv"))


def run_app(python: Path, app_dir: Path, code: str) -> dict[str, str]:
    (app_dir / "app.py").write_text(code)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(python), "app.py", str(app_dir / "cdk.out")],
        cwd=app_dir,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    parsed: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def function_asset(outdir: Path, stack: str, handler: str) -> Path:
    """The staged asset directory of the stack's functions with this handler string (one asset for all)."""
    template = json.loads((outdir / f"{stack}.template.json").read_text())
    codes = {
        json.dumps(r["Properties"]["Code"], sort_keys=True)
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == handler
    }
    assert len(codes) == 1, codes
    code = json.loads(codes.pop())
    asset_hash = code["S3Key"].removesuffix(".zip")
    asset = outdir / f"asset.{asset_hash}"
    assert asset.is_dir(), asset
    return asset


def test_wheel_ships_the_library_with_its_private_runtime_the_service_model_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "constructs_lib/cdk/job.py" in names
    assert "constructs_lib/py.typed" in names
    assert f"{WHEEL_RUNTIME}/customization_job/handler.py" in names
    assert f"{WHEEL_RUNTIME}/job_watcher/handler.py" in names
    assert f"{WHEEL_RUNTIME}/customization_job/data/bedrock/2023-04-20/service-2.json.gz" in names
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)


def test_wheel_installs_no_top_level_package_but_the_library(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == {"constructs_lib"}
    assert not any(n.startswith("lambda_src/") for n in names)


def test_wheel_runtime_is_the_whole_repository_runtime_folder(wheel: Path, source: Path) -> None:
    """Every file of lambda_src/ (new modules and data files too) ships, under the private name."""
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix(f"{WHEEL_RUNTIME}/") for n in names if n.startswith(f"{WHEEL_RUNTIME}/")}
    assert shipped == files_under(source / "lambda_src")


def test_installed_wheel_synthesizes_an_app_outside_the_repo(installed: tuple[Path, Path], tmp_path: Path) -> None:
    python, site = installed
    app_dir = tmp_path / "consumer"
    app_dir.mkdir()
    library = Path(run_app(python, app_dir, CONSUMER_APP)["library"])
    assert library.is_relative_to(site), library
    outdir = app_dir / "cdk.out"
    template = json.loads((outdir / "Consumer.template.json").read_text())
    assert any(r["Type"] == "Custom::BedrockModelCustomizationJob" for r in template["Resources"].values())
    asset = function_asset(outdir, "Consumer", HANDLER_ENTRY)
    assert asset.resolve() != (site / WHEEL_RUNTIME).resolve()  # staged into cdk.out
    assert [p.name for p in asset.iterdir()] == [ASSET_PACKAGE]  # the handler strings' one top-level package
    assert (asset / ASSET_PACKAGE / "customization_job" / "handler.py").is_file()
    assert (asset / ASSET_PACKAGE / "contract.py").is_file()
    assert (
        asset / ASSET_PACKAGE / "customization_job" / "data" / "bedrock" / "2023-04-20" / "service-2.json.gz"
    ).is_file()
    assert not list(asset.rglob("__pycache__"))


@pytest.mark.parametrize("install", ["wheel", "editable"])
def test_an_app_with_its_own_lambda_src_package_bundles_the_librarys_runtime(
    install: str, source: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Compared with the repository's runtime as the build saw it (the copy), not the live working tree."""
    python, _ = request.getfixturevalue("installed" if install == "wheel" else "installed_editable")
    app_dir = tmp_path / "app-with-lambda-src"
    for package in ("lambda_src", "lambda_src/customization_job", "lambda_src/job_watcher"):
        (app_dir / package).mkdir(parents=True)
        (app_dir / package / "__init__.py").write_text("")
    (app_dir / "lambda_src" / "customization_job" / "handler.py").write_text(JUNK)
    (app_dir / "lambda_src" / "job_watcher" / "handler.py").write_text(JUNK)

    printed = run_app(python, app_dir, SHADOWING_APP)
    assert Path(printed["app_lambda_src"]).resolve() == (app_dir / "lambda_src" / "__init__.py").resolve()

    outdir = app_dir / "cdk.out"
    handler_asset = function_asset(outdir, "Shadowed", HANDLER_ENTRY)  # every function of the runtime: one asset
    runtime = source / "lambda_src"
    assert [p.name for p in handler_asset.iterdir()] == [ASSET_PACKAGE]
    assert files_under(handler_asset / ASSET_PACKAGE) == files_under(runtime)
    for module in ("entry/handler.py", "customization_job/handler.py", "job_watcher/handler.py", "contract.py"):
        assert (handler_asset / ASSET_PACKAGE / module).read_bytes() == (runtime / module).read_bytes(), module


# ---- issue 13: a user's own app, from the README, synthesized with the CDK CLI ---------------------

README = ROOT / "README.md"
NODE_BANNER = ("end-of-life", "not supported anymore", "!!!!!!!!")


def readme_app() -> str:
    """The README's Python blocks as one app: each later block goes before the first one's `app.synth()`."""
    first, *rest = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return first.rstrip().removesuffix("app.synth()") + "\n".join(rest) + "\napp.synth()\n"


def readme_cdk_json() -> str:
    (block,) = re.findall(r"```json\n(.*?)```", README.read_text(), flags=re.S)
    return block


def test_a_user_app_from_the_readme_synthesizes_with_the_cdk_cli(installed: tuple[Path, Path], tmp_path: Path) -> None:
    """The wheel in a fresh venv as the app's .venv, the README's app.py, cdk.json and data next to it, the
    app's own `lambda_src` package, jsii's Node 22 in .tools, and `npx aws-cdk@2 synth` from a plain shell."""
    python, _ = installed
    app_dir = tmp_path / "user-app"
    (app_dir / "data").mkdir(parents=True)
    for name in ("train.jsonl", "validation.jsonl"):
        shutil.copy(ROOT / "examples" / "data" / "converse" / name, app_dir / "data" / name)
    (app_dir / "app.py").write_text(readme_app())
    (app_dir / "cdk.json").write_text(readme_cdk_json())
    for package in ("lambda_src", "lambda_src/customization_job"):
        (app_dir / package).mkdir(parents=True)
        (app_dir / package / "__init__.py").write_text("")
    (app_dir / "lambda_src" / "customization_job" / "handler.py").write_text(JUNK)
    (app_dir / ".venv").symlink_to(python.parent.parent, target_is_directory=True)
    # What `npm install --prefix .tools node@22` (the README's command, which the Makefile runs) leaves.
    (app_dir / ".tools").symlink_to(ROOT / ".tools", target_is_directory=True)
    assert (app_dir / ".tools" / "node_modules" / ".bin" / "node").exists(), "make installs Node 22 into .tools"

    venv_bin = str(ROOT / ".venv" / "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JSII_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "CDK_OUTDIR", "CDK_CONTEXT_JSON")
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"  # loopback network only in the tests
    result = subprocess.run(
        ["npx", "--yes", "aws-cdk@2", "synth", "--quiet", "--no-notices"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert not [word for word in NODE_BANNER if word in output], output[-3000:]
    outdir = app_dir / "cdk.out"
    assert {p.name for p in outdir.glob("*.template.json")} == {
        "SupportBotTraining.template.json",
        "SupportBotAudited.template.json",
    }
    asset = function_asset(outdir, "SupportBotTraining", HANDLER_ENTRY)
    handler = asset / ASSET_PACKAGE / "customization_job" / "handler.py"
    assert handler.read_text() != JUNK and "on_event" in handler.read_text()

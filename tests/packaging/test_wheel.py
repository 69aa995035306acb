"""The wheel works in another CDK app outside this repo: the handler asset comes from the install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_ships_both_packages_the_service_model_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "constructs_lib/job.py" in names
    assert "constructs_lib/py.typed" in names
    assert "lambda_src/customization_job/handler.py" in names
    assert "lambda_src/customization_job/data/bedrock/2023-04-20/service-2.json.gz" in names
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)


def test_installed_wheel_synthesizes_an_app_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
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
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    app_dir = tmp_path / "consumer"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(python), "app.py", str(app_dir / "cdk.out")],
        cwd=app_dir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    library = Path(json.loads(result.stdout.strip().splitlines()[-1])["library"])
    assert library.is_relative_to(site), library
    template = json.loads((app_dir / "cdk.out" / "Consumer.template.json").read_text())
    assert any(r["Type"] == "Custom::BedrockModelCustomizationJob" for r in template["Resources"].values())
    assets = [p for p in (app_dir / "cdk.out").glob("asset.*") if (p / "customization_job").is_dir()]
    assert len(assets) == 1
    assert (assets[0] / "customization_job" / "handler.py").is_file()
    assert (assets[0] / "customization_job" / "data" / "bedrock" / "2023-04-20" / "service-2.json.gz").is_file()
    assert not list(assets[0].rglob("__pycache__"))

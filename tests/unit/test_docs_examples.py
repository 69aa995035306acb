"""Every example in docs/examples synthesizes, with one job resource and no warnings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.py"))


def test_there_is_one_example_per_customization_type() -> None:
    assert {p.stem for p in EXAMPLES} >= {
        "fine_tuning",
        "continued_pre_training",
        "distillation",
        "reinforcement_fine_tuning",
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_synthesizes(example: Path, tmp_path: Path) -> None:
    """Run as a user would (its own process), from outside the repo."""
    subprocess.run(
        [sys.executable, str(example)], cwd=tmp_path, env={**os.environ, "CDK_OUTDIR": str(tmp_path)}, check=True
    )
    (template_path,) = tmp_path.glob("*.template.json")
    resources = json.loads(template_path.read_text())["Resources"].values()
    assert sum(r["Type"] == "Custom::BedrockModelCustomizationJob" for r in resources) == 1
    for metadata in tmp_path.glob("*.metadata.json"):
        entries = [e for es in json.loads(metadata.read_text()).values() for e in es]
        assert not [e for e in entries if e["type"] in ("aws:cdk:warning", "aws:cdk:error")], example.name


def readme_apps() -> list[str]:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if "app.synth()" in b]


def test_readme_example_synthesizes(tmp_path: Path) -> None:
    (source,) = readme_apps()
    script = tmp_path / "readme_app.py"
    script.write_text(source)
    subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env={**os.environ, "CDK_OUTDIR": str(tmp_path)}, check=True
    )
    (template_path,) = tmp_path.glob("*.template.json")
    assert "Custom::BedrockModelCustomizationJob" in template_path.read_text()

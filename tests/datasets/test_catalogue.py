"""The model catalogue: one table that the dataset checks, the hyperparameter advisories and the CLI read,
free of aws-cdk-lib, every rule with a source the README explains."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import catalogue, datasets
from constructs_lib.rules import hyperparameters as hp

ROOT = Path(__file__).resolve().parents[2]


def test_the_catalogue_datasets_and_the_cli_load_without_aws_cdk() -> None:
    code = (
        "import sys, constructs_lib.rules.catalogue, constructs_lib.rules.datasets, "
        "constructs_lib.rules.hyperparameters, constructs_lib.rules.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "model",
    [
        "meta.llama3-1-8b-instruct-v1:0:128k",
        "meta.llama3-2-90b-instruct-v1:0",
        "us.meta.llama3-2-1b-instruct-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
        "meta.llama3-70b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
        "amazon.nova-2-lite-v1:0:256k",
        "anthropic.claude-3-haiku-20240307-v1:0:200k",
        "acme.new-model-v1",
    ],
)
def test_hyperparameters_and_datasets_find_the_same_models(model: str) -> None:
    # Issue 11: the two had their own family tables and disagreed on Llama 3.x; both read the catalogue now.
    entry = catalogue.model_entry(model)
    data = datasets.expectation("FINE_TUNING", model)
    family = hp.family_of(model)
    assert data.family_name == (entry.data_family if entry else None)
    assert (family.name if family else None) == (
        entry.hyperparameters.name if entry and entry.hyperparameters else None
    )
    assert (entry is None) == (model.split("/")[-1].startswith(("meta.llama3-70b", "meta.llama3-3", "acme.")))


def test_every_entry_is_found_by_its_prefixes_and_every_hyperparameter_family_by_its_models() -> None:
    for entry in catalogue.MODELS:
        for prefix in entry.id_prefixes:
            assert catalogue.model_entry(f"{prefix}-v1:0") is entry
    names = {entry.hyperparameters.name for entry in catalogue.MODELS if entry.hyperparameters}
    assert names == {family.name for family in hp.FAMILIES}


def _sources(value: Any) -> set[str]:
    """Every source key a piece of the catalogue cites."""
    found: set[str] = set()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            inner = getattr(value, item.name)
            if item.name == "source" or (item.name.endswith("_source") and inner is not None):
                if isinstance(inner, str):
                    found.add(inner)
            else:
                found |= _sources(inner)
    elif isinstance(value, dict):
        for inner in value.values():
            found |= _sources(inner)
    elif isinstance(value, tuple | list):
        for inner in value:
            found |= _sources(inner)
    return found


def test_every_rule_cites_a_known_source() -> None:
    cited = _sources(catalogue.MODELS) | _sources(catalogue.PROVIDERS) | _sources(list(catalogue.GENERIC.values()))
    assert cited and cited <= set(catalogue.SOURCES)
    assert all(source.url.startswith("https://") for source in catalogue.SOURCES.values())


def test_the_readme_table_explains_every_source_and_never_points_outside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Training data from local files", 1)[1].split("\n## ", 1)[0]
    for key, source in catalogue.SOURCES.items():
        assert f"`{key}`" in section and source.url in section, key
    assert "../shared" not in readme and "shared/data" not in readme


def test_no_module_of_the_rules_wing_is_over_400_lines() -> None:
    for folder in ("catalogue", "datasets"):
        for path in (ROOT / "constructs_lib" / folder).glob("*.py"):
            assert len(path.read_text().splitlines()) <= 400, path

"""Two wings and a runtime, and arrows that only point down: checked from the outside.

The rules wing imports with aws-cdk-lib (and jsii, constructs) made unimportable, in a fresh process;
every module's own import statements are read to show that the rules wing never reaches into the
construct wing, that nothing but the contract bridges into the runtime, and that the runtime never
imports the library.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "constructs_lib"
RUNTIME = ROOT / "lambda_src"


def modules(folder: Path, package: str) -> dict[str, Path]:
    found = {}
    for path in folder.rglob("*.py"):
        parts = path.relative_to(folder).with_suffix("").parts
        name = ".".join((package, *parts)).removesuffix(".__init__")
        found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """Absolute names of what a module imports (relative imports resolved against its package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


LIBRARY_MODULES = modules(LIBRARY, "constructs_lib")
RULES = {n: p for n, p in LIBRARY_MODULES.items() if n.startswith("constructs_lib.rules")}
CDK = {n: p for n, p in LIBRARY_MODULES.items() if n.startswith("constructs_lib.cdk")}


def test_the_tree_shows_the_wings() -> None:
    top = {n for n in LIBRARY_MODULES if n.count(".") == 1}
    assert top == {
        "constructs_lib.__main__",
        "constructs_lib.contract",
        "constructs_lib.rules",
        "constructs_lib.cdk",
    }
    assert len(RULES) > 5 and len(CDK) > 5


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_rules_wing_never_imports_aws_cdk_nor_the_construct_wing(name: str) -> None:
    imported = imports_of(name, RULES[name])
    assert not {i for i in imported if i.split(".")[0] in ("aws_cdk", "jsii", "constructs")}
    assert not {i for i in imported if i.startswith("constructs_lib.cdk")}


@pytest.mark.parametrize("name", sorted(modules(RUNTIME, "lambda_src")))
def test_the_runtime_never_imports_the_library(name: str) -> None:
    imported = imports_of(name, modules(RUNTIME, "lambda_src")[name])
    assert not {i for i in imported if i.split(".")[0] in ("constructs_lib", "aws_cdk", "jsii", "constructs")}


def test_only_the_contract_bridges_the_library_to_the_runtime() -> None:
    reaching = {
        name
        for name, path in LIBRARY_MODULES.items()
        if any(".._runtime" in i or "_runtime" in i.split(".") for i in imports_of(name, path))
    }
    source = (LIBRARY / "contract.py").read_text()
    assert reaching == set() and "_runtime.contract" in source  # contract.py imports it by name at run time


def test_the_rules_wing_and_the_cli_load_without_aws_cdk() -> None:
    names = sorted(n for n in RULES if not n.endswith("__main__"))
    code = (
        "import sys\n"
        "for blocked in ('aws_cdk', 'jsii', 'constructs'):\n"
        "    sys.modules[blocked] = None\n"
        f"import importlib\nfor name in {names!r}:\n    importlib.import_module(name)\n"
        "import constructs_lib\nconstructs_lib.ValidationError\nprint('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_the_construct_wing_does_not_load_boto3_at_synth() -> None:
    code = (
        "import sys\nsys.modules['boto3'] = None\nsys.modules['botocore'] = None\n"
        "from aws_cdk import App, Stack\nfrom aws_cdk import aws_s3 as s3\n"
        "from constructs_lib import ModelCustomizationJob, TrainingData\n"
        "app = App(); stack = Stack(app, 'S')\n"
        "ModelCustomizationJob(stack, 'J', base_model='amazon.nova-micro-v1:0:128k',"
        " training_data=TrainingData.from_bucket(s3.Bucket(stack, 'B'), 'train.jsonl'))\n"
        "app.synth(); print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


def test_no_two_modules_import_each_other() -> None:
    """Issue 20: a module pair that imports each other (even inside a function, or for type checking only) is a
    circle to untangle, not to defer (job_base and serving were one)."""
    everything = {**LIBRARY_MODULES, **modules(RUNTIME, "lambda_src")}
    edges = {
        name: {i for i in imports_of(name, path) if i in everything and i != name} for name, path in everything.items()
    }
    circles = {tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, set())}
    # ``from .. import contract`` names the parent package: a package and its own modules are not a circle
    assert sorted((a, b) for a, b in circles if not b.startswith(f"{a}.")) == []

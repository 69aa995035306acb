"""tools/mutation.py's own logic (issue 23): the seed, the sample, the interval and the scratch copy. Nothing here
runs cosmic-ray (it is only the `mutation` extra, which `make test` and CI do not install)."""

from __future__ import annotations

import datetime
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_tool"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_importing_the_tool_does_not_need_cosmic_ray(tool: ModuleType) -> None:
    code = (
        "import sys, importlib.util; sys.modules['cosmic_ray'] = None\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(ROOT / 'tools' / 'mutation.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['m'] = m; spec.loader.exec_module(m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_default_seed_changes_with_the_date_and_the_commit_and_repeats_for_both(tool: ModuleType) -> None:
    day = datetime.date(2026, 12, 7)
    seed = tool.default_seed(day, "c6e54b9aaaaa")

    assert seed == tool.default_seed(datetime.date(2026, 12, 7), "c6e54b9aaaaa")
    assert seed != tool.default_seed(day + datetime.timedelta(days=1), "c6e54b9aaaaa")
    assert seed != tool.default_seed(day, "0123456789ab")
    assert 0 <= seed < 2**32


def test_a_sample_repeats_for_its_seed_and_differs_for_another(tool: ModuleType) -> None:
    keys = [f"m{i:04d}" for i in range(500)]

    first = tool.draw(keys, 60, 11)
    assert len(first) == 60 and first <= set(keys)
    assert first == tool.draw(list(keys), 60, 11)
    assert first != tool.draw(keys, 60, 12)


def test_all_or_a_sample_no_smaller_than_the_population_takes_every_mutant(tool: ModuleType) -> None:
    keys = [f"m{i}" for i in range(29)]

    assert tool.draw(keys, None, 5) == set(keys)
    assert tool.draw(keys, 29, 5) == set(keys) == tool.draw(keys, 60, 5)


@pytest.mark.parametrize(
    ("killed", "n", "low", "high"),
    [
        (10, 10, 0.7225, 1.0),  # Wilson (1927): 100% of 10 is not certainty
        (0, 10, 0.0, 0.2775),
        (33, 35, 0.8139, 0.9842),
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_the_interval_is_wilsons_at_95_percent(tool: ModuleType, killed: int, n: int, low: float, high: float) -> None:
    found = tool.wilson(killed, n)

    assert found == (pytest.approx(low, abs=5e-4), pytest.approx(high, abs=5e-4))


def test_no_mutant_has_no_interval_and_the_score_says_so(tool: ModuleType) -> None:
    assert tool.wilson(0, 0) is None
    assert tool.score(0, 0) == "- | -"
    assert tool.score(33, 35) == "94% | 81-98%"


def test_a_row_names_its_seed_commit_sample_and_interval(tool: ModuleType) -> None:
    m = tool.Measured(
        tests=("t.py",),
        seed=77,
        commit="abc123",
        total=330,
        chosen=60,
        run=58,
        killed=50,
        annotations=30,
        survivors=["- a", "- b"],
        equivalent=["- c: why"] * 6,
    )

    assert m.real == 52
    assert tool.row("x.py", m) == (
        "| `x.py` | 77 (abc123) | 58 of a sample of 60 (of 300) (budget: 2 not run) | 50 | 2 | 36 (30 + 6) "
        "| 96% | 87-99% |"
    )


def test_the_scratch_copy_holds_what_the_tests_read_and_no_hypothesis_database(
    tool: ModuleType, tmp_path: Path
) -> None:
    root, scratch = tmp_path / "root", tmp_path / "scratch"
    for name in ("lambda_src", "constructs_lib", "tests"):
        (root / name / "__pycache__").mkdir(parents=True)
        (root / name / "m.py").write_text("x = 1\n")
    (root / "tests" / ".hypothesis" / "examples").mkdir(parents=True)
    (root / ".hypothesis" / "examples").mkdir(parents=True)
    for name in ("pyproject.toml", "app.py", "cdk.json"):
        (root / name).write_text("{}\n")
    scratch.mkdir()

    tool.prepare_scratch(root, scratch)

    assert (scratch / "app.py").exists() and (scratch / "cdk.json").exists() and (scratch / "tests" / "m.py").exists()
    assert not list(scratch.rglob(".hypothesis")) and not list(scratch.rglob("__pycache__"))
    assert "database=None" in (scratch / f"{tool.PLUGIN}.py").read_text()
    assert f"-p {tool.PLUGIN} " in tool.test_command(("tests/x.py",))


def test_the_plugin_leaves_hypothesis_without_a_database(tool: ModuleType, tmp_path: Path) -> None:
    (tmp_path / f"{tool.PLUGIN}.py").write_text(tool.PLUGIN_SOURCE)
    code = f"import {tool.PLUGIN}\nfrom hypothesis import settings\nassert settings().database is None\n"
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)


def test_every_test_file_a_module_names_exists_and_mutation_stays_out_of_make_test(tool: ModuleType) -> None:
    missing = [t for tests in tool.MODULES.values() for t in tests if not (ROOT / t).exists()]
    assert missing == []
    for module in tool.MODULES:
        assert (ROOT / module).exists(), module
    lines = (ROOT / "Makefile").read_text().splitlines()
    runs = [i for i, line in enumerate(lines) if "tools/mutation.py" in line and line.startswith("\t")]
    assert runs and all(lines[i - 1].startswith("mutation:") for i in runs)  # only `make mutation` runs it
    assert not any(line.startswith(("test:", "unit:")) and "mutation" in line for line in lines)

"""The benchmark's code-asset size (no timing): the staged runtime zipped, by package, the bundled model apart.

Prints the sizes (``pytest -s``); the targets (issue 7's 200 KB, issue 11's "no worse than before") are the
report's rows (benchmarks/report.py), not asserted here.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import coldstart  # noqa: E402
import report  # noqa: E402

MODEL_PART = "_runtime/customization_job/data"


def test_the_bundled_model_is_a_part_of_its_own_beside_each_package(tmp_path: Path) -> None:
    src = coldstart.copy_asset(tmp_path)

    size = coldstart.asset_size(src)

    parts = size["asset_parts"]
    print(f"\ncode asset: {size['asset']['zip_bytes'] / 1024:.1f} KiB zipped{report._asset_parts_text(size)}")
    assert parts[MODEL_PART] == coldstart.zipped_size(src / MODEL_PART)["zip_bytes"]
    whole_job = coldstart.zipped_size(src / "_runtime" / "customization_job")["zip_bytes"]
    assert parts["_runtime/customization_job"] < whole_job < parts["_runtime/customization_job"] + parts[MODEL_PART]
    packages = {p.relative_to(src).as_posix() for p in (src / "_runtime").iterdir() if p.is_dir()}
    assert set(parts) == packages | {MODEL_PART}
    assert f"{MODEL_PART} {parts[MODEL_PART] / 1024:.1f} KiB" in report._asset_parts_text(size)

"""Writes the Bedrock service model the runtime bundles: the operations it calls, from the installed botocore.

Why the runtime bundles a model at all: Lambda's python3.13 runtime ships its own, older botocore, whose
Bedrock model lacks newer request fields and operations (``rftConfig``, custom model deployments ...) and so
refuses them client-side; ``lambda_src/customization_job/service_model.py`` puts the bundle first on
``AWS_DATA_PATH``. The whole model (every operation, with its documentation) was 96.5 KiB gzipped, half the
code asset; the runtime needs only the operations it calls.

What is kept, from the installed botocore's ``bedrock`` model (never retyped):

- the operations the runtime calls, found in ``lambda_src/`` by ``called_operations`` (an AST walk: method
  names, operation-name strings and ``getattr(client, f"get_{kind.api}")`` stems completed with the string
  constants of the code), and every shape their inputs, outputs and errors reach;
- every exception shape, so ``client.exceptions`` is the same as with the full model;
- ``version``, ``metadata`` and each kept operation's and shape's fields as they are, less ``documentation``
  (text only botocore's docstrings read).

The endpoint rule set is botocore's, whole (0.7 KiB as compact JSON), so the rules always match the bundled
model. Paginators and waiters are not bundled: the runtime uses none, and botocore loads them from its own data
only when ``get_paginator``/``get_waiter`` is called (one of an operation left out fails then).

``python tools/bundle_service_model.py`` rewrites the bundle (run it after upgrading botocore, or after the
runtime starts calling another operation: tests/lambda/test_service_model.py fails until then); ``--check``
exits 1 when the checked-in bundle differs from what it would write.
"""

from __future__ import annotations

import ast
import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_SRC = ROOT / "lambda_src"
SERVICE = "bedrock"
DATA = LAMBDA_SRC / "customization_job" / "data"
DROPPED_KEYS = frozenset({"documentation"})


def _installed_model(kind: str) -> tuple[str, dict[str, Any]]:
    """(api version, model) of ``kind`` (``service-2``, ``endpoint-rule-set-1``) from botocore's own data only."""
    from botocore.loaders import Loader

    loader = Loader(extra_search_paths=[], include_default_search_paths=True)
    loader.search_paths[:] = [loader.BUILTIN_DATA_PATH]  # never the bundle itself (AWS_DATA_PATH)
    version = loader.determine_latest_version(SERVICE, "service-2")
    model: dict[str, Any] = loader.load_service_model(SERVICE, kind, version)
    return version, model


def _strings_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _stems_in(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(prefix, suffix) of f-strings with one placeholder: ``f"get_{kind.api}"`` gives ("get_", "")."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            holes = [p for p in parts if isinstance(p, ast.FormattedValue)]
            if len(holes) != 1:
                continue
            at = parts.index(holes[0])
            text = [p.value if isinstance(p, ast.Constant) and isinstance(p.value, str) else "" for p in parts]
            yield "".join(text[:at]), "".join(text[at + 1 :])


def called_operations(operations: Iterable[str], source: Path = LAMBDA_SRC) -> set[str]:
    """The operations of ``operations`` (API names) whose client method or name the code under ``source`` uses.

    An over-approximation by design: a method name read anywhere (``client.get_custom_model``), an operation's
    name as a string (``"CreateCustomModelDeployment"``), or an f-string stem completed by any string constant
    of the code (``f"get_{kind.api}"`` with ``api="custom_model_deployment"``) counts as a call.
    """
    from botocore import xform_name

    by_method = {xform_name(name): name for name in operations}
    names = set(operations)
    strings: set[str] = set()
    stems: set[tuple[str, str]] = set()
    for path in sorted(source.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        strings.update(_strings_in(tree))
        stems.update(_stems_in(tree))
    completed = {prefix + s + suffix for prefix, suffix in stems for s in strings}
    found = {by_method[s] for s in strings | completed if s in by_method}
    return found | (strings & names)


def _references(shape: dict[str, Any]) -> Iterator[str]:
    for key in ("member", "key", "value"):
        if key in shape:
            yield shape[key]["shape"]
    for member in shape.get("members", {}).values():
        yield member["shape"]


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in DROPPED_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def trimmed(model: dict[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """``model`` with only ``operations``, the shapes they reach and every exception shape, without documentation."""
    kept_operations = {name: model["operations"][name] for name in model["operations"] if name in set(operations)}
    shapes: dict[str, Any] = model["shapes"]
    pending = [name for name, shape in shapes.items() if shape.get("exception")]
    for operation in kept_operations.values():
        pending += [operation[key]["shape"] for key in ("input", "output") if key in operation]
        pending += [error["shape"] for error in operation.get("errors", [])]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(_references(shapes[name]))
    return _strip(
        {
            **{k: v for k, v in model.items() if k not in ("operations", "shapes")},
            "operations": kept_operations,
            "shapes": {name: shape for name, shape in shapes.items() if name in reached},
        }
    )


def gzipped_json(model: dict[str, Any]) -> bytes:
    """Deterministic bytes (no timestamp, no file name in the header), so the asset's hash changes only with them."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as f:
        f.write(json.dumps(model, separators=(",", ":")).encode())
    return buffer.getvalue()


def bundle() -> dict[str, bytes]:
    """Relative path (under ``DATA``) -> bytes of every file of the bundle."""
    version, model = _installed_model("service-2")
    _, rules = _installed_model("endpoint-rule-set-1")
    folder = f"{SERVICE}/{version}"
    return {
        f"{folder}/service-2.json.gz": gzipped_json(trimmed(model, called_operations(model["operations"]))),
        f"{folder}/endpoint-rule-set-1.json.gz": gzipped_json(rules),
    }


def checked_in() -> dict[str, bytes]:
    return {p.relative_to(DATA).as_posix(): p.read_bytes() for p in sorted(DATA.rglob("*")) if p.is_file()}


def main(argv: list[str]) -> int:
    wanted = bundle()
    if "--check" in argv:
        stale = sorted(set(wanted.items()) ^ set(checked_in().items()))
        for path, _ in stale:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path in checked_in():
        (DATA / path).unlink()
    for path, data in wanted.items():
        (DATA / path).parent.mkdir(parents=True, exist_ok=True)
        (DATA / path).write_bytes(data)
        print(f"{DATA.relative_to(ROOT) / path}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

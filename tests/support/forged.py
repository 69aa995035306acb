"""What both handlers' forged-event tests share: nested values, the structured ``fail`` lines, a named refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from lambda_src.customization_job.errors import HandlerError


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def fail_lines(out: str) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, filter(str.strip, out.splitlines())) if line.get("action") == "fail"]


def refused(run: Callable[[Any], Any], event: Any, out: pytest.CaptureFixture[str]) -> str:
    """A HandlerError with a reason, after exactly one ``fail`` line holding that reason."""
    out.readouterr()
    with pytest.raises(HandlerError) as failure:
        run(event)
    reason = str(failure.value)
    (line,) = fail_lines(out.readouterr().out)
    assert line["outcome"] == "failed" and line["reason"] == reason
    return reason

"""Small records for the rule tests: each test breaks one documented rule and checks the finding it gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from constructs_lib.rules import datasets
from constructs_lib.rules.catalogue import SOURCES
from constructs_lib.rules.datasets import DatasetRole, Report, Severity

NOVA_MICRO = "amazon.nova-micro-v1:0:128k"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
NOVA_PRO = "amazon.nova-pro-v1:0"
NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
NOVA_CANVAS = "amazon.nova-canvas-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TITAN = "amazon.titan-text-express-v1:0:8k"
TITAN_IMAGE = "amazon.titan-image-generator-v1:0"
TITAN_EMBED = "amazon.titan-embed-image-v1:0"
LLAMA_31 = "meta.llama3-1-8b-instruct-v1:0:128k"
LLAMA_405B = "meta.llama3-1-405b-instruct-v1:0"
LLAMA_32_1B = "meta.llama3-2-1b-instruct-v1:0:128k"
LLAMA_32_11B = "meta.llama3-2-11b-instruct-v1:0:128k"
GPT_OSS = "openai.gpt-oss-20b-1:0"

ERR = Severity.ERROR
WARN = Severity.WARNING


def text(value: str) -> dict[str, Any]:
    return {"text": value}


def image(fmt: str = "png", uri: str = "s3://bucket/images/a.png") -> dict[str, Any]:
    return {"image": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def video(fmt: str = "mp4", uri: str = "s3://bucket/videos/a.mp4") -> dict[str, Any]:
    return {"video": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def reasoning(value: str) -> dict[str, Any]:
    return {"reasoningContent": {"reasoningText": {"text": value}}}


def turn(role: str, *blocks: Any) -> dict[str, Any]:
    return {"role": role, "content": [text(b) if isinstance(b, str) else b for b in blocks]}


def converse(
    *turns: dict[str, Any], system: Any = None, schema: Any = "bedrock-conversation-2024", **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if schema is not None:
        record["schemaVersion"] = schema
    if system is not None:
        record["system"] = (
            [text(s) if isinstance(s, str) else s for s in system] if isinstance(system, list) else system
        )
    record["messages"] = list(turns)
    return {**record, **extra}


ASK = turn("user", "My Wi-Fi drops every evening.")
ANSWER = turn("assistant", "Turn on Smart Channel in the app.")
GOOD = converse(ASK, ANSWER)


def write(tmp_path: Path, records: list[Any], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def check(
    tmp_path: Path,
    records: list[Any],
    model: str | None,
    kind: str = "FINE_TUNING",
    role: DatasetRole = DatasetRole.TRAINING,
    teacher: str | None = None,
) -> Report:
    report = datasets.check_file(
        write(tmp_path, records),
        customization_type=kind,
        model_id=model,
        role=role,
        teacher_model_id=teacher,
        max_findings=1000,
    )
    unknown = {f.source for f in report.findings} - set(SOURCES)
    assert not unknown, f"findings cite sources the README's table does not explain: {unknown}"
    return report


Key = tuple[Severity, "int | None", "str | None", str]


def keys(report: Report) -> set[Key]:
    """(severity, line, field, source) of each finding."""
    return {(f.severity, f.line, f.field, f.source) for f in report.findings}


def record_keys(report: Report) -> set[Key]:
    """The findings about records (file-level counts left out)."""
    return {key for key in keys(report) if key[1] is not None}

"""The checks stream: memory does not grow with the file, progress is reported, and the fast path agrees
with the detailed checkers on every record it accepts."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from constructs_lib.rules import datasets
from constructs_lib.rules.datasets import DataFormat, Severity

LINE = (
    json.dumps(
        {
            "schemaVersion": "bedrock-conversation-2024",
            "system": [{"text": "You are the support assistant of Northwind Networks."}],
            "messages": [
                {"role": "user", "content": [{"text": "My router blinks amber. " * 8}]},
                {"role": "assistant", "content": [{"text": "Restart the modem, then the router. " * 12}]},
            ],
        }
    )
    + "\n"
).encode()


def _file(path: Path, megabytes: float) -> Path:
    count = int(megabytes * 1_000_000 / len(LINE)) + 1
    with path.open("wb") as handle:
        for _ in range(count):
            handle.write(LINE)
    return path


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        report = datasets.check_file(path, model_id="amazon.nova-micro-v1:0:128k")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok and report.findings == []
    return peak


def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = _peak(_file(tmp_path / "small.jsonl", 1))
    large = _peak(_file(tmp_path / "large.jsonl", 10))
    assert large < 1.5 * small + 16 * 1024, (small, large)
    assert large < 1024 * 1024


def test_progress_is_reported_per_mebibyte_and_at_the_end(tmp_path: Path) -> None:
    path = _file(tmp_path / "data.jsonl", 3)
    seen: list[int] = []
    datasets.check_file(path, model_id="amazon.nova-micro-v1:0:128k", progress=seen.append)
    assert seen == sorted(seen) and len(seen) >= 3
    assert seen[-1] == path.stat().st_size


# ---- the fast path never accepts what the detailed checker would report ---------------------------

_texts = st.sampled_from(["Hi", "", "  ", "How do I reset it?", 7, None])
_roles = st.sampled_from(["user", "assistant", "assistant", "user", "bot"])
_blocks = st.one_of(
    st.fixed_dictionaries({"text": _texts}),
    st.fixed_dictionaries({"text": _texts}, optional={"cachePoint": st.just({})}),
    st.sampled_from([{}, "Hi", {"image": {"source": {"s3Location": {"uri": "s3://b/k.png"}}}}, {"video": 1}]),
)


@st.composite
def _converse_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    schema = draw(st.sampled_from(["bedrock-conversation-2024", "bedrock-conversation-2024", "v1", None, 3]))
    if schema is not None:
        record["schemaVersion"] = schema
    if draw(st.booleans()):
        record["system"] = draw(st.one_of(st.lists(_blocks, max_size=2), _texts))
    messages = []
    for _ in range(draw(st.integers(0, 4))):
        message: dict[str, Any] = {"role": draw(_roles)}
        if draw(st.integers(0, 9)):
            blocks = draw(st.lists(_blocks, max_size=2))
            message["content"] = draw(st.sampled_from([blocks, "plain"])) if draw(st.integers(0, 5)) == 0 else blocks
        if draw(st.integers(0, 9)) == 0:
            message["extra"] = 1
        messages.append(message)
    if draw(st.integers(0, 9)):
        record["messages"] = messages
    if draw(st.integers(0, 9)) == 0:
        record["id"] = "x"
    return record


@st.composite
def _claude_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if draw(st.booleans()):
        record["system"] = draw(_texts)
    messages = []
    for _ in range(draw(st.integers(0, 4))):
        message: dict[str, Any] = {"role": draw(_roles), "content": draw(_texts)}
        if draw(st.integers(0, 9)) == 0:
            message["name"] = "x"
        messages.append(message)
    record["messages"] = messages
    return record


def _agree(fmt: DataFormat, record: dict[str, Any], reply_required: bool) -> None:
    found: list[tuple[Severity, str | None, str]] = []
    chars = datasets.CHECKERS[fmt](
        record, 1, lambda sev, line, field, msg: found.append((sev, field, msg)), reply_required
    )
    fast = datasets.FAST[fmt](record, reply_required)
    if fast >= 0:
        assert found == [] and fast == chars, (record, found)
    elif "s3Location" not in json.dumps(record):  # valid media blocks take the detailed path by design
        assert found, f"the fast path refused a record the checker accepts: {record}"


@settings(max_examples=1000, deadline=None)
@given(_converse_records(), st.booleans())
def test_converse_fast_path_agrees_with_the_checker(record: dict[str, Any], reply_required: bool) -> None:
    _agree(DataFormat.CONVERSE, record, reply_required)


@settings(max_examples=300, deadline=None)
@given(_claude_records())
def test_claude_fast_path_agrees_with_the_checker(record: dict[str, Any]) -> None:
    _agree(DataFormat.CLAUDE, record, True)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["prompt", "completion", "input", "label"]), _texts, max_size=3),
    st.sampled_from([DataFormat.PROMPT_COMPLETION, DataFormat.PRETRAINING]),
)
def test_flat_fast_paths_agree_with_the_checkers(record: dict[str, Any], fmt: DataFormat) -> None:
    _agree(fmt, record, True)


# ---- ... and under each model's rules (the catalogue's), with reserved words in the texts -----------------------

_RULES = [
    ("FINE_TUNING", "amazon.nova-micro-v1:0:128k", None),
    ("FINE_TUNING", "amazon.nova-2-lite-v1:0:256k", None),
    ("FINE_TUNING", "meta.llama3-2-1b-instruct-v1:0", None),
    ("DISTILLATION", "amazon.nova-micro-v1:0:128k", "amazon.nova-pro-v1:0"),
    ("DISTILLATION", "meta.llama3-1-8b-instruct-v1:0", None),
    ("DISTILLATION", "amazon.nova-micro-v1:0:128k", None),
]


def _agree_under(fmt: DataFormat, record: dict[str, Any], case: tuple[str, str, str | None]) -> None:
    kind, model, teacher = case
    checker = datasets.FORMATS[fmt](datasets.expectation(kind, model, teacher_model_id=teacher))
    found: list[tuple[Any, ...]] = []
    chars = checker.check(record, 1, lambda *finding: found.append(finding))
    fresh = datasets.FORMATS[fmt](datasets.expectation(kind, model, teacher_model_id=teacher))
    fast = fresh.fast(record)
    if fast >= 0:
        closer: list[tuple[Any, ...]] = []
        if fresh.suspect:
            fresh.on_trigger(record, 1, lambda *finding: closer.append(finding))
        assert found == closer and fast == chars, (record, found, closer)
    elif "s3Location" not in json.dumps(record):
        assert found, f"the fast path refused a record the checker accepts under {case}: {record}"


_worded = st.sampled_from(["Hi", "", "User: hi", "use <image> here", "[EOS]", "10:30", "bot: x", "How?"])
_worded_blocks = st.one_of(st.fixed_dictionaries({"text": _worded}), st.sampled_from([{"text": 7}, {}]))


@st.composite
def _worded_converse(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(_converse_records())
    if draw(st.booleans()):
        record["system"] = draw(st.lists(st.fixed_dictionaries({"text": _worded}), max_size=2))
    for message in record.get("messages") or []:
        if isinstance(message, dict) and draw(st.booleans()):
            message["content"] = draw(st.lists(_worded_blocks, min_size=1, max_size=2))
    return record


@settings(max_examples=1500, deadline=None)
@given(_worded_converse(), st.sampled_from(_RULES))
@example(  # issue 23: the full check reads a null system prompt as none; the fast path declined it
    {
        "schemaVersion": "bedrock-conversation-2024",
        "system": None,
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello"}]},
        ],
    },
    _RULES[0],
)
def test_converse_fast_path_agrees_under_each_models_rules(record: dict[str, Any], case: Any) -> None:
    _agree_under(DataFormat.CONVERSE, record, case)


@settings(max_examples=300, deadline=None)
@given(_claude_records(), st.sampled_from(["Hi\nHuman: x", "Hello", "a\nAssistant: b"]))
def test_claude_fast_path_agrees_with_reserved_words(record: dict[str, Any], word: str) -> None:
    if record["messages"] and isinstance(record["messages"][0], dict):
        record["messages"][0]["content"] = word
    _agree_under(DataFormat.CLAUDE, record, ("FINE_TUNING", "anthropic.claude-3-haiku-20240307-v1:0:200k", None))


_rft_messages = st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool"]), "content": _texts}),
    max_size=3,
)


@settings(max_examples=500, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "messages": _rft_messages,
            "reference_answer": st.sampled_from(["4", "", {"a": 1}, {}, 3]),
            "ground_truth": st.just("4"),
        },
    )
)
def test_rft_fast_path_agrees_with_the_checker(record: dict[str, Any]) -> None:
    _agree_under(DataFormat.RFT_CHAT, record, ("REINFORCEMENT_FINE_TUNING", "amazon.nova-2-lite-v1:0:256k", None))

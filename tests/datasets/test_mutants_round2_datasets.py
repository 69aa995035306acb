"""Issue 23: dataset behaviours the second mutation sample showed no test pinned.

Each test goes through the public check (``check_file``), which takes a record's fast path first and the full
check when the fast path declines, so a fast path that crashes or accepts too much fails here.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import datasets
from constructs_lib.rules.catalogue import DataFormat

from .records import ANSWER, ASK, ERR, HAIKU, NOVA_2_LITE, NOVA_MICRO, WARN, check, converse

RFT = "REINFORCEMENT_FINE_TUNING"


def line_one(tmp_path: Path, records: list[Any], model: str, kind: str = "FINE_TUNING") -> set[tuple[Any, ...]]:
    report = check(tmp_path, records, model, kind)
    return {(f.severity, f.field, f.message) for f in report.findings if f.line == 1}


# --- Claude 3 Haiku: a content block that is not {"type": "text"} ---------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        {"type": "video"},
        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {}},
        {"type": 7},
        {"type": "image", "text": "x"},
    ],
)
def test_a_claude_block_that_is_not_a_text_block_is_an_error_naming_it(tmp_path: Path, block: Any) -> None:
    record = {"messages": [{"role": "user", "content": [block]}, {"role": "assistant", "content": "a"}]}

    found = line_one(tmp_path, [record] * 32, HAIKU)

    assert found == {(ERR, "messages[0].content[0]", 'must be {"type": "text", "text": str}.')}


def test_a_claude_text_block_after_a_bad_one_is_still_counted(tmp_path: Path) -> None:
    good = {"type": "text", "text": "q" * 600}
    record = {
        "messages": [{"role": "user", "content": [{"type": "video"}, good]}, {"role": "assistant", "content": "a"}]
    }

    report = check(tmp_path, [record] * 32, HAIKU)

    assert report.longest_record_tokens == 101  # 601 characters at ~6 per token, rounded up


# --- Converse: the system prompt's blocks ----------------------------------------------------------------------


@pytest.mark.parametrize(("block", "got"), [(7, "a number"), (None, "null"), ([], "an array")])
def test_a_converse_system_block_that_is_not_an_object_is_an_error(tmp_path: Path, block: Any, got: str) -> None:
    record = converse(ASK, ANSWER, system=[block])

    found = line_one(tmp_path, [record] * 8, NOVA_MICRO)

    assert (ERR, "system[0]", f'must be an object {{"text": str}}, got {got}.') in found
    checker = datasets.FORMATS[DataFormat.CONVERSE](datasets.expectation("FINE_TUNING", NOVA_MICRO))
    assert checker.fast(record) == -1


@pytest.mark.parametrize("system", [[{"text": 7}], [{"text": " "}], [{"text": "a", "x": 1}], [{}]])
def test_the_converse_fast_path_declines_a_malformed_system_text(system: Any) -> None:
    record = converse(ASK, ANSWER, system=system)
    checker = datasets.FORMATS[DataFormat.CONVERSE](datasets.expectation("FINE_TUNING", NOVA_MICRO))

    assert checker.fast(record) == -1
    found: list[Any] = []
    checker.check(record, 1, lambda *finding: found.append(finding))
    assert found


def test_a_null_converse_system_prompt_is_read_as_none_on_both_paths(tmp_path: Path) -> None:
    """The full check reads ``"system": null`` as no system prompt; the fast path now agrees (issue 23's flake)."""
    record = {**converse(ASK, ANSWER), "system": None}
    checker = datasets.FORMATS[DataFormat.CONVERSE](datasets.expectation("FINE_TUNING", NOVA_MICRO))
    found: list[Any] = []

    chars = checker.check(record, 1, lambda *finding: found.append(finding))

    assert found == [] and checker.fast(record) == chars == len("My Wi-Fi drops every evening.") + len(
        "Turn on Smart Channel in the app."
    )


def test_converse_system_texts_count_toward_a_records_length(tmp_path: Path) -> None:
    record = converse(ASK, ANSWER, system=["s" * 6000, "t" * 6000])

    report = check(tmp_path, [record] * 8, "amazon.nova-lite-v1:0:300k")

    assert report.longest_record_tokens > 12_000 // 6


# --- reinforcement fine-tuning records -------------------------------------------------------------------------


def rft(content: Any, answer: Any = "4") -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": content}], "reference_answer": answer}


def test_rft_content_given_as_parts_counts_toward_the_longest_record_like_a_string(tmp_path: Path) -> None:
    text = "x" * 3000
    as_string = check(tmp_path, [rft(text)] * 100, NOVA_2_LITE, RFT)
    as_parts = check(
        tmp_path,
        [rft([{"type": "text", "text": text[:1000]}, {"type": "text", "text": text[1000:]}])] * 100,
        NOVA_2_LITE,
        RFT,
    )

    assert as_string.longest_record_tokens == as_parts.longest_record_tokens == 500
    assert [f.field for f in as_parts.findings if f.line == 1] == ["messages[0].content"]  # the parts advisory


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "text", "text": 7}, "must be a string, got a number."),
        ({"type": "text", "text": None}, "must be a string, got null."),
        ({"type": "text"}, "is missing."),
    ],
)
def test_an_rft_part_whose_text_is_not_a_string_is_an_error_not_a_crash(
    tmp_path: Path, part: Any, message: str
) -> None:
    found = line_one(tmp_path, [rft([{"type": "text", "text": "2+2?"}, part])] * 100, NOVA_2_LITE, RFT)

    assert (ERR, "messages[0].content[1].text", message) in found


@pytest.mark.parametrize("answer", ["4", {"compliant": "No"}, 4, 0, 2.5, True, False, ["4", "four"]])
def test_an_rft_reference_answer_may_be_any_non_empty_value(tmp_path: Path, answer: Any) -> None:
    """rft-open-weight: reference_answer "is not limited to structured outputs—it can contain any format"."""
    record = json.loads(json.dumps(rft("2+2?", answer)))

    assert line_one(tmp_path, [record] * 100, NOVA_2_LITE, RFT) == set()


@pytest.mark.parametrize("answer", [None, "", "  ", {}, []])
def test_an_empty_rft_reference_answer_is_a_warning(tmp_path: Path, answer: Any) -> None:
    found = line_one(tmp_path, [rft("2+2?", answer)] * 100, NOVA_2_LITE, RFT)

    assert found == {(WARN, "reference_answer", "is null or empty; the grader has nothing to score against.")}


# --- survivors of the fresh sample (seed 4210496125) -----------------------------------------------------------


def test_an_extra_key_in_a_continued_pre_training_record_is_a_warning_not_an_error(tmp_path: Path) -> None:
    found = line_one(
        tmp_path, [{"input": "hello", "extra": 1}], "amazon.titan-text-express-v1:0:8k", "CONTINUED_PRE_TRAINING"
    )

    assert found == {(WARN, "extra", "is not a field of the continued pre-training format (fields: input).")}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"reference_answer": "4"}, "is missing; an RFT record gives its prompt as chat messages."),
        (
            {"messages": [], "reference_answer": "4"},
            "must be a non-empty array, got an array; an RFT record gives its prompt as chat messages.",
        ),
        (
            {"messages": "2+2?", "reference_answer": "4"},
            "must be a non-empty array, got a string; an RFT record gives its prompt as chat messages.",
        ),
    ],
)
def test_rft_messages_missing_or_not_an_array_say_which(tmp_path: Path, record: Any, message: str) -> None:
    assert line_one(tmp_path, [record], NOVA_2_LITE, RFT) == {(ERR, "messages", message)}


def test_a_too_long_records_tokens_are_rounded_up_from_an_exact_multiple_too(tmp_path: Path) -> None:
    record = {"messages": [{"role": "user", "content": "q" * 96_002}, {"role": "assistant", "content": "a"}]}

    (warning,) = [f for f in check(tmp_path, [record] * 32, HAIKU).findings if f.line == 1]

    assert warning.message.startswith("record is about 32,001 tokens (96,003 characters at ~3 per token)")


def test_a_carriage_return_inside_a_string_reads_as_a_line_that_breaks_off(tmp_path: Path) -> None:
    found = line_one(tmp_path, ['{"a": "x\ry"}'], NOVA_MICRO)

    assert found == {
        (ERR, None, "is not valid JSON: the line breaks off at column 13 (invalid control character); is it truncated?")
    }


def test_progress_is_reported_about_once_per_mib_read_and_at_the_end(tmp_path: Path) -> None:
    line = json.dumps({"input": "x" * (100 * 1024)})
    path = tmp_path / "big.jsonl"
    path.write_text((line + "\n") * 35)  # about 3.4 MiB
    seen: list[int] = []

    datasets.check_file(path, model_id="amazon.titan-text-express-v1:0:8k", progress=seen.append)

    step = 1024 * 1024
    assert seen[-1] == path.stat().st_size and len(seen) == 4
    assert all(later - earlier >= step for earlier, later in itertools.pairwise(seen[:-1]))


def test_reasoning_content_the_catalogue_cannot_confirm_adds_nothing_to_a_records_length(tmp_path: Path) -> None:
    model = "meta.llama3-2-1b-instruct-v1:0:128k"
    think = {"reasoningContent": {"reasoningText": {"text": "think"}}}
    for chars in range(1, 14):
        plain = converse(ASK, {"role": "assistant", "content": [{"text": "a" * chars}]})
        reasoned = converse(ASK, {"role": "assistant", "content": [think, {"text": "a" * chars}]})
        assert (
            check(tmp_path, [reasoned], model).longest_record_tokens
            == check(tmp_path, [plain], model).longest_record_tokens
        ), chars


# --- survivors of the second fresh sample (seed 652470421) -----------------------------------------------------


def test_a_byte_order_mark_is_named_as_such_on_the_first_line_only(tmp_path: Path) -> None:
    good = json.dumps(converse(ASK, ANSWER)).encode()
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + b"\xef\xbb\xbf" + good + b"\n")

    report = datasets.check_file(path, model_id=NOVA_MICRO)

    assert [(f.line, f.message) for f in report.findings if f.line] == [
        (1, "starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM."),
        (2, "is not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1."),
    ]

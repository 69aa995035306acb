"""A broken variant for every rule of distillation, RFT, Claude 3 Haiku, Titan, Llama and image/caption
models, and for truncated JSON lines: each finding names the line, the field and the rule's source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from constructs_lib.rules.datasets import DatasetRole

from .records import (
    ANSWER,
    ASK,
    ERR,
    GOOD,
    GPT_OSS,
    HAIKU,
    LLAMA_31,
    LLAMA_32_1B,
    LLAMA_32_11B,
    LLAMA_405B,
    NOVA_2_LITE,
    NOVA_MICRO,
    NOVA_PRO,
    SONNET,
    TITAN,
    TITAN_EMBED,
    TITAN_IMAGE,
    WARN,
    check,
    converse,
    image,
    keys,
    record_keys,
    turn,
)

PROMPT = converse(ASK)
FOLLOW_UP = converse(ASK, ANSWER, turn("user", "And in the morning?"))

# ---- distillation (distill-prompts, distill-validator) ------------------------------------------------------


@pytest.mark.parametrize(
    ("student", "teacher"),
    [(LLAMA_31, LLAMA_405B), (NOVA_MICRO, SONNET), (HAIKU, SONNET), (LLAMA_31, "us." + LLAMA_405B)],
)
def test_anthropic_and_meta_distillation_takes_single_turn_prompts(tmp_path: Path, student: str, teacher: str) -> None:
    report = check(tmp_path, [PROMPT, GOOD, FOLLOW_UP], student, "DISTILLATION", teacher=teacher)
    assert record_keys(report) == {(ERR, 3, "messages", "distill-prompts")}


def test_nova_distillation_takes_turns_and_an_unknown_teacher_is_a_warning(tmp_path: Path) -> None:
    assert record_keys(check(tmp_path, [FOLLOW_UP], NOVA_MICRO, "DISTILLATION", teacher=NOVA_PRO)) == set()
    unknown = check(tmp_path, [FOLLOW_UP], NOVA_MICRO, "DISTILLATION")
    assert record_keys(unknown) == {(WARN, 1, "messages", "distill-prompts")}


def test_distillation_prompts_follow_the_validators_schema(tmp_path: Path) -> None:
    records = [
        converse(ASK, schema="bedrock-conversion-2024"),
        converse(ASK, system=["One.", "Two."]),
        converse(turn("user", "Part one.", "Part two.")),
        converse(ASK, id="p-1"),
        converse(turn("user", "What is this?", image())),
        PROMPT,
    ]
    report = check(tmp_path, records, NOVA_MICRO, "DISTILLATION", teacher=NOVA_PRO)
    assert record_keys(report) == {
        (ERR, 1, "schemaVersion", "distill-prompts"),
        (ERR, 2, "system", "distill-validator"),
        (ERR, 3, "messages[0].content", "distill-validator"),
        (ERR, 4, "id", "distill-validator"),
        (ERR, 5, "messages[0].content", "distill-validator"),
        (ERR, 5, "messages[0].content[1].image", "distill-validator"),
    }
    assert (WARN, None, None, "distill-validator") in keys(report)  # at least 100 prompts


# ---- reinforcement fine-tuning (rft-nova, rft-open-weight, nova-validator) ------------------------------------


def rft(*messages: tuple[str, object], answer: object = "4", **extra: object) -> dict[str, object]:
    return {
        "messages": [{"role": role, "content": content} for role, content in messages],
        "reference_answer": answer,
        **extra,
    }


def test_rft_records_hold_chat_messages_with_a_user_prompt(tmp_path: Path) -> None:
    good = rft(("system", "You are a math tutor."), ("user", "2+2?"), ground_truth="4")
    records = [
        good,
        {"prompt": [{"role": "user", "content": "2+2?"}], "reference_answer": "4"},
        rft(("system", "Be brief.")),
        rft(("tool", "x"), ("user", "2+2?")),
        rft(("user", "  ")),
        {"messages": [{"role": "user", "content": "2+2?"}]},
        rft(("user", "2+2?"), ("system", "Be brief.")),
        rft(("user", [{"type": "text", "text": "2+2?"}])),
    ]
    report = check(tmp_path, records * 13, NOVA_2_LITE, "REINFORCEMENT_FINE_TUNING")
    assert {key for key in record_keys(report) if key[1] <= 8} == {
        (ERR, 2, "messages", "rft-nova"),
        (ERR, 3, "messages", "rft-nova"),
        (ERR, 4, "messages[0].role", "rft-nova"),
        (ERR, 5, "messages[0].content", "nova-validator"),
        (WARN, 6, "reference_answer", "rft-nova"),
        (WARN, 7, "messages[1].role", "nova-validator"),
        (WARN, 8, "messages[0].content", "rft-nova"),
    }


def test_rft_record_counts(tmp_path: Path) -> None:
    good = rft(("user", "2+2?"))
    assert keys(check(tmp_path, [good] * 99, NOVA_2_LITE, "REINFORCEMENT_FINE_TUNING")) == {
        (WARN, None, None, "rft-nova")
    }
    assert check(tmp_path, [good] * 100, GPT_OSS, "REINFORCEMENT_FINE_TUNING").findings == []
    over = check(tmp_path, [good] * 20_001, GPT_OSS, "REINFORCEMENT_FINE_TUNING")
    assert keys(over) == {(WARN, None, None, "rft-open-weight")}


# ---- Claude 3 Haiku (haiku-cookbook, haiku-validator) ---------------------------------------------------------


def claude(*contents: str, **extra: object) -> dict[str, object]:
    roles = ["user", "assistant"] * len(contents)
    return {**extra, "messages": [{"role": role, "content": c} for role, c in zip(roles, contents, strict=False)]}


def test_claude_haiku_training_limit_is_32000_tokens_not_the_inference_context(tmp_path: Path) -> None:
    over = claude("Summarize: " + "word " * 40_000, "Done.")  # 200,000+ characters: over 32,000 tokens at 6
    maybe = claude("Summarize: " + "word " * 25_000, "Done.")  # over at the validator's 3 per token only
    report = check(tmp_path, [over, maybe] + [claude("Hi", "Hello")] * 30, HAIKU)
    assert record_keys(report) == {(ERR, 1, None, "haiku-validator"), (WARN, 2, None, "haiku-validator")}
    assert "more than the 32,000 tokens Claude 3 Haiku takes per training record" in report.findings[0].message


def test_claude_haiku_reserved_words_and_extra_keys(tmp_path: Path) -> None:
    records = [claude("Hi\nHuman: and then?", "Hello"), claude("Hi", "Hello", id=3), claude("Hi", "Hello")]
    report = check(tmp_path, records * 11, HAIKU)
    assert {key for key in record_keys(report) if key[1] <= 3} == {
        (ERR, 1, "messages[0].content", "haiku-validator"),
        (ERR, 2, "id", "haiku-cookbook"),
    }


# ---- Titan Text (bedrock-limits, text-ft, jsonl) ----------------------------------------------------------------


def test_titan_records_stay_within_the_character_quota(tmp_path: Path) -> None:
    at_quota = {"prompt": "p" * 20_000, "completion": "c" * 4_576}
    over = {"prompt": "p" * 20_000, "completion": "c" * 4_577}
    report = check(tmp_path, [at_quota, over], TITAN)
    assert record_keys(report) == {(ERR, 2, None, "bedrock-limits")}
    cpt = check(tmp_path, [{"input": "x" * 24_577}], TITAN, "CONTINUED_PRE_TRAINING")
    assert record_keys(cpt) == {(ERR, 1, None, "bedrock-limits")}


def test_titan_text_takes_prompt_completion_only(tmp_path: Path) -> None:
    report = check(tmp_path, [GOOD], TITAN)
    assert record_keys(report) == {(ERR, 1, None, "text-ft")}
    assert "must be prompt/completion" in report.findings[0].message


# ---- Meta Llama (llama-validator) -------------------------------------------------------------------------------


def test_llama_3_1_takes_prompt_completion_and_3_2_the_converse_format(tmp_path: Path) -> None:
    assert record_keys(check(tmp_path, [GOOD], LLAMA_31)) == {(ERR, 1, None, "llama-validator")}
    assert record_keys(check(tmp_path, [{"prompt": "Hi", "completion": "Hello"}], LLAMA_32_1B)) == {
        (ERR, 1, None, "llama-validator")
    }


def test_llama_3_2_converse_rules(tmp_path: Path) -> None:
    records = [
        converse(ASK, ANSWER, schema="v1"),
        converse(ASK, ANSWER, system=["One.", "Two."]),
        converse(turn("user", "What is this?", image()), ANSWER),
        converse(ASK, ANSWER, schema=None, system=["Be brief."]),
    ]
    report = check(tmp_path, records, LLAMA_32_1B)
    assert record_keys(report) == {
        (ERR, 1, "schemaVersion", "llama-validator"),
        (ERR, 2, "system", "llama-validator"),
        (ERR, 3, "messages[0].content[1].image", "llama-validator"),
    }
    vision = [converse(turn("user", image("bmp")), ANSWER), converse(ASK, turn("assistant", image()))]
    assert record_keys(check(tmp_path, vision, LLAMA_32_11B)) == {
        (ERR, 1, "messages[0].content[0].image.format", "llama-validator"),
        (ERR, 2, "messages[1].content[0].image", "llama-validator"),
    }


def test_llama_input_length_is_a_warning(tmp_path: Path) -> None:
    long = {"prompt": "p" * 96_001, "completion": "c"}
    assert record_keys(check(tmp_path, [long], LLAMA_31)) == {(WARN, 1, None, "llama-validator")}


# ---- image/caption models (image-ft, bedrock-limits) ----------------------------------------------------------


def test_titan_image_models_caption_lengths_counts_and_no_validation_set(tmp_path: Path) -> None:
    ok = {"image-ref": "s3://bucket/a.png", "caption": "an orange cat"}
    short = {"image-ref": "s3://bucket/b.png", "caption": "ab"}
    long = {"image-ref": "s3://bucket/c.jpeg", "caption": "x" * 1_025}
    report = check(tmp_path, [ok, short, long] * 2, TITAN_IMAGE)
    assert record_keys(report) == {(WARN, n, "caption", "bedrock-limits") for n in (2, 3, 5, 6)}
    assert (WARN, None, None, "bedrock-limits") not in keys(report)  # 6 records >= 5
    assert keys(check(tmp_path, [ok] * 4, TITAN_IMAGE)) == {(WARN, None, None, "bedrock-limits")}
    validation = check(tmp_path, [ok] * 5, TITAN_IMAGE, role=DatasetRole.VALIDATION)
    assert keys(validation) == {(WARN, None, None, "image-ft")}
    assert keys(check(tmp_path, [ok] * 999, TITAN_EMBED)) == {(WARN, None, None, "bedrock-limits")}


# ---- JSON lines: a truncated line reports where it breaks ---------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        '{"prompt": "a", "completion": "bcdefgh',
        '{"prompt": "a", "completion": ',
        '{"prompt": "a", "comp',
        '{"prompt": "a", "completion": "b"',
    ],
)
def test_a_truncated_line_reports_the_column_where_it_breaks(tmp_path: Path, line: str) -> None:
    report = check(tmp_path, [{"prompt": "a", "completion": "b"}, line], TITAN)
    (finding,) = report.errors
    assert finding.line == 2
    assert f"breaks off at column {len(line) + 1}" in finding.message, finding.message
    assert finding.message.endswith("is it truncated?")


def test_a_control_character_inside_a_line_keeps_its_column(tmp_path: Path) -> None:
    line = '{"prompt": "a\tb", "completion": "c"}'
    report = check(tmp_path, [line], TITAN)
    assert [f.message for f in report.errors] == ["is not valid JSON: Invalid control character at column 14."]
    assert json.loads(json.dumps({"prompt": "a\tb"}))  # escaped, it is fine

"""Dataset checks at their exact bounds, pinned where the mutation run (issue 15, docs/mutation.md) found no
test: record counts and lengths one either side of each documented limit, the findings' bound and wording,
a base model given as an ARN, and the Claude fast path on a conversation that ends on the user's turn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import datasets
from constructs_lib.rules.datasets import DatasetRole, Severity, check_file, expectation
from constructs_lib.rules.datasets.report import Finding, Report

from .records import ANSWER, ASK, GOOD, HAIKU, NOVA_MICRO, TITAN, check, converse, turn, write

NOVA_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA_MICRO}"
HAIKU_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"


def messages(report: Report) -> list[str]:
    return [f.message for f in report.findings]


def claude(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {**extra, "messages": [{"role": role, "content": text} for role, text in turns]}


def claude_of_length(chars: int) -> dict[str, Any]:
    """A valid Claude 3 Haiku record whose texts hold ``chars`` characters in all."""
    return claude(("user", "q" * (chars - 1)), ("assistant", "a"))


# --- the model's family, whatever form the base model is given in ----------------------------------------------


@pytest.mark.parametrize(("model_id", "arn"), [(NOVA_MICRO, NOVA_ARN), (HAIKU, HAIKU_ARN)])
def test_a_base_model_given_as_an_arn_keeps_its_family_and_rules(model_id: str, arn: str) -> None:
    by_id, by_arn = expectation("FINE_TUNING", model_id), expectation("FINE_TUNING", arn)

    assert by_arn.family_name == by_id.family_name is not None
    assert by_arn.model_name == by_id.model_name is not None
    assert by_arn.spec == by_id.spec and by_arn.max_record_tokens == by_id.max_record_tokens
    assert [(r.chars, r.severity, r.tokens, r.source) for r in by_arn.length_rules] == [
        (r.chars, r.severity, r.tokens, r.source) for r in by_id.length_rules
    ]


def test_too_few_records_for_a_model_given_as_an_arn_names_its_family(tmp_path: Path) -> None:
    report = check(tmp_path, [GOOD] * 7, NOVA_ARN)

    assert "7 records: Amazon Nova takes at least 8 training records." in messages(report)


# --- record counts ------------------------------------------------------------------------------------------------


def test_nova_takes_8_to_20000_training_records(tmp_path: Path) -> None:
    assert check(tmp_path, [GOOD] * 8, NOVA_MICRO).findings == []
    (few,) = check(tmp_path, [GOOD] * 7, NOVA_MICRO).findings
    assert (few.severity, few.line, few.field, few.source) == (Severity.WARNING, None, None, "nova-validator")
    assert check(tmp_path, [GOOD] * 20000, NOVA_MICRO).findings == []
    (many,) = check(tmp_path, [GOOD] * 20001, NOVA_MICRO).findings
    assert many.message == "20,001 records: Amazon Nova takes at most 20,000 training records."


def test_claude_3_haiku_takes_at_most_1000_validation_records(tmp_path: Path) -> None:
    record = claude(("user", "q"), ("assistant", "a"))
    fits = check(tmp_path, [record] * 1000, HAIKU, role=DatasetRole.VALIDATION)
    assert fits.findings == []
    (many,) = check(tmp_path, [record] * 1001, HAIKU, role=DatasetRole.VALIDATION).findings
    assert many.message == "1,001 records: Claude 3 Haiku takes at most 1,000 validation records."
    assert many.source == "haiku-validator"


def test_claude_3_haiku_takes_at_least_32_training_records(tmp_path: Path) -> None:
    record = claude(("user", "q"), ("assistant", "a"))
    assert check(tmp_path, [record] * 32, HAIKU).findings == []
    assert messages(check(tmp_path, [record] * 31, HAIKU)) == [
        "31 records: Claude 3 Haiku takes at least 32 training records."
    ]


def test_a_file_without_records_is_an_error(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, []), model_id=NOVA_MICRO)

    assert not report.ok and report.records == 0
    assert messages(report) == ["holds no records; Bedrock needs at least one JSON object per line."]


def test_a_file_of_broken_lines_reports_them_not_that_it_is_empty(tmp_path: Path) -> None:
    report = check(tmp_path, ["{not json", "[1]"], NOVA_MICRO)

    assert report.error_count == 2 and report.records == 0
    assert all("holds no records" not in m for m in messages(report))


# --- record lengths -----------------------------------------------------------------------------------------------


def test_claude_3_haiku_record_lengths_at_each_rules_bound(tmp_path: Path) -> None:
    """32,000 tokens: a warning past 96,000 characters (~3 per token), an error past 192,000 (~6 per token)."""
    assert check(tmp_path, [claude_of_length(96_000)] * 32, HAIKU).findings == []

    (warning,) = check(tmp_path, [claude_of_length(96_001)] * 32, HAIKU).findings[:1]
    assert warning.severity is Severity.WARNING and warning.line == 1 and warning.source == "haiku-validator"
    assert warning.message == (
        "record is about 32,001 tokens (96,001 characters at ~3 per token), more than the 32,000 tokens "
        "Claude 3 Haiku takes per training record."
    )

    report = check(tmp_path, [claude_of_length(192_000)] * 32, HAIKU)
    assert report.ok and report.warning_count == 32
    report = check(tmp_path, [claude_of_length(192_001)] * 32, HAIKU)
    assert report.error_count == 32 and report.warning_count == 0
    assert report.errors[0].message == (
        "record is about 32,001 tokens (192,001 characters at ~6 per token), more than the 32,000 tokens "
        "Claude 3 Haiku takes per training record."
    )


def test_the_longest_record_is_reported_in_tokens_rounded_up(tmp_path: Path) -> None:
    records = [claude_of_length(12), claude_of_length(13), claude_of_length(7)] + [claude_of_length(2)] * 29
    report = check(tmp_path, records, HAIKU)

    assert report.longest_record_tokens == 3 and report.longest_record_line == 2


def test_a_titan_record_is_at_most_4096_tokens(tmp_path: Path) -> None:
    def pc(chars: int) -> dict[str, str]:
        return {"prompt": "p" * (chars - 1), "completion": "c"}

    assert check(tmp_path, [pc(24_576)], TITAN).findings == []
    (error,) = check(tmp_path, [pc(24_577)], TITAN).findings
    assert error.severity is Severity.ERROR and error.source == "bedrock-limits"
    assert "more than the 4,096 tokens Titan Text G1 Express takes per training record." in error.message


def test_a_nova_record_longer_than_the_context_is_a_warning_naming_the_model_id(tmp_path: Path) -> None:
    long = converse(turn("user", "q" * 768_000), ANSWER)

    (warning,) = [f for f in check(tmp_path, [long] + [GOOD] * 7, NOVA_MICRO).findings if f.line is not None]

    assert warning.severity is Severity.WARNING and warning.source == "text-ft"
    assert warning.message.endswith(f"more than the 128,000 tokens {NOVA_MICRO} takes.")


# --- the Claude fast path agrees with the full check ---------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        claude(("user", "q"), ("assistant", "a"), ("user", "and then?")),  # ends on the user's turn
        claude(("user", "q")),  # one message
        claude(("assistant", "a"), ("user", "q")),  # starts with the assistant
        claude(("user", "q"), ("user", "q2"), ("assistant", "a")),  # not alternating
        claude(("user", "q"), ("assistant", " ")),  # blank reply
        claude(("user", "q"), ("assistant", "a"), system=""),  # empty system prompt
        claude(("user", "q\n\nHuman: hi"), ("assistant", "a")),  # reserved keyword
        claude(("user", "q"), ("assistant", "a"), extra="x"),  # extraneous key
    ],
)
def test_the_claude_fast_path_declines_what_the_full_check_reports(tmp_path: Path, record: dict[str, Any]) -> None:
    alone = check(tmp_path, [record], HAIKU)
    after_good = check(tmp_path, [claude(("user", "q"), ("assistant", "a")), record], HAIKU)

    line_one = {(f.severity, f.field, f.message) for f in alone.findings if f.line == 1}
    line_two = {(f.severity, f.field, f.message) for f in after_good.findings if f.line == 2}
    assert line_one and line_one == line_two


def test_a_conversation_ending_on_the_users_turn_is_an_error(tmp_path: Path) -> None:
    record = claude(("user", "q"), ("assistant", "a"), ("user", "and then?"))

    report = check(tmp_path, [claude(("user", "q"), ("assistant", "a"))] * 31 + [record], HAIKU)

    assert [(f.line, f.field) for f in report.errors] == [(32, "messages[2].role")]
    assert "assistant" in report.errors[0].message


# --- findings and their bound --------------------------------------------------------------------------------------


def test_at_most_max_findings_of_each_severity_are_kept_and_the_rest_counted(tmp_path: Path) -> None:
    path = write(tmp_path, ["{broken"] * 5 + [json.dumps(converse(ASK, turn("assistant", " ")))] * 3)

    report = check_file(path, model_id=NOVA_MICRO, max_findings=2)

    assert (report.error_count, report.warning_count) == (5, 4)  # 3 empty replies and too few records
    assert (len(report.errors), len(report.warnings)) == (2, 2)
    assert (report.omitted_errors, report.omitted_warnings) == (3, 2)
    assert report.error_lines()[-1] == f"{path}: ... and 3 more errors"
    assert report.warning_lines()[-1] == f"{path}: ... and 2 more warnings"
    assert len(report.error_lines()) == 3 and not report.ok


def test_one_omitted_finding_is_counted_in_the_singular(tmp_path: Path) -> None:
    path = write(tmp_path, ["{broken"] * 3)

    report = check_file(path, model_id=NOVA_MICRO, max_findings=2)

    assert report.error_lines()[-1] == f"{path}: ... and 1 more error"
    assert [line.split(": ", 1)[1] for line in report.warning_lines()] == [
        "0 records: Amazon Nova takes at least 8 training records. [nova-validator]"
    ]


def test_a_finding_names_the_file_the_line_the_field_and_its_source() -> None:
    at_line = Finding(Severity.ERROR, "data.jsonl", 3, "messages[0].role", "must be 'user'.", "nova-validator")
    at_file = Finding(Severity.WARNING, "data.jsonl", None, None, "7 records.", "nova-validator")

    assert str(at_line) == "data.jsonl:3: messages[0].role: must be 'user'."
    assert at_line.cited() == "data.jsonl:3: messages[0].role: must be 'user'. [nova-validator]"
    assert str(at_file) == "data.jsonl: 7 records."
    assert Finding(Severity.ERROR, "f", 0, None, "m").cited() == "f:0: m [jsonl]"


def test_progress_is_reported_at_the_end_with_the_files_size(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD] * 8)
    seen: list[int] = []

    report = datasets.check_file(path, model_id=NOVA_MICRO, progress=seen.append)

    assert seen == [path.stat().st_size] == [report.size_bytes]


# --- survivors of the first datasets run ----------------------------------------------------------------------------


def test_the_line_limit_is_16_mib_exactly(tmp_path: Path) -> None:
    """A record line of 16 MiB is read and checked; one byte more is reported unread (real size, no patching)."""
    head = b'{"prompt": "'
    tail = b'", "completion": "c"}\n'
    fits = head + b"p" * (datasets.MAX_LINE_BYTES - len(head) - len(tail)) + tail
    path = tmp_path / "big.jsonl"
    path.write_bytes(fits + fits[: -len(tail)] + b"p" + tail)

    report = check_file(path, model_id=TITAN, max_findings=10)

    assert len(fits) == 16 * 1024 * 1024 == datasets.MAX_LINE_BYTES
    assert [(f.line, f.message) for f in report.errors] == [
        (1, report.errors[0].message),
        (2, "is longer than 16,777,216 bytes, more than any model takes as one record (not read)."),
    ]
    assert "more than the 4,096 tokens" in report.errors[0].message  # line 1 was read: it is too long a record


def test_every_message_of_a_converse_record_is_checked_after_a_bad_content(tmp_path: Path) -> None:
    record = {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [{"role": "user", "content": "plain text"}, {"role": "assistant", "content": []}],
    }

    report = check(tmp_path, [GOOD] * 8 + [record], NOVA_MICRO)

    assert [(f.line, f.field) for f in report.errors] == [(9, "messages[0].content"), (9, "messages[1].content")]


def test_a_converse_record_whose_later_block_is_malformed_is_still_read_as_converse(tmp_path: Path) -> None:
    """Without a schemaVersion, the first content block decides the format: a ``type`` key further on is a
    broken Converse block (named as such), not a record of the Claude format."""
    record = converse(turn("user", "q", {"type": "text", "text": "more"}), ANSWER, schema=None)

    assert datasets.detect_format(record) is datasets.DataFormat.CONVERSE
    report = check(tmp_path, [GOOD] * 8 + [record], NOVA_MICRO)
    assert {f.field for f in report.findings if f.line == 9} == {"messages[0].content[1].type"}
    assert all("format;" not in f.message for f in report.findings)


def test_a_claude_record_with_another_problem_still_gets_its_length_finding(tmp_path: Path) -> None:
    """The full check counts the same characters as the fast path: 96,001 of them is a length warning."""
    extra = {**claude_of_length(96_001), "id": "x"}  # an extraneous key: the full check reads the record
    fits = {**claude_of_length(96_000), "id": "x"}

    findings = check(tmp_path, [claude_of_length(2)] * 31 + [extra], HAIKU).findings
    assert [(f.severity, f.line, f.field) for f in findings] == [
        (Severity.ERROR, 32, "id"),
        (Severity.WARNING, 32, None),
    ]
    findings = check(tmp_path, [claude_of_length(2)] * 31 + [fits], HAIKU).findings
    assert [(f.severity, f.line, f.field) for f in findings] == [(Severity.ERROR, 32, "id")]


def test_claude_content_given_as_text_blocks_is_counted_like_a_string(tmp_path: Path) -> None:
    blocks = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "q" * 96_000}]},
            {"role": "assistant", "content": [{"type": "text", "text": "a"}]},
        ]
    }

    report = check(tmp_path, [claude_of_length(2)] * 31 + [blocks], HAIKU)

    assert report.longest_record_line == 32 and report.longest_record_tokens == 16_001
    assert [(f.line, f.severity) for f in report.findings] == [(32, Severity.WARNING)]
    assert "96,001 characters" in report.findings[0].message


def test_a_missing_completion_adds_no_characters_to_a_records_length(tmp_path: Path) -> None:
    record = {"prompt": "p" * 24_576}

    report = check(tmp_path, [record], TITAN)

    assert [(f.field, f.message) for f in report.errors] == [("completion", "is missing.")]
    assert report.longest_record_tokens == 4096


def test_an_assistant_message_in_an_rft_record_is_not_a_misplaced_system_message(tmp_path: Path) -> None:
    record = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "Let me see."}]}

    report = check(tmp_path, [record] * 100, "amazon.nova-2-lite-v1:0:256k", "REINFORCEMENT_FINE_TUNING")

    assert {(f.line, f.field) for f in report.findings if f.line == 1} == {(1, "reference_answer")}


def test_a_nova_2_reserved_word_cites_the_nova_guide_that_reserves_it(tmp_path: Path) -> None:
    record = converse(turn("user", "User: my Wi-Fi drops."), ANSWER)

    report = check(tmp_path, [GOOD] * 7 + [record], "amazon.nova-2-lite-v1:0:256k")

    (error,) = [f for f in report.errors if f.line == 8]
    assert (error.field, error.source) == ("messages[0].content[0].text", "nova-ft")
    assert error.message == "holds the reserved keyword 'User:'; a user prompt with it fails the training job."

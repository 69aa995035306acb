"""Each dataset check: a failing case (with the line number and field in the message) and a passing one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.rules import catalogue, datasets
from constructs_lib.rules.datasets import DataFormat, DatasetRole, Report, check_file
from constructs_lib.rules.validation import ValidationError

NOVA = "amazon.nova-micro-v1:0:128k"
TITAN = "amazon.titan-text-express-v1:0:8k"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
LLAMA = "meta.llama3-1-8b-instruct-v1:0:128k"
COHERE = "cohere.command-text-v14:7:4k"


def pc(prompt: Any = "Customer: How do I reset my router?\nAgent:", completion: Any = " Hold Reset for 10 s.") -> str:
    return json.dumps({"prompt": prompt, "completion": completion})


def converse(*turns: tuple[str, Any], system: Any = None, schema: Any = "bedrock-conversation-2024") -> str:
    record: dict[str, Any] = {}
    if schema is not None:
        record["schemaVersion"] = schema
    if system is not None:
        record["system"] = system
    record["messages"] = [
        {"role": role, "content": [{"text": text}] if isinstance(text, str) else text} for role, text in turns
    ]
    return json.dumps(record)


GOOD_TURNS = (("user", "My Wi-Fi drops every evening."), ("assistant", "Turn on Smart Channel in the app."))


def claude(*turns: tuple[str, Any], **extra: Any) -> str:
    return json.dumps({**extra, "messages": [{"role": role, "content": text} for role, text in turns]})


def write(tmp_path: Path, lines: list[str], name: str = "data.jsonl", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes("".join(line + newline for line in lines).encode())
    return path


def check(tmp_path: Path, lines: list[str], model: str | None = NOVA, **kwargs: Any) -> Report:
    return check_file(write(tmp_path, lines), model_id=model, **kwargs)


def messages(report: Report) -> list[str]:
    return [str(f).split("data.jsonl", 1)[1] for f in report.findings]


def errors(report: Report) -> list[str]:
    return [str(f).split("data.jsonl", 1)[1] for f in report.errors]


def only_error(report: Report) -> str:
    assert report.error_count == 1, report.findings
    return messages(report)[0]


# ---- every line one JSON object ------------------------------------------------------------------


def test_a_valid_file_has_no_findings_and_counts_records(tmp_path: Path) -> None:
    # 8 records: the Nova validator's minimum for Nova Micro (issue 14 reports record counts per model).
    report = check(tmp_path, [converse(*GOOD_TURNS, system=[{"text": "You are a support bot."}])] * 8)
    assert report.ok and report.findings == []
    assert report.records == 8
    assert report.data_format is DataFormat.CONVERSE
    assert report.size_bytes == (tmp_path / "data.jsonl").stat().st_size


def test_invalid_json_names_the_line_and_column(tmp_path: Path) -> None:
    report = check(tmp_path, [pc(), '{"prompt": "a" "completion": "b"}', pc()], model=TITAN)
    assert only_error(report) == ":2: is not valid JSON: Expecting ',' delimiter at column 16."
    assert report.records == 2


def test_a_json_value_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    report = check(tmp_path, [pc(), pc(), '["prompt", "completion"]'], model=TITAN)
    assert only_error(report) == ":3: is an array, not a JSON object; every line must be one JSON object."


def test_a_blank_line_is_an_error(tmp_path: Path) -> None:
    report = check(tmp_path, [pc(), "", pc()], model=TITAN)
    assert only_error(report) == ":2: is empty; every line must be one JSON object (remove blank lines)."


def test_extra_data_after_the_object_is_an_error(tmp_path: Path) -> None:
    report = check(tmp_path, [pc() + " {}"], model=TITAN)
    assert only_error(report).startswith(":1: is not valid JSON: Extra data at column")


def test_a_byte_order_mark_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (pc() + "\n").encode())
    report = check_file(path, model_id=TITAN)
    assert [str(f) for f in report.errors] == [
        f"{path}:1: starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM."
    ]


def test_invalid_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes((pc() + "\n").encode() + b'{"prompt": "caf\xe9", "completion": "x"}\n')
    report = check_file(path, model_id=TITAN)
    assert [str(f) for f in report.errors] == [f"{path}:2: is not valid UTF-8 (byte 0xe9 at byte 16 of the line)."]


def test_crlf_line_ends_leading_spaces_and_a_missing_final_newline_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(f"{pc()}\r\n  {pc()}\r\n{pc()}".encode())
    report = check_file(path, model_id=TITAN)
    assert report.ok and report.findings == [] and report.records == 3


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    report = check(tmp_path, [], model=TITAN)
    assert only_error(report) == ": holds no records; Bedrock needs at least one JSON object per line."


def test_an_overlong_line_is_reported_without_reading_it_and_later_lines_keep_their_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "MAX_LINE_BYTES", 64)
    long_line = json.dumps({"prompt": "x" * 300, "completion": "y"})
    report = check(tmp_path, ['{"prompt": "a", "completion": "b"}', long_line, '{"prompt": "a"}'], model=TITAN)
    assert messages(report) == [
        ":2: is longer than 64 bytes, more than any model takes as one record (not read).",
        ":3: completion: is missing.",
    ]
    assert report.size_bytes == (tmp_path / "data.jsonl").stat().st_size


# ---- prompt/completion ---------------------------------------------------------------------------


def test_prompt_completion_fields_are_required_strings(tmp_path: Path) -> None:
    lines = [pc(), '{"prompt": "Hi"}', pc(prompt=42), pc(completion=None)]
    report = check(tmp_path, lines, model=TITAN)
    assert messages(report) == [
        ":2: completion: is missing.",
        ":3: prompt: must be a string, got a number.",
        ":4: completion: must be a string, got null.",
    ]


def test_prompt_completion_empty_text_and_unknown_fields_are_warnings(tmp_path: Path) -> None:
    extra = json.dumps({"prompt": "Hi", "completion": "Hello", "label": "greeting"})
    report = check(tmp_path, [pc(), pc(completion="  "), extra], model=TITAN)
    assert report.ok
    assert messages(report) == [
        ":2: completion: is empty; the model learns nothing from an empty text.",
        ":3: label: is not a field of the prompt/completion format (fields: completion, prompt).",
    ]


def test_prompt_completion_passes(tmp_path: Path) -> None:
    report = check(tmp_path, [pc()] * 5, model=TITAN)
    assert report.ok and report.findings == [] and report.data_format is DataFormat.PROMPT_COMPLETION


# ---- Converse (bedrock-conversation-2024) --------------------------------------------------------


def test_converse_needs_the_schema_version_for_distillation_but_not_for_nova(tmp_path: Path) -> None:
    # Issue 14: Nova fine-tuning data without schemaVersion was a false alarm (nova-ft: "schemaVersion can be
    # any string value"; the Nova validator makes it optional). Distillation prompts must include it.
    lines = [converse(*GOOD_TURNS), converse(*GOOD_TURNS, schema=None)]
    report = check(tmp_path, lines, customization_type="DISTILLATION")
    assert errors(report) == [
        ':2: schemaVersion: is missing; the Converse format needs "schemaVersion": "bedrock-conversation-2024".'
    ]
    assert check(tmp_path, lines * 4).findings == []


def test_converse_other_schema_version_is_a_warning_unless_the_model_takes_any(tmp_path: Path) -> None:
    # Issue 14: AWS's own Nova Micro tool-use set says "tooluse-dataset-2024"; any string is fine for Nova.
    report = check(tmp_path, [converse(*GOOD_TURNS, schema="2023")], model=None)
    assert report.ok
    assert messages(report) == [":1: schemaVersion: is '2023'; Bedrock documents 'bedrock-conversation-2024'."]
    assert check(tmp_path, [converse(*GOOD_TURNS, schema="2023")] * 8).findings == []


def test_converse_system_must_be_text_blocks(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(*GOOD_TURNS, system="Be nice."), converse(*GOOD_TURNS, system=[{"txt": 1}])])
    assert messages(report) == [
        ':1: system: must be an array of {"text": str} blocks, got a string.',
        ":2: system[0].text: is missing.",
        ": 2 records: Amazon Nova takes at least 8 training records.",
    ]


def test_converse_roles_must_be_user_or_assistant(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(*GOOD_TURNS), converse(("user", "Hi"), ("bot", "Hello"))])
    assert only_error(report) == ":2: messages[1].role: must be 'user' or 'assistant', got 'bot'."


def test_converse_starts_with_the_user(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(("assistant", "Hello!"), ("user", "Hi"), ("assistant", "How can I help?"))])
    assert (
        only_error(report)
        == ":1: messages[0].role: must be 'user' (a conversation starts with the user), got 'assistant'."
    )


def test_converse_roles_alternate(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(("user", "Hi"), ("user", "Anyone?"), ("assistant", "Hello"))])
    assert only_error(report) == ":1: messages[1].role: is 'user' again: user and assistant messages must alternate."


def test_converse_ends_with_the_assistants_reply(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(("user", "Hi"), ("assistant", "Hello"), ("user", "Thanks"))])
    assert only_error(report) == (
        ":1: messages[2].role: must be 'assistant' (the last message is the reply to learn), got 'user'."
    )


def test_converse_distillation_prompts_need_no_reply(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(("user", "Why is the sky blue?"))], customization_type="DISTILLATION")
    # distill-validator: at least 100 prompts (issue 14: record counts per model and method).
    assert report.ok and messages(report) == [": 1 records: Amazon Nova takes at least 100 training records."]


def test_converse_content_is_an_array_of_blocks(tmp_path: Path) -> None:
    lines = [
        converse(("user", "Hi"), ("assistant", [])),
        converse(("user", [{"txt": "Hi"}]), ("assistant", "Hello")),
        converse(("user", ["Hi"]), ("assistant", "Hello")),
    ]
    report = check(tmp_path, lines)
    assert messages(report) == [
        ':1: messages[1].content: must be a non-empty array of {"text": str} blocks, got an array.',
        ":2: messages[0].content[0]: must hold text, image or video, got txt.",
        ':3: messages[0].content[0]: must be an object such as {"text": str}, got a string.',
        ": 3 records: Amazon Nova takes at least 8 training records.",
    ]


def test_converse_image_blocks_need_an_s3_uri(tmp_path: Path) -> None:
    image = {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/router.png"}}}}
    broken = {"image": {"format": "png", "source": {"bytes": "iVBORw0"}}}
    lines = [
        converse(("user", [image, {"text": "What is this port?"}]), ("assistant", "The WAN port.")),
        converse(("user", [broken, {"text": "What is this port?"}]), ("assistant", "The WAN port.")),
    ]
    report = check(tmp_path, lines, model="amazon.nova-lite-v1:0:300k")
    assert (
        only_error(report)
        == ":2: messages[0].content[0].image.source.s3Location.uri: must be the s3:// URI of the file."
    )


def test_converse_unknown_fields_are_warnings(tmp_path: Path) -> None:
    record = json.loads(converse(*GOOD_TURNS))
    record["messages"][1]["weight"] = 2
    record["id"] = "t-1"
    report = check(tmp_path, [json.dumps(record)])
    assert report.ok
    assert messages(report) == [
        ":1: messages[1].weight: is not a field of the Converse message format (fields: content, role).",
        ":1: id: is not a field of the Converse format (fields: messages, schemaVersion, system).",
        ": 1 records: Amazon Nova takes at least 8 training records.",
    ]


def test_converse_passes_multi_turn(tmp_path: Path) -> None:
    report = check(tmp_path, [converse(*GOOD_TURNS, *GOOD_TURNS, system=[{"text": "Be brief."}])] * 8)
    assert report.ok and report.findings == []


# ---- Claude 3 Haiku system/messages --------------------------------------------------------------


def test_claude_allows_no_extra_fields(tmp_path: Path) -> None:
    report = check(tmp_path, [claude(*GOOD_TURNS, system="Be brief.", id=7)], model=HAIKU)
    assert only_error(report) == ":1: id: is not a field of the Claude 3 Haiku format (fields: messages, system)."


def test_claude_messages_allow_no_extra_fields(tmp_path: Path) -> None:
    record = json.loads(claude(*GOOD_TURNS))
    record["messages"][0]["name"] = "Ana"
    report = check(tmp_path, [json.dumps(record)], model=HAIKU)
    assert errors(report) == [
        ":1: messages[0].name: is not a field of the Claude 3 Haiku message format (fields: content, role)."
    ]


def test_claude_needs_a_user_message_and_a_reply(tmp_path: Path) -> None:
    report = check(tmp_path, [claude(*GOOD_TURNS), claude(("user", "Hi"))], model=HAIKU)
    assert errors(report) == [":2: messages: needs at least 2 messages (user, then assistant), got 1."]


def test_claude_roles_alternate_from_user_to_assistant(tmp_path: Path) -> None:
    lines = [
        claude(("assistant", "Hello"), ("user", "Hi")),
        claude(("user", "Hi"), ("user", "Hello?"), ("assistant", "Hello")),
    ]
    report = check(tmp_path, lines, model=HAIKU)
    assert errors(report) == [
        ":1: messages[0].role: must be 'user' (a conversation starts with the user), got 'assistant'.",
        ":1: messages[1].role: must be 'assistant' (the last message is the reply to learn), got 'user'.",
        ":2: messages[1].role: is 'user' again: user and assistant messages must alternate.",
    ]


def test_claude_system_and_content_are_strings(tmp_path: Path) -> None:
    report = check(tmp_path, [claude(("user", 5), ("assistant", "Hello"), system=["Be brief."])], model=HAIKU)
    assert errors(report) == [
        ":1: system: must be a string, got an array.",
        ":1: messages[0].content: must be a string, got a number.",
    ]


def test_claude_passes_with_and_without_system_and_with_text_blocks(tmp_path: Path) -> None:
    blocks = [{"type": "text", "text": "Hi"}]
    lines = [
        claude(*GOOD_TURNS, system="Be brief."),
        claude(*GOOD_TURNS),
        claude(("user", blocks), ("assistant", "Hi")),
    ]
    report = check(tmp_path, lines * 11, model=HAIKU)
    assert report.ok and report.findings == [] and report.data_format is DataFormat.CLAUDE


# ---- continued pre-training, image/caption -------------------------------------------------------


def test_continued_pre_training_needs_input(tmp_path: Path) -> None:
    lines = [json.dumps({"input": "Router manual, chapter 1."}), json.dumps({"text": "Chapter 2."})]
    report = check(tmp_path, lines, model=TITAN, customization_type="CONTINUED_PRE_TRAINING")
    assert messages(report) == [
        ":2: input: is missing.",
        ":2: text: is not a field of the continued pre-training format (fields: input).",
    ]
    first = check(tmp_path, [json.dumps({"input": 3})], model=TITAN, customization_type="CONTINUED_PRE_TRAINING")
    assert only_error(first) == ":1: input: must be a string, got a number."


def test_continued_pre_training_passes(tmp_path: Path) -> None:
    lines = [json.dumps({"input": "Router manual, chapter 1."})] * 3
    report = check(tmp_path, lines, model=TITAN, customization_type="CONTINUED_PRE_TRAINING")
    assert report.ok and report.findings == [] and report.data_format is DataFormat.PRETRAINING


def test_image_caption_needs_an_s3_image(tmp_path: Path) -> None:
    lines = [
        json.dumps({"image-ref": "s3://bucket/a.png", "caption": "A router"}),
        json.dumps({"image-ref": "https://example.com/b.png", "caption": "A mesh satellite"}),
    ]
    report = check(tmp_path, lines, model="amazon.titan-embed-image-v1:0")
    assert only_error(report) == ":2: image-ref: must be an s3:// URI of the image, got 'https://example.com/b.png'."


# ---- format per type and family ------------------------------------------------------------------


def test_nova_fine_tuning_rejects_prompt_completion(tmp_path: Path) -> None:
    report = check(tmp_path, [pc()])
    assert only_error(report) == (
        ":1: record is in the prompt/completion format; Amazon Nova FINE_TUNING training data must be Converse "
        '({"schemaVersion": "bedrock-conversation-2024", "system": [...], "messages": [...]}).'
    )


def test_haiku_rejects_converse_records_after_the_first_line_too(tmp_path: Path) -> None:
    report = check(tmp_path, [claude(*GOOD_TURNS), converse(*GOOD_TURNS)], model=HAIKU)
    assert only_error(report).startswith(":2: record is in the Converse format; Claude 3 Haiku FINE_TUNING")


def test_a_file_holds_one_format(tmp_path: Path) -> None:
    # A model that takes both formats: Llama 3.1 takes prompt/completion only (llama-validator), so unlisted.
    report = check(tmp_path, [pc(), pc(), converse(*GOOD_TURNS)], model=None)
    assert only_error(report) == (
        ":3: record is in the Converse format; line 1 is in the prompt/completion format, and one file holds "
        "one format."
    )


def test_unknown_model_accepts_any_text_format_but_not_unknown_fields(tmp_path: Path) -> None:
    for lines in ([pc()], [converse(*GOOD_TURNS)], [claude(*GOOD_TURNS)]):
        assert check(tmp_path, lines, model=None).ok
    report = check(tmp_path, [json.dumps({"question": "q", "answer": "a"})], model="acme.new-model-v1")
    assert only_error(report).startswith(":1: record has fields answer, question; acme.new-model-v1 FINE_TUNING")


def test_reinforcement_fine_tuning_checks_only_json_objects(tmp_path: Path) -> None:
    record = json.dumps({"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": "4"})
    report = check(tmp_path, [record, "[]"], customization_type="REINFORCEMENT_FINE_TUNING")
    assert only_error(report) == ":2: is an array, not a JSON object; every line must be one JSON object."


# ---- documented limits (warnings) ----------------------------------------------------------------


def test_record_counts_below_and_above_the_documented_limits_are_warnings(tmp_path: Path) -> None:
    report = check(tmp_path, [claude(*GOOD_TURNS)] * 31, model=HAIKU)
    assert report.ok
    assert messages(report) == [": 31 records: Claude 3 Haiku takes at least 32 training records."]
    assert check(tmp_path, [claude(*GOOD_TURNS)] * 32, model=HAIKU).findings == []

    validation = check(tmp_path, [claude(*GOOD_TURNS)] * 1001, model=HAIKU, role=DatasetRole.VALIDATION)
    assert messages(validation) == [": 1,001 records: Claude 3 Haiku takes at most 1,000 validation records."]

    cohere = check(tmp_path, ['{"prompt":"a","completion":"b"}'] * 10_001, model=COHERE)
    assert messages(cohere) == [": 10,001 records: Cohere Command takes at most 10,000 training records."]
    assert check(tmp_path, [pc()] * 99, model=LLAMA).warning_count == 1
    assert check(tmp_path, [pc()] * 100, model=LLAMA).findings == []


def test_file_size_over_the_documented_limit_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def smaller(entry: catalogue.ModelEntry) -> catalogue.ModelEntry:
        specs = {
            kind: dataclasses.replace(spec, max_validation_bytes=catalogue.Limit(1000, "bedrock-limits"))
            for kind, spec in entry.datasets.items()
        }
        return dataclasses.replace(entry, datasets=specs) if entry.data_family == "Titan Text" else entry

    monkeypatch.setattr(catalogue, "MODELS", tuple(smaller(entry) for entry in catalogue.MODELS))
    report = check(tmp_path, [pc()] * 30, model=TITAN, role=DatasetRole.VALIDATION)
    assert messages(report) == [": 0.0 MB: Titan Text takes validation files of at most 0 MB."]
    assert check(tmp_path, [pc()] * 10, model=TITAN, role=DatasetRole.VALIDATION).findings == []


def test_estimated_tokens_over_the_models_context_are_a_warning(tmp_path: Path) -> None:
    model = "cohere.command-light-text-v14:7:4k"
    at_limit = pc(prompt="p" * 12_000, completion="c" * 12_000)
    over = pc(prompt="p" * 12_000, completion="c" * 12_001)
    report = check(tmp_path, [at_limit, over], model=model)
    assert report.ok
    assert messages(report) == [
        ":2: record is about 4,001 tokens (24,001 characters at ~6 per token), more than the 4,000 tokens "
        f"{model} takes."
    ]
    assert report.longest_record_line == 2 and report.longest_record_tokens == 4001


def test_context_length_comes_from_the_model_id() -> None:
    assert datasets.context_tokens(NOVA) == 128_000
    assert datasets.context_tokens("arn:aws:bedrock:us-east-1::foundation-model/" + TITAN) == 8_000
    assert datasets.context_tokens("amazon.titan-embed-image-v1:0") is None
    assert datasets.context_tokens(None) is None


# ---- bounded findings and the synth-time entry point ---------------------------------------------


def test_findings_stop_at_the_bound_and_count_the_rest(tmp_path: Path) -> None:
    report = check(tmp_path, ["nope"] * 50 + [pc(completion="")] * 3, model=TITAN, max_findings=5)
    assert report.error_count == 50 and len(report.errors) == 5
    assert report.error_lines()[-1].endswith("data.jsonl: ... and 45 more errors")
    assert report.warning_lines()[-1].endswith(
        ":53: completion: is empty; the model learns nothing from an empty text. [text-ft]"
    )
    assert [f.line for f in report.errors] == [1, 2, 3, 4, 5]


def test_check_job_data_raises_on_errors_naming_file_line_and_field(tmp_path: Path) -> None:
    train = write(tmp_path, [pc(), '{"prompt": "Hi"}'], name="train.jsonl")
    val = write(tmp_path, [pc()], name="val.jsonl")
    with pytest.raises(ValidationError) as raised:
        datasets.check_job_data("FINE_TUNING", TITAN, str(train), [str(val)])
    assert str(raised.value) == (
        f"Invalid training_data {str(train)!r}: 1 error in the local dataset file:\n"
        f"  {train}:2: completion: is missing. [text-ft]"
    )


def test_check_job_data_reports_a_bad_validation_file_as_validation_data(tmp_path: Path) -> None:
    train = write(tmp_path, [pc()], name="train.jsonl")
    val = write(tmp_path, [pc(), '{"prompt": "Hi"}', "nope"], name="val.jsonl")
    with pytest.raises(ValidationError) as raised:
        datasets.check_job_data("FINE_TUNING", TITAN, str(train), [None, str(val)])
    message = str(raised.value)
    assert message.startswith(f"Invalid validation_data[1] {str(val)!r}: 2 errors in the local dataset file:\n  ")
    assert "training" not in message


def test_check_job_data_reports_each_bad_file_under_its_prop(tmp_path: Path) -> None:
    train = write(tmp_path, ["nope"], name="train.jsonl")
    val = write(tmp_path, ["nope"], name="val.jsonl")
    with pytest.raises(ValidationError) as raised:
        datasets.check_job_data("FINE_TUNING", TITAN, str(train), [str(val)])
    first, second = str(raised.value).split("\nInvalid ")
    assert first.startswith(f"Invalid training_data {str(train)!r}: 1 error")
    assert second.startswith(f"validation_data[0] {str(val)!r}: 1 error")


def test_check_job_data_returns_warnings_for_training_and_validation(tmp_path: Path) -> None:
    train = write(tmp_path, [pc()] * 3, name="train.jsonl")
    val = write(tmp_path, [pc(completion="")], name="val.jsonl")
    warnings = datasets.check_job_data("FINE_TUNING", LLAMA, str(train), [None, str(val)])
    assert warnings == [
        f"{train}: 3 records: Meta Llama 3.x takes at least 100 training records. [unconfirmed]",
        f"{val}:1: completion: is empty; the model learns nothing from an empty text. [llama-validator]",
    ]
    assert datasets.check_job_data("FINE_TUNING", LLAMA, None, []) == []

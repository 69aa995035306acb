"""A broken variant for every Amazon Nova rule (nova-ft, nova2-sft, nova-validator, nova-canvas-ft) and the
fixed record that passes it: each finding names the line, the field and the rule's source."""

from __future__ import annotations

from pathlib import Path

import pytest

from constructs_lib.rules.datasets import DatasetRole

from .records import (
    ANSWER,
    ASK,
    ERR,
    GOOD,
    NOVA_2_LITE,
    NOVA_CANVAS,
    NOVA_LITE,
    NOVA_MICRO,
    WARN,
    check,
    converse,
    image,
    keys,
    reasoning,
    record_keys,
    turn,
    video,
)

# ---- reserved keywords (nova-ft: "User:, Bot:, Assistant:, System:, <image>, <video>, and [EOS]") ---------------


@pytest.mark.parametrize("word", ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"])
def test_a_reserved_keyword_in_a_user_or_system_prompt_fails(tmp_path: Path, word: str) -> None:
    in_user = converse(turn("user", f"Reply as {word} please."), ANSWER)
    in_system = converse(ASK, ANSWER, system=[f"{word} be brief"])
    report = check(tmp_path, [GOOD, in_user, in_system] * 3, NOVA_MICRO)
    assert {(ERR, 2, "messages[0].content[0].text", "nova-ft"), (ERR, 3, "system[0].text", "nova-ft")} <= keys(report)
    assert not [f for f in report.findings if f.line == 1]


def test_a_reserved_keyword_elsewhere_or_in_another_case_is_a_warning(tmp_path: Path) -> None:
    # nova-validator matches them without regard to case and in assistant turns; the guide names user/system.
    in_reply = converse(ASK, turn("assistant", "Assistant: sure."))
    lower = converse(turn("user", "the user: said hi"), ANSWER)
    in_reasoning = converse(ASK, turn("assistant", reasoning("Bot: thinking"), "Hello"))
    unk = converse(turn("user", "an <unk> token"), ANSWER)
    report = check(tmp_path, [in_reply, lower, unk] * 3, NOVA_MICRO)
    assert record_keys(report) >= {
        (WARN, 1, "messages[1].content[0].text", "nova-validator"),
        (WARN, 2, "messages[0].content[0].text", "nova-validator"),
        (WARN, 3, "messages[0].content[0].text", "nova-validator"),
    }
    assert report.ok
    nova2 = check(tmp_path, [in_reasoning] * 200, NOVA_2_LITE)
    assert (WARN, 1, "messages[1].content[0].reasoningContent.reasoningText.text", "nova-validator") in keys(nova2)


def test_a_text_with_a_colon_but_no_keyword_passes(tmp_path: Path) -> None:
    record = converse(turn("user", "Note: the ratio is 3:1 <b>bold</b> [a]"), ANSWER, system=["Time: 10:30"])
    assert check(tmp_path, [record] * 8, NOVA_MICRO).findings == []


# ---- media ---------------------------------------------------------------------------------------------------


def test_nova_micro_takes_no_images(tmp_path: Path) -> None:
    record = converse(turn("user", "What is this?", image()), ANSWER)
    report = check(tmp_path, [GOOD, record] * 4, NOVA_MICRO)
    assert (ERR, 2, "messages[0].content[1].image", "nova-validator") in keys(report)
    assert check(tmp_path, [GOOD, record] * 4, NOVA_LITE).ok


def test_media_belong_in_user_turns(tmp_path: Path) -> None:
    record = converse(ASK, turn("assistant", "Here:", image()))
    report = check(tmp_path, [record] * 8, NOVA_LITE)
    assert (ERR, 1, "messages[1].content[1].image", "nova-validator") in keys(report)
    nova2 = check(tmp_path, [record] * 200, NOVA_2_LITE)
    assert (ERR, 1, "messages[1].content[1].image", "nova2-sft") in keys(nova2)


def test_one_data_set_holds_images_or_videos_not_both(tmp_path: Path) -> None:
    with_image = converse(turn("user", "What is this?", image()), ANSWER)
    with_video = converse(turn("user", "What happens?", video()), ANSWER)
    report = check(tmp_path, [with_image, GOOD, with_video] * 3, NOVA_LITE)
    assert (ERR, 3, "messages[0].content[1].video", "nova-ft") in keys(report)
    assert "line 1 has images" in next(f.message for f in report.findings if f.line == 3)
    assert check(tmp_path, [with_image, GOOD] * 4, NOVA_LITE).ok
    assert (ERR, 3, "messages[0].content[1].video", "nova2-sft") in keys(
        check(tmp_path, [with_image, GOOD, with_video] * 70, NOVA_2_LITE)
    )


def test_one_video_per_record_and_no_images_beside_a_video(tmp_path: Path) -> None:
    two_videos = converse(turn("user", video()), ANSWER, turn("user", video()), ANSWER)
    mixed = converse(turn("user", video(), image()), ANSWER)
    report = check(tmp_path, [two_videos, mixed] * 4, NOVA_LITE)
    assert (ERR, 1, "messages[2].content[0].video", "nova-ft") in keys(report)
    assert (ERR, 2, "messages[0].content", "nova-validator") in keys(report)


def test_at_most_ten_images_per_message(tmp_path: Path) -> None:
    many = converse(turn("user", *[image(uri=f"s3://bucket/i{n}.png") for n in range(11)]), ANSWER)
    ten = converse(turn("user", *[image(uri=f"s3://bucket/i{n}.png") for n in range(10)]), ANSWER)
    assert (ERR, 1, "messages[0].content", "nova-validator") in keys(check(tmp_path, [many] * 8, NOVA_LITE))
    assert check(tmp_path, [ten] * 8, NOVA_LITE).ok


def test_media_formats_are_the_documented_ones(tmp_path: Path) -> None:
    bmp = converse(turn("user", image("bmp")), ANSWER)
    webp = converse(turn("user", image("webp")), ANSWER)
    assert (ERR, 1, "messages[0].content[0].image.format", "nova-validator") in keys(
        check(tmp_path, [bmp] * 8, NOVA_LITE)
    )
    assert check(tmp_path, [webp] * 8, NOVA_LITE).ok  # nova-validator: jpeg, png, gif, webp
    # nova2-sft: "Images - PNG, JPEG, GIF"
    assert (ERR, 1, "messages[0].content[0].image.format", "nova2-sft") in keys(
        check(tmp_path, [webp] * 200, NOVA_2_LITE)
    )


def test_media_uris_are_s3_with_plain_characters_in_the_data_sets_bucket(tmp_path: Path) -> None:
    spaced = converse(turn("user", image(uri="s3://bucket/my image.png")), ANSWER)
    https = converse(turn("user", image(uri="https://example.com/a.png")), ANSWER)
    report = check(tmp_path, [spaced, https] * 4, NOVA_LITE)
    assert (WARN, 1, "messages[0].content[0].image.source.s3Location.uri", "nova-validator") in keys(report)
    assert (ERR, 2, "messages[0].content[0].image.source.s3Location.uri", "nova-ft") in keys(report)
    # nova-ft: "The images or videos must be in the same Amazon S3 bucket as your dataset": said once.
    bucket = [f for f in report.findings if f.line is None and "same bucket" in f.message]
    assert [(f.severity, f.source) for f in bucket] == [(WARN, "nova-ft")]


# ---- Nova 2 reasoning, tools; Nova 1 without them ---------------------------------------------------------------


def test_reasoning_content_is_for_nova_2_assistant_turns_without_media(tmp_path: Path) -> None:
    good = converse(ASK, turn("assistant", reasoning("The user asks about Wi-Fi."), "Turn on Smart Channel."))
    in_user = converse(turn("user", reasoning("hmm"), "Hi"), ANSWER)
    empty = converse(ASK, turn("assistant", reasoning(""), "Hello"))
    with_image = converse(turn("user", "What is this?", image()), turn("assistant", reasoning("A port."), "WAN"))
    report = check(tmp_path, [good, in_user, empty, with_image] * 50, NOVA_2_LITE)
    assert {
        (ERR, 2, "messages[0].content[0].reasoningContent", "nova2-sft"),
        (ERR, 3, "messages[1].content[0].reasoningContent.reasoningText.text", "nova-validator"),
        (ERR, 4, "messages[1].content[0].reasoningContent", "nova2-sft"),
    } <= keys(report)
    assert not [f for f in report.findings if f.line == 1]
    nova1 = check(tmp_path, [good] * 8, NOVA_MICRO)
    assert (ERR, 1, "messages[1].content[0].reasoningContent", "nova-validator") in keys(nova1)


def test_tool_use_sits_in_the_right_turns_and_warns_on_nova_2(tmp_path: Path) -> None:
    use = {"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Oslo"}}}
    result = {"toolResult": {"toolUseId": "t1", "content": [{"text": "12 C"}]}}
    config = {
        "tools": [{"toolSpec": {"name": "weather", "description": "w", "inputSchema": {"json": {"type": "object"}}}}]
    }
    good = converse(ASK, turn("assistant", use), turn("user", result), ANSWER, toolConfig=config)
    wrong = converse(turn("user", use), ANSWER, toolConfig=config)
    report = check(tmp_path, [good, wrong] * 4, NOVA_MICRO)
    assert record_keys(report) == {(ERR, n, "messages[0].content[0].toolUse", "nova-validator") for n in (2, 4, 6, 8)}
    nova2 = check(tmp_path, [good] * 200, NOVA_2_LITE)
    assert (WARN, 1, "toolConfig", "nova2-sft") in keys(nova2) and nova2.ok


# ---- record shape --------------------------------------------------------------------------------------------


def test_schema_version_must_be_a_string_and_empty_messages_fail(tmp_path: Path) -> None:
    number = converse(ASK, ANSWER, schema=2024)
    blank = converse(turn("user", ""), ANSWER)
    report = check(tmp_path, [number, blank] * 4, NOVA_MICRO)
    assert {(ERR, 1, "schemaVersion", "nova-ft"), (ERR, 2, "messages[0].content", "nova-validator")} <= keys(report)


def test_nova_2_does_not_use_a_validation_set(tmp_path: Path) -> None:
    report = check(tmp_path, [GOOD] * 8, NOVA_2_LITE, role=DatasetRole.VALIDATION)
    assert keys(report) == {(WARN, None, None, "nova2-sft")}
    assert check(tmp_path, [GOOD] * 8, NOVA_MICRO, role=DatasetRole.VALIDATION).findings == []


def test_record_counts_per_model_and_method(tmp_path: Path) -> None:
    assert keys(check(tmp_path, [GOOD] * 7, NOVA_MICRO)) == {(WARN, None, None, "nova-validator")}
    assert check(tmp_path, [GOOD] * 8, NOVA_MICRO).findings == []
    assert keys(check(tmp_path, [GOOD] * 199, NOVA_2_LITE)) == {(WARN, None, None, "nova-validator")}
    assert check(tmp_path, [GOOD] * 200, NOVA_2_LITE).findings == []
    over = check(tmp_path, [GOOD] * 20_001, NOVA_LITE)
    assert [f.message for f in over.findings] == ["20,001 records: Amazon Nova takes at most 20,000 training records."]


# ---- Nova Canvas -----------------------------------------------------------------------------------------------


def test_nova_canvas_takes_image_caption_pairs_of_jpeg_or_png(tmp_path: Path) -> None:
    good = {"image-ref": "s3://bucket/ron_01.jpg", "caption": "Ron the dog on a bed"}
    gif = {"image-ref": "s3://bucket/ron_02.gif", "caption": "Ron the dog"}
    report = check(tmp_path, [good, gif], NOVA_CANVAS)
    assert keys(report) == {(WARN, 2, "image-ref", "nova-canvas-ft")}
    converse_record = check(tmp_path, [GOOD], NOVA_CANVAS)
    assert [f.source for f in converse_record.errors] == ["nova-canvas-ft"]

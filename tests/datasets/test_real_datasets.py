"""The checker's verdict on real third-party training files is the one AWS's documentation gives.

The files (d01-d24) are public data sets made for Bedrock jobs by others, kept outside this repository
in the shared data folder beside the clone (CI has it); each case below names the model and
customization type the folder's README gives the file, and why the documentation accepts or rejects it.
The pages are cited by the short names of catalogue.SOURCES (the README's dataset table links them).

Files marked truncated hold the first lines of a longer file, so record-count minimums do not apply to
them: those findings are left out of the comparison.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from constructs_lib.rules import datasets
from constructs_lib.rules.datasets import DatasetRole

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("REAL_DATASETS_DIR") or ROOT.parent / "shared" / "data" / "real-datasets")

NOVA_MICRO = "amazon.nova-micro-v1:0:128k"
NOVA_PRO = "amazon.nova-pro-v1:0"
NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
NOVA_CANVAS = "amazon.nova-canvas-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
TITAN = "amazon.titan-text-express-v1:0:8k"
COHERE_LIGHT = "cohere.command-light-text-v14:7:4k"
LLAMA_8B = "meta.llama3-1-8b-instruct-v1:0:128k"
LLAMA_405B = "meta.llama3-1-405b-instruct-v1:0"
GPT_OSS = "openai.gpt-oss-20b-1:0"


@dataclass(frozen=True)
class Case:
    file: str
    customization_type: str
    model: str
    why: str
    errors: frozenset[tuple[int | None, str | None, str]] = frozenset()
    """(line, field, source) of every error the documentation predicts; none: the file is valid."""
    warnings: frozenset[tuple[int | None, str | None, str]] = frozenset()
    role: DatasetRole = DatasetRole.TRAINING
    teacher: str | None = None
    truncated: bool = True
    every_line_fails: bool = field(default=False)

    @property
    def id(self) -> str:
        teacher = f"<-{self.teacher.split('.')[1][:12]}" if self.teacher else ""
        model = self.model.split(".")[1].split(":")[0]
        return f"{self.file}-{self.customization_type[:4]}-{model}{teacher}-{self.role.value}"


def one(line: int | None, field: str | None, source: str) -> frozenset[tuple[int | None, str | None, str]]:
    return frozenset({(line, field, source)})


CASES = [
    Case(
        "d01",
        "DISTILLATION",
        NOVA_MICRO,
        teacher=NOVA_PRO,  # the pair the source notebook (Distillation-via-S3-input.ipynb) uses
        why="The README calls it distillation input *before* conversion: prompt/completion lines. "
        "distill-prompts: 'Each record in the JSONL must use the following structure' (schemaVersion, "
        "messages), so every line is rejected.",
        every_line_fails=True,
    ),
    Case(
        "d02",
        "FINE_TUNING",
        HAIKU,
        why="Anthropic's JSON-mode set: system string and alternating user/assistant string messages, "
        "the format haiku-cookbook documents; no reserved '\\nHuman:' (haiku-validator); 100 lines >= 32.",
    ),
    Case(
        "d03",
        "FINE_TUNING",
        NOVA_2_LITE,
        why="Converse records, multi-turn, one with an empty system array: nova2-sft takes the Nova 1 "
        "Converse format; the Nova validator makes system an optional list.",
    ),
    Case(
        "d04",
        "FINE_TUNING",
        NOVA_2_LITE,
        why="An assistant turn with reasoningContent: nova2-sft documents it ('Assistant content - "
        "Text-only responses and reasoning content'). Issue 14: rejecting it was a false alarm.",
    ),
    Case(
        "d05",
        "FINE_TUNING",
        NOVA_2_LITE,
        why="No schemaVersion: nova-ft says it 'can be any string value' and the Nova validator makes it "
        "Optional. Issue 14: rejecting it was a false alarm.",
    ),
    Case(
        "d06",
        "FINE_TUNING",
        NOVA_2_LITE,
        role=DatasetRole.VALIDATION,
        why="Valid records, but nova2-sft: 'Validation sets - ... will not be supported during SFT "
        "training': a warning that the data set is not used.",
        warnings=one(None, None, "nova2-sft"),
    ),
    Case(
        "d07",
        "FINE_TUNING",
        NOVA_CANVAS,
        truncated=False,
        why="{image-ref, caption} with s3:// JPEG references, the format nova-canvas-ft requires. Issue 14: "
        "treating every amazon.nova-* model as Converse-only rejected it.",
    ),
    Case(
        "d08",
        "FINE_TUNING",
        NOVA_MICRO,
        why="AWS's own Nova Micro tool-use set with schemaVersion 'tooluse-dataset-2024': nova-ft says "
        "'schemaVersion can be any string value'. Issue 14: a warning per line was a false alarm.",
    ),
    Case(
        "d09",
        "FINE_TUNING",
        NOVA_MICRO,
        role=DatasetRole.VALIDATION,
        why="The same set's validation part: valid for the same reasons.",
    ),
    Case(
        "d10",
        "REINFORCEMENT_FINE_TUNING",
        NOVA_2_LITE,
        truncated=False,
        why="messages + reference_answer (+ ground_truth for the grader): rft-nova's format, which allows "
        "'fields used by grader Lambda'; 120 records >= the 100 rft-nova requires.",
    ),
    Case(
        "d10",
        "REINFORCEMENT_FINE_TUNING",
        GPT_OSS,
        truncated=False,
        why="The same file for an open-weight model: rft-open-weight documents the same format, 100-20K examples.",
    ),
    Case(
        "d11",
        "REINFORCEMENT_FINE_TUNING",
        NOVA_2_LITE,
        role=DatasetRole.VALIDATION,
        truncated=False,
        why="The validation part of the same RFT set: same format.",
    ),
    Case(
        "d12",
        "CONTINUED_PRE_TRAINING",
        TITAN,
        truncated=False,
        why="{input} records (jsonl: the continued pre-training format), each under Titan's 4,096-token "
        "quota of 4,096 x 6 characters (bedrock-limits).",
    ),
    Case(
        "d13",
        "FINE_TUNING",
        TITAN,
        why="{prompt, completion} records (text-ft), short: valid for Titan Text.",
    ),
    Case(
        "d13",
        "FINE_TUNING",
        COHERE_LIGHT,
        why="The same records for Cohere Command Light, which takes prompt/completion (jsonl).",
    ),
    Case(
        "d14",
        "DISTILLATION",
        NOVA_MICRO,
        teacher=NOVA_PRO,
        why="Line 1 holds user, assistant, user: distill-prompts says 'The Amazon Nova models support "
        "multi-turn conversations', so with a Nova teacher and student it is valid.",
    ),
    Case(
        "d14",
        "DISTILLATION",
        LLAMA_8B,
        teacher=LLAMA_405B,
        why="The same line 1 with Meta models: distill-prompts, 'Anthropic and Meta Llama models support "
        "only single-turn conversation prompts, meaning you can only have one user prompt'.",
        errors=one(1, "messages", "distill-prompts"),
    ),
    Case(
        "d15",
        "DISTILLATION",
        NOVA_MICRO,
        teacher=NOVA_PRO,
        why="Line 1 has no schemaVersion: distill-prompts, 'Include the schemaVersion field'.",
        errors=one(1, "schemaVersion", "distill-prompts"),
    ),
    Case(
        "d16",
        "FINE_TUNING",
        HAIKU,
        why="Line 5 holds about 248,000 characters, over 41,000 tokens even at 6 characters per token: "
        "haiku-validator's MAX_TOKENS is 32,000 per record. The ':200k' in the model id is the "
        "inference context, not the training limit (issue 14).",
        errors=one(5, None, "haiku-validator"),
    ),
    Case(
        "d17",
        "FINE_TUNING",
        NOVA_MICRO,
        why="Line 3 puts an image in the assistant turn: the Nova validator rejects media in assistant "
        "turns and any image for Nova Micro ('image/video samples not supported by Nova Micro model').",
        errors=frozenset({(3, "messages[1].content[1].image", "nova-validator")}),
    ),
    Case(
        "d18",
        "FINE_TUNING",
        NOVA_MICRO,
        why="Line 3 mixes an image and a video in a user turn of a Nova Micro set: Micro takes no media "
        "(nova-validator), and a video comes without images (nova-validator; nova-ft: one modality).",
        errors=frozenset(
            {
                (3, "messages[0].content[1].image", "nova-validator"),
                (3, "messages[0].content[2].video", "nova-validator"),
                (3, "messages[0].content", "nova-validator"),
            }
        ),
    ),
    Case(
        "d19",
        "FINE_TUNING",
        NOVA_2_LITE,
        why="Line 1's user prompt starts with 'User:': nova-ft, 'If a user prompt or system prompt starts "
        "with any of these keywords ... the training job will fail due to data issues'.",
        errors=one(1, "messages[0].content[0].text", "nova-ft"),
    ),
    Case(
        "d20",
        "FINE_TUNING",
        NOVA_2_LITE,
        why="Line 4 starts with the assistant and repeats the user: nova-ft, 'The first turn in messages "
        'should always start with "role": "user"\'; turns alternate (nova-validator check_roles_order).',
        errors=frozenset({(4, "messages[0].role", "nova2-sft"), (4, "messages[2].role", "nova2-sft")}),
    ),
    Case(
        "d21",
        "REINFORCEMENT_FINE_TUNING",
        NOVA_2_LITE,
        truncated=False,
        why="Line 1 has 'prompt' instead of 'messages': rft-nova, each record holds messages.",
        errors=one(1, "messages", "rft-nova"),
    ),
    Case(
        "d22",
        "FINE_TUNING",
        TITAN,
        why="Line 10's prompt is 28,700 characters: bedrock-limits sets Titan Text's 'Character quota per "
        "sample in dataset' to the 4,096-token quota x 6 = 24,576.",
        errors=one(10, None, "bedrock-limits"),
    ),
    Case(
        "d22",
        "FINE_TUNING",
        COHERE_LIGHT,
        why="The same line for Cohere Command Light: the catalogue has no documented per-record training "
        "limit for Cohere, only the 4k context the model id states, so a warning (text-ft's 6 characters "
        "per token estimate).",
        warnings=one(10, None, "text-ft"),
    ),
    Case(
        "d23",
        "FINE_TUNING",
        NOVA_MICRO,
        why="Line 3 adds an image to a Nova Micro user turn: 'image/video samples not supported by Nova "
        "Micro model' (nova-validator); Micro takes text only.",
        errors=one(3, "messages[0].content[1].image", "nova-validator"),
    ),
    Case(
        "d24",
        "DISTILLATION",
        NOVA_MICRO,
        teacher=NOVA_PRO,
        why="Single-turn prompts with schemaVersion (distill-prompts): valid.",
    ),
    Case(
        "d24",
        "DISTILLATION",
        LLAMA_8B,
        teacher=LLAMA_405B,
        why="Single-turn prompts are what Meta models take (distill-prompts): valid for them too.",
    ),
]


def _is_minimum(finding: datasets.Finding) -> bool:
    return finding.line is None and "takes at least" in finding.message


@pytest.fixture(scope="module")
def data() -> Path:
    if not (DATA / "README.md").is_file():
        pytest.skip(
            f"third-party data sets not found at {DATA}: put the shared data folder beside the repository "
            "(CI does) or set REAL_DATASETS_DIR to run these tests"
        )
    return DATA


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_verdict_is_the_documentations(case: Case, data: Path) -> None:
    kwargs = {"teacher_model_id": case.teacher} if case.teacher else {}
    report = datasets.check_file(
        data / f"{case.file}.jsonl",
        customization_type=case.customization_type,
        model_id=case.model,
        role=case.role,
        max_findings=1000,
        **kwargs,  # type: ignore[arg-type]
    )
    findings = [f for f in report.findings if not (case.truncated and _is_minimum(f))]
    errors = {(f.line, f.field, f.source) for f in findings if f.severity is datasets.Severity.ERROR}
    warnings = {(f.line, f.field, f.source) for f in findings if f.severity is datasets.Severity.WARNING}
    if case.every_line_fails:
        assert {line for line, _, _ in errors} == set(range(1, report.records + 1)), case.why
        assert {source for _, _, source in errors} == {"distill-prompts"}
    else:
        assert errors == case.errors, (case.why, [str(f) for f in findings])
    assert warnings == case.warnings, (case.why, [str(f) for f in findings])
    assert report.ok is (not case.errors and not case.every_line_fails)


def test_every_file_in_the_folder_has_a_case(data: Path) -> None:
    files = {path.stem for path in data.glob("*.jsonl")}
    assert files == {case.file for case in CASES}

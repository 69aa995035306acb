"""``python -m constructs_lib validate-data``: exit codes and output, run as a user runs it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from constructs_lib.rules import cli

ROOT = Path(__file__).resolve().parents[2]
NOVA = "amazon.nova-micro-v1:0:128k"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "constructs_lib", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_clean_file_exits_0_with_a_summary() -> None:
    result = run("validate-data", "examples/data/converse/train.jsonl", "--model", NOVA, "--type", "FINE_TUNING")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "examples/data/converse/train.jsonl: 35 records, 27.5 KB, Converse (Amazon Nova FINE_TUNING training data)",
        "longest record: about 153 tokens at line 32 (the model's limit: 128,000)",
        "OK: 0 errors, 0 warnings",
    ]


def test_errors_exit_1_and_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    good = {"prompt": "Customer: Where is my order?\nAgent:", "completion": " Let me check."}
    path.write_text("\n".join([json.dumps(good), '{"prompt": "Hi"}', "oops", *[json.dumps(good)] * 3]) + "\n")
    result = run("validate-data", str(path), "--model", "amazon.titan-text-lite-v1:0:4k", "--max-findings", "1")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: 5 records, 0.4 KB, prompt/completion (Titan Text FINE_TUNING training data)",
        f"error: {path}:2: completion: is missing. [text-ft]",
        f"error: {path}: ... and 1 more error",
        "longest record: about 9 tokens at line 1 (the model's limit: 4,000)",
        "FAILED: 2 errors, 0 warnings",
    ]


def test_warnings_and_hyperparameter_advisories_exit_0_unless_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = ["validate-data", "examples/data/prompt-completion/train.jsonl", "--model", "meta.llama3-1-8b-instruct-v1:0"]
    args += ["-p", "epochCount=20", "--hyperparameter", "batchSize=1"]
    result = run(*args)
    assert result.returncode == 0
    assert "warning: examples/data/prompt-completion/train.jsonl: 40 records: Meta Llama 3.x takes at least 100" in (
        result.stdout
    )
    assert (
        "warning: hyper_parameters['epochCount'] = '20' is outside the documented range for Meta Llama 2 / 3.1 / 3.2: "
        "1-10 (default 5)." in result.stdout
    )
    assert result.stdout.splitlines()[-1] == "OK: 0 errors, 2 warnings"
    assert cli.main([*args, "--strict"]) == 1


def test_unusable_input_exits_2() -> None:
    missing = run("validate-data", "no/such/file.jsonl")
    assert missing.returncode == 2
    assert "validate-data: [Errno 2] No such file or directory: 'no/such/file.jsonl'" in missing.stderr
    for argv in (["validate-data", "examples/data/converse/train.jsonl", "--type", "PRETRAINING"], [], ["--help"]):
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == (0 if argv == ["--help"] else 2)


def test_validation_files_and_types_select_their_limits(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(ROOT / "examples/data/continued-pretraining/validation.jsonl")
    args = ["validate-data", corpus, "--model", "amazon.titan-text-express-v1:0:8k"]
    assert cli.main(args) == 1
    assert "must be prompt/completion" in capsys.readouterr().out
    assert cli.main([*args, "--type", "CONTINUED_PRE_TRAINING", "--validation"]) == 0
    assert "(Titan Text CONTINUED_PRE_TRAINING validation data)" in capsys.readouterr().out


# ---- in process: progress bar and the dispatcher -------------------------------------------------


def _args(path: Path, **overrides: object) -> Namespace:
    args = cli.build_parser().parse_args(["validate-data", str(path), "--model", NOVA])
    for name, value in overrides.items():
        setattr(args, name, value)
    return args


def test_the_progress_bar_shows_on_request_and_not_for_small_files_by_default() -> None:
    path = ROOT / "examples" / "data" / "converse" / "train.jsonl"
    out, err = io.StringIO(), io.StringIO()
    assert cli.run_validate_data(_args(path, progress=True), out, err) == 0
    assert "checking train.jsonl" in err.getvalue() and "27.5/27.5 kB" in err.getvalue()
    assert out.getvalue().splitlines()[-1] == "OK: 0 errors, 0 warnings"
    quiet = io.StringIO()
    assert cli.run_validate_data(_args(path), io.StringIO(), quiet) == 0
    assert quiet.getvalue() == ""


def test_large_files_get_a_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 1000)
    path = ROOT / "examples" / "data" / "claude-haiku" / "train.jsonl"
    err = Terminal()
    code = cli.run_validate_data(_args(path, model="anthropic.claude-3-haiku-20240307-v1:0:200k"), io.StringIO(), err)
    assert code == 0 and "checking train.jsonl" in err.getvalue()


def test_subcommands_register_through_the_commands_list() -> None:
    seen: list[str] = []

    def add_probe(subparsers: object) -> None:
        parser = subparsers.add_parser("probe")  # type: ignore[attr-defined]
        parser.set_defaults(run=lambda args: seen.append("ran") or 7)

    commands = [*cli.COMMANDS, add_probe]
    original = cli.COMMANDS
    cli.COMMANDS = commands
    try:
        assert cli.main(["probe"]) == 7
    finally:
        cli.COMMANDS = original
    assert seen == ["ran"]


# ---- issue 13: the summary agrees with the exit code; a misspelt hyperparameter gets a suggestion ----


def test_strict_mode_fails_on_warnings_and_the_summary_says_so(tmp_path: Path) -> None:
    args = ["validate-data", "examples/data/converse/train.jsonl", "--model", NOVA, "-p", "epochCount=20"]
    lenient = run(*args)
    assert lenient.returncode == 0
    assert lenient.stdout.splitlines()[-1] == "OK: 0 errors, 1 warning"
    strict = run(*args, "--strict")
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[-1] == "FAILED (--strict: warnings fail): 0 errors, 1 warning"
    clean = run("validate-data", "examples/data/converse/train.jsonl", "--model", NOVA, "--strict")
    assert clean.returncode == 0 and clean.stdout.splitlines()[-1] == "OK: 0 errors, 0 warnings"


def test_an_unknown_hyperparameter_gets_the_closest_documented_name() -> None:
    result = run("validate-data", "examples/data/converse/train.jsonl", "--model", NOVA, "-p", "epochcount=2")
    assert result.returncode == 0
    (advisory,) = [line for line in result.stdout.splitlines() if "epochcount" in line]
    assert "did you mean 'epochCount'?" in advisory, advisory


def test_a_truncated_line_is_reported_where_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    line = '{"prompt": "a", "completion": "bcd'
    path.write_text(json.dumps({"prompt": "a", "completion": "b"}) + "\n" + line + "\n")
    result = run("validate-data", str(path), "--model", "amazon.titan-text-lite-v1:0:4k")
    assert result.returncode == 1
    assert f"breaks off at column {len(line) + 1}" in result.stdout, result.stdout

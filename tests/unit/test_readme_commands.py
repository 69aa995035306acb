"""Every shell command in the README is either run by a test (or by CI) or marked as needing an AWS account.

The README's ``validate-data`` examples run here exactly as written, in a folder holding the files they
name (the repository's samples under those names); the other commands name the test that runs them.
A command added to the README without either fails ``test_every_command_is_run_or_needs_an_account``.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
NEEDS_ACCOUNT = "needs an AWS account"

RUN_ELSEWHERE = {
    "make synth": ".ci/run (make test builds everything make synth does) and tests/unit/test_cdk_cli.py",
    "make test": ".ci/run",
    "make quick": "a subset of make test (pytest -m 'not slow'), which .ci/run runs whole",
    "python3 -m venv .venv": "tests/packaging/test_install.py (a fresh venv outside the repository)",
    ".venv/bin/pip install /path/to/clone": "tests/packaging/test_install.py",
    ".venv/bin/pip install /path/to/clone/dist/cdk_bedrock_model_customization-0.1.0-py3-none-any.whl": (
        "tests/packaging/test_install.py (the wheel make dist builds)"
    ),
    '.venv/bin/pip install "cdk-bedrock-model-customization @ git+https://YOUR-GIT-HOST/OWNER/REPO.git@main"': (
        "tests/packaging/test_install.py (a local git repository of this commit)"
    ),
    "npm install --prefix .tools --no-audit --no-fund node@22": "the Makefile's own Node install (every make run)",
    "npx aws-cdk@2 synth": "tests/packaging/test_wheel.py (a user app from the README)",
    "npx aws-cdk@2 ls": "tests/unit/test_cdk_cli.py (the same CLI, cdk ls)",
    ".tools/node_modules/.bin/cdk synth": "tests/unit/test_cdk_cli.py",
    ".tools/node_modules/.bin/cdk ls": "tests/unit/test_cdk_cli.py",
}


def shell_commands() -> list[tuple[str, bool]]:
    """(command, needs an account) for every command line of the README's shell blocks."""
    found = []
    for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", README, re.S):
        block_needs = NEEDS_ACCOUNT in block.splitlines()[0]
        lines = block.replace("\\\n", " ").splitlines()
        for line in lines:
            command, _, comment = line.partition("#")
            command = command.strip()
            if command:
                found.append((" ".join(command.split()), block_needs or NEEDS_ACCOUNT in comment))
    return found


def test_every_command_is_run_or_needs_an_account() -> None:
    commands = shell_commands()
    assert len(commands) > 10
    unexplained = [
        command
        for command, needs_account in commands
        if not needs_account and command not in RUN_ELSEWHERE and "validate-data" not in command
    ]
    assert unexplained == []


def validate_data_examples() -> list[str]:
    return [c for c, needs in shell_commands() if "validate-data" in c and not needs]


def prompts_from(conversations: Path) -> str:
    """Distillation prompts as the documented format holds them: the conversations without the answers."""
    lines = []
    for text in conversations.read_text().splitlines():
        record = json.loads(text)
        record["messages"] = [m for m in record["messages"] if m["role"] == "user"][:1]
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", validate_data_examples())
def test_the_validate_data_examples_run_as_written(command: str, tmp_path: Path) -> None:
    samples = ROOT / "examples" / "data" / "converse"
    (tmp_path / "train.jsonl").write_text((samples / "train.jsonl").read_text())
    (tmp_path / "validation.jsonl").write_text((samples / "validation.jsonl").read_text())
    (tmp_path / "prompts.jsonl").write_text(prompts_from(samples / "train.jsonl"))
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "constructs_lib"]
    done = subprocess.run(
        [sys.executable, *argv[1:], "--no-progress"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "0 errors" in done.stdout

"""The README's install commands, exactly as written, in a fresh venv outside the repository.

Only the two placeholders the README names are filled in: ``/path/to/clone`` (a copy of this commit, where
``make dist`` built the wheel) and ``YOUR-GIT-HOST/OWNER/REPO`` (a local git repository of the same files).
The first ``pip install`` resolves every dependency from the package index (pip's cache makes a rerun
faster); the library is then uninstalled before each next line, so every line installs it for real while the
dependencies it declares are already satisfied. Slow (a minute or two): ``make quick`` leaves it out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DIST = "cdk-bedrock-model-customization"

pytestmark = pytest.mark.slow


def install_block() -> list[str]:
    """The shell block of the README's install section: one command per line."""
    section = README.split("## Install into your own CDK app", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    return [line.strip() for line in block.splitlines() if line.strip()]


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{shlex.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def test_the_readme_install_commands_work_as_written(tmp_path: Path) -> None:
    commands = install_block()
    assert commands[0] == "python3 -m venv .venv"
    pip_lines = commands[1:]
    assert len(pip_lines) == 3 and all(line.startswith(".venv/bin/pip install ") for line in pip_lines)
    assert "/path/to/clone" in pip_lines[0] and "/path/to/clone/dist/" in pip_lines[1]
    assert "YOUR-GIT-HOST/OWNER/REPO" in pip_lines[2]

    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(ROOT)))

    # The clone: this commit's files, as `git archive` gives them; `make dist` builds the wheel there.
    clone = tmp_path / "clone"
    clone.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "x", "-C", str(clone)], input=archive, check=True)
    for name in ("Makefile", "README.md", "pyproject.toml"):  # uncommitted edits of the packaging files too
        shutil.copy(ROOT / name, clone / name)
    run(["make", "dist", f"VENV={ROOT / '.venv'}"], cwd=clone, env=env)
    assert {p.name for p in (clone / "dist").iterdir()} == {
        "cdk_bedrock_model_customization-0.1.0-py3-none-any.whl",
        "cdk_bedrock_model_customization-0.1.0.tar.gz",
    }
    # The git repository: the clone's files committed on main.
    repo = tmp_path / "repo"
    shutil.copytree(clone, repo, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    run([*git, "init", "-q", "-b", "main"], cwd=repo, env=env)
    run([*git, "add", "-A"], cwd=repo, env=env)
    run([*git, "commit", "-q", "-m", "snapshot"], cwd=repo, env=env)

    app = tmp_path / "my-app"
    app.mkdir()
    run(shlex.split(commands[0]), cwd=app, env=env)
    python = app / ".venv" / "bin" / "python"
    for index, line in enumerate(pip_lines):
        filled = line.replace("/path/to/clone", str(clone)).replace(
            "https://YOUR-GIT-HOST/OWNER/REPO.git",
            f"file://localhost{repo}",  # pip wants a host in a VCS URL
        )
        if index:
            run([str(python), "-m", "pip", "uninstall", "-q", "-y", DIST], cwd=app, env=env)
        output = run(shlex.split(filled), cwd=app, env=env, timeout=900)
        assert "Successfully installed" in output and DIST in output, output[-3000:]
        probe = (
            "import json, importlib.metadata as m, constructs_lib; "
            f"d = m.distribution({DIST!r}); "
            "print(json.dumps({'file': constructs_lib.__file__, 'url': d.read_text('direct_url.json'), "
            "'deps': [m.version(n) for n in ('aws-cdk-lib', 'constructs', 'boto3', 'rich')]}))"
        )
        found = json.loads(run([str(python), "-c", probe], cwd=app, env=env).strip().splitlines()[-1])
        assert found["file"].startswith(str(app / ".venv")), found
        direct = json.loads(found["url"])
        expected = [f"file://{clone}", f"file://{clone}/dist/", f"file://localhost{repo}"][index]
        assert direct["url"].startswith(expected), (line, direct)
        assert ("vcs_info" in direct) == (index == 2), direct


def _makefile_editable_env() -> dict[str, str]:
    """The environment the Makefile's `pip install -e` lines run with (its EDITABLE variable)."""
    (line,) = [x for x in (ROOT / "Makefile").read_text().splitlines() if x.startswith("EDITABLE :=")]
    name, _, value = line.split(":=", 1)[1].strip().partition("=")
    return {name: value.strip('"')}


def test_the_makefiles_editable_install_prints_no_warning(tmp_path: Path) -> None:
    """The Makefile's editable install, in a fresh venv with the current pip: no BuildBackendWarning (without the
    Makefile's setting, setuptools' notice shows, so this test can fail). The dependencies are not what is
    tested here, so they are not installed."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONWARNINGS")}
    run([*pip, "install", "-q", "--upgrade", "pip"], cwd=tmp_path, env=base)
    clone = tmp_path / "clone"
    clone.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "x", "-C", str(clone)], input=archive, check=True)
    shutil.copy(ROOT / "pyproject.toml", clone / "pyproject.toml")
    command = [*pip, "install", "--no-deps", "-e", str(clone)]
    plain = run(command, cwd=tmp_path, env=base)
    assert "Editable installation" in plain  # what the Makefile's setting hides
    quiet = run(command, cwd=tmp_path, env={**base, **_makefile_editable_env()})
    assert "Successfully installed" in quiet
    assert "Warning" not in quiet.replace("WARNING: Location", ""), quiet[-3000:]

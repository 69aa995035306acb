"""Shared bits of the benchmarks: child-process environment, timing a child, medians, paths."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "benchmarks"
LAMBDA_SRC = REPO / "lambda_src"
DEFAULT_JSII_NODE = REPO / ".tools" / "node_modules" / ".bin" / "node"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every benchmark subprocess: jsii on the supported Node, no deprecation banner."""
    env = dict(os.environ)
    if not env.get("JSII_NODE") and DEFAULT_JSII_NODE.exists():
        env["JSII_NODE"] = str(DEFAULT_JSII_NODE)
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.update(extra or {})
    return env


def set_jsii_env() -> None:
    """The same for this process, before it imports aws_cdk."""
    os.environ.update({k: v for k, v in child_env().items() if k.startswith("JSII_")})


class ChildFailed(RuntimeError):
    """A benchmark subprocess exited non-zero; ``reason`` is the last error line it printed."""

    def __init__(self, command: str, returncode: int, stderr: str) -> None:
        self.reason = short_error(stderr)
        super().__init__(f"{command} exited {returncode}: {self.reason}")
        self.stderr = stderr


def short_error(stderr: str) -> str:
    """The last ``...Error: message`` line of a traceback, without jsii's repeated prefixes."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b.*?:", line)]
    text = errors[-1] if errors else (lines[-1] if lines else "no output")
    text = re.sub(r"^[\w.]*(Error|Exception):\s*", "", text)
    text = re.sub(r"^(Resolution error:\s*)+", "", text)
    return re.sub(r"\.{2,}$", ".", text)  # jsii appends "..." to messages it relays


@dataclass(frozen=True)
class Timed:
    wall_s: float
    cpu_s: float  # user + system of the process and the children it waited for (the jsii Node kernel)
    stdout: str


def run_timed(args: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Timed:
    """Run ``python args...``; its wall time, and the CPU time of exactly its process tree from wait4()."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *args], stdout=out, stderr=err, env=env or child_env(), cwd=cwd or REPO
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise ChildFailed(f"python {' '.join(args)}", proc.returncode, err.read())
        return Timed(wall, usage.ru_utime + usage.ru_stime, out.read())


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"

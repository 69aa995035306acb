"""``python -m constructs_lib watch JOB``: a job's stages with status and elapsed time, until the job ends.

The core is pure: ``render`` turns one GetModelCustomizationJob response and the current time into
lines, ``exit_code`` maps the final status to the exit code. ``watch`` polls a job getter; ``run`` builds
the boto3 client (imported only here: the constructs never need boto3 at synth).

Exit codes: 0 the job Completed, 1 it Failed or was Stopped, 2 the job could not be read (unknown name,
no credentials, no Region, unreachable endpoint), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

EXIT_COMPLETED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEFAULT_INTERVAL = 30.0
STAGES = (
    ("validation", "validationDetails"),
    ("data processing", "dataProcessingDetails"),
    ("training", "trainingDetails"),
)
ENDED = ("Completed", "Failed", "Stopped")
RUNNING = ("InProgress", "Stopping")

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Job: TypeAlias = Mapping[str, Any]


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_duration(seconds: float) -> str:
    """``45s``, ``3m 05s``, ``2h 07m 30s``; negative clock skew shows as ``0s``."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def _elapsed(start: Any, end: Any, now: datetime) -> str:
    began = _utc(start)
    if began is None:
        return ""
    ended = _utc(end) or now
    return format_duration((ended - began).total_seconds())


def _stage_line(label: str, details: Mapping[str, Any] | None, now: datetime) -> str:
    status = str((details or {}).get("status") or "NotStarted")
    if status == "NotStarted" or details is None:
        elapsed = ""
    elif status in RUNNING:
        elapsed = _elapsed(details.get("creationTime"), None, now)
    else:
        elapsed = _elapsed(details.get("creationTime"), details.get("lastModifiedTime"), now)
    return f"  {label:<16} {status:<11} {elapsed}".rstrip()


def render(job: Job, now: datetime) -> list[str]:
    """The job's status and elapsed time, then one line per stage (validation, data processing, training)."""
    status = str(job.get("status") or "?")
    name = job.get("jobName") or job.get("jobArn") or "?"
    kind = f" ({job['customizationType']})" if job.get("customizationType") else ""
    end = job.get("endTime") if status in ENDED else None
    lines = [f"Job {name}{kind}: {status}, {_elapsed(job.get('creationTime'), end, now) or 'elapsed unknown'}"]
    details = job.get("statusDetails")
    if not details:
        lines.append("  (Bedrock reports no stage details for this job)")
    else:
        lines.extend(_stage_line(label, details.get(key), now) for label, key in STAGES)
    return lines


def summary(job: Job, now: datetime) -> str:
    """The last line once the job ended: the model and losses, or Bedrock's failure message."""
    status = str(job.get("status"))
    took = _elapsed(job.get("creationTime"), job.get("endTime"), now)
    if status == "Completed":
        losses = []
        training = (job.get("trainingMetrics") or {}).get("trainingLoss")
        if training is not None:
            losses.append(f"training loss {training}")
        validation = [m.get("validationLoss") for m in job.get("validationMetrics") or [] if m]
        if validation and validation[0] is not None:
            losses.append(f"validation loss {validation[0]}")
        model = job.get("outputModelArn") or job.get("outputModelName") or "(no model reported)"
        tail = f" ({', '.join(losses)})" if losses else ""
        return f"Completed in {took}: custom model {model}{tail}"
    message = str(job.get("failureMessage") or "").strip() or "no failure message"
    return f"{status} after {took}: {message}"


def exit_code(job: Job) -> int:
    return EXIT_COMPLETED if job.get("status") == "Completed" else EXIT_FAILED


def _stages_key(job: Job) -> tuple[str, ...]:
    """What changes a non-terminal display: the statuses, not the seconds ticking by."""
    details = job.get("statusDetails") or {}
    return (str(job.get("status")), *(str((details.get(key) or {}).get("status")) for _, key in STAGES))


def _now() -> datetime:
    return datetime.now(UTC)


def watch(
    get_job: Callable[[], Job],
    *,
    interval: float,
    out: TextIO,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = _now,
    live: bool = False,
) -> int:
    """Poll until the job ends. On a terminal, redraw in place; otherwise print a block when a status changes."""
    if live:
        return _watch_live(get_job, interval=interval, out=out, sleep=sleep, now=now)
    shown: tuple[str, ...] | None = None
    while True:
        job = get_job()
        key = _stages_key(job)
        if key != shown:
            if shown is not None:
                print(file=out)
            print("\n".join(render(job, now())), file=out, flush=True)
            shown = key
        if job.get("status") in ENDED:
            print(summary(job, now()), file=out, flush=True)
            return exit_code(job)
        sleep(interval)


def _watch_live(
    get_job: Callable[[], Job],
    *,
    interval: float,
    out: TextIO,
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
) -> int:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(file=out, highlight=False)
    with Live(Text(""), console=console, auto_refresh=False) as display:
        while True:
            job = get_job()
            display.update(Text("\n".join(render(job, now()))), refresh=True)
            if job.get("status") in ENDED:
                break
            sleep(interval)
    console.print(Text(summary(job, now())))
    return exit_code(job)


# ---- command line -------------------------------------------------------------------------------


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="show a customization job's stages and elapsed time until it ends",
        description=(
            "Show a Bedrock model customization job's status and its stages (validation, data processing, "
            "training) with elapsed times, refreshing until the job ends. Exit code 0 when it Completed, 1 when "
            "it Failed or was Stopped, 2 when the job could not be read."
        ),
    )
    parser.add_argument("job", metavar="JOB", help="the job's name or ARN (job_name / job_arn of the construct)")
    parser.add_argument("--endpoint-url", metavar="URL", help="Bedrock endpoint, as in the AWS CLI")
    parser.add_argument("--region", metavar="REGION", help="AWS Region, as in the AWS CLI (default: your config)")
    parser.add_argument(
        "--interval",
        type=_positive,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between polls (default {DEFAULT_INTERVAL:g})",
    )
    parser.set_defaults(run=run)


def run(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = _now,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        print("watch: needs boto3 (pip install boto3)", file=err)
        return EXIT_USAGE
    try:
        client = boto3.session.Session(region_name=args.region).client("bedrock", endpoint_url=args.endpoint_url)

        def get_job() -> Job:
            job: Job = client.get_model_customization_job(jobIdentifier=args.job)
            return job

        return watch(get_job, interval=args.interval, out=out, sleep=sleep, now=now, live=out.isatty())
    except ClientError as error:
        detail = error.response.get("Error", {})
        print(f"watch: {args.job}: {detail.get('Code')}: {detail.get('Message')}", file=err)
        return EXIT_USAGE
    except BotoCoreError as error:
        print(f"watch: {error}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=err)
        return EXIT_INTERRUPTED

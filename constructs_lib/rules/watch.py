"""``python -m constructs_lib watch JOB``: a job's stages with status and elapsed time, until the job ends;
or a serving resource's status (a custom model deployment or provisioned model ARN) until it is ready.

The core is pure: ``render`` turns one GetModelCustomizationJob response and the current time into
lines, ``exit_code`` maps the final status to the exit code; ``render_serving``, ``serving_summary`` and
``serving_exit_code`` do the same for GetCustomModelDeployment / GetProvisionedModelThroughput. ``watch``
polls a getter; ``run`` builds the boto3 client (imported only here: the constructs never need boto3 at synth).

Exit codes: 0 the job Completed (a deployment Active, a throughput InService, serving the model it was
asked to), 1 it Failed or was Stopped (a swap failed), 2 it could not be read (unknown name, no credentials,
no Region, unreachable endpoint), 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from .. import contract

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


@dataclass(frozen=True)
class View:
    """How ``watch`` shows one kind of resource: its lines, what changes them, when it ended and how."""

    render: Callable[[Job, datetime], list[str]]
    key: Callable[[Job], tuple[str, ...]]
    ended: Callable[[Job], bool]
    summary: Callable[[Job, datetime], str]
    exit_code: Callable[[Job], int]


JOB_VIEW = View(render, _stages_key, lambda job: job.get("status") in ENDED, summary, exit_code)


def watch(
    get_job: Callable[[], Job],
    *,
    interval: float,
    out: TextIO,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = _now,
    live: bool = False,
    view: View = JOB_VIEW,
) -> int:
    """Poll until the resource ends. On a terminal, redraw in place; otherwise print a block when a status changes."""
    if live:
        return _watch_live(get_job, interval=interval, out=out, sleep=sleep, now=now, view=view)
    shown: tuple[str, ...] | None = None
    while True:
        job = get_job()
        key = view.key(job)
        if key != shown:
            if shown is not None:
                print(file=out)
            print("\n".join(view.render(job, now())), file=out, flush=True)
            shown = key
        if view.ended(job):
            print(view.summary(job, now()), file=out, flush=True)
            return view.exit_code(job)
        sleep(interval)


def _watch_live(
    get_job: Callable[[], Job],
    *,
    interval: float,
    out: TextIO,
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
    view: View = JOB_VIEW,
) -> int:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(file=out, highlight=False)
    with Live(Text(""), console=console, auto_refresh=False) as display:
        while True:
            job = get_job()
            display.update(Text("\n".join(view.render(job, now()))), refresh=True)
            if view.ended(job):
                break
            sleep(interval)
    console.print(Text(view.summary(job, now())))
    return view.exit_code(job)


# ---- serving: a custom model deployment or a provisioned throughput, by ARN ----------------------------

_SERVING_ARN = r"arn:aws[a-z-]*:bedrock:([a-z0-9-]{1,20}):\d{12}:"
DEPLOYMENT_ARN = re.compile(_SERVING_ARN + r"custom-model-deployment/[a-z0-9]{12}")
THROUGHPUT_ARN = re.compile(_SERVING_ARN + r"provisioned-model/[a-z0-9]{12}")
DEPLOYMENT = "deployment"
THROUGHPUT = "throughput"


def serving_kind(identifier: str) -> str | None:
    """``deployment`` or ``throughput`` for a serving resource's ARN; None for anything else (a job)."""
    if DEPLOYMENT_ARN.fullmatch(identifier):
        return DEPLOYMENT
    if THROUGHPUT_ARN.fullmatch(identifier):
        return THROUGHPUT
    return None


def _is_deployment(resource: Job) -> bool:
    return "customModelDeploymentArn" in resource


def serving_ready(resource: Job) -> bool:
    """Active (a deployment with no swap under way) or InService (a throughput serving its desired model): read the
    way the runtime's waits read it (contract.serving_settled)."""
    return contract.serving_settled(resource, throughput=not _is_deployment(resource))


def _swap_failed(resource: Job) -> bool:
    return _is_deployment(resource) and contract.serving_update_failed(resource)


def serving_ended(resource: Job) -> bool:
    return resource.get("status") == contract.SERVING_FAILED or serving_ready(resource)


def _serving_times(resource: Job) -> tuple[Any, Any]:
    if _is_deployment(resource):
        return resource.get("createdAt"), resource.get("lastUpdatedAt")
    return resource.get("creationTime"), resource.get("lastModifiedTime")


def render_serving(resource: Job, now: datetime) -> list[str]:
    """The status and age, the model served (and where a swap goes), units and commitment of a throughput."""
    status = str(resource.get("status") or "?")
    created, updated = _serving_times(resource)
    end = updated if serving_ended(resource) else None
    age = _elapsed(created, end, now) or "elapsed unknown"
    if _is_deployment(resource):
        name = resource.get("modelDeploymentName") or resource.get("customModelDeploymentArn")
        lines = [f"Custom model deployment {name}: {status}, {age}", f"  model          {resource.get('modelArn')}"]
        details = resource.get("updateDetails") or {}
        if details.get("updateStatus"):
            lines.append(f"  swap           {details.get('updateStatus')} to {details.get('modelArn')}")
        return lines
    name = resource.get("provisionedModelName") or resource.get("provisionedModelArn")
    units = f"{resource.get('modelUnits')}"
    if resource.get("desiredModelUnits") not in (None, resource.get("modelUnits")):
        units += f" (changing to {resource.get('desiredModelUnits')})"
    lines = [
        f"Provisioned throughput {name}: {status}, {age}",
        f"  model units    {units}",
        f"  model          {resource.get('modelArn')}",
    ]
    if resource.get("desiredModelArn") not in (None, resource.get("modelArn")):
        lines.append(f"  swap           to {resource.get('desiredModelArn')}")
    if resource.get("commitmentDuration"):
        expires = _utc(resource.get("commitmentExpirationTime"))
        until = f" until {expires.isoformat()}" if expires else ""
        lines.append(f"  commitment     {resource.get('commitmentDuration')}{until}")
    return lines


def _serving_key(resource: Job) -> tuple[str, ...]:
    details = resource.get("updateDetails") or {}
    return tuple(
        str(v)
        for v in (
            resource.get("status"),
            resource.get("modelArn"),
            resource.get("desiredModelArn"),
            resource.get("desiredModelUnits"),
            details.get("updateStatus"),
        )
    )


def serving_summary(resource: Job, now: datetime) -> str:
    created, updated = _serving_times(resource)
    took = _elapsed(created, updated, now)
    arn = resource.get("customModelDeploymentArn") or resource.get("provisionedModelArn")
    if resource.get("status") == "Failed" or _swap_failed(resource):
        message = str(resource.get("failureMessage") or "").strip() or "no failure message"
        what = "Swap failed" if _swap_failed(resource) else "Failed"
        return f"{what} after {took}: {message}"
    return f"{resource.get('status')} after {took}: invoke it with modelId {arn} (serving {resource.get('modelArn')})"


def serving_exit_code(resource: Job) -> int:
    return EXIT_COMPLETED if serving_ready(resource) and not _swap_failed(resource) else EXIT_FAILED


SERVING_VIEW = View(
    render_serving,
    _serving_key,
    lambda r: serving_ended(r) or _swap_failed(r),
    serving_summary,
    serving_exit_code,
)


# ---- command line -------------------------------------------------------------------------------


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="show a customization job's stages (or a deployment's, a throughput's status) until it ends",
        description=(
            "Show a Bedrock model customization job's status and its stages (validation, data processing, "
            "training) with elapsed times, refreshing until the job ends. Exit code 0 when it Completed, 1 when "
            "it Failed or was Stopped, 2 when the job could not be read. Given a custom model deployment ARN or a "
            "provisioned model ARN, show its status and model until it is Active / InService (exit 0) or Failed "
            "(exit 1)."
        ),
    )
    parser.add_argument(
        "job",
        metavar="JOB",
        help="the job's name or ARN (job_name / job_arn of the construct), or a custom model deployment ARN "
        "or provisioned model ARN (deployment_arn / provisioned_model_arn)",
    )
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
        from botocore.exceptions import BotoCoreError, ClientError, NoRegionError
    except ImportError:
        print("watch: needs boto3 (pip install boto3)", file=err)
        return EXIT_USAGE
    kind = serving_kind(args.job)
    region = args.region
    if kind and not region:
        found = re.match(_SERVING_ARN, args.job)
        region = found.group(1) if found else None
    try:
        client = boto3.session.Session(region_name=region).client("bedrock", endpoint_url=args.endpoint_url)
        get: Callable[[], Job]
        if kind is None:

            def get() -> Job:
                job: Job = client.get_model_customization_job(jobIdentifier=args.job)
                return job

            view = JOB_VIEW
        else:
            operation = "get_custom_model_deployment" if kind == DEPLOYMENT else "get_provisioned_model_throughput"
            param = "customModelDeploymentIdentifier" if kind == DEPLOYMENT else "provisionedModelId"
            if not hasattr(client, operation):
                import botocore

                print(f"watch: botocore {botocore.__version__} does not know {operation}; upgrade boto3", file=err)
                return EXIT_USAGE

            def get() -> Job:
                resource: Job = getattr(client, operation)(**{param: args.job})
                return resource

            view = SERVING_VIEW
        return watch(get, interval=args.interval, out=out, sleep=sleep, now=now, live=out.isatty(), view=view)
    except ClientError as error:
        detail = error.response.get("Error", {})
        print(f"watch: {args.job}: {detail.get('Code')}: {detail.get('Message')}", file=err)
        return EXIT_USAGE
    except NoRegionError:
        print(
            "watch: no AWS Region: pass --region (e.g. --region us-east-1), or set AWS_REGION or a region in your "
            "AWS config (aws configure).",
            file=err,
        )
        return EXIT_USAGE
    except BotoCoreError as error:
        print(f"watch: {error}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=err)
        return EXIT_INTERRUPTED

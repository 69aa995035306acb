"""The judge step of the evaluation gate: start the evaluation job, poll it, read its report, give the verdict.

Thin boto3 calls around the pure core (gate.py). Each function does a bounded amount of work and returns, so a
runtime that waits across invocations (the job wait machinery: evaluation jobs can outlast CloudFormation's
one-hour custom-resource limit) can call ``poll`` once per wake-up; nothing here sleeps for the job. Every call
retries throttling, 5xx and network errors within the invocation's time (kernel ``Retrier``). The create carries
a clientRequestToken derived from the CloudFormation request, so a create retried after a lost response returns
the same job instead of starting a second one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..contract import EVAL_BASELINE_ABSOLUTE
from ..customization_job import calls
from ..customization_job import errors as job_errors
from ..customization_job.errors import HandlerError
from ..kernel.log import log_event
from ..kernel.retry import Retrier
from . import gate as core


@dataclass(frozen=True)
class Judging:
    """The evaluation job is still running (InProgress, or Stopping): poll again later."""

    job_arn: str
    status: str


@dataclass(frozen=True)
class Judged:
    """The verdict, with what the serving resource publishes as attributes."""

    promoted: bool
    candidate: dict[str, float]
    reference: dict[str, float]
    job_arn: str
    report: str
    reason: str | None
    """The refusal reason (None when promoted)."""


def start(client: Any, retrier: Retrier, request: Mapping[str, Any]) -> str:
    """CreateEvaluationJob (``request`` from ``gate.evaluation_job_request``); returns the job ARN."""
    action = f"Starting evaluation job {request.get('jobName')!r}"
    try:
        response = calls.run(retrier, action, lambda: client.create_evaluation_job(**request))
    except ClientError as error:
        raise _refused(action, error) from error
    return str(response["jobArn"])


def stop(client: Any, retrier: Retrier, job_arn: str, *, expected_name: str | None = None) -> str:
    """StopEvaluationJob (rollback, delete, or a deploy given up): "stopping", "not-running", "not-found", or
    "not-ours" when ``expected_name`` is given and the job is named otherwise (the ARN came from a payload that
    whoever may invoke the function can forge; IAM alone would let it stop any judge of this stack)."""
    action = f"Stopping evaluation job {job_arn}"
    try:
        if expected_name is not None:
            job = calls.run(retrier, action, lambda: client.get_evaluation_job(jobIdentifier=job_arn))
            if job.get("jobName") != expected_name:
                log_event(**retrier.log_fields, action="evaluation-stop", outcome="not-ours", jobArn=job_arn[:300])
                return "not-ours"
        calls.run(retrier, action, lambda: client.stop_evaluation_job(jobIdentifier=job_arn))
        return "stopping"
    except ClientError as error:
        if job_errors.is_not_found(error):
            return "not-found"
        if job_errors.error_code(error) == "ConflictException":
            return "not-running"
        raise _refused(action, error) from error


def poll(
    client: Any,
    s3: Any,
    retrier: Retrier,
    gate: core.EvaluationGate,
    job_arn: str,
    *,
    swap: bool,
    noun: str,
    candidate_model: str,
    swap_from: str | None,
) -> Judging | Judged:
    """One look at the job: still running, or the verdict from its report. A job that failed or was stopped
    refuses (the gate cannot vouch for the candidate), naming Bedrock's failure messages and what keeps serving."""
    action = f"Reading evaluation job {job_arn}"
    try:
        job = calls.run(retrier, action, lambda: client.get_evaluation_job(jobIdentifier=job_arn))
    except ClientError as error:
        raise _refused(action, error) from error
    status = str(job.get("status"))
    if status in ("InProgress", "Stopping"):
        return Judging(job_arn, status)
    report = core.report_prefix(gate.output_uri, str(job.get("jobName")))
    effect = f"The {noun} was not swapped: it keeps serving {swap_from}." if swap_from else f"No {noun} was created."
    if status != "Completed":
        messages = "; ".join(str(m) for m in job.get("failureMessages") or []) or "no failure message"
        raise HandlerError(
            f"Evaluation gate refused model {candidate_model}: evaluation job {job_arn} ended {status} "
            f"({messages}), so the gate cannot vouch for the candidate. {effect} Check the evaluation role's access "
            f"to the data set, the report location {report} and the judge model, then deploy again."
        )
    scores = read_scores(s3, retrier, report)
    candidate = scores.get(core.CANDIDATE, core.Scores({}, {}, {})).means
    baseline = gate.baseline_for(swap=swap)
    if baseline == EVAL_BASELINE_ABSOLUTE:
        reference, label = dict(gate.min_scores), "required scores"
    else:
        reference = scores.get(core.INCUMBENT, core.Scores({}, {}, {})).means
        label = "serving model" if swap else "base model"
    verdict = core.compare(gate.metric_names, candidate, reference, gate.margin)
    reason = None
    if not verdict.promoted:
        reason = core.refusal_reason(
            noun=noun,
            candidate_model=candidate_model,
            incumbent_label=label,
            verdict=verdict,
            candidate=candidate,
            reference=reference,
            job_arn=job_arn,
            report=report,
            swap_from=swap_from,
        )
    return Judged(verdict.promoted, candidate, reference, job_arn, report, reason)


def read_scores(s3: Any, retrier: Retrier, report: str) -> dict[str, core.Scores]:
    """Scores per precomputed source from the report's ``*_output.jsonl`` files under ``report``."""
    bucket, _, prefix = report.removeprefix("s3://").partition("/")
    action = f"Reading the evaluation report {report}"
    lines: dict[str, list[str]] = {}
    try:
        token: str | None = None
        while True:
            listing: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
            if token:
                listing["ContinuationToken"] = token
            page = calls.run(retrier, action, functools.partial(s3.list_objects_v2, **listing))
            for item in page.get("Contents") or []:
                key = str(item["Key"])
                source = core.model_of_output_key(key)
                if source is None:
                    continue
                body = calls.run(retrier, action, functools.partial(s3.get_object, Bucket=bucket, Key=key))["Body"]
                lines.setdefault(source, []).extend(body.read().decode("utf-8").splitlines())
            token = page.get("NextContinuationToken")
            if not token:
                break
    except ClientError as error:
        raise _refused(action, error) from error
    return {source: core.scores_of(found) for source, found in lines.items()}


def _refused(action: str, error: ClientError) -> HandlerError:
    code, message = job_errors.error_code(error), job_errors.error_message(error)
    return HandlerError(f"{action} failed: AWS said ({code}): {message!r}. Nothing was swapped or created.")

"""``python -m constructs_lib watch``: pure rendering, and the whole command against moto over HTTP.

moto keeps jobs InProgress and returns no stage details, so the test drives the job through its stages
on moto's in-process backend (``ThreadedMotoServer`` shares this process) between polls.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.bedrock import models as moto_bedrock
from moto.server import ThreadedMotoServer

from constructs_lib.rules import watch

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = datetime(2025, 5, 1, 8, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# ---- pure core ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45.9, "45s"), (185, "3m 05s"), (3600, "1h 00m 00s"), (7650, "2h 07m 30s"), (-5, "0s")],
)
def test_durations(seconds: float, text: str) -> None:
    assert watch.format_duration(seconds) == text


def stage(status: str, start: float | None = None, end: float | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {"status": status}
    if start is not None:
        details["creationTime"] = at(start)
    if end is not None:
        details["lastModifiedTime"] = at(end)
    return details


def test_render_shows_each_stage_with_status_and_elapsed_time() -> None:
    job = {
        "jobName": "SupportBot-3f9a2c1b0d4e",
        "customizationType": "FINE_TUNING",
        "status": "InProgress",
        "creationTime": T0,
        "statusDetails": {
            "validationDetails": stage("Completed", 0, 185),
            "dataProcessingDetails": stage("Completed", 185, 905),
            "trainingDetails": stage("InProgress", 905, 905),
        },
    }
    assert watch.render(job, at(3725)) == [
        "Job SupportBot-3f9a2c1b0d4e (FINE_TUNING): InProgress, 1h 02m 05s",
        "  validation       Completed   3m 05s",
        "  data processing  Completed   12m 00s",
        "  training         InProgress  47m 00s",
    ]


def test_render_of_a_job_without_stage_details_and_with_naive_times() -> None:
    job = {"jobArn": "arn:aws:bedrock:us-east-1:1:model-customization-job/x/abc", "status": "Stopping"}
    job["creationTime"] = datetime(2025, 5, 1, 8, 0, 0)  # naive: read as UTC
    assert watch.render(job, at(60)) == [
        "Job arn:aws:bedrock:us-east-1:1:model-customization-job/x/abc: Stopping, 1m 00s",
        "  (Bedrock reports no stage details for this job)",
    ]


def test_summary_and_exit_codes() -> None:
    done = {
        "status": "Completed",
        "creationTime": T0,
        "endTime": at(7650),
        "outputModelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/m",
        "trainingMetrics": {"trainingLoss": 0.125},
        "validationMetrics": [{"validationLoss": 0.25}],
    }
    assert watch.summary(done, at(9000)) == (
        "Completed in 2h 07m 30s: custom model arn:aws:bedrock:us-east-1:123456789012:custom-model/m "
        "(training loss 0.125, validation loss 0.25)"
    )
    assert watch.exit_code(done) == 0
    failed = {"status": "Failed", "creationTime": T0, "endTime": at(300), "failureMessage": "Bad record at line 3"}
    assert watch.summary(failed, at(900)) == "Failed after 5m 00s: Bad record at line 3"
    assert watch.exit_code(failed) == 1
    assert watch.exit_code({"status": "Stopped"}) == 1


def test_live_mode_redraws_and_ends_with_the_summary() -> None:
    states = iter(
        [
            {"jobName": "j", "status": "InProgress", "creationTime": T0},
            {"jobName": "j", "status": "Completed", "creationTime": T0, "endTime": at(90), "outputModelArn": "arn:m"},
        ]
    )
    out = io.StringIO()
    code = watch.watch(lambda: next(states), interval=1, out=out, sleep=lambda _: None, now=lambda: at(90), live=True)
    assert code == 0
    assert out.getvalue().rstrip().endswith("Completed in 1m 30s: custom model arn:m")


def test_parser_takes_endpoint_region_and_interval_like_the_aws_cli() -> None:
    parser = argparse.ArgumentParser()
    watch.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "watch",
            "SupportBot-3f9a2c1b0d4e",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--region",
            "eu-west-1",
            "--interval",
            "5",
        ]
    )
    assert (args.job, args.endpoint_url, args.region, args.interval) == (
        "SupportBot-3f9a2c1b0d4e",
        "http://127.0.0.1:1",
        "eu-west-1",
        5.0,
    )
    assert args.run is watch.run
    with pytest.raises(SystemExit):
        parser.parse_args(["watch", "x", "--interval", "0"])


# ---- against moto over HTTP ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def stage_details(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto has no statusDetails; serve the ones a test sets on the backend job, as Bedrock would."""
    original = moto_bedrock.ModelCustomizationJob.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        rendered: dict[str, Any] = original(self)
        details = getattr(self, "status_details", None)
        if details:
            rendered["statusDetails"] = details
        return rendered

    monkeypatch.setattr(moto_bedrock.ModelCustomizationJob, "to_dict", to_dict)


def iso(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def moto_stage(status: str, start: float, end: float) -> dict[str, str]:
    return {"status": status, "creationTime": iso(start), "lastModifiedTime": iso(end)}


def create_job(endpoint: str, name: str) -> Any:
    client = boto3.session.Session(region_name=REGION).client("bedrock", endpoint_url=endpoint)
    client.create_model_customization_job(
        jobName=name,
        customModelName=f"{name}-model",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/bedrock-customization/job-role",
        baseModelIdentifier="amazon.nova-micro-v1:0:128k",
        trainingDataConfig={"s3Uri": "s3://data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://out/"},
        hyperParameters={"epochCount": "2"},
    )
    backend_job = moto_bedrock.bedrock_backends[ACCOUNT][REGION].model_customization_jobs[name]
    backend_job.creation_time = iso(0)
    return backend_job


def run_watch(endpoint: str, name: str, steps: list[Callable[[], None]]) -> tuple[int, str, str, list[float]]:
    """Run the command; each poll's sleep applies the next step to the backend job."""
    parser = argparse.ArgumentParser()
    watch.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["watch", name, "--endpoint-url", endpoint, "--region", REGION, "--interval", "30"])
    pending = list(steps)
    slept: list[float] = []
    clock = [3600.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds
        if pending:
            pending.pop(0)()

    out, err = io.StringIO(), io.StringIO()
    code = watch.run(args, out=out, err=err, sleep=sleep, now=lambda: at(clock[0]))
    return code, out.getvalue(), err.getvalue(), slept


def test_watch_follows_a_job_through_its_stages_until_it_completes(moto_endpoint: str, stage_details: None) -> None:
    name = "SupportBot-3f9a2c1b0d4e"
    job = create_job(moto_endpoint, name)
    job.status_details = {
        "validationDetails": moto_stage("InProgress", 0, 0),
        "dataProcessingDetails": {"status": "NotStarted"},
        "trainingDetails": {"status": "NotStarted"},
    }

    def validated() -> None:
        job.status_details = {
            "validationDetails": moto_stage("Completed", 0, 185),
            "dataProcessingDetails": moto_stage("InProgress", 185, 185),
            "trainingDetails": {"status": "NotStarted"},
        }

    def training() -> None:
        job.status_details = {
            "validationDetails": moto_stage("Completed", 0, 185),
            "dataProcessingDetails": moto_stage("Completed", 185, 905),
            "trainingDetails": moto_stage("InProgress", 905, 905),
        }

    def completed() -> None:
        job.status_details["trainingDetails"] = moto_stage("Completed", 905, 7650)
        job.status = "Completed"
        job.end_time = iso(7650)
        job.training_metrics = {"trainingLoss": 0.125}

    code, out, err, slept = run_watch(moto_endpoint, name, [validated, lambda: None, training, completed])

    assert (code, err) == (0, "")
    assert slept == [30.0] * 4
    model = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/{name}-model-{name}"
    assert out.splitlines() == [
        f"Job {name}: InProgress, 1h 00m 00s",
        "  validation       InProgress  1h 00m 00s",
        "  data processing  NotStarted",
        "  training         NotStarted",
        "",
        f"Job {name}: InProgress, 1h 00m 30s",
        "  validation       Completed   3m 05s",
        "  data processing  InProgress  57m 25s",
        "  training         NotStarted",
        "",
        f"Job {name}: InProgress, 1h 01m 30s",
        "  validation       Completed   3m 05s",
        "  data processing  Completed   12m 00s",
        "  training         InProgress  46m 25s",
        "",
        f"Job {name}: Completed, 2h 07m 30s",
        "  validation       Completed   3m 05s",
        "  data processing  Completed   12m 00s",
        "  training         Completed   1h 52m 25s",
        f"Completed in 2h 07m 30s: custom model {model} (training loss 0.125, validation loss 0.0)",
    ]


def test_watch_exits_non_zero_with_bedrocks_message_when_the_job_fails(moto_endpoint: str, stage_details: None) -> None:
    name = "SupportBot-0badc0ffee00"
    job = create_job(moto_endpoint, name)

    def failed() -> None:
        job.status = "Failed"
        job.failure_message = "Insufficient training records: 12 (minimum 32)."
        job.end_time = iso(600)
        job.status_details = {
            "validationDetails": moto_stage("Failed", 0, 600),
            "dataProcessingDetails": {"status": "NotStarted"},
            "trainingDetails": {"status": "NotStarted"},
        }

    code, out, err, _ = run_watch(moto_endpoint, name, [failed])

    assert (code, err) == (1, "")
    assert out.splitlines()[-5:] == [
        f"Job {name}: Failed, 10m 00s",
        "  validation       Failed      10m 00s",
        "  data processing  NotStarted",
        "  training         NotStarted",
        "Failed after 10m 00s: Insufficient training records: 12 (minimum 32).",
    ]


def test_watch_of_an_unknown_job_says_so_and_exits_2(moto_endpoint: str) -> None:
    code, out, err, slept = run_watch(moto_endpoint, "no-such-job", [])
    assert (code, out, slept) == (2, "", [])
    assert err.startswith("watch: no-such-job: ResourceNotFoundException")


# ---- serving: a custom model deployment or a provisioned throughput, by ARN -----------------------

DEPLOYMENT_ARN = f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:custom-model-deployment/d1d1d1d1d1d1"
THROUGHPUT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/p1p1p1p1p1p1"
SERVED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa"
RETRAINED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb"


def deployment(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "customModelDeploymentArn": DEPLOYMENT_ARN,
        "modelDeploymentName": "SupportBot-od-3f9a2c-70b597b7",
        "modelArn": SERVED,
        "createdAt": T0,
        "status": status,
        **extra,
    }


def throughput(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "provisionedModelName": "SupportBot-pt",
        "provisionedModelArn": THROUGHPUT_ARN,
        "modelArn": SERVED,
        "desiredModelArn": SERVED,
        "foundationModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-micro-v1:0:128k",
        "status": status,
        "creationTime": T0,
        "lastModifiedTime": T0,
        **extra,
    }


def test_serving_arns_are_told_apart_from_jobs() -> None:
    assert watch.serving_kind(DEPLOYMENT_ARN) == "deployment"
    assert watch.serving_kind(THROUGHPUT_ARN) == "throughput"
    assert watch.serving_kind("SupportBot-3f9a2c1b0d4e") is None
    assert watch.serving_kind(SERVED) is None


def test_render_of_a_deployment_with_a_swap_under_way() -> None:
    swapping = deployment("Active", updateDetails={"modelArn": RETRAINED, "updateStatus": "Updating"})
    assert watch.render_serving(swapping, at(185)) == [
        "Custom model deployment SupportBot-od-3f9a2c-70b597b7: Active, 3m 05s",
        f"  model          {SERVED}",
        f"  swap           Updating to {RETRAINED}",
    ]
    assert not watch.serving_ready(swapping)


def test_render_of_a_committed_throughput() -> None:
    committed = throughput(
        "Updating", desiredModelArn=RETRAINED, commitmentDuration="OneMonth", commitmentExpirationTime=at(30 * 86400)
    )
    assert watch.render_serving(committed, at(60)) == [
        "Provisioned throughput SupportBot-pt: Updating, 1m 00s",
        "  model units    1",
        f"  model          {SERVED}",
        f"  swap           to {RETRAINED}",
        "  commitment     OneMonth until 2025-05-31T08:00:00+00:00",
    ]


def test_serving_summaries_and_exit_codes() -> None:
    active = deployment("Active", lastUpdatedAt=at(300))
    assert watch.serving_summary(active, at(900)) == (
        f"Active after 5m 00s: invoke it with modelId {DEPLOYMENT_ARN} (serving {SERVED})"
    )
    assert watch.serving_exit_code(active) == 0
    failed = throughput("Failed", lastModifiedTime=at(120), failureMessage="Insufficient capacity")
    assert watch.serving_summary(failed, at(900)) == "Failed after 2m 00s: Insufficient capacity"
    assert watch.serving_exit_code(failed) == 1
    swap_failed = deployment("Active", updateDetails={"modelArn": RETRAINED, "updateStatus": "UpdateFailed"})
    assert watch.SERVING_VIEW.ended(swap_failed) and watch.serving_exit_code(swap_failed) == 1


class _ScriptedBedrock:
    """Answers each GET with the next scripted (status, body); records the paths asked for."""

    def __init__(self, answers: list[tuple[int, dict[str, Any]]]) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.paths: list[str] = []
        self.scopes: list[str] = []
        """Each request's SigV4 credential scope: ``<key>/<date>/<region>/bedrock/aws4_request``."""
        script, paths, scopes = list(answers), self.paths, self.scopes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                paths.append(self.path)
                scopes.append(str(self.headers.get("Authorization", "")).split("Credential=")[-1].split(",")[0])
                status, body = script.pop(0) if len(script) > 1 else script[0]
                data = json.dumps(body, default=lambda t: t.timestamp()).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status >= 400:
                    self.send_header("x-amzn-ErrorType", body["__type"])
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_serving_watch(
    answers: list[tuple[int, dict[str, Any]]], arn: str, *extra: str
) -> tuple[int, str, str, list[str]]:
    fake = _ScriptedBedrock(answers)
    try:
        parser = argparse.ArgumentParser()
        watch.add_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["watch", arn, "--endpoint-url", fake.url, "--interval", "15", *extra])
        out, err = io.StringIO(), io.StringIO()
        clock = [0.0]

        def sleep(seconds: float) -> None:
            clock[0] += seconds

        code = watch.run(args, out=out, err=err, sleep=sleep, now=lambda: at(clock[0]))
        regions = [scope.split("/")[2] for scope in fake.scopes]
        return (
            code,
            out.getvalue(),
            err.getvalue(),
            [f"{region} {path}" for region, path in zip(regions, fake.paths, strict=True)],
        )
    finally:
        fake.stop()


def test_watch_follows_a_deployment_until_it_is_active() -> None:
    """The Region comes from the ARN (eu-west-1 here) when --region is not given."""
    answers = [
        (200, deployment("Creating")),
        (200, deployment("Creating")),
        (200, deployment("Active", lastUpdatedAt=at(30))),
    ]

    code, out, err, paths = run_serving_watch(answers, DEPLOYMENT_ARN)

    assert (code, err) == (0, "")
    assert len(paths) == 3 and all(
        p.startswith("eu-west-1 /model-customization/custom-model-deployments/") for p in paths
    )
    assert out.splitlines() == [
        "Custom model deployment SupportBot-od-3f9a2c-70b597b7: Creating, 0s",
        f"  model          {SERVED}",
        "",
        "Custom model deployment SupportBot-od-3f9a2c-70b597b7: Active, 30s",
        f"  model          {SERVED}",
        f"Active after 30s: invoke it with modelId {DEPLOYMENT_ARN} (serving {SERVED})",
    ]


def test_watch_of_a_failed_throughput_exits_1_with_bedrocks_message() -> None:
    failed = throughput("Failed", lastModifiedTime=at(45), failureMessage="Insufficient capacity for 1 model unit")
    code, out, err, paths = run_serving_watch(
        [(200, throughput("Creating")), (200, failed)], THROUGHPUT_ARN, "--region", REGION
    )

    assert (code, err) == (1, "")
    assert paths[0].startswith(f"{REGION} /provisioned-model-throughput/")
    assert out.splitlines()[-1] == "Failed after 45s: Insufficient capacity for 1 model unit"


def test_watch_of_an_unknown_deployment_says_so_and_exits_2() -> None:
    missing = (404, {"__type": "ResourceNotFoundException", "message": "Deployment not found"})
    code, out, err, _ = run_serving_watch([missing], DEPLOYMENT_ARN)

    assert (code, out) == (2, "")
    assert err == f"watch: {DEPLOYMENT_ARN}: ResourceNotFoundException: Deployment not found\n"

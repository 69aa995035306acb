"""The runtime kernel both functions share: JSON logging, clipping, client configuration and the retrier.

Every clock here is fake and every sleep records: nothing waits, nothing depends on wall time.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber
from cfn_support import JOB_ARN, base_request, make_event

from lambda_src.customization_job import client as handler_client
from lambda_src.customization_job import handler
from lambda_src.customization_job.errors import MAX_REASON, HandlerError
from lambda_src.job_watcher import handler as watcher
from lambda_src.job_watcher import outcome
from lambda_src.job_watcher.budget import Budget as WatcherBudget
from lambda_src.job_watcher.budget import OutOfTime
from lambda_src.kernel import log
from lambda_src.kernel.client import client_config, max_call_seconds
from lambda_src.kernel.errors import clip, error_code, error_label
from lambda_src.kernel.retry import Budget, NoTimeLeft, Retrier, RetriesExhausted, time_bound


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass
class Context:
    """A Lambda context: the request id, and a remaining time that ``sleep`` and ``spend`` consume."""

    aws_request_id: str = "8f5c2a8e-1111-2222-3333-444455556666"
    remaining_ms: int = 600_000
    sleeps: list[float] = field(default_factory=list)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.spend(seconds)

    def spend(self, seconds: float) -> None:
        self.remaining_ms -= int(seconds * 1000)


def throttled(operation: str = "ListStackResources") -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


@pytest.fixture
def runtime_level() -> Iterator[None]:
    """Tests that set the runtime's level get the one from before back."""
    top = logging.getLogger(log.RUNTIME_LOGGER)
    before = top.level
    yield
    top.setLevel(before)


# ---- logging ------------------------------------------------------------------------------------------


def test_one_json_line_per_event_with_the_request_id_once_bound(capsys: pytest.CaptureFixture[str]) -> None:
    log.log_event(action="start-job", jobArn=JOB_ARN)
    with log.invocation(Context()):
        log.log_event(action="start-job", jobArn=JOB_ARN)
        log.log_event(logging.ERROR, action="fail", reason="quota")
    with log.invocation(object()):  # a context without an id (tests, a local run): no requestId
        log.log_event(action="delete")
    log.log_event(action="after")

    request_id = Context().aws_request_id
    assert lines(capsys.readouterr().out) == [
        {"action": "start-job", "jobArn": JOB_ARN},  # INFO, the default level, is not spelled out
        {"action": "start-job", "jobArn": JOB_ARN, "requestId": request_id},
        {"action": "fail", "reason": "quota", "level": "ERROR", "requestId": request_id},
        {"action": "delete"},
        {"action": "after"},
    ]


def test_a_line_is_one_json_object_with_sorted_keys_and_strings_for_other_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.log_event(zeta=1, alpha=Context, level_of="x")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.index('"alpha"') < out.index('"level_of"') < out.index('"zeta"')
    assert json.loads(out)["alpha"] == str(Context)


def test_lines_go_to_stdout_as_it_is_when_they_are_written(monkeypatch: pytest.MonkeyPatch) -> None:
    replaced = io.StringIO()
    monkeypatch.setattr(sys, "stdout", replaced)
    log.log_event(outcome="signalled")
    assert lines(replaced.getvalue()) == [{"outcome": "signalled"}]


def test_the_level_comes_from_log_level(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], runtime_level: None
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    log.configure()
    log.log_event(action="start-job")
    log.log_event(logging.WARNING, action="retry")
    log.log_event(logging.ERROR, action="fail")
    assert lines(capsys.readouterr().out) == [
        {"action": "retry", "level": "WARNING"},
        {"action": "fail", "level": "ERROR"},
    ]

    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    log.configure()
    log.log_event(logging.DEBUG, action="look")
    assert lines(capsys.readouterr().out) == [{"action": "look", "level": "DEBUG"}]


@pytest.mark.parametrize("value", ["", "verbose", "0", "NOTSET"])
def test_a_log_level_that_names_no_level_means_info(value: str) -> None:
    assert log.level_named(value) == log.level_named(None) == logging.INFO


def test_botocore_logs_at_warning_whatever_the_functions_level(runtime_level: None) -> None:
    for name in log.QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    log.configure("DEBUG")
    assert logging.getLogger(log.RUNTIME_LOGGER).level == logging.DEBUG
    assert all(logging.getLogger(name).level == logging.WARNING for name in log.QUIET_LOGGERS)


def test_lines_do_not_reach_the_root_logger_whose_lambda_handler_would_print_them_twice() -> None:
    class Recording(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    root = logging.getLogger()
    recording = Recording()
    root.addHandler(recording)
    try:
        log.log_event(action="start-job")
    finally:
        root.removeHandler(recording)
    assert recording.records == []
    log.configure()  # idempotent: still one handler of ours
    top = logging.getLogger(log.RUNTIME_LOGGER)
    assert sum(isinstance(h, log.StdoutHandler) for h in top.handlers) == 1 and top.propagate is False


def test_any_runtime_logger_writes_json_and_scrubs_its_text(capsys: pytest.CaptureFixture[str]) -> None:
    """A module's ``logging.getLogger(__name__)`` is in the same tree, under whichever name the runtime has."""
    assert handler.__name__.startswith(log.RUNTIME_LOGGER + ".")
    module_logger = logging.getLogger(f"{log.RUNTIME_LOGGER}.job_watcher.sweep")
    try:
        raise RuntimeError("PUT https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h?Signature=s3cr3t")
    except RuntimeError:
        module_logger.warning("cannot signal %s", "https://h.s3.amazonaws.com/x?X-Amz-Signature=s3cr3t", exc_info=True)
    out = capsys.readouterr().out
    assert lines(out) == [
        {"message": "cannot signal <url>", "error": "RuntimeError: PUT <url>", "level": "WARNING"},
    ]
    assert "s3cr3t" not in out


def test_the_entry_points_bind_the_lambda_request_id(
    monkeypatch: pytest.MonkeyPatch, stubber: Stubber, bedrock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    context = Context()
    monkeypatch.setattr(handler, "new_bedrock_client", lambda: bedrock)
    stubber.add_response("create_model_customization_job", {"jobArn": JOB_ARN})
    handler.on_event(make_event("Create", base_request()), context)

    monkeypatch.setattr(watcher, "new_clients", lambda: None)
    watcher.handler(["not", "an", "event"], context)

    logged = lines(capsys.readouterr().out)
    assert [line.get("action") or line.get("trigger") for line in logged] == ["start-job", "malformed"]
    assert {line["requestId"] for line in logged} == {context.aws_request_id}
    log.log_event(action="after")
    assert "requestId" not in capsys.readouterr().out  # unbound when the invocation ended


# ---- scrub and clip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("cannot PUT https://x.s3.amazonaws.com/h?Signature=abc&Expires=1", "cannot PUT <url>"),
        ("body: https%3A%2F%2Fx.s3.amazonaws.com%2Fh done", "body: <url> done"),
        (
            "query X-Amz-Signature=abc&AWSAccessKeyId=AKIA&x=1",
            "query X-Amz-Signature=<redacted>&AWSAccessKeyId=<redacted>&x=1",
        ),
        ("no url here", "no url here"),
    ],
)
def test_scrub_removes_urls_and_presigned_parameters(text: str, scrubbed: str) -> None:
    assert log.scrub(text) == scrubbed


def test_scrub_and_describe_error_clip_to_their_budget_in_bytes() -> None:
    assert len(log.scrub("é" * 400).encode()) <= log.MAX_SCRUBBED
    described = log.describe_error(ValueError("see http://127.0.0.1:9/r?Signature=s " + "x" * 400))
    assert described.startswith("ValueError: see <url> xxx") and described.endswith("...")
    assert len(described.encode()) == log.MAX_SCRUBBED


def test_clip_counts_utf8_bytes_and_cuts_at_a_character_boundary() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 10, 10) == "x" * 10
    assert clip("x" * 11, 10) == "x" * 7 + "..."
    cut = clip("é" * 10, 10)  # 20 bytes: 7 bytes hold 3 whole characters
    assert cut == "ééé..." and len(cut.encode()) == 9
    assert clip("日本語テキスト", 12) == "日本語..."


def test_both_functions_clip_their_reasons_in_bytes() -> None:
    long = "Échec de validation : « données » " * 100
    assert len(str(HandlerError(long)).encode()) <= MAX_REASON
    failed = {"jobName": "SupportBot-1", "status": "Failed", "failureMessage": long}
    reason = outcome.failure_text(failed)
    assert len(reason.encode()) <= outcome.MAX_REASON == 900 and reason.endswith("...")
    assert len(reason) < outcome.MAX_REASON  # in characters it would have been longer


def test_error_code_and_label() -> None:
    timeout = ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com")
    assert error_code(throttled()) == "Throttling" and error_label(throttled()) == "Throttling"
    assert error_code(timeout) == "" and error_label(timeout) == "ReadTimeoutError"
    assert error_label(ValueError("x")) == "ValueError"


# ---- client configuration -------------------------------------------------------------------------------


def test_client_config_is_standard_mode_with_the_given_timeouts_and_attempts() -> None:
    config = client_config(2, 5, 3)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (2, 5)
    tagged = client_config(5, 20, 3, user_agent_extra="cdk-bedrock-model-customization")
    assert tagged.user_agent_extra == "cdk-bedrock-model-customization"


def test_worst_case_call_time_of_each_functions_config() -> None:
    # 3 x (5 + 20) + (1 + 5) + (2 + 5): every attempt times out, botocore backs off as long as it may.
    assert max_call_seconds(handler_client.CLIENT_CONFIG) == 88.0
    # 3 x (2 + 5) + (1 + 1) + (2 + 1): the watcher counts one second of slack per retry.
    assert max_call_seconds(watcher.CLIENT_CONFIG, retry_after_s=watcher.RETRY_SLACK_S) == 26.0
    assert watcher.CALL_SECONDS == 26.0  # a PUT's worst case (15 s) is shorter


def test_worst_case_call_time_with_botocores_defaults() -> None:
    # 5 attempts of 60 + 60 s, and backoffs of 1, 2, 4, 8 s each with 5 s of retry-after.
    assert max_call_seconds(Config()) == 5 * 120 + (1 + 2 + 4 + 8) + 4 * 5
    assert max_call_seconds(Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1)) == 4 + 1 + 5
    assert max_call_seconds(Config(retries={"total_max_attempts": 8}, connect_timeout=1, read_timeout=1)) == (
        8 * 2 + (1 + 2 + 4 + 8 + 16 + 20 + 20) + 7 * 5
    )


# ---- the retrier ----------------------------------------------------------------------------------------


class Calls:
    """A call that fails with ``errors`` in turn (each costing ``cost_s`` of the context's time), then answers."""

    def __init__(self, context: Context, errors: list[Exception], cost_s: float = 0.0) -> None:
        self.context, self.errors, self.cost_s, self.count = context, list(errors), cost_s, 0
        self.started_ms: list[int] = []

    def __call__(self) -> str:
        self.count += 1
        self.started_ms.append(self.context.remaining_ms)
        self.context.spend(self.cost_s)
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def retrier(context: Context, **options: Any) -> Retrier:
    return Retrier(context.sleep, context.get_remaining_time_in_millis, **options)


def test_no_call_starts_without_time_for_its_worst_case_and_the_margin() -> None:
    context = Context(remaining_ms=29_999)
    call = Calls(context, [])
    with pytest.raises(NoTimeLeft, match=r"30 s of Lambda time left, less than one worst-case call \(20 s\)"):
        retrier(context, call_limit_s=20, margin_s=10).run(call, lambda _: None)
    assert call.count == 0 and not issubclass(NoTimeLeft, HandlerError)  # the handler converts it where it calls
    assert retrier(Context(remaining_ms=30_000), call_limit_s=20, margin_s=10).run(call, lambda _: None) == "answer"


def test_backoff_doubles_up_to_its_cap_until_the_budget_is_spent(capsys: pytest.CaptureFixture[str]) -> None:
    context = Context()
    budget = Budget("transient", total_s=20.0, base_s=1.0, cap_s=8.0)
    call = Calls(context, [throttled()] * 10)
    with pytest.raises(RetriesExhausted) as exhausted:
        retrier(context, log_fields={"logicalResourceId": "Job"}).run(call, lambda _: budget)
    assert context.sleeps == [1.0, 2.0, 4.0, 8.0, 5.0]  # the last delay is what is left of 20 s
    assert exhausted.value.out_of_time is False and exhausted.value.budget is budget and budget.waited_s == 20.0
    assert exhausted.value.__cause__ is exhausted.value.error and call.count == 6
    retries = lines(capsys.readouterr().out)
    assert retries[0] == {
        "logicalResourceId": "Job",
        "action": "retry",
        "kind": "transient",
        "error": "Throttling",
        "delay_s": 1.0,
        "level": "WARNING",
    }
    assert [line["delay_s"] for line in retries] == context.sleeps


def test_a_sleep_is_taken_only_if_a_worst_case_call_and_the_margin_still_fit_after_it() -> None:
    # 20 s worst case + 10 s margin; 40 s left and each attempt costs 1 s.
    context = Context(remaining_ms=40_000)
    call = Calls(context, [throttled()] * 10, cost_s=1.0)
    budget = Budget("t", total_s=60.0, base_s=1.0, cap_s=16.0)
    with pytest.raises(RetriesExhausted) as exhausted:
        retrier(context, call_limit_s=20, margin_s=10).run(call, lambda _: budget)
    # 39 s left: sleep 1; 37: sleep 2; 34: 4 would leave 30, fits; 29: 8 would not.
    assert context.sleeps == [1.0, 2.0, 4.0] and exhausted.value.out_of_time is True
    assert call.started_ms == [40_000, 38_000, 35_000, 30_000] and context.remaining_ms == 29_000


def test_a_time_bound_budget_has_no_limit_but_the_invocations_time() -> None:
    context = Context(remaining_ms=100_000)
    budget = time_bound("throttling", base_s=1.0, cap_s=8.0)
    call = Calls(context, [throttled()] * 100, cost_s=3.0)
    with pytest.raises(RetriesExhausted) as exhausted:
        retrier(context, call_limit_s=26, margin_s=2).run(call, lambda _: budget)
    assert context.sleeps == [1.0, 2.0, 4.0] + [8.0] * 5 and budget.waited_s == 47.0
    assert exhausted.value.out_of_time is True and budget.next_delay() == 8.0
    assert min(call.started_ms) == 29_000 >= (26 + 2) * 1000  # each call started with its worst case to spare


def test_a_sleep_that_overruns_ends_the_retries_without_another_call() -> None:
    context = Context(remaining_ms=40_000)
    call = Calls(context, [throttled()] * 3)

    def slow_sleep(seconds: float) -> None:
        context.sleeps.append(seconds)
        context.spend(seconds + 15)

    budget = Budget("t", total_s=60.0, base_s=1.0, cap_s=16.0)
    with pytest.raises(RetriesExhausted) as exhausted:
        Retrier(slow_sleep, context.get_remaining_time_in_millis, call_limit_s=20, margin_s=10).run(
            call, lambda _: budget
        )
    assert exhausted.value.out_of_time is True and call.count == 1 and context.sleeps == [1.0]


def test_an_error_without_a_budget_is_raised_unchanged_and_a_hook_replaces_the_retry_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    context = Context()
    seen: list[tuple[str, float]] = []
    hooked = retrier(context, on_retry=lambda error, budget, delay: seen.append((budget.kind, delay)))
    assert hooked.run(Calls(context, [throttled()]), lambda _: Budget("t", 10.0, 1.0, 1.0)) == "answer"
    refused = ValueError("not retryable")
    with pytest.raises(ValueError) as raised:
        hooked.run(Calls(context, [refused]), lambda _: None)
    assert raised.value is refused and seen == [("t", 1.0)] and capsys.readouterr().out == ""


# ---- the watcher's budget on top of the retrier ---------------------------------------------------------


def test_the_watchers_throttling_backoff_is_1_2_4_8_seconds_logged_as_throttled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    context = Context(remaining_ms=200_000)
    budget = WatcherBudget(context.get_remaining_time_in_millis, context.sleep, call_s=26)
    call = Calls(context, [throttled()] * 5)
    assert budget.call(lambda **params: (call(), params)[1], StackName="s") == {"StackName": "s"}
    assert context.sleeps == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert lines(capsys.readouterr().out)[0] == {
        "outcome": "throttled",
        "operation": "ListStackResources",
        "retryInSeconds": 1.0,
        "level": "WARNING",
    }


def test_the_watchers_budget_runs_out_of_time_without_chaining_the_error() -> None:
    context = Context(remaining_ms=35_000)  # 26 s worst case + 2 s margin: 7 s to wait in
    budget = WatcherBudget(context.get_remaining_time_in_millis, context.sleep, call_s=26)
    with pytest.raises(OutOfTime) as raised:
        budget.call(Calls(context, [throttled()] * 10))
    assert context.sleeps == [1.0, 2.0, 4.0] and raised.value.__context__ is None
    with pytest.raises(OutOfTime):
        budget.reserving(15).start()  # what must follow the call counts too
    budget.start()
    with pytest.raises(ClientError, match="AccessDenied"):  # anything but throttling is the caller's
        budget.call(Calls(context, [ClientError({"Error": {"Code": "AccessDenied"}}, "DisableRule")]))

"""The watcher's presigned URLs: it PUTs only to CloudFormation's (https on an amazonaws.com host), and no
failure carries a URL into a log line, the Lambda runtime's traceback or an exception's chain.

A presigned URL lets anyone holding it signal the wait condition (or answer the custom-resource request)
while it is valid, so each failure path is made to happen here and every log channel (stdout, stderr, the
``logging`` records at DEBUG as the runtime would show them) and every exception the caller sees (its text,
repr, attributes and chain, formatted as the runtime formats a traceback) is searched for the URL and its
signature. CloudFormation and Bedrock are botocore Stubbers, or, where botocore itself must fail, a fake
CloudFormation endpoint on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import traceback
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import boto3
import pytest

from lambda_src.job_watcher import handler as watcher
from lambda_src.job_watcher.presigned import PutFailed, PutRefused, put_json, refusal, send_json
from lambda_src.job_watcher.sweep import Clients

from .conftest import PresignedServer
from .stubs import STACK_ID, StubbedClients, Watched, env_for, job, job_arn, result_request, stubbed_clients

SUPPORT = Watched(
    "SupportBot-3f9a2c1b0d4e-*",
    "SupportBotCompletionHandle0A1B2C3D5f0e1d2c3b",
    "SupportBotCompletionWait4E5F6A7B5f0e1d2c3b",
    "SupportBot7E3A9C1F",
)
SUPPORT_JOB = SUPPORT.deployed()
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
COMPLETED = {
    "source": "aws.bedrock",
    "detail-type": "Model Customization Job State Change",
    "detail": {"jobName": SUPPORT_JOB, "jobArn": job_arn(SUPPORT_JOB), "jobStatus": "Completed"},
}

ACCEPTED = [
    # wait condition handles (Ref of AWS::CloudFormation::WaitConditionHandle): SigV2 and SigV4 query strings
    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A"
    "123456789012%3Astack/Chained/6c7b9a20/Handle?Expires=1312475488&AWSAccessKeyId=AKIAEXAMPLE&Signature=abc%3D",
    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A"
    "123456789012%3Astack/Chained/6c7b9a20/Handle?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc",
    # custom-resource ResponseURLs, both S3 host styles, and the China partition
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3A"
    "us-east-1%3A123456789012%3Astack/Chained/6c7b9a20%7CResult%7Cf00d?X-Amz-Signature=abc",
    "https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/arn%3Aaws%3A"
    "cloudformation%3Aus-east-1%3A123456789012%3Astack/x?AWSAccessKeyId=AKIAEXAMPLE&Expires=1&Signature=abc",
    "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/arn%3Aaws-cn%3A"
    "cloudformation%3Acn-north-1%3A123456789012%3Astack/x?X-Amz-Signature=abc",
    "https://cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com.cn/arn%3Aaws-cn%3A"
    "cloudformation%3Acn-north-1%3A123456789012%3Astack/x/Handle?X-Amz-Signature=abc",
    # path-style S3 URLs of the same buckets
    "https://s3.amazonaws.com/cloudformation-waitcondition-us-east-1/arn%3Aaws%3Acloudformation%3Aus-east-1"
    "%3A123456789012%3Astack/x/Handle?X-Amz-Signature=abc",
    "https://s3.us-east-1.amazonaws.com/cloudformation-custom-resource-response-useast1/arn%3Aaws%3A"
    "cloudformation%3Aus-east-1%3A123456789012%3Astack/x?X-Amz-Signature=abc",
]
REFUSED = {
    "http://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h?Signature=secret-1": "not an https URL",
    "https://evil.example/h?Signature=secret-2": "not an amazonaws.com host",
    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com.evil.example/h?Signature=secret-3": (
        "not an amazonaws.com host"
    ),
    "https://evil.example/cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h?Signature=secret-4": (
        "not an amazonaws.com host"
    ),
    "https://notamazonaws.com/h?Signature=secret-5": "not an amazonaws.com host",
    "https://amazonaws.com/h?Signature=secret-6": "not an amazonaws.com host",
    "https://x.s3.amazonaws.com@evil.example/h?Signature=secret-7": "credentials or a port",
    "https://user:pw@x.s3.amazonaws.com/h?Signature=secret-8": "credentials or a port",
    "https://x.s3.amazonaws.com:8443/h?Signature=secret-9": "credentials or a port",
    "https://x.s3.amazonaws.com\\@evil.example/h?Signature=secret-10": "credentials or a port",
    "https://x.s3.amazonaws.com/a b?Signature=secret-11": "spaces, control or non-ASCII",
    "https://x.s3.amazonaws.com/a\r\nHost: evil?Signature=secret-12": "spaces, control or non-ASCII",
    "https://x.s3.amazonaws\u3002com/h?Signature=secret-13": "spaces, control or non-ASCII",
    # hosts of the amazonaws.com domain that anyone can own: another bucket, an API, an EC2 name
    "https://attacker-bucket.s3.amazonaws.com/h?Signature=secret-14": "CloudFormation's S3 buckets",
    "https://abc123.execute-api.us-east-1.amazonaws.com/h?Signature=secret-15": "CloudFormation's S3 buckets",
    "https://ec2-203-0-113-5.compute-1.amazonaws.com/h?Signature=secret-16": "CloudFormation's S3 buckets",
    "https://s3.amazonaws.com/attacker-bucket/h?Signature=secret-17": "CloudFormation's S3 buckets",
    "https://s3.us-east-1.amazonaws.com/x/cloudformation-waitcondition-us-east-1/h?Signature=secret-18": (
        "CloudFormation's S3 buckets"
    ),
    "file:///etc/passwd": "not an https URL",
    "": "there is no presigned URL",
}


@pytest.fixture
def aws(presigned: PresignedServer) -> Iterator[StubbedClients]:
    with stubbed_clients() as stubbed:
        stubbed.put = presigned.put
        yield stubbed
        stubbed.assert_no_pending_responses()


@pytest.fixture
def no_request(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fails the test if anything opens an HTTP connection; records the attempt."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append("urlopen")
        raise AssertionError("the watcher opened a connection it should have refused")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


def recording_put(sent: list[str]) -> Callable[[str, Mapping[str, Any]], None]:
    return lambda url, body: sent.append(url)


def chain_text(error: BaseException) -> str:
    """Everything an exception shows: the runtime's formatted traceback, and each chained exception's text,
    repr and attributes (urllib's HTTPError keeps the URL in ``url`` / ``filename``)."""
    parts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        parts += [repr(seen), str(seen), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def everything_logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    captured = capsys.readouterr()
    return "\n".join([captured.out, captured.err, caplog.text])


# ---- item 1: only CloudFormation's URLs ---------------------------------------------------------


@pytest.mark.parametrize("url", ACCEPTED)
def test_cloudformations_presigned_urls_are_accepted(url: str) -> None:
    assert refusal(url) is None


@pytest.mark.parametrize("url", REFUSED)
def test_put_json_refuses_anything_else_with_a_reason_and_sends_nothing(url: str, no_request: list[str]) -> None:
    with pytest.raises(PutRefused) as refused:
        put_json(url, {"Status": "SUCCESS"})
    assert REFUSED[url] in str(refused.value)
    assert no_request == []
    if url:
        assert url not in chain_text(refused.value) and "secret-" not in chain_text(refused.value)


def test_put_json_refuses_the_local_test_server_itself(presigned: PresignedServer) -> None:
    """Tests reach 127.0.0.1 only through their injected ``put``: the production ``put`` refuses it."""
    with pytest.raises(PutRefused, match="not an https URL"):
        put_json(presigned.local_url("local"), {"Status": "SUCCESS"})
    assert presigned.puts == []


@pytest.mark.parametrize(
    "url", ["https://evil.example/h?Signature=secret-evil", "http://x.s3.amazonaws.com/h?Signature=secret-plain"]
)
def test_a_handle_whose_url_is_refused_is_never_requested_and_keeps_the_poll(
    aws: StubbedClients, url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Not even Bedrock is asked: there would be nowhere to send the outcome."""
    sent: list[str] = []
    aws.discover({SUPPORT: url})
    aws.wait(SUPPORT)
    aws.job_resource(SUPPORT, job_arn(SUPPORT_JOB))
    aws.flush()

    summary = watcher.handle(COMPLETED, clients=aws.clients, env=env_for(), put=recording_put(sent))

    assert sent == [] and summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False
    logged = everything_logged(capsys, caplog)
    lines = [json.loads(line) for line in logged.strip().splitlines() if line.startswith("{")]  # caplog's: prefixed
    refused = [line for line in lines if line.get("outcome") == "refused"]
    assert refused == [{"job": SUPPORT.name, "outcome": "refused", "reason": refusal(url)}]
    assert "secret-" not in logged


def test_a_result_request_whose_response_url_is_refused_is_logged_and_not_answered(
    aws: StubbedClients, capsys: pytest.CaptureFixture[str]
) -> None:
    sent: list[str] = []
    event = result_request("http://127.0.0.1:9/response?X-Amz-Signature=secret-response", job_arn(SUPPORT_JOB))

    summary = watcher.handle(event, clients=aws.clients, env=env_for(), put=recording_put(sent))

    assert sent == [] and summary == {"trigger": "cloudformation", "status": "UNANSWERED"}
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "logicalResourceId": "SupportBotCompletionResult",
        "outcome": "refused",
        "reason": "the presigned URL is not an https URL",
        "resource": "result",
    }


# ---- item 2: no URL in a log or an exception ----------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HangUp(BaseHTTPRequestHandler):
    """Reads the request, then closes the connection without an answer."""

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def hang_up() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HangUp)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_every_transport_failure_is_a_put_failed_without_the_url_or_a_chain(
    presigned: PresignedServer, hang_up: str
) -> None:
    """HTTPError (holds the URL in ``url``), URLError, http.client's InvalidURL (quotes the URL in its message)
    and RemoteDisconnected each become a PutFailed raised outside urllib's ``except``: nothing chained."""
    presigned.status = 403
    cases = {
        presigned.local_url("forbidden"): "answered HTTP 403",
        f"http://127.0.0.1:{closed_port()}/gone?X-Amz-Signature=secret-gone": "could not be reached",
        f"{presigned.base_url}/a b?X-Amz-Signature=secret-space": "could not be reached (InvalidURL)",
        f"{presigned.base_url}/a\nb?X-Amz-Signature=secret-newline": "could not be reached (InvalidURL)",
        f"{hang_up}/silent?X-Amz-Signature=secret-silent": "could not be reached (RemoteDisconnected)",
    }
    for url, message in cases.items():
        with pytest.raises(PutFailed) as failed:
            send_json(url, {"Status": "SUCCESS"})
        assert message in str(failed.value)
        assert failed.value.__context__ is None and failed.value.__cause__ is None
        text = chain_text(failed.value)
        assert "secret-" not in text and "127.0.0.1" not in text, text


def test_a_failed_signal_is_logged_without_the_url_and_retried_by_the_next_poll(
    aws: StubbedClients, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = closed_port()

    def unreachable(url: str, body: Mapping[str, Any]) -> None:
        send_json(f"http://127.0.0.1:{port}/{url.split('://', 1)[1].partition('/')[2]}", body)

    url = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h?X-Amz-Signature=secret-h"
    aws.discover({SUPPORT: url})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.flush()

    summary = watcher.handle(COMPLETED, clients=aws.clients, env=env_for(), put=unreachable)

    assert summary["pending"] == [SUPPORT.name] and summary["scheduleDisabled"] is False
    logged = everything_logged(capsys, caplog)
    assert "could not be reached" in logged and "secret-" not in logged and str(port) not in logged


def test_an_unexpected_error_quoting_the_url_is_logged_scrubbed(
    aws: StubbedClients, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A ``put`` (or anything below it) that fails with the URL in its message: one scrubbed line."""

    def broken(url: str, body: Mapping[str, Any]) -> None:
        raise RuntimeError(f"cannot PUT {url}")

    url = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h?AWSAccessKeyId=AKIA&Signature=secret-x"
    aws.discover({SUPPORT: url})
    aws.wait(SUPPORT)
    aws.job(SUPPORT, job(SUPPORT_JOB, "Completed"))
    aws.flush()

    summary = watcher.handle(COMPLETED, clients=aws.clients, env=env_for(), put=broken)

    assert summary["pending"] == [SUPPORT.name]
    logged = everything_logged(capsys, caplog)
    assert "RuntimeError: cannot PUT <url>" in logged and "secret-" not in logged and "AKIA" not in logged


def test_an_undelivered_result_raises_for_lambdas_retry_without_the_url(
    aws: StubbedClients,
    presigned: PresignedServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through the real entry point: what escapes is what the Lambda runtime prints as the traceback."""
    caplog.set_level(logging.DEBUG)
    presigned.status = 403
    monkeypatch.setattr(watcher, "new_clients", lambda: aws.clients)
    monkeypatch.setattr(watcher, "put_json", presigned.put)
    for name, value in env_for().items():
        monkeypatch.setenv(name, value)
    event = result_request(
        presigned.response_url("response"), job_arn(SUPPORT_JOB), "Delete", physical_id=job_arn(SUPPORT_JOB)
    )

    with pytest.raises(PutFailed) as failed:
        watcher.handler(event, None)

    assert len(presigned.puts) == 1 and str(failed.value) == "the presigned URL answered HTTP 403"
    assert presigned.leaked(chain_text(failed.value)) == []
    assert presigned.leaked(everything_logged(capsys, caplog)) == []


# ---- botocore's own errors quote response bodies, which hold the handles' URLs ------------------

SIGNATURE = "secret-0123456789abcdef"
HANDLE_URL = (
    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A"
    f"123456789012%3Astack/Chained/6c7b9a20/Handle?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={SIGNATURE}"
)


def listing_xml() -> str:
    url = HANDLE_URL.replace("&", "&amp;")
    return (
        '<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
        "<ListStackResourcesResult><StackResourceSummaries><member>"
        f"<LogicalResourceId>{SUPPORT.handle}</LogicalResourceId><PhysicalResourceId>{url}</PhysicalResourceId>"
        "<ResourceType>AWS::CloudFormation::WaitConditionHandle</ResourceType>"
        "<LastUpdatedTimestamp>2025-05-01T08:00:00Z</LastUpdatedTimestamp>"
        "<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member></StackResourceSummaries>"
        "</ListStackResourcesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</ListStackResourcesResponse>"
    )


def describe_xml() -> str:
    metadata = json.dumps(SUPPORT.metadata()).replace('"', "&quot;")
    return (
        '<DescribeStackResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
        "<DescribeStackResourceResult><StackResourceDetail>"
        f"<StackName>Chained</StackName><StackId>{STACK_ID}</StackId>"
        f"<LogicalResourceId>{SUPPORT.handle}</LogicalResourceId>"
        f"<PhysicalResourceId>{HANDLE_URL.replace('&', '&amp;')}</PhysicalResourceId>"
        f"<ResourceType>AWS::CloudFormation::WaitConditionHandle</ResourceType><Metadata>{metadata}</Metadata>"
    )


class CloudFormationEndpoint(BaseHTTPRequestHandler):
    """A CloudFormation query endpoint whose answers are cut off after the handle's URL."""

    garble: ClassVar[set[str]] = set()

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
        action = form["Action"][0]
        body = listing_xml() if action == "ListStackResources" else describe_xml()
        if action in self.garble:
            body = body[: body.index("</PhysicalResourceId>") + len("</PhysicalResourceId>")]
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def cloudformation_endpoint() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CloudFormationEndpoint)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.mark.parametrize("garbled", ["ListStackResources", "DescribeStackResource"])
def test_a_garbled_cloudformation_answer_holding_the_url_is_logged_without_it(
    garbled: str,
    cloudformation_endpoint: str,
    aws: StubbedClients,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's ResponseParserError quotes the raw body, and at DEBUG botocore logs every body: neither may
    reach the function's logs, even with the function's log level at DEBUG."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(CloudFormationEndpoint, "garble", {garbled})
    cloudformation = boto3.session.Session(region_name="us-east-1").client(
        "cloudformation", endpoint_url=cloudformation_endpoint, config=watcher.CLIENT_CONFIG
    )
    clients = Clients(aws.clients.bedrock, cloudformation, aws.clients.events)

    summary = watcher.handle(SCHEDULED, clients=clients, env=env_for(), put=aws.put)

    assert summary["signalled"] == [] and summary["scheduleDisabled"] is False
    logged = everything_logged(capsys, caplog)
    assert "ResponseParserError" in logged
    assert SIGNATURE not in logged and "X-Amz-Signature" not in logged and "waitcondition" not in logged

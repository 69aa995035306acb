"""Issue 23: the presigned-URL policy and the PUT's status handling at their edges (a server on 127.0.0.1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lambda_src.job_watcher.presigned import PutFailed, refusal, send_json

BASE = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws/"


def test_a_tilde_the_last_printable_ascii_character_is_allowed_in_a_url() -> None:
    assert refusal(BASE + "~handle?X-Amz-Signature=abc~") is None
    assert refusal(BASE + "handle\x7f") == "the presigned URL contains spaces, control or non-ASCII characters"


@pytest.mark.parametrize(
    "url", ["https://[::1/handle", "https://s3.amazonaws.com:99999/cloudformation-waitcondition-x/h", "https://h:p/"]
)
def test_a_url_urllib_cannot_parse_is_refused_with_a_reason_not_an_error(url: str) -> None:
    assert refusal(url) == "the presigned URL cannot be parsed"


class Answer(BaseHTTPRequestHandler):
    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(int(self.path.strip("/")))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_answer_is_a_delivered_signal(server: str, status: int) -> None:
    send_json(f"{server}/{status}", {"Status": "SUCCESS"})


@pytest.mark.parametrize("status", [300, 304, 400, 403, 500])
def test_any_other_answer_is_a_failed_put_naming_the_status(server: str, status: int) -> None:
    with pytest.raises(PutFailed, match=f"answered HTTP {status}"):
        send_json(f"{server}/{status}", {"Status": "SUCCESS"})

"""Wait-for-completion tests: synth assertions, the watcher Lambda under Stubber, and ``watch`` against moto.

Presigned URLs look like CloudFormation's (https on ``*.s3.amazonaws.com``), so the watcher's URL policy runs
on them as in production; the ``put`` the tests inject sends each PUT over real HTTP to a server the test
starts on 127.0.0.1 instead (same path and query). Nothing here reaches AWS.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lambda_src.job_watcher.presigned import refusal, send_json  # noqa: E402 (needs ROOT on sys.path)


@dataclass
class RecordedPut:
    path: str
    headers: dict[str, str]
    body: dict[str, object]


WAIT_HOST = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com"
RESPONSE_HOST = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com"


@dataclass
class PresignedServer:
    """Stands in for the presigned S3 URLs of wait condition handles and custom-resource responses."""

    base_url: str
    puts: list[RecordedPut] = field(default_factory=list)
    status: int = 200

    def url(self, name: str) -> str:
        """A wait condition handle's URL, as CloudFormation makes it (the signature is ``secret-<name>``)."""
        return f"{WAIT_HOST}/{name}?X-Amz-Signature=secret-{name}"

    def response_url(self, name: str) -> str:
        """A custom-resource request's ResponseURL."""
        return f"{RESPONSE_HOST}/{name}?X-Amz-Signature=secret-{name}"

    def local_url(self, name: str) -> str:
        """This server's own address: what the watcher's URL policy must refuse."""
        return f"{self.base_url}/{name}?X-Amz-Signature=secret-{name}"

    def put(self, url: str, body: Mapping[str, Any]) -> None:
        """The watcher's ``put``: only for URLs its policy allows, sent over HTTP to this server."""
        assert refusal(url) is None, f"the watcher PUT to a URL its policy refuses: {url}"
        path = url.split("://", 1)[1].partition("/")[2]
        send_json(f"{self.base_url}/{path}", body)

    def leaked(self, text: str) -> list[str]:
        """The parts of a presigned URL (or of this server's address) that appear in ``text``."""
        marks = ("secret-", "X-Amz-Signature", self.base_url, WAIT_HOST, RESPONSE_HOST)
        return [mark for mark in marks if mark in text]


@pytest.fixture
def presigned() -> Iterator[PresignedServer]:
    server_state = PresignedServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            server_state.puts.append(RecordedPut(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(server_state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

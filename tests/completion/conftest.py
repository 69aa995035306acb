"""Wait-for-completion tests: synth assertions, the watcher Lambda under Stubber, and ``watch`` against moto.

Every presigned URL in these tests points at an HTTP server the test starts on 127.0.0.1; nothing here
reaches AWS.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class RecordedPut:
    path: str
    headers: dict[str, str]
    body: dict[str, object]


@dataclass
class PresignedServer:
    """Stands in for the presigned S3 URLs of wait condition handles and custom-resource responses."""

    base_url: str
    puts: list[RecordedPut] = field(default_factory=list)
    status: int = 200

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}?X-Amz-Signature=secret-{name}"


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

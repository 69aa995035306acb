"""One JSON object per line on stdout (CloudWatch Logs), through the standard library's ``logging``.

Call sites pass fields: ``log_event(action="start-job", jobArn=...)`` writes ``{"action": ..., "jobArn": ...}``
(keys sorted). Callers pass names, statuses and outcomes only: never a request, hyperparameters, data
locations or a presigned URL. Text that did not come from this code (an unexpected exception's message)
goes through ``scrub`` first: botocore and urllib put response bodies and URLs into their messages.

- The handler sits on the runtime's top logger (``lambda_src``, ``constructs_lib._runtime`` or ``_runtime``,
  whichever name the runtime was imported under) and does not propagate: the Lambda runtime's own root
  handler would print every line a second time. It writes to ``sys.stdout`` as it is when the line is
  emitted, so a replaced stdout (pytest's capture) receives it.
- Level: ``LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR; default INFO). A line at INFO carries no ``level``
  field, so the lines of the default level read as they always did; any other level is named.
- ``invocation(context)`` binds the Lambda request id (``context.aws_request_id``) for the lines logged
  inside it: each carries ``requestId``.
- botocore logs every response body at DEBUG (a wait condition handle's presigned URL among them), so
  whatever level the function is given, botocore, boto3 and urllib3 log at WARNING and above only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .errors import clip

RUNTIME_LOGGER = __name__.rpartition(".kernel.")[0] or __name__
"""The runtime's top package, under whichever name it was imported."""
QUIET_LOGGERS = ("botocore", "boto3", "urllib3")
LEVEL_ENV = "LOG_LEVEL"
DEFAULT_LEVEL = logging.INFO

_URL = re.compile(r"(?i)[a-z][a-z0-9+.-]*(?:://|%3A%2F%2F)\S*")
_SIGNED = re.compile(r"(?i)(signature|x-amz-[a-z-]+|awsaccesskeyid|expires)=[^&\s'\"<]*")
MAX_SCRUBBED = 300
"""Bytes of a scrubbed text in a log line."""

_logger = logging.getLogger(__name__)
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def scrub(text: str) -> str:
    """``text`` without anything that looks like a URL or a presigned query parameter, clipped."""
    return clip(_SIGNED.sub(r"\1=<redacted>", _URL.sub("<url>", text)), MAX_SCRUBBED)


def describe_error(error: BaseException) -> str:
    """``Type: scrubbed message`` for a log line."""
    return scrub(f"{type(error).__name__}: {error}")


def log_event(level: int = DEFAULT_LEVEL, /, **fields: Any) -> None:
    """One line holding ``fields`` (and the bound request id), at ``level`` (INFO unless given)."""
    if _logger.isEnabledFor(level):
        _logger.log(level, _dumps(fields), extra={"fields": fields})


def _dumps(line: Mapping[str, Any]) -> str:
    return json.dumps(line, default=str, sort_keys=True)


@contextmanager
def invocation(context: Any) -> Iterator[None]:
    """Lines logged inside carry the invocation's ``requestId`` (none when ``context`` has no id)."""
    request_id = getattr(context, "aws_request_id", None)
    token = _request_id.set(request_id if isinstance(request_id, str) and request_id else None)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """A record of ``log_event`` as its fields; any other record of the runtime as a scrubbed ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        line: dict[str, Any]
        if isinstance(fields, Mapping):
            line = dict(fields)
        else:
            line = {"message": scrub(record.getMessage())}
            if record.exc_info and record.exc_info[1] is not None:
                line["error"] = describe_error(record.exc_info[1])
        if record.levelno != DEFAULT_LEVEL:
            line.setdefault("level", record.levelname)
        request_id = _request_id.get()
        if request_id:
            line.setdefault("requestId", request_id)
        return _dumps(line)


class StdoutHandler(logging.Handler):
    """Writes each line to ``sys.stdout`` as it is at emit time, and flushes it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stdout
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def level_named(name: str | None) -> int:
    """The level ``LOG_LEVEL`` names (case-insensitive), INFO when it names none."""
    level = logging.getLevelName((name or "").strip().upper())
    return level if isinstance(level, int) and level > logging.NOTSET else DEFAULT_LEVEL


def configure(level: str | None = None) -> logging.Logger:
    """Set up the runtime's logger (idempotent): JSON on stdout at ``level`` (default: ``LOG_LEVEL``)."""
    top = logging.getLogger(RUNTIME_LOGGER)
    if not any(isinstance(handler, StdoutHandler) for handler in top.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        top.addHandler(handler)
    top.propagate = False
    top.setLevel(level_named(level if level is not None else os.environ.get(LEVEL_ENV)))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return top


configure()

"""One JSON object per line. Callers pass names, statuses and outcomes only: never a presigned URL.

Text that did not come from this code (an unexpected exception's message) goes through ``scrub`` first:
botocore and urllib put response bodies and URLs into their messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

_URL = re.compile(r"(?i)[a-z][a-z0-9+.-]*(?:://|%3A%2F%2F)\S*")
_SIGNED = re.compile(r"(?i)(signature|x-amz-[a-z-]+|awsaccesskeyid|expires)=[^&\s'\"<]*")
MAX_SCRUBBED = 300


def log_event(**fields: Any) -> None:
    print(json.dumps(fields, default=str, sort_keys=True), flush=True)


def scrub(text: str) -> str:
    """``text`` without anything that looks like a URL or a presigned query parameter, clipped."""
    cleaned = _SIGNED.sub(r"\1=<redacted>", _URL.sub("<url>", text))
    return cleaned if len(cleaned) <= MAX_SCRUBBED else cleaned[: MAX_SCRUBBED - 3] + "..."


def describe_error(error: BaseException) -> str:
    """``Type: scrubbed message`` for a log line."""
    return scrub(f"{type(error).__name__}: {error}")

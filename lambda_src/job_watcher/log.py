"""One JSON object per line. Callers pass names, statuses and outcomes only: never a presigned URL."""

from __future__ import annotations

import json
from typing import Any


def log_event(**fields: Any) -> None:
    print(json.dumps(fields, default=str, sort_keys=True), flush=True)

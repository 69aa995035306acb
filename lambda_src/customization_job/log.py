"""One JSON object per line, so CloudWatch Logs Insights can filter by field.

Callers pass identifiers and outcomes only: never the request, hyperparameters or data locations.
"""

from __future__ import annotations

import json
from typing import Any


def log_event(**fields: Any) -> None:
    print(json.dumps(fields, default=str, sort_keys=True), flush=True)

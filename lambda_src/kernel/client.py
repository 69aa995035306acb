"""A botocore client configuration from (connect timeout, read timeout, attempts), and its worst-case call time.

One client call may retry inside botocore (standard mode: throttling, 5xx, connection and read timeouts)
before the function's own backoff (``retry``) sees the error. Both layers are bounded: ``max_call_seconds``
is the longest a single call can take under a configuration, and a function starts a call only while that
much Lambda time (plus its margin) is left.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

BACKOFF_CAP_S = 20.0
"""botocore's standard mode waits rand(0,1) * min(base * 2**i, 20) s between attempts (base 1 s for throttling)."""
RETRY_AFTER_EXTRA_S = 5.0
"""... and up to 5 s more when the response carries ``x-amz-retry-after`` (newer botocore releases do)."""
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_ATTEMPTS = 5
"""botocore's legacy-mode default, the larger of its two defaults."""


def client_config(connect_s: float, read_s: float, attempts: int, *, user_agent_extra: str | None = None) -> Config:
    """Standard-mode retries, ``attempts`` in total (the first one included), and the two timeouts."""
    options: dict[str, Any] = {
        "retries": {"mode": "standard", "total_max_attempts": attempts},
        "connect_timeout": connect_s,
        "read_timeout": read_s,
    }
    if user_agent_extra:
        options["user_agent_extra"] = user_agent_extra
    return Config(**options)


def max_call_seconds(config: Any, *, retry_after_s: float = RETRY_AFTER_EXTRA_S) -> float:
    """Upper bound of one client call's duration under ``config`` (a ``botocore.config.Config``).

    attempts x (connect + read timeout) + the longest backoff botocore may sleep between attempts, each with
    ``retry_after_s`` of slack (default: the most ``x-amz-retry-after`` can add). Unset values count as
    botocore's defaults (60 s timeouts, up to 5 attempts).
    """
    connect = float(getattr(config, "connect_timeout", None) or DEFAULT_TIMEOUT_S)
    read = float(getattr(config, "read_timeout", None) or DEFAULT_TIMEOUT_S)
    retries = getattr(config, "retries", None) or {}
    if retries.get("total_max_attempts"):
        attempts = int(retries["total_max_attempts"])
    elif retries.get("max_attempts") is not None:  # botocore's legacy key counts retries, not attempts
        attempts = int(retries["max_attempts"]) + 1
    else:
        attempts = DEFAULT_ATTEMPTS
    attempts = max(attempts, 1)
    backoff = sum(min(2.0**i, BACKOFF_CAP_S) + retry_after_s for i in range(attempts - 1))
    return attempts * (connect + read) + backoff

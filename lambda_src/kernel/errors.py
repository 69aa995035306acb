"""Text for CloudFormation and for logs: clipping in bytes, and the labels of AWS errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ELLIPSIS = "..."


def clip(text: str, max_bytes: int) -> str:
    """``text`` within ``max_bytes`` UTF-8 bytes, cut at a character boundary and marked with "..." when cut.

    CloudFormation counts a reason in bytes (a custom-resource response holds at most 4,096 of them, shared
    with the ids and what the Provider framework appends), so a limit in characters is not one for text
    that is not ASCII.
    """
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max(max_bytes - len(ELLIPSIS), 0)].decode(errors="ignore") + ELLIPSIS


def error_code(error: Any) -> str:
    """The AWS error code of a ``botocore.exceptions.ClientError``; "" for any other exception."""
    response = getattr(error, "response", None)
    detail = response.get("Error") if isinstance(response, Mapping) else None
    return str(detail.get("Code", "")) if isinstance(detail, Mapping) else ""


def error_label(error: BaseException) -> str:
    """The AWS error code when there is one, else the exception's class name (for logs).

    Only a ClientError's ``response`` is a dict: botocore's ReadTimeoutError has a ``response`` too
    (from requests' exception), and it is None.
    """
    return error_code(error) or type(error).__name__

"""The two presigned-URL PUTs CloudFormation expects: a wait condition signal and a custom-resource response.

Both URLs are secrets for as long as they are valid (anyone holding one can signal the wait condition or
answer the request), so nothing here logs them or puts them, or an exception that holds them, in an error.
And the watcher PUTs only where CloudFormation's URLs point: https into CloudFormation's own S3 buckets of
an AWS partition's ``amazonaws.com`` / ``amazonaws.com.cn`` domain, virtual-hosted
(``cloudformation-waitcondition-<region>.s3.amazonaws.com``,
``cloudformation-custom-resource-response-<region>.s3.<region>.amazonaws.com.cn``) or path-style
(``s3.<region>.amazonaws.com/cloudformation-waitcondition-<region>/...``). A URL from an event or
a handle that points anywhere else is refused before any request, so the function cannot be turned into a
client for other hosts.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 5
WORST_CASE_SECONDS = 3 * TIMEOUT_SECONDS
"""Connect, send and read are each bounded by the socket timeout; the body is a few hundred bytes."""
ALLOWED_DOMAINS = ("amazonaws.com", "amazonaws.com.cn")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]+")
_CFN_BUCKET = r"cloudformation-(?:waitcondition|custom-resource-response)-[a-z0-9-]+"
_S3 = r"s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?"
_VIRTUAL_HOSTED = re.compile(rf"{_CFN_BUCKET}\.{_S3}")
_PATH_STYLE_HOST = re.compile(_S3)
_PATH_STYLE_PATH = re.compile(rf"/{_CFN_BUCKET}/")
"""CloudFormation's own buckets for wait condition signals and custom-resource responses, in either S3 URL
style: any other host of the amazonaws.com domain (another bucket, an API Gateway, an EC2 name) can be
anyone's."""

Put = Callable[[str, Mapping[str, Any]], None]


class PutFailed(Exception):
    """The PUT did not succeed; the message never contains the URL and the exception chains nothing."""


class PutRefused(PutFailed):
    """The URL is not one CloudFormation hands out; nothing was sent."""


def refusal(url: Any) -> str | None:
    """Why the watcher must not PUT to ``url`` (a reason that does not quote it), or None when it may."""
    if not isinstance(url, str) or not url:
        return "there is no presigned URL"
    if any(not char.isprintable() or char.isspace() or ord(char) > 126 for char in url):
        return "the presigned URL contains spaces, control or non-ASCII characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the presigned URL cannot be parsed"
    if parts.scheme != "https":
        return "the presigned URL is not an https URL"
    if parts.username is not None or parts.password is not None or port not in (None, 443):
        return "the presigned URL carries credentials or a port"
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or not host.endswith(tuple("." + domain for domain in ALLOWED_DOMAINS)):
        return "the presigned URL's host is not an amazonaws.com host"
    if not _VIRTUAL_HOSTED.fullmatch(host) and not (
        _PATH_STYLE_HOST.fullmatch(host) and _PATH_STYLE_PATH.match(parts.path)
    ):
        return "the presigned URL does not point into CloudFormation's S3 buckets"
    return None


def put_json(url: str, body: Mapping[str, Any]) -> None:
    """PUT ``body`` to a CloudFormation presigned URL, or raise PutRefused without sending anything."""
    reason = refusal(url)
    if reason is not None:
        raise PutRefused(f"refused: {reason}")
    send_json(url, body)


def send_json(url: str, body: Mapping[str, Any], timeout: float = TIMEOUT_SECONDS) -> None:
    """The PUT itself, as presigned S3 URLs from CloudFormation require it (JSON body, empty Content-Type).

    No URL policy here (tests point it at 127.0.0.1). Every failure becomes a PutFailed raised outside the
    ``except`` block: urllib's errors hold the URL (``HTTPError.url``, ``InvalidURL``'s message), and an
    exception raised inside the block would keep them as its ``__context__``.
    """
    failure: str | None = None
    status = 0
    try:
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # callers check the URL first
            status = int(response.status)
    except urllib.error.HTTPError as error:
        failure = f"the presigned URL answered HTTP {error.code}"
        error.close()
    except Exception as error:  # URLError, OSError, http.client's InvalidURL / IncompleteRead, ValueError
        reason = getattr(error, "reason", error)
        failure = f"the presigned URL could not be reached ({type(reason).__name__})"
    if failure is None and not 200 <= status < 300:
        failure = f"the presigned URL answered HTTP {status}"
    if failure is not None:
        raise PutFailed(failure)

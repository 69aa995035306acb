"""The two presigned-URL PUTs CloudFormation expects: a wait condition signal and a custom-resource response.

Both URLs are secrets for as long as they are valid, so nothing here logs them or puts them in an error.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

TIMEOUT_SECONDS = 20

Put = Callable[[str, Mapping[str, Any]], None]


class PutFailed(Exception):
    """The PUT did not succeed; the message never contains the URL."""


def put_json(url: str, body: Mapping[str, Any]) -> None:
    """PUT ``body`` as JSON with an empty Content-Type, as presigned S3 URLs from CloudFormation require."""
    if not url.startswith(("https://", "http://")):
        raise PutFailed("the presigned URL is not an http(s) URL")
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # scheme checked above
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise PutFailed(f"the presigned URL answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PutFailed(f"the presigned URL could not be reached ({type(reason).__name__})") from None
    if not 200 <= status < 300:
        raise PutFailed(f"the presigned URL answered HTTP {status}")

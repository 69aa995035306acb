"""The two presigned-URL PUTs CloudFormation expects: a wait condition signal and a custom-resource response.

Both URLs are secrets for as long as they are valid (anyone holding one can signal the wait condition or
answer the request), so nothing here logs them or puts them, or an exception that holds them, in an error.
And the watcher PUTs only where CloudFormation's URLs point (``refusal``, a pure check any function that
answers CloudFormation can reuse): https into one of CloudFormation's own two buckets of a Region, on the S3
endpoint of that Region's partition, virtual-hosted or path-style. A URL from an event or a handle that
points anywhere else is refused before any request, so the function cannot be turned into a client for other
hosts (another bucket, an access point, a website endpoint, a load balancer named ``s3-...``).
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

# CloudFormation's buckets, one pair per Region: "For custom resources, permit traffic to the
# cloudformation-custom-resource-response-region bucket. When using custom resources, AWS Region names don't
# contain dashes. For example, uswest2. For wait conditions, permit traffic to the cloudformation-waitcondition-
# region bucket. When using wait conditions, AWS Region names do contain dashes." (CloudFormation User Guide,
# "Access CloudFormation using an interface endpoint (AWS PrivateLink)",
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/vpc-interface-endpoints.html).
_REGION = r"[a-z]{2}(?:-gov)?-[a-z]+-[0-9]{1,2}"
"""The Region names of the aws, aws-cn and aws-us-gov partitions (us-east-1, cn-north-1, us-gov-west-1)."""
_BUCKET = re.compile(
    rf"cloudformation-waitcondition-(?P<wait>{_REGION})|cloudformation-custom-resource-response-(?P<response>[a-z0-9]+)"
)
# The S3 endpoint of a Region (Amazon S3 User Guide, "Virtual hosting of buckets" and "Methods for accessing a
# bucket": s3.<region>.amazonaws.com, the legacy s3-<region>.amazonaws.com and global s3.amazonaws.com;
# "Using dual-stack endpoints": s3.dualstack.<region>.amazonaws.com), ``.cn`` in the aws-cn partition.
_S3_ENDPOINT = re.compile(
    rf"s3(?:\.amazonaws\.com|[.-](?P<region>{_REGION})\.amazonaws\.com(?P<cn>\.cn)?"
    rf"|\.dualstack\.(?P<dual>{_REGION})\.amazonaws\.com(?P<dualcn>\.cn)?)"
)


def _regions(bucket: str) -> tuple[str, ...]:
    """The Regions whose CloudFormation bucket ``bucket`` is (none: not one of CloudFormation's)."""
    found = _BUCKET.fullmatch(bucket)
    if found is None:
        return ()
    if found["wait"]:
        return (found["wait"],)
    squeezed = found["response"]
    # the Region without its dashes: which Region it is, read back by shape (<area><name><digits>, -gov- kept)
    parts = re.fullmatch(r"([a-z]{2})(gov)?([a-z]+?)([0-9]{1,2})", squeezed)
    if parts is None:
        return ()
    area, gov, name, number = parts.groups()
    return (f"{area}-{'gov-' if gov else ''}{name}-{number}",)


def _endpoint_region(host: str) -> tuple[bool, str | None]:
    """Whether ``host`` is an S3 endpoint, and the Region it names (None: the global s3.amazonaws.com)."""
    found = _S3_ENDPOINT.fullmatch(host)
    if found is None:
        return False, None
    region = found["region"] or found["dual"]
    in_china = bool(found["cn"] or found["dualcn"])
    if region is not None and region.startswith("cn-") != in_china:
        return False, None  # a China Region outside amazonaws.com.cn, or another Region inside it
    return True, region


def cloudformation_bucket(url: Any) -> str | None:
    """The CloudFormation bucket a presigned URL points into, or None when it points anywhere else.

    Pure (no request): an https URL whose host is ``<bucket>.<S3 endpoint>`` (virtual-hosted) or the S3
    endpoint with ``/<bucket>/`` first in its path (path-style), where the bucket is CloudFormation's
    wait-condition or custom-resource-response bucket of the endpoint's Region (any Region on the global
    endpoint of the aws partition).
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme != "https" or not _HOST.fullmatch(host):
        return None
    is_endpoint, region = _endpoint_region(host)
    if is_endpoint:
        bucket, slash, rest = parts.path.removeprefix("/").partition("/")
        if not parts.path.startswith("/") or not slash or not rest:
            return None
    else:
        bucket, _, endpoint = host.partition(".")
        is_endpoint, region = _endpoint_region(endpoint)
        if not is_endpoint:
            return None
    regions = _regions(bucket)
    if not regions:
        return None
    if region is None:  # the global endpoint: the aws partition's Regions only
        return bucket if not regions[0].startswith("cn-") and "-gov-" not in regions[0] else None
    return bucket if region in regions else None


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
    if cloudformation_bucket(url) is None:
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

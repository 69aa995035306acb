"""CloudFormation custom-resource requests, built in one place for every resource type's tests.

The job handler's (tests/lambda/cfn_support.py), the serving runtime's and the evaluation gate's
(tests/serving_runtime/serving_support.py), the Result's and the watcher's (tests/completion/stubs.py) and the
replays' (tests/integration/harness.py) events all come from ``cfn_event``; each of those modules keeps only
its resource type's properties. As CloudFormation sends a request: ``RequestType``, the ``ServiceToken`` of the
properties, ``ResponseURL``, ``StackId``, ``RequestId``, ``LogicalResourceId``, ``ResourceType``,
``ResourceProperties`` (every scalar a string: the caller's to keep so), and ``PhysicalResourceId`` and
``OldResourceProperties`` where the request type has them
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x"
"""A URL of CloudFormation's response bucket in us-east-1 (the runtime's presigned.refusal accepts it)."""
_FROM_PROPERTIES = object()


def cfn_event(
    request_type: str,
    resource_type: str | None,
    properties: Mapping[str, Any],
    *,
    stack_id: str,
    logical_id: str,
    request_id: str,
    response_url: str | None = RESPONSE_URL,
    service_token: Any = _FROM_PROPERTIES,
    physical_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``request_type`` request for the resource ``logical_id`` of type ``resource_type``.

    ``service_token`` defaults to the properties' own (left out where they have none); ``None`` leaves out
    ``response_url``, ``service_token`` or ``resource_type``, for the tests of a request that lacks them.
    ``extra`` adds or replaces top-level fields (``Data``, a forged field).
    """
    token = properties.get("ServiceToken") if service_token is _FROM_PROPERTIES else service_token
    event: dict[str, Any] = {"RequestType": request_type}
    if token is not None:
        event["ServiceToken"] = token
    if response_url is not None:
        event["ResponseURL"] = response_url
    event.update(StackId=stack_id, RequestId=request_id, LogicalResourceId=logical_id)
    if resource_type is not None:
        event["ResourceType"] = resource_type
    event["ResourceProperties"] = dict(properties)
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = dict(old_properties)
    event.update(extra)
    return event

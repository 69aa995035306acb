"""What makes an event a well-formed CloudFormation custom-resource request, checked before anything reads it.

Pure (no AWS calls, no recursion): ``refusal(event)`` is None for a well-formed request, else a reason that
names the field. Both Provider-framework handlers call it first, so an event that is not a request
CloudFormation could have sent starts nothing: it fails with the reason and a ``fail`` line.

- a JSON object, at most ``MAX_DEPTH`` levels deep and ``MAX_VALUES`` values in all (a deeper value made the
  handlers' own reading and logging overflow Python's stack; CloudFormation's requests are a few levels deep);
- ``RequestType`` Create, Update or Delete;
- ``StackId`` a CloudFormation stack ARN: it becomes the owner tag's value (an empty one would tag a job as no
  stack's);
- ``RequestId`` and ``LogicalResourceId`` non-empty strings (they derive the request's token and name suffix);
- on Update and Delete a non-empty string ``PhysicalResourceId`` of at most 1 KB: CloudFormation always sends
  the one the resource answered, and "can be up to 1 KB in size" (CloudFormation User Guide, "Custom resource
  response objects", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).

The fields (CloudFormation User Guide, "Create request", "Update request", "Delete request" under
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html) are checked, not their values'
meaning: the properties are each handler's to read.
"""

from __future__ import annotations

import re
from typing import Any

REQUEST_TYPES = ("Create", "Update", "Delete")
MAX_DEPTH = 32
"""Levels of nesting in an event (the deepest the construct renders is about 8, a distillation config's)."""
MAX_VALUES = 20_000
"""Values (objects, lists and scalars) in an event."""
MAX_PHYSICAL_ID_BYTES = 1024
_STACK_ARN = re.compile(r"arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:[0-9]{12}:stack/[A-Za-z][A-Za-z0-9-]*/[!-~]+")
_SHOWN = 80


def shown(value: Any) -> str:
    """A short text for a value of a bounded event (``repr``, cut at 80 characters)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def oversized(value: Any, where: str = "the event") -> str | None:
    """Why ``value`` is too deep or too large to read (naming the path where it goes too deep), else None.

    Iterative, so that a value nested thousands of levels deep is measured without recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 1, where)]
    count = 0
    while stack:
        item, depth, path = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return f"{where} holds more than {MAX_VALUES} values"
        if depth > MAX_DEPTH:
            return f"{path} nests deeper than {MAX_DEPTH} levels"
        if isinstance(item, dict):
            stack.extend((v, depth + 1, _child(path, k, depth)) for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1, _child(path, "[]", depth)) for v in item)
    return None


def _child(path: str, key: Any, depth: int) -> str:
    """The path named in a reason: the first four levels, then "..."."""
    if depth > 4:
        return path if path.endswith("...") else path + "..."
    label = key if isinstance(key, str) and len(key) <= 40 else "<key>"
    if path == "the event":
        return label
    return f"{path}{label}" if label == "[]" else f"{path}.{label}"


def refusal(event: Any) -> str | None:
    """Why ``event`` is not a well-formed CloudFormation custom-resource request (naming the field), else None."""
    if not isinstance(event, dict):
        return f"The custom-resource event must be a JSON object; got {type(event).__name__}."
    too_big = oversized(event)
    if too_big is not None:
        return f"The custom-resource event is not one CloudFormation sends: {too_big}."
    request_type = event.get("RequestType")
    if request_type not in REQUEST_TYPES:
        return f"Unsupported RequestType {shown(request_type)}; expected Create, Update or Delete."
    stack_id = event.get("StackId")
    if not isinstance(stack_id, str) or _STACK_ARN.fullmatch(stack_id) is None:
        got = "nothing" if stack_id in (None, "") else shown(stack_id)
        return (
            f"The event's StackId must be the CloudFormation stack ARN (it becomes the owner tag); got {got} "
            f"({type(stack_id).__name__})."
        )
    for field in ("RequestId", "LogicalResourceId"):
        value = event.get(field)
        if not isinstance(value, str) or not value:
            return f"The event's {field} must be a non-empty string; got {shown(value)} ({type(value).__name__})."
    if request_type in ("Update", "Delete"):
        physical_id = event.get("PhysicalResourceId")
        if not isinstance(physical_id, str) or not physical_id:
            article = "An" if request_type == "Update" else "A"
            return (
                f"{article} {request_type} event must carry the resource's PhysicalResourceId as a non-empty "
                f"string; got {shown(physical_id)} ({type(physical_id).__name__})."
            )
        if len(physical_id.encode()) > MAX_PHYSICAL_ID_BYTES:
            return f"The event's PhysicalResourceId is longer than CloudFormation's {MAX_PHYSICAL_ID_BYTES} bytes."
    return None

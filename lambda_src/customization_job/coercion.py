"""Turn CloudFormation's all-string scalars back into the types of botocore's input shapes.

CloudFormation hands custom resources every number and boolean as a string ("3", "1e-05", "true").
Walking the operation's input shape converts them generically, so a field added to the API later
needs no code here. Values that do not convert, and keys the shape does not know, are left as they
are: botocore's parameter validation then rejects them with a message naming the field.
"""

from __future__ import annotations

from typing import Any

_INTEGER_TYPES = frozenset({"integer", "long"})
_FLOAT_TYPES = frozenset({"float", "double"})
_BOOLEANS = {"true": True, "false": False}


def coerce(value: Any, shape: Any) -> Any:
    """Return ``value`` converted to the botocore ``shape`` (a ``botocore.model.Shape``)."""
    type_name = shape.type_name
    if type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: coerce(v, members[k]) if k in members else v for k, v in value.items()}
    if type_name == "list" and isinstance(value, list):
        return [coerce(item, shape.member) for item in value]
    if type_name == "map" and isinstance(value, dict):
        return {k: coerce(v, shape.value) for k, v in value.items()}
    if isinstance(value, str):
        return _coerce_scalar(value, type_name)
    return value


def _coerce_scalar(text: str, type_name: str) -> Any:
    stripped = text.strip()
    try:
        if type_name in _INTEGER_TYPES:
            return int(stripped)
        if type_name in _FLOAT_TYPES:
            return float(stripped)
    except ValueError:
        return text
    if type_name == "boolean":
        return _BOOLEANS.get(stripped.lower(), text)
    return text


_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "structure": dict,
    "map": dict,
    "list": list,
    "integer": int,
    "long": int,
    "float": (int, float),
    "double": (int, float),
    "boolean": bool,
}


def incomplete(request: Any, shape: Any, where: str) -> list[str]:
    """The required members of the botocore ``shape`` that ``request`` (coerced) lacks, holds empty or holds as
    another type, as paths under ``where``; nested structures' required members too. Empty: complete.

    Only the members the service model requires are checked: an earlier request the handler sent had them all
    (botocore refuses a request without them), so a request without one is not an earlier request.
    """
    problems: list[str] = []
    pending: list[tuple[Any, Any, str]] = [(request, shape, where)]
    while pending:
        value, current, path = pending.pop()
        if not isinstance(value, dict):
            problems.append(f"{path} is {type(value).__name__}, expected a map")
            continue
        for name in current.required_members:
            member, field = current.members[name], f"{path}.{name}"
            item = value.get(name)
            expected = _PYTHON_TYPES.get(member.type_name)
            if item is None or item == "":
                problems.append(f"{field} is missing")
            elif expected is not None and (
                isinstance(item, bool) != (member.type_name == "boolean") or not isinstance(item, expected)
            ):
                problems.append(f"{field} is {type(item).__name__}, expected {member.type_name}")
            elif member.type_name == "structure":
                pending.append((item, member, field))
    return sorted(problems)

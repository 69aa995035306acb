"""A small IAM identity-policy evaluator for tests: explicit Deny wins, else some Allow must match.

Covers what this library's policies use: Action and Resource with ``*`` / ``?`` wildcards (actions
case-insensitively), NotAction/NotResource are refused (not used), and the condition operators
StringEquals/StringNotEquals/StringEqualsIgnoreCase/StringNotEqualsIgnoreCase/StringLike/StringNotLike,
ArnEquals/ArnLike/ArnNotEquals/ArnNotLike, Bool, Null, each with ``IfExists``, and the ``ForAllValues:``
/ ``ForAnyValue:`` set qualifiers. Semantics as the IAM User Guide states them:

- operators and condition keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  (a missing key makes a condition false, except that ``...IfExists`` and a negated operator such as
  ``StringNotEquals`` are true for it; condition key *names* match regardless of case:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html);
- set operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  (``ForAllValues`` is true for an absent or empty key; ``ForAnyValue`` false for it);
- within one condition key, the policy's values are ORed; keys and operators are ANDed.

Templates synthesized by CDK hold intrinsics: ``resolve`` turns ``Ref``/``Fn::Join``/``Fn::GetAtt`` into
strings with fixed pseudo-parameter values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::AccountId": "111122223333",
    "AWS::Region": "us-east-1",
    "AWS::URLSuffix": "amazonaws.com",
}


def resolve(value: Any, stack_id: str, region: str = "us-east-1") -> Any:
    """Intrinsics to strings: pseudo parameters fixed, ``AWS::StackId`` = ``stack_id``, other refs ``ref:<id>``."""
    if isinstance(value, list):
        return [resolve(v, stack_id, region) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name == "AWS::StackId":
            return stack_id
        if name == "AWS::Region":
            return region
        return PSEUDO.get(name, f"ref:{name}")
    if set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return sep.join(str(resolve(p, stack_id, region)) for p in parts)
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"getatt:{logical_id}.{attribute}"
    return {k: resolve(v, stack_id, region) for k, v in value.items()}


@dataclass
class Request:
    """One authorization: an action on one resource, with its request context (condition keys -> values)."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)

    def lookup(self, key: str) -> Any:
        """A context value by key name, the name matched without regard to case (None: absent)."""
        for name, value in self.context.items():
            if name.lower() == key.lower():
                return value
        return None


def _listify(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _wild(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.IGNORECASE if ignore_case else 0
    return re.fullmatch(regex, text, flags | re.DOTALL) is not None


def _arn_like(pattern: str, arn: str) -> bool:
    """ArnLike: each of the six colon-delimited parts matched with wildcards."""
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    return len(p_parts) == len(a_parts) == 6 and all(_wild(p, a) for p, a in zip(p_parts, a_parts, strict=True))


def _match_one(base: str, policy_value: Any, request_value: Any) -> bool:
    """The positive form of ``base`` for one request value against one policy value."""
    pv, rv = str(policy_value), request_value
    if base in ("StringEquals", "StringNotEquals"):
        return isinstance(rv, str) and rv == pv
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return isinstance(rv, str) and rv.lower() == pv.lower()
    if base in ("StringLike", "StringNotLike"):
        return isinstance(rv, str) and _wild(pv, rv)
    if base in ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"):
        return isinstance(rv, str) and _arn_like(pv, rv)
    if base == "Bool":
        return str(rv).lower() == pv.lower()
    raise AssertionError(f"operator {base} is not modelled")


NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _condition(operator: str, key: str, policy_values: Any, request: Request) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    values = _listify(policy_values)
    present = request.lookup(key)
    if base == "Null":
        absent = present is None or present == []
        return any(str(v).lower() == ("true" if absent else "false") for v in values)
    negated = base in NEGATED
    if qualifier in ("ForAllValues", "ForAnyValue"):
        items = _listify(present) if present is not None else []
        if qualifier == "ForAllValues":
            if not items:
                return True
            if negated:
                return all(not any(_match_one(base, v, item) for v in values) for item in items)
            return all(any(_match_one(base, v, item) for v in values) for item in items)
        if not items:
            return False
        if negated:
            return any(not any(_match_one(base, v, item) for v in values) for item in items)
        return any(any(_match_one(base, v, item) for v in values) for item in items)
    assert not qualifier, operator
    if present is None:
        return if_exists or negated
    if negated:
        return not any(_match_one(base, v, present) for v in values)
    return any(_match_one(base, v, present) for v in values)


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    assert "NotAction" not in statement and "NotResource" not in statement, statement
    actions = _listify(statement["Action"])
    if not any(_wild(a, request.action, ignore_case=True) for a in actions):
        return False
    resources = _listify(statement["Resource"])
    if not any(isinstance(r, str) and _wild(r, request.resource) for r in resources):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, policy_values in keys.items():
            if not _condition(operator, key, policy_values, request):
                return False
    return True


def decide(statements: Sequence[Mapping[str, Any]], request: Request) -> str:
    """``"Deny"`` (an explicit Deny matched), ``"Allow"``, or ``"ImplicitDeny"``."""
    matched = [s for s in statements if _statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in matched):
        return "Deny"
    return "Allow" if any(s["Effect"] == "Allow" for s in matched) else "ImplicitDeny"


def allowed(statements: Sequence[Mapping[str, Any]], requests: Iterable[Request]) -> bool:
    """Whether every one of ``requests`` (one API call's resources) is allowed."""
    return all(decide(statements, r) == "Allow" for r in requests)


def tag_context(
    *,
    resource_tags: Mapping[str, str] | None = None,
    request_tags: Mapping[str, str] | None = None,
    tag_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The request context keys for tags: aws:ResourceTag/k, aws:RequestTag/k and aws:TagKeys."""
    context: dict[str, Any] = {}
    for key, value in (resource_tags or {}).items():
        context[f"aws:ResourceTag/{key}"] = value
    for key, value in (request_tags or {}).items():
        context[f"aws:RequestTag/{key}"] = value
    keys = list(tag_keys) if tag_keys is not None else list(request_tags or {})
    if keys:
        context["aws:TagKeys"] = keys
    return context


__all__ = ["Request", "allowed", "decide", "resolve", "tag_context"]

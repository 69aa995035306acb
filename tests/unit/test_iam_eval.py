"""The test IAM evaluator (tests/iam_eval.py) against the semantics the IAM User Guide states (its docstring)."""

from __future__ import annotations

from typing import Any

from iam_eval import Request, decide


def one(condition: dict[str, Any], context: dict[str, Any], effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Action": "svc:Do*", "Resource": "arn:aws:svc:*:*:thing/*", "Condition": condition}
    return decide([statement], Request("svc:DoIt", "arn:aws:svc:us-east-1:1:thing/a", context))


def test_action_and_resource_wildcards() -> None:
    statement = {"Effect": "Allow", "Action": "svc:Get*", "Resource": "arn:aws:svc:*:*:thing/*"}
    assert decide([statement], Request("SVC:GetThing", "arn:aws:svc:r:1:thing/x")) == "Allow"
    assert decide([statement], Request("svc:PutThing", "arn:aws:svc:r:1:thing/x")) == "ImplicitDeny"
    assert decide([statement], Request("svc:GetThing", "arn:aws:svc:r:1:other/x")) == "ImplicitDeny"


def test_an_explicit_deny_wins() -> None:
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "svc:DoIt", "Resource": "*"}
    assert decide([allow, deny], Request("svc:DoIt", "x")) == "Deny"


def test_missing_keys() -> None:
    key = "aws:ResourceTag/owner"
    assert one({"StringEquals": {key: "a"}}, {}) == "ImplicitDeny"
    assert one({"StringEqualsIfExists": {key: "a"}}, {}) == "Allow"
    assert one({"StringNotEquals": {key: "a"}}, {}) == "Allow"
    assert one({"Null": {key: "true"}}, {}) == "Allow"
    assert one({"Null": {key: "false"}}, {}) == "ImplicitDeny"


def test_key_names_ignore_case_values_do_not_unless_told() -> None:
    assert one({"StringEquals": {"aws:ResourceTag/Owner": "a"}}, {"aws:resourcetag/owner": "a"}) == "Allow"
    assert one({"StringEquals": {"k": "a"}}, {"k": "A"}) == "ImplicitDeny"
    assert one({"StringEqualsIgnoreCase": {"k": "a"}}, {"k": "A"}) == "Allow"


def test_set_operators() -> None:
    keys = "aws:TagKeys"
    assert one({"ForAllValues:StringEquals": {keys: ["a"]}}, {}) == "Allow"
    assert one({"ForAnyValue:StringEquals": {keys: ["a"]}}, {}) == "ImplicitDeny"
    assert one({"ForAllValues:StringEquals": {keys: ["a", "b"]}}, {keys: ["a", "c"]}) == "ImplicitDeny"
    assert one({"ForAnyValue:StringEquals": {keys: ["a"]}}, {keys: ["a", "c"]}) == "Allow"
    assert one({"ForAllValues:StringNotEqualsIgnoreCase": {keys: ["a"]}}, {keys: ["b", "A"]}) == "ImplicitDeny"
    assert one({"ForAllValues:StringNotEqualsIgnoreCase": {keys: ["a"]}}, {keys: ["b"]}) == "Allow"

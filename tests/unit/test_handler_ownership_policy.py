"""The handler's role can change only what its own stack created: IAM conditions on the owner tag.

Read from the synthesized template: every Bedrock action that starts, stops, deletes or retags a job
or model carries a condition on ``bedrock-customization:stack-id`` equal to this stack's id, and the
condition keys used are ones the Service Authorization Reference lists for the action (README, security section).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from .helpers import new_stack, simple_job, statements

OWNER = "bedrock-customization:stack-id"
STACK_ID = {"Ref": "AWS::StackId"}
MUTATING = {
    "bedrock:CreateModelCustomizationJob",
    "bedrock:StopModelCustomizationJob",
    "bedrock:DeleteCustomModel",
    "bedrock:TagResource",
    "bedrock:UntagResource",
}


def actions(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return [found] if isinstance(found, str) else list(found)


@pytest.fixture(scope="module")
def handler_statements() -> list[dict[str, Any]]:
    stack = new_stack()
    simple_job(stack)
    return statements(stack, "BedrockModelCustomizationProviderHandlerRole")


def only(handler_statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (statement,) = [s for s in handler_statements if action in actions(s) and s["Effect"] == "Allow"]
    assert actions(statement) == [action], "a mutating action shares its statement with nothing else"
    return statement


def test_every_mutating_bedrock_action_is_conditioned_on_this_stacks_owner_tag(
    handler_statements: list[dict[str, Any]],
) -> None:
    granted = {a for s in handler_statements for a in actions(s) if a.startswith("bedrock:")}
    assert granted >= MUTATING
    for action in MUTATING:
        conditions = only(handler_statements, action)["Condition"]
        owner_values = [
            value
            for operator, keys in conditions.items()
            if operator.startswith("StringEquals")
            for key, value in keys.items()
            if key.endswith(f"Tag/{OWNER}")
        ]
        assert owner_values and all(v == STACK_ID for v in owner_values), (action, conditions)


def test_create_requires_the_owner_tag_in_the_request(handler_statements: list[dict[str, Any]]) -> None:
    statement = only(handler_statements, "bedrock:CreateModelCustomizationJob")
    assert statement["Condition"] == {
        "StringEquals": {f"aws:RequestTag/{OWNER}": STACK_ID},
        "ForAnyValue:StringEquals": {"aws:TagKeys": [OWNER]},
    }


@pytest.mark.parametrize("action", ["bedrock:StopModelCustomizationJob", "bedrock:DeleteCustomModel"])
def test_stop_and_delete_only_what_carries_the_owner_tag(handler_statements: list[dict[str, Any]], action: str) -> None:
    statement = only(handler_statements, action)
    assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/{OWNER}": STACK_ID}}


def test_tagging_carries_the_owner_tag_and_never_claims_another_stacks_resource(
    handler_statements: list[dict[str, Any]],
) -> None:
    statement = only(handler_statements, "bedrock:TagResource")
    assert statement["Condition"] == {
        "StringEquals": {f"aws:RequestTag/{OWNER}": STACK_ID, f"aws:ResourceTag/{OWNER}": STACK_ID},
    }


def test_untagging_only_owned_resources_and_never_the_owner_key(handler_statements: list[dict[str, Any]]) -> None:
    statement = only(handler_statements, "bedrock:UntagResource")
    assert statement["Condition"] == {
        "StringEquals": {f"aws:ResourceTag/{OWNER}": STACK_ID},
        "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": [OWNER]},
    }
    (deny,) = [s for s in handler_statements if s["Effect"] == "Deny"]
    assert actions(deny) == ["bedrock:UntagResource"]
    assert deny["Condition"] == {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": [OWNER]}}


def test_the_construct_and_the_handler_agree_on_the_owner_tag_key() -> None:
    from constructs_lib._runtime.customization_job import ownership  # the runtime as the library ships it

    from constructs_lib.cdk import permissions

    assert permissions.OWNER_TAG_KEY == ownership.OWNER_TAG_KEY == OWNER

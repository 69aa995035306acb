"""Issue 23: the owner check on values as Bedrock's and CloudFormation's answers hold them (parsed from JSON)."""

from __future__ import annotations

import json
from typing import Any

from lambda_src.contract import OWNER_TAG_KEY
from lambda_src.customization_job.ownership import is_owned

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Chained/1a2b3c4d-0000-0000-0000-000000000000"


def parsed(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_a_resource_tagged_with_this_stacks_id_is_owned_when_both_come_from_json() -> None:
    tags = parsed([{"key": "team", "value": "ml"}, {"key": OWNER_TAG_KEY, "value": STACK}])
    stack_id = parsed({"StackId": STACK})["StackId"]

    assert is_owned(tags, stack_id)
    assert not is_owned(tags, stack_id[:-1] + "1")
    assert not is_owned(parsed([{"key": "team", "value": "ml"}]), stack_id)
    assert not is_owned(tags, "")

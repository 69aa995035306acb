"""The tests' one CloudFormation request builder (tests/support/events.py) makes requests the runtime takes as
CloudFormation's, for each of the stack's custom resource types."""

from __future__ import annotations

import pytest
from constructs_lib._runtime import contract
from constructs_lib._runtime.kernel.envelope import refusal
from support.events import RESPONSE_URL, cfn_event

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:S-Runtime"
TYPES = [
    contract.JOB_RESOURCE_TYPE,
    contract.RESULT_RESOURCE_TYPE,
    contract.DEPLOYMENT_RESOURCE_TYPE,
    contract.THROUGHPUT_RESOURCE_TYPE,
]
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
CREATE_FIELDS = {
    "RequestType",
    "ServiceToken",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
}


@pytest.mark.parametrize("resource_type", TYPES)
def test_create_update_and_delete_are_well_formed_requests_for_each_resource_type(resource_type: str) -> None:
    props = {"ServiceToken": TOKEN, "Anything": "1"}
    common = {"stack_id": STACK_ID, "logical_id": "Thing1", "request_id": "r-1"}

    create = cfn_event("Create", resource_type, props, **common)
    update = cfn_event("Update", resource_type, props, physical_id="p-1", old_properties=props, **common)
    delete = cfn_event("Delete", resource_type, props, physical_id="p-1", **common)

    assert set(create) == CREATE_FIELDS
    assert set(update) == CREATE_FIELDS | {"PhysicalResourceId", "OldResourceProperties"}
    assert set(delete) == CREATE_FIELDS | {"PhysicalResourceId"}
    for event in (create, update, delete):
        assert refusal(event) is None
        assert (event["ServiceToken"], event["ResponseURL"], event["ResourceType"]) == (
            TOKEN,
            RESPONSE_URL,
            resource_type,
        )
        assert event["ResourceProperties"] == props and event["ResourceProperties"] is not props


def test_fields_can_be_left_out_or_forged() -> None:
    event = cfn_event(
        "Create",
        None,
        {"JobIdentifier": "j"},
        stack_id=STACK_ID,
        logical_id="Result1",
        request_id="r",
        response_url=None,
        RequestId=["not", "a", "string"],
    )

    assert "ResourceType" not in event and "ServiceToken" not in event and "ResponseURL" not in event
    assert refusal(event) is not None and "RequestId" in str(refusal(event))

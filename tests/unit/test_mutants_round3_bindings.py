"""Issue 23: a survivor of bindings.py's run on today's code (seed 3164261849, all 35 mutants): the security group
a VPC job gets when none is given allows all outbound traffic (the job reaches S3 and Bedrock's endpoints) and
nothing inbound."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match

from .helpers import new_stack, simple_job, template


def test_the_security_group_made_for_a_vpc_job_allows_all_outbound_and_no_inbound() -> None:
    stack = new_stack()
    network = ec2.Vpc(stack, "Network", max_azs=2)
    simple_job(stack, vpc=network)

    groups = template(stack).find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("Bedrock model customization job")}},
    )
    (group,) = groups.values()
    assert group["Properties"]["SecurityGroupEgress"] == [
        {"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}
    ]
    assert "SecurityGroupIngress" not in group["Properties"]


def test_a_subnet_selection_cdk_refuses_is_named_with_cdks_own_first_line() -> None:
    import pytest

    from constructs_lib.rules.validation import ValidationError

    stack = new_stack()
    network = ec2.Vpc(stack, "Network", max_azs=2)  # public and private-with-egress subnets, no isolated ones

    with pytest.raises(ValidationError) as raised:
        simple_job(stack, vpc=network, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
    message = str(raised.value)
    assert "Invalid vpc_subnets SubnetSelection(" in message
    assert message.endswith(
        "There are no 'Isolated' subnet groups in this VPC. Available types: "
        "Deprecated_Private_NAT,Private,Deprecated_Private,Public"
    )

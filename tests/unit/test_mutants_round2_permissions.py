"""Issue 23: the statements permissions.py renders, as JSON (survivors of permissions.py's run)."""

from __future__ import annotations

from aws_cdk import App, Environment, Stack

from constructs_lib.cdk import permissions
from constructs_lib.cdk.stack_facts import facts_of

PRO = "amazon.nova-pro-v1:0"


def stack() -> Stack:
    return Stack(App(), "TestStack", env=Environment(account="123456789012", region="us-east-1"))


def test_one_action_and_one_resource_render_as_scalars_as_cdk_renders_them() -> None:
    assert permissions.statement(["s3:GetObject"], ["arn:aws:s3:::b/*"]) == {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    assert permissions.statement(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]) == {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    }


def test_a_teacher_given_as_a_foundation_model_arn_is_that_arn_only() -> None:
    arn = f"arn:aws:bedrock:us-west-2::foundation-model/{PRO}"

    assert permissions.teacher(facts_of(stack()), arn)["Resource"] == arn


def test_a_teacher_given_as_an_inference_profile_arn_covers_its_model_in_every_region() -> None:
    profile = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{PRO}"
    resources = permissions.teacher(facts_of(stack()), profile)["Resource"]

    assert resources[0] == profile and len(resources) == 2
    assert resources[1].endswith(f":bedrock:*::foundation-model/{PRO}")


def test_a_teacher_given_by_model_id_is_its_foundation_model_in_the_stacks_region() -> None:
    resource = permissions.teacher(facts_of(stack()), PRO)["Resource"]

    assert resource.endswith(f":bedrock:us-east-1::foundation-model/{PRO}")

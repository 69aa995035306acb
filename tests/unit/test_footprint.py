"""Issue 20: the fixed cost of a stack, counted on app.py's synthesized stacks (before: 13 / 32 / 47 resources,
2 / 3 / 8 functions, 3 / 5 / 10 roles, 2 / 3 / 7 log groups, a state machine in stacks that serve)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

import app as example

# stack -> (resources, Lambda functions, IAM roles, log groups)
EXPECTED = {
    "BedrockFineTuning": (11, 1, 2, 1),  # 1 job
    "BedrockChained": (28, 2, 3, 1),  # 2 jobs, the second waits; an SNS topic of the app
    "BedrockServed": (25, 3, 3, 1),  # 1 waiting job served on demand, 1 app role
    "BedrockGated": (27, 3, 3, 1),  # the same behind the evaluation gate: its reports bucket and role, no app role
}
RUNTIME_HANDLER = "_runtime.entry.handler.handler"


@pytest.fixture(scope="module")
def stacks() -> dict[str, dict[str, Any]]:
    app = App(context=example.FEATURE_FLAGS)
    example.build_app(app)
    assembly = app.synth()
    return {s.stack_name: s.template for s in assembly.stacks}


def counts(template: dict[str, Any]) -> tuple[int, int, int, int]:
    types = Counter(r["Type"] for r in template["Resources"].values())
    return (
        len(template["Resources"]),
        types["AWS::Lambda::Function"],
        types["AWS::IAM::Role"],
        types["AWS::Logs::LogGroup"],
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_example_stacks_fixed_cost(name: str, stacks: dict[str, dict[str, Any]]) -> None:
    assert counts(stacks[name]) == EXPECTED[name]


def test_every_stack_has_at_most_three_runtime_functions_no_provider_framework_and_no_state_machine(
    stacks: dict[str, dict[str, Any]],
) -> None:
    for name, template in stacks.items():
        found = Template.from_json(template)
        found.resource_count_is("AWS::StepFunctions::StateMachine", 0)
        functions = found.find_resources("AWS::Lambda::Function")
        ours = {k: f for k, f in functions.items() if f["Properties"].get("Handler") == RUNTIME_HANDLER}
        assert 1 <= len(ours) <= 3, name
        # no Node function of this library (an app's own, such as a VPC's default-security-group provider, may be)
        library = ("BedrockModelCustomization", "BedrockModelServing")
        node = [k for k, f in functions.items() if "nodejs" in str(f["Properties"].get("Runtime"))]
        assert not [k for k in node if k.startswith(library)], name
        # one role and one log group for all of the runtime's functions
        assert len({str(f["Properties"]["Role"]) for f in ours.values()}) == 1, name
        assert len({str(f["Properties"]["LoggingConfig"]) for f in ours.values()}) == 1, name
    assert counts(stacks["BedrockServed"])[0] <= 25

"""Helpers for synth assertions: build a stack, read the job resources, detect template cycles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from constructs_lib import ModelCustomizationJob, TrainingData

JOB_TYPE = "Custom::BedrockModelCustomizationJob"
NOVA = "amazon.nova-micro-v1:0:128k"


def new_stack(name: str = "TestStack") -> Stack:
    return Stack(App(), name)


def simple_job(stack: Stack, construct_id: str = "Job", **overrides: Any) -> ModelCustomizationJob:
    bucket = stack.node.try_find_child("Data") or s3.Bucket(stack, "Data")
    props: dict[str, Any] = {
        "base_model": NOVA,
        "training_data": TrainingData.from_bucket(bucket, "train/data.jsonl"),  # type: ignore[arg-type]
    }
    props.update(overrides)
    return ModelCustomizationJob(stack, construct_id, **props)


def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def jobs(stack: Stack) -> dict[str, dict[str, Any]]:
    return template(stack).find_resources(JOB_TYPE)


def only_request(stack: Stack) -> dict[str, Any]:
    found = jobs(stack)
    assert len(found) == 1, found.keys()
    return next(iter(found.values()))["Properties"]["Request"]


def statements(stack: Stack, logical_prefix: str) -> list[dict[str, Any]]:
    """Every statement of roles and policies whose logical id starts with the prefix."""
    tpl = template(stack).to_json()
    found: list[dict[str, Any]] = []
    for logical_id, resource in tpl["Resources"].items():
        if not logical_id.startswith(logical_prefix):
            continue
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                found.extend(policy["PolicyDocument"]["Statement"])
        elif resource["Type"] == "AWS::IAM::Policy":
            found.extend(props["PolicyDocument"]["Statement"])
    return found


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield target[0] if isinstance(target, list) else str(target).split(".")[0]
        if "Fn::Sub" in value:
            import re

            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            yield from (m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
        for child in value.values():
            yield from _references(child)
    elif isinstance(value, list):
        for child in value:
            yield from _references(child)


def dependency_cycle(tpl: dict[str, Any]) -> list[str] | None:
    """A cycle among Ref / GetAtt / Sub / DependsOn edges between resources, or None."""
    resources = tpl["Resources"]
    edges: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        targets = set(depends if isinstance(depends, list) else [depends])
        targets |= {ref for ref in _references(resource.get("Properties", {})) if ref in resources}
        edges[logical_id] = targets
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in edges:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None

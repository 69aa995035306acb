"""Coercion walks botocore's shapes: every number/boolean member of the API converts, generically."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from lambda_src.customization_job.coercion import coerce


@pytest.fixture(scope="module")
def input_shape() -> Any:
    model = botocore.session.get_session().get_service_model("bedrock")
    return model.operation_model("CreateModelCustomizationJob").input_shape


def cloudformation_strings(value: Any) -> Any:
    """What CloudFormation does to a template value: scalars become strings, structure stays."""
    if isinstance(value, dict):
        return {k: cloudformation_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cloudformation_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sample(shape: Any, *, every_union_member: bool) -> Any:
    """A typed value for every member of ``shape``; unions get all members or only their first one."""
    if shape.type_name == "structure":
        members = list(shape.members.items())
        if shape.is_tagged_union and not every_union_member:
            members = members[:1]
        return {name: sample(member, every_union_member=every_union_member) for name, member in members}
    if shape.type_name == "list":
        return [sample(shape.member, every_union_member=every_union_member)]
    if shape.type_name == "map":
        return {"k": sample(shape.value, every_union_member=every_union_member)}
    return {"integer": 7, "long": 7, "float": 0.5, "double": 0.5, "boolean": True}.get(shape.type_name, "x")


def with_types(value: Any) -> Any:
    """Leaves paired with their type, so that 7 == 7.0 == True cannot hide a wrong conversion."""
    if isinstance(value, dict):
        return {k: with_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_types(v) for v in value]
    return (type(value).__name__, value)


def leaf_types(value: Any) -> set[type]:
    if isinstance(value, dict):
        return set().union(*(leaf_types(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(leaf_types(v) for v in value))
    return {type(value)}


@pytest.mark.parametrize("every_union_member", [True, False])
def test_every_scalar_member_round_trips_through_cloudformation_strings(
    input_shape: Any, every_union_member: bool
) -> None:
    typed = sample(input_shape, every_union_member=every_union_member)
    coerced = coerce(cloudformation_strings(typed), input_shape)

    assert with_types(coerced) == with_types(typed)
    assert leaf_types(coerced) >= {int, bool, str}
    if every_union_member:
        assert float in leaf_types(coerced)  # rftConfig.hyperParameters.learningRate
    else:  # a request with one member per union is one Bedrock would accept
        report = ParamValidator().validate(coerced, input_shape)
        assert not report.has_errors(), report.generate_report()


def test_union_alternatives_are_coerced_too(input_shape: Any) -> None:
    config = {"rftConfig": {"hyperParameters": {"batchSize": "32", "learningRate": "0.0001"}}}

    coerced = coerce({"customizationConfig": config}, input_shape)

    assert coerced == {
        "customizationConfig": {"rftConfig": {"hyperParameters": {"batchSize": 32, "learningRate": 1e-4}}}
    }


def test_string_maps_keep_their_string_values(input_shape: Any) -> None:
    coerced = coerce({"hyperParameters": {"epochCount": "2", "learningRate": "1e-05"}}, input_shape)

    assert coerced == {"hyperParameters": {"epochCount": "2", "learningRate": "1e-05"}}


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("false", False), ("TRUE", True), (" False ", False)])
def test_booleans(input_shape: Any, text: str, expected: bool) -> None:
    request = {"trainingDataConfig": {"invocationLogsConfig": {"usePromptResponse": text}}}

    coerced = coerce(request, input_shape)

    assert coerced["trainingDataConfig"]["invocationLogsConfig"]["usePromptResponse"] is expected


def test_values_that_do_not_convert_and_unknown_keys_are_left_for_botocore_to_reject(
    input_shape: Any,
) -> None:
    request = {
        "customizationConfig": {"rftConfig": {"hyperParameters": {"epochCount": "three", "batchSize": "1.5"}}},
        "trainingDataConfig": {"invocationLogsConfig": {"usePromptResponse": "yes"}},
        "notAField": "42",
    }

    coerced = coerce(request, input_shape)

    assert coerced == request
    report = ParamValidator().validate(coerced, input_shape)
    assert "notAField" in report.generate_report()
    assert "epochCount" in report.generate_report()


def test_already_typed_values_are_kept(input_shape: Any) -> None:
    request = {"customizationConfig": {"rftConfig": {"hyperParameters": {"epochCount": 4, "learningRate": 0.001}}}}

    assert with_types(coerce(request, input_shape)) == with_types(request)

"""Configs bind once: what each returns, and how the job merges the fragments into one request."""

from __future__ import annotations

import pytest
from aws_cdk import aws_s3 as s3

from constructs_lib import OutputData, TrainingData, ValidationData
from constructs_lib.cdk import bindings

from .helpers import new_stack, simple_job


def test_merge_concatenates_validators_and_refuses_two_values_for_one_field() -> None:
    merged = bindings.merge(
        [
            {"trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"}},
            {"validationDataConfig": {"validators": [{"s3Uri": "s3://b/v1.jsonl"}]}},
            {"validationDataConfig": {"validators": [{"s3Uri": "s3://b/v2.jsonl"}]}},
        ]
    )
    assert merged == {
        "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
        "validationDataConfig": {"validators": [{"s3Uri": "s3://b/v1.jsonl"}, {"s3Uri": "s3://b/v2.jsonl"}]},
    }
    with pytest.raises(ValueError, match="customizationConfig"):
        bindings.merge([{"customizationConfig": {"a": 1}}, {"customizationConfig": {"a": 2}}])


def test_merge_does_not_share_the_fragments_it_was_given() -> None:
    fragment = {"validationDataConfig": {"validators": [{"s3Uri": "s3://b/v1.jsonl"}]}}
    merged = bindings.merge([fragment, {"validationDataConfig": {"validators": [{"s3Uri": "s3://b/v2.jsonl"}]}}])
    assert len(fragment["validationDataConfig"]["validators"]) == 1
    assert merged["validationDataConfig"]["validators"] is not fragment["validationDataConfig"]["validators"]


def test_each_binding_is_one_frozen_answer_and_the_config_is_left_as_it_was() -> None:
    stack = new_stack()
    job = simple_job(stack)
    bucket = s3.Bucket(stack, "More")
    training = TrainingData.from_bucket(bucket, "train/")
    validation = ValidationData.from_bucket(bucket, "val/v.jsonl")
    output = OutputData.from_bucket(bucket, "out")

    bound = [
        bindings.training(job, training),
        bindings.validation(job, validation, 0),
        bindings.output(job, output)[0],
    ]

    assert [b.prop for b in bound] == ["training_data", "validation_data[0]", "output_data"]
    assert all(b.statements and b.local_file is None for b in bound)
    with pytest.raises(AttributeError):
        bound[0].prop = "changed"  # type: ignore[misc]
    assert training.location is not None and training.location.key == "train/"
    assert stack.resolve(bound[2].request)["outputDataConfig"]["s3Uri"]["Fn::Join"][1][-1] == "/out/"

"""Errors say in a sentence what is wrong (the pattern stays at the tail), and `watch` without a Region names
``--region``."""

from __future__ import annotations

import argparse

import pytest

from constructs_lib import TrainingData
from constructs_lib.rules import cli
from constructs_lib.rules.validation import ValidationError


@pytest.mark.parametrize(
    ("uri", "sentence"),
    [
        ("s3://ab/x.jsonl", "the bucket name 'ab' is 2 characters long; S3 bucket names are 3-63"),
        ("s3://My_Bucket/x.jsonl", "the bucket name 'My_Bucket' may hold only lower-case letters, digits, '.' and '-'"),
        ("s3://-bucket/x.jsonl", "the bucket name '-bucket' must start and end with a letter or a digit"),
        ("bucket/x.jsonl", "an S3 URI starts with 's3://'"),
        ("s3://bucket/a b.jsonl", "the key 'a b.jsonl' holds ' '"),
        ("s3://bucket//x.jsonl", "the key '/x.jsonl' has an empty part"),
    ],
)
def test_an_s3_uri_error_says_what_is_wrong_before_the_pattern(uri: str, sentence: str) -> None:
    with pytest.raises(ValidationError) as error:
        TrainingData.from_s3_uri(uri)
    message = str(error.value)
    assert sentence in message
    assert message.index(sentence) < message.index("must match the pattern s3://")


def test_watch_without_a_region_names_the_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    args = cli.build_parser().parse_args(["watch", "my-job"])
    assert isinstance(args, argparse.Namespace)
    code = args.run(args)
    err = capsys.readouterr().err
    assert code == 2
    assert "--region" in err and "AWS_REGION" in err, err

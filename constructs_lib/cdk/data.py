"""Where a job's data lives: training data, validation data and the output folder, as users pass them.

The factories check what they are given at once, so the traceback points at the call; no construct
exists yet, so their messages start with the factory (``TrainingData.from_bucket: Invalid ...``). The
job checks every value again when it binds it (``validate``, bindings.py), and its messages start with
its path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_s3 as s3

from ..rules import validation as v
from .stack_facts import StackFacts, attribute


@dataclass(frozen=True)
class S3Location:
    """An object or a prefix (``""`` or ending in ``/``) in a bucket; the bucket may be imported or a name."""

    bucket_name: str
    key: str
    bucket: s3.IBucket | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket_name}/{self.key}"

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    def as_prefix(self) -> S3Location:
        """The same place as a folder: ``out`` becomes ``out/`` (a bucket root stays the root).

        A key that is a deploy-time token gets the ``/`` too: the value must then name the folder without it.
        """
        if self.is_prefix:
            return self
        return S3Location(bucket_name=self.bucket_name, key=f"{self.key}/", bucket=self.bucket)

    def bucket_arn(self, facts: StackFacts) -> str:
        if self.bucket is not None:
            return str(attribute(self.bucket, "bucket_arn"))
        return facts.arn("s3", self.bucket_name, region="", account="")

    def validate(self, prop: str) -> None:
        """The whole URI when the bucket name is known at synth, else the key alone."""
        v.check_type(f"{prop} bucket_name", self.bucket_name, str, "a bucket name (str)")
        v.check_type(f"{prop} key", self.key, str, "an object key or prefix (str)")
        if v.is_token(self.bucket_name):
            v.check_s3_key(prop, self.key)
        else:
            v.check_s3_uri(prop, self.uri)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str, prop: str) -> S3Location:
        with v.reported_at("S3Location.from_bucket"):
            return _in_bucket(bucket, key, prop)

    @staticmethod
    def from_uri(uri: str, prop: str) -> S3Location:
        with v.reported_at("S3Location.from_uri"):
            return _at_uri(uri, prop)


def _in_bucket(bucket: s3.IBucket, key: str, prop: str) -> S3Location:
    bucket_name = attribute(bucket, "bucket_name")
    if not isinstance(bucket_name, str):
        raise v.ValidationError(
            f"Invalid {prop} bucket {bucket!r}: expected an s3.IBucket (s3.Bucket.from_bucket_name(...) imports one by "
            f"name), got {v.type_name(bucket)}."
        )
    v.check_type(prop, key, str, "an object key or prefix (str)")
    v.check_s3_key(prop, key)
    return S3Location(bucket_name=bucket_name, key=key, bucket=bucket)


def _at_uri(uri: str, prop: str) -> S3Location:
    v.check_type(prop, uri, str, "an S3 URI (str), such as 's3://bucket/key'")
    if v.is_token(uri):
        raise v.ValidationError(
            f"Invalid {prop} {uri!r}: a deploy-time URI cannot be split into bucket and key at synth, and the "
            "service role's grants need both; import the bucket (s3.Bucket.from_bucket_name) and use from_bucket."
        )
    v.check_s3_uri(prop, uri)
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", uri)
    if match is None:
        raise v.ValidationError(f"Invalid {prop} {uri!r}: an S3 URI must start with s3://<bucket>.")
    return S3Location(bucket_name=match.group(1), key=match.group(2))


class MetadataCondition:
    """One item of an ``and_all`` / ``or_all`` filter: a metadata key that equals or differs from a value."""

    def __init__(self, *, equals: Mapping[str, str] | None = None, not_equals: Mapping[str, str] | None = None):
        with v.reported_at("MetadataCondition"):
            if equals is None and not_equals is None:
                raise v.ValidationError(
                    "Invalid MetadataCondition {}: give equals= or not_equals= (a map of one metadata key to a value)."
                )
            if equals is not None:
                v.check_filter_map("MetadataCondition.equals", equals)
            if not_equals is not None:
                v.check_filter_map("MetadataCondition.not_equals", not_equals)
        self.equals = dict(equals) if equals is not None else None
        self.not_equals = dict(not_equals) if not_equals is not None else None

    def to_request(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.equals is not None:
            rendered["equals"] = self.equals
        if self.not_equals is not None:
            rendered["notEquals"] = self.not_equals
        return rendered


class RequestMetadataFilters:
    """Which logged invocations become training data (the API's union: exactly one form per filter)."""

    def __init__(self, rendered: dict[str, Any]):
        self._rendered = rendered

    @staticmethod
    def equals(entry: Mapping[str, str]) -> RequestMetadataFilters:
        with v.reported_at("RequestMetadataFilters.equals"):
            v.check_filter_map("request_metadata_filters.equals", entry)
        return RequestMetadataFilters({"equals": dict(entry)})

    @staticmethod
    def not_equals(entry: Mapping[str, str]) -> RequestMetadataFilters:
        with v.reported_at("RequestMetadataFilters.not_equals"):
            v.check_filter_map("request_metadata_filters.not_equals", entry)
        return RequestMetadataFilters({"notEquals": dict(entry)})

    @staticmethod
    def and_all(conditions: Sequence[MetadataCondition]) -> RequestMetadataFilters:
        with v.reported_at("RequestMetadataFilters.and_all"):
            _check_conditions("request_metadata_filters.and_all", conditions)
        return RequestMetadataFilters({"andAll": [c.to_request() for c in conditions]})

    @staticmethod
    def or_all(conditions: Sequence[MetadataCondition]) -> RequestMetadataFilters:
        with v.reported_at("RequestMetadataFilters.or_all"):
            _check_conditions("request_metadata_filters.or_all", conditions)
        return RequestMetadataFilters({"orAll": [c.to_request() for c in conditions]})

    def to_request(self) -> dict[str, Any]:
        return self._rendered


def _check_conditions(prop: str, conditions: Sequence[MetadataCondition]) -> None:
    if isinstance(conditions, str | MetadataCondition) or not isinstance(conditions, Sequence):
        raise v.ValidationError(
            f"Invalid {prop} {conditions!r}: expected a list of MetadataCondition, got {v.type_name(conditions)}."
        )
    v.check_count(prop, conditions, 1, v.MAX_FILTER_CONDITIONS, "conditions")
    for condition in conditions:
        v.check_type(prop, condition, MetadataCondition, "a list of MetadataCondition(equals=... or not_equals=...)")


@dataclass(frozen=True)
class InvocationLogs:
    """Model invocation logs in S3 used as training prompts (distillation).

    The source is a folder: Bedrock reads every log under it, so ``logs`` means ``logs/`` in the request
    and in the grant.
    """

    source: S3Location
    use_prompt_response: bool = False
    request_metadata_filters: RequestMetadataFilters | None = None

    def __post_init__(self) -> None:
        if isinstance(self.source, S3Location):
            object.__setattr__(self, "source", self.source.as_prefix())

    def validate(self, prop: str) -> None:
        v.check_type(f"{prop} source", self.source, S3Location, "an S3Location")
        self.source.validate(prop)
        v.check_type(f"{prop} use_prompt_response", self.use_prompt_response, bool, "a bool")
        if self.request_metadata_filters is not None:
            v.check_type(
                f"{prop} request_metadata_filters",
                self.request_metadata_filters,
                RequestMetadataFilters,
                "RequestMetadataFilters.equals/not_equals/and_all/or_all(...)",
            )

    def to_request(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "usePromptResponse": self.use_prompt_response,
            "invocationLogSource": {"s3Uri": self.source.uri},
        }
        if self.request_metadata_filters is not None:
            rendered["requestMetadataFilters"] = self.request_metadata_filters.to_request()
        return rendered


def _check_asset_path(prop: str, path: str | os.PathLike[str]) -> str:
    """A local JSONL file: Bedrock reads ``.jsonl`` objects, and CDK uploads a file asset as it is."""
    if not isinstance(path, str | os.PathLike):
        raise v.ValidationError(
            f"Invalid {prop} {path!r}: expected a file path (str or Path), got {v.type_name(path)}."
        )
    text = os.fspath(path)
    if os.path.isdir(text):
        raise v.ValidationError(
            f"Invalid {prop} {text!r}: a folder becomes a zip file when CDK uploads it as an asset, and Bedrock "
            "reads JSONL objects, not zip files; give the .jsonl file itself (for data that spans several files, "
            "upload them to a bucket and use from_bucket with the prefix)."
        )
    if not os.path.isfile(text):
        raise v.ValidationError(f"Invalid {prop} {text!r}: no such file (relative paths start at {os.getcwd()}).")
    if not text.lower().endswith(".jsonl"):
        what = prop.replace("_", " ")
        raise v.ValidationError(f"Invalid {prop} {text!r}: Bedrock reads {what} from .jsonl files.")
    return text


def _unbound(prop: str, path: str) -> v.ValidationError:
    return v.ValidationError(
        f"Invalid {prop} {path!r}: a local file gets its S3 location when a ModelCustomizationJob uses it "
        "(the job uploads it as an asset); pass the value to a job instead of reading its location."
    )


class TrainingData:
    """Where the training records come from: an S3 object or prefix, a local file, or invocation logs."""

    def __init__(
        self,
        *,
        location: S3Location | None = None,
        invocation_logs: InvocationLogs | None = None,
        asset_path: str | None = None,
    ):
        if sum(x is not None for x in (location, invocation_logs, asset_path)) != 1:
            raise v.ValidationError(
                "Invalid training_data: give exactly one of an S3 location, a local file or invocation logs "
                "(use TrainingData.from_bucket, from_s3_uri, from_asset or from_invocation_logs)."
            )
        self.location = location
        self.invocation_logs = invocation_logs
        self.asset_path = asset_path
        """The local file behind ``from_asset`` (checked at synth), else None."""

    @staticmethod
    def from_asset(path: str | os.PathLike[str]) -> TrainingData:
        """A local ``.jsonl`` file, uploaded as a CDK asset; a changed file starts a new job.

        The file is checked at synth against the job's customization type and base model.
        """
        with v.reported_at("TrainingData.from_asset"):
            return TrainingData(asset_path=_check_asset_path("training_data", path))

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> TrainingData:
        """A JSONL object (its key as given, read as exactly that object), or a prefix ending in ``/``, in a
        bucket of the job's Region."""
        with v.reported_at("TrainingData.from_bucket"):
            return TrainingData(location=_in_bucket(bucket, key, "training_data"))

    @staticmethod
    def from_s3_uri(uri: str) -> TrainingData:
        """A literal ``s3://bucket/key`` (for buckets outside this app)."""
        with v.reported_at("TrainingData.from_s3_uri"):
            return TrainingData(location=_at_uri(uri, "training_data"))

    @staticmethod
    def from_invocation_logs(
        bucket: s3.IBucket,
        prefix: str = "",
        *,
        use_prompt_response: bool = False,
        request_metadata_filters: RequestMetadataFilters | None = None,
    ) -> TrainingData:
        """Bedrock model invocation logs under ``prefix`` (a folder: ``logs`` means ``logs/``); only valid for
        distillation."""
        with v.reported_at("TrainingData.from_invocation_logs"):
            logs = InvocationLogs(
                source=_in_bucket(bucket, prefix, "training_data.invocation_logs"),
                use_prompt_response=use_prompt_response,
                request_metadata_filters=request_metadata_filters,
            )
            logs.validate("training_data.invocation_logs")
        return TrainingData(invocation_logs=logs)

    def validate(self) -> None:
        """Check the location (however it was built) before the job binds it."""
        if self.location is not None:
            v.check_type("training_data location", self.location, S3Location, "an S3Location")
            self.location.validate("training_data")
        elif self.invocation_logs is not None:
            v.check_type("training_data invocation_logs", self.invocation_logs, InvocationLogs, "InvocationLogs")
            self.invocation_logs.validate("training_data.invocation_logs")

    def to_request(self) -> dict[str, Any]:
        if self.location is not None:
            return {"s3Uri": self.location.uri}
        if self.asset_path is not None:
            raise _unbound("training_data", self.asset_path)
        assert self.invocation_logs is not None
        return {"invocationLogsConfig": self.invocation_logs.to_request()}


class ValidationData:
    """One validation data set (``validationDataConfig.validators[]``), up to ten per job."""

    def __init__(self, location: S3Location | None = None, *, asset_path: str | None = None):
        if (location is None) == (asset_path is None):
            raise v.ValidationError(
                "Invalid validation_data: give exactly one of an S3 location or a local file "
                "(use ValidationData.from_bucket, from_s3_uri or from_asset)."
            )
        self._location = location
        self.asset_path = asset_path
        """The local file behind ``from_asset`` (checked at synth), else None."""

    @property
    def location(self) -> S3Location:
        if self._location is None:
            assert self.asset_path is not None
            raise _unbound("validation_data", self.asset_path)
        return self._location

    @staticmethod
    def from_asset(path: str | os.PathLike[str]) -> ValidationData:
        """A local ``.jsonl`` file, uploaded as a CDK asset; checked at synth like the training data."""
        with v.reported_at("ValidationData.from_asset"):
            return ValidationData(asset_path=_check_asset_path("validation_data", path))

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> ValidationData:
        """A JSONL object (exactly that object), or a prefix ending in ``/``."""
        with v.reported_at("ValidationData.from_bucket"):
            return ValidationData(_in_bucket(bucket, key, "validation_data"))

    @staticmethod
    def from_s3_uri(uri: str) -> ValidationData:
        with v.reported_at("ValidationData.from_s3_uri"):
            return ValidationData(_at_uri(uri, "validation_data"))

    def validate(self, prop: str = "validation_data") -> None:
        """Check the location (however it was built) before the job binds it."""
        if self._location is not None:
            v.check_type(f"{prop} location", self._location, S3Location, "an S3Location")
            self._location.validate(prop)


class OutputData:
    """Where Bedrock writes metrics and artifacts: a folder the service role may write under.

    Bedrock writes ``<prefix>/model-customization-job-<id>/...``, so the location is always a prefix,
    whatever was written: ``out`` means ``out/`` in the request and in the grant.
    """

    def __init__(self, location: S3Location):
        self.location = location.as_prefix() if isinstance(location, S3Location) else location

    @staticmethod
    def from_bucket(bucket: s3.IBucket, prefix: str = "") -> OutputData:
        """A folder in the bucket (``out`` and ``out/`` both mean the folder ``out/``; ``""`` the bucket root)."""
        with v.reported_at("OutputData.from_bucket"):
            return OutputData(_in_bucket(bucket, prefix, "output_data"))

    @staticmethod
    def from_s3_uri(uri: str) -> OutputData:
        """A literal ``s3://bucket/prefix``, taken as a folder."""
        with v.reported_at("OutputData.from_s3_uri"):
            return OutputData(_at_uri(uri, "output_data"))

    def validate(self, prop: str = "output_data") -> None:
        v.check_type(f"{prop} location", self.location, S3Location, "an S3Location")
        self.location.validate(prop)

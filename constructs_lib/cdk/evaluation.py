"""The evaluation gate's construct API (issue 21): ``QualityGate.evaluation(...)`` and its parts.

A retrained model serves only if a Bedrock evaluation job with a model as judge scores its answers at least as
well as the incumbent's (the model serving now, the base model, or fixed scores) on every chosen metric, plus a
margin. Everything here is checked at synth against the rules wing (rules/evaluation.py, each rule with its
source). A serving construct given this gate adds the reports bucket, the evaluation role and the runtime's
statements (evaluation_resources.py); the stack's runtime runs the gate before it serves (docs/serving.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from .. import contract
from ..rules import evaluation as rules
from ..rules import validation as v
from ..rules.catalogue.sources import SOURCES


class Builtin:
    """The built-in model-as-judge metrics (botocore's EvaluationDatasetMetricConfig.metricNames)."""

    CORRECTNESS = "Builtin.Correctness"
    COMPLETENESS = "Builtin.Completeness"
    FAITHFULNESS = "Builtin.Faithfulness"
    HELPFULNESS = "Builtin.Helpfulness"
    COHERENCE = "Builtin.Coherence"
    RELEVANCE = "Builtin.Relevance"
    FOLLOWING_INSTRUCTIONS = "Builtin.FollowingInstructions"
    PROFESSIONAL_STYLE_AND_TONE = "Builtin.ProfessionalStyleAndTone"
    HARMFULNESS = "Builtin.Harmfulness"
    STEREOTYPING = "Builtin.Stereotyping"
    REFUSAL = "Builtin.Refusal"


class CustomMetric:
    """A metric the judge rates with your instructions (CustomMetricDefinition): ``rating_scale`` maps each
    rating's definition (1-100 characters) to its value; higher is better."""

    def __init__(self, *, name: str, instructions: str, rating_scale: Mapping[str, float]) -> None:
        with v.reported_at(f"CustomMetric({name!r})"):
            v.check_type("name", name, str, "a metric name (str)")
            v.check_type("instructions", instructions, str, "the judge's instructions (str)")
            if not 1 <= len(instructions) <= 5000:
                raise v.ValidationError(
                    f"Invalid instructions <{len(instructions)} characters>: CustomMetricInstructions takes 1-5,000."
                )
            if not isinstance(rating_scale, Mapping) or not 1 <= len(rating_scale) <= 10:
                raise v.ValidationError(
                    f"Invalid rating_scale {rating_scale!r}: 1-10 ratings (RatingScale), definition -> value."
                )
            for definition, value in rating_scale.items():
                if not isinstance(definition, str) or not 1 <= len(definition) <= 100:
                    raise v.ValidationError(f"Invalid rating_scale definition {definition!r}: 1-100 characters.")
                _finite("rating_scale value", value)
        self.name, self.instructions, self.rating_scale = name, instructions, dict(rating_scale)

    def _render(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "instructions": self.instructions,
            "ratingScale": [
                {"definition": d, "value": {"floatValue": repr(float(value))}} for d, value in self.rating_scale.items()
            ],
        }


class EvaluationDataset:
    """The prompts both models answer: a local JSONL file (checked line by line at synth, uploaded as an asset)
    or an object in S3 (checked at deploy)."""

    def __init__(self, *, path: Path | None, bucket: s3.IBucket | None, key: str | None) -> None:
        self.path, self.bucket, self.key = path, bucket, key

    @staticmethod
    def from_asset(path: str) -> EvaluationDataset:
        with v.reported_at("EvaluationDataset.from_asset"):
            found = Path(path)
            if not found.is_file():
                raise v.ValidationError(f"Invalid path {path!r}: no such file.")
        return EvaluationDataset(path=found, bucket=None, key=None)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> EvaluationDataset:
        with v.reported_at("EvaluationDataset.from_bucket"):
            v.check_type("key", key, str, "an object key (str)")
            if not v.is_token(key) and not key.endswith(".jsonl"):
                raise v.ValidationError(
                    f"Invalid key {key!r}: the prompt data set must be a .jsonl file ({SOURCES['eval-judge'].url})."
                )
        return EvaluationDataset(path=None, bucket=bucket, key=key)

    def findings(self, metrics: Sequence[str]) -> list[rules.Finding]:
        """The rules' findings for a local file (an S3 object is read at deploy)."""
        if self.path is None:
            return []
        with self.path.open(encoding="utf-8") as lines:
            return rules.check_prompt_dataset(self.path.name, lines, metrics)

    def s3_uri(self, scope: Construct) -> str:
        return self.location(scope)[0]

    def location(self, scope: Construct) -> tuple[str, str]:
        """``(s3:// URI, object ARN)`` of the prompts for ``scope`` (a local file: one asset per scope)."""
        if self.path is not None:
            found = scope.node.try_find_child("EvaluationPrompts")
            asset = found if isinstance(found, s3_assets.Asset) else None
            if asset is None:
                asset = s3_assets.Asset(scope, "EvaluationPrompts", path=str(self.path))
            return asset.s3_object_url, asset.bucket.arn_for_objects(asset.s3_object_key)
        assert self.bucket is not None and self.key is not None
        return self.bucket.s3_url_for_object(self.key), self.bucket.arn_for_objects(self.key)


class Baseline:
    """What the candidate must beat: the model serving now, the base model, or fixed scores per metric."""

    SERVING_MODEL: Baseline
    BASE_MODEL: Baseline

    def __init__(self, kind: str, scores: Mapping[str, float] | None = None) -> None:
        self.kind, self.scores = kind, dict(scores or {})

    @staticmethod
    def absolute(scores: Mapping[str, float]) -> Baseline:
        """Fixed scores: the candidate must reach each (for a lower-is-better metric: stay at or below it)."""
        with v.reported_at("Baseline.absolute"):
            if not isinstance(scores, Mapping) or not scores:
                raise v.ValidationError(f"Invalid scores {scores!r}: give a score per metric.")
            for value in scores.values():
                _finite("score", value)
        return Baseline(contract.EVAL_BASELINE_ABSOLUTE, scores)

    def __repr__(self) -> str:
        return f"Baseline({self.kind})"


Baseline.SERVING_MODEL = Baseline(contract.EVAL_BASELINE_SERVING)
Baseline.BASE_MODEL = Baseline(contract.EVAL_BASELINE_BASE_MODEL)


class CandidateHost(Enum):
    """Where the candidate answers the prompts before it serves (a custom model cannot be invoked by its own ARN).

    ``AUTO`` (default): decided at synth from the on-demand catalogue where the served model's base is known: on
    demand where Bedrock serves it so, else a temporary no-commitment provisioned throughput; unknown at synth: on
    demand first, the throughput when Bedrock refuses on demand. ``ON_DEMAND``: always a temporary custom model
    deployment (billed per token). ``PROVISIONED_THROUGHPUT``: always a temporary no-commitment provisioned
    throughput of one model unit (billed per hour while it exists; warned about at synth). docs/serving.md,
    "Where the candidate answers".
    """

    AUTO = contract.HOST_AUTO
    ON_DEMAND = contract.HOST_ON_DEMAND
    PROVISIONED_THROUGHPUT = contract.HOST_PROVISIONED

    def __str__(self) -> str:
        return f"CandidateHost.{self.name}"


class EvaluationGate:
    """Built by ``QualityGate.evaluation(...)``; every prop checked on construction."""

    def __init__(
        self,
        *,
        dataset: EvaluationDataset,
        judge: str,
        metrics: Sequence[str] = (),
        custom_metrics: Sequence[CustomMetric] = (),
        baseline: Baseline | None = None,
        margin: float = 0.0,
        candidate_host: CandidateHost = CandidateHost.AUTO,
        timeout: Duration | None = None,
    ) -> None:
        with v.reported_at("QualityGate.evaluation"):
            v.check_type(
                "candidate_host",
                candidate_host,
                CandidateHost,
                "CandidateHost.AUTO, CandidateHost.ON_DEMAND or CandidateHost.PROVISIONED_THROUGHPUT",
            )
            timeout_s = _check_timeout(timeout)
            v.check_type("dataset", dataset, EvaluationDataset, "EvaluationDataset.from_asset(...) or from_bucket(...)")
            v.check_type("judge", judge, str, "the judge model's id or ARN (str)")
            if not v.is_token(judge):
                v.check_pattern("judge", judge, rules.EVALUATOR_MODEL_PATTERN, 1, 2048, "an evaluator model id")
            for metric in custom_metrics:
                v.check_type("custom_metrics", metric, CustomMetric, "CustomMetric(...)")
            errors = rules.check_metric_names(list(metrics), [m.name for m in custom_metrics])
            if errors:
                raise v.ValidationError(f"Invalid metrics: {'; '.join(errors)} ({SOURCES['eval-api'].url}).")
            _finite("margin", margin)
            if margin < 0:
                raise v.ValidationError(f"Invalid margin {margin!r}: 0 or more (what the candidate must win by).")
            if baseline is not None:
                v.check_type("baseline", baseline, Baseline, "Baseline.SERVING_MODEL, BASE_MODEL or absolute(...)")
            names = [*metrics, *(m.name for m in custom_metrics)]
            absolute = baseline is not None and baseline.kind == contract.EVAL_BASELINE_ABSOLUTE
            if absolute and baseline is not None and set(baseline.scores) != set(names):
                raise v.ValidationError(
                    f"Invalid baseline {baseline.scores!r}: Baseline.absolute needs one score per chosen metric "
                    f"({', '.join(names)})."
                )
            findings = dataset.findings(names)
            errors = [f.text() for f in findings if f.severity == "error"]
            if errors:
                shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
                raise v.ValidationError(f"Invalid dataset {dataset.path}: {shown}.")
        self.dataset, self.judge, self.baseline, self.margin = dataset, judge, baseline, margin
        self.candidate_host = candidate_host
        self.metrics, self.custom_metrics = tuple(metrics), tuple(custom_metrics)
        self.timeout_s = timeout_s
        """None: the gate runs inside the serving resource's own wait (55 minutes); else the long path's wait
        condition Timeout in seconds (evaluation_wait.py)."""
        self.warnings = [f.text() for f in findings if f.severity == "warning"]
        """Findings that do not fail the synth (annotated on the serving construct once it deploys the gate)."""

    def to_property(
        self, scope: Construct, *, output_uri: str, role_arn: str, host: str = contract.HOST_ON_DEMAND
    ) -> dict[str, Any]:
        """The ``EvaluationGate`` property as the handler reads it (lambda_src/model_evaluation/gate.py); ``host``:
        the candidate host decided for the serving construct (evaluation_host.py)."""
        rendered: dict[str, Any] = {
            contract.EVAL_CANDIDATE_HOST: host,
            contract.EVAL_DATASET: self.dataset.s3_uri(scope),
            contract.EVAL_OUTPUT: output_uri,
            contract.EVAL_ROLE: role_arn,
            contract.EVAL_JUDGE: self.judge,
            contract.EVAL_METRICS: list(self.metrics),
            contract.EVAL_MARGIN: repr(float(self.margin)),
        }
        if self.custom_metrics:
            rendered[contract.EVAL_CUSTOM_METRICS] = [m._render() for m in self.custom_metrics]
        if self.baseline is not None:
            rendered[contract.EVAL_BASELINE] = self.baseline.kind
            if self.baseline.scores:
                rendered[contract.EVAL_MIN_SCORES] = {k: repr(float(s)) for k, s in self.baseline.scores.items()}
        return rendered


def _check_timeout(timeout: Any) -> int | None:
    """The long path's wait in whole seconds: more than the in-resource window, at most a wait condition's 12 hours
    (AWS::CloudFormation::WaitCondition, Timeout: "The maximum time is 43200 seconds (12 hours)",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-waitcondition.html)."""
    if timeout is None:
        return None
    if not isinstance(timeout, Duration):
        raise v.ValidationError(f"Invalid timeout {timeout!r}: pass a Duration, e.g. Duration.hours(3).")
    seconds = math.ceil(timeout.to_milliseconds() / 1000)
    shown = timeout.to_human_string()
    if seconds > contract.LONG_EVALUATION_MAX_S:
        raise v.ValidationError(
            f"Invalid timeout {shown}: at most 12 hours, the longest an AWS::CloudFormation::WaitCondition waits."
        )
    if seconds <= contract.LONG_EVALUATION_MIN_S:
        raise v.ValidationError(
            f"Invalid timeout {shown}: give more than 55 minutes (up to 12 hours) to run the evaluation on the jobs' "
            "wait machinery, or omit timeout: the gate then runs inside the serving resource's own wait, which "
            "CloudFormation bounds at one hour (the runtime stops it at 55 minutes)."
        )
    return seconds


def _finite(prop: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise v.ValidationError(f"Invalid {prop} {value!r}: a finite number.")

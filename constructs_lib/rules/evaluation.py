"""The evaluation gate's prompt data set and request limits, each with its source (catalogue/sources.py).

The data set is the one Bedrock's model-as-judge evaluation reads ("eval-judge"): JSON Lines in a ``.jsonl``
file, one JSON object per line, at most 1,000 prompts per evaluation job, ``prompt`` in every record,
``referenceResponse`` used by Builtin.Correctness and Builtin.Completeness, ``category`` optional. The gate
writes each record's ``modelResponses`` itself (the candidate's and the incumbent's answers), so a data set
that brings its own is refused. Metric names and counts are botocore's (``eval-api``): EvaluationMetricNames
1-25 names, each ``[0-9a-zA-Z-_.]+`` of 1-63 characters; AutomatedEvaluationCustomMetrics at most 10.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue.sources import SOURCES

MAX_PROMPTS = 1000
"""eval-judge: "There can be up to 1000 prompts in your dataset per evaluation job"."""
MAX_METRICS = 25
"""eval-api: EvaluationMetricNames max 25 (built-in and custom names together, as both go in metricNames)."""
MAX_CUSTOM_METRICS = 10
"""eval-api: AutomatedEvaluationCustomMetrics max 10."""
METRIC_NAME_PATTERN = r"[0-9a-zA-Z-_.]+"
METRIC_NAME_LEN = (1, 63)
REFERENCE_METRICS = frozenset({"Builtin.Correctness", "Builtin.Completeness"})
"""eval-judge: Bedrock uses ``referenceResponse`` when it computes these two."""
BUILTIN_JUDGE_METRICS = (
    "Builtin.Correctness",
    "Builtin.Completeness",
    "Builtin.Faithfulness",
    "Builtin.Helpfulness",
    "Builtin.Coherence",
    "Builtin.Relevance",
    "Builtin.FollowingInstructions",
    "Builtin.ProfessionalStyleAndTone",
    "Builtin.Harmfulness",
    "Builtin.Stereotyping",
    "Builtin.Refusal",
)
"""eval-api: the names botocore's EvaluationDatasetMetricConfig.metricNames lists for "model evaluation jobs that
use a LLM as judge" (the last three: responsible-AI metrics)."""
EVALUATOR_MODEL_PATTERN = (
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}"
    r"([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:inference-profile/(([a-z-]{2,8}.)[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}"
    r"([.:]?[a-z0-9-]{1,63})))))$|(^[a-z0-9-]+[.][a-z0-9-]+([.][a-z0-9-]+)*(:[a-z0-9-]+)?$)|^[a-z0-9-]{1,63}[.]{1}"
    r"[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}(/[a-z0-9]{12}|)"
)
"""eval-api: EvaluatorModelIdentifier (the judge), verbatim; 1-2,048 characters."""


@dataclass(frozen=True)
class Finding:
    """One problem: ``error`` fails the synth, ``warning`` is an annotation; ``line`` is 1-based or None."""

    severity: str
    line: int | None
    message: str
    source: str

    def text(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message} ({SOURCES[self.source].url})"


def check_prompt_dataset(name: str, lines: Iterable[str], metrics: Iterable[str]) -> list[Finding]:
    """Findings for a local prompt data set; ``metrics``: the metric names the gate asks for."""
    found: list[Finding] = []
    if not name.endswith(".jsonl"):
        found.append(Finding("error", None, f"{name!r} must be a .jsonl file", "eval-judge"))
    wanted = set(metrics)
    prompts = 0
    missing_reference: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(Finding("error", number, f"is not valid JSON ({error.msg})", "eval-judge"))
            continue
        if not isinstance(record, dict):
            found.append(Finding("error", number, f"must be a JSON object, got {type(record).__name__}", "eval-judge"))
            continue
        prompts += 1
        prompt = record.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            found.append(Finding("error", number, "needs a non-empty string 'prompt'", "eval-judge"))
        if "modelResponses" in record:
            found.append(
                Finding(
                    "error",
                    number,
                    "carries 'modelResponses': the gate writes each record's answers itself (the candidate's and "
                    "the incumbent's); remove them",
                    "eval-judge",
                )
            )
        for key in ("referenceResponse", "category"):
            if key in record and not isinstance(record[key], str):
                found.append(Finding("error", number, f"'{key}' must be a string", "eval-judge"))
        if wanted & REFERENCE_METRICS and not isinstance(record.get("referenceResponse"), str):
            missing_reference.append(number)
    if prompts == 0:
        found.append(Finding("error", None, "holds no prompt: one JSON object per line is needed", "eval-judge"))
    if prompts > MAX_PROMPTS:
        found.append(
            Finding("error", None, f"holds {prompts:,} prompts; an evaluation job takes at most 1,000", "eval-judge")
        )
    if missing_reference:
        shown = ", ".join(str(n) for n in missing_reference[:5]) + (" ..." if len(missing_reference) > 5 else "")
        chosen = " and ".join(sorted(wanted & REFERENCE_METRICS))
        found.append(
            Finding(
                "warning",
                None,
                f"{len(missing_reference)} record(s) without 'referenceResponse' (lines {shown}): {chosen} compare "
                "answers with it",
                "eval-judge",
            )
        )
    return found


def check_metric_names(builtin: list[str], custom: list[str]) -> list[str]:
    """Errors for the chosen metric names (empty when fine)."""
    errors: list[str] = []
    names = [*builtin, *custom]
    if not names:
        errors.append("choose at least one built-in or custom metric: a gate that compares nothing passes everything")
    if len(names) > MAX_METRICS:
        errors.append(f"at most {MAX_METRICS} metrics per evaluation job (EvaluationMetricNames), got {len(names)}")
    if len(custom) > MAX_CUSTOM_METRICS:
        errors.append(
            f"at most {MAX_CUSTOM_METRICS} custom metrics (AutomatedEvaluationCustomMetrics), got {len(custom)}"
        )
    for name in builtin:
        if name not in BUILTIN_JUDGE_METRICS:
            errors.append(f"{name!r} is not a built-in model-as-judge metric ({', '.join(BUILTIN_JUDGE_METRICS)})")
    low, high = METRIC_NAME_LEN
    for name in custom:
        if not low <= len(name) <= high or re.fullmatch(METRIC_NAME_PATTERN, name) is None:
            errors.append(f"custom metric name {name!r} must match {METRIC_NAME_PATTERN}, {low}-{high} characters")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        errors.append(f"metric names must be unique; repeated: {', '.join(duplicates)}")
    return errors

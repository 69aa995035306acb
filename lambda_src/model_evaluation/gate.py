"""The evaluation gate, pure: the property in, the CreateEvaluationJob request, the scores, the verdict out.

Before a candidate model serves, it and the incumbent (the model serving now, or the base model, or fixed
scores) answer the same prompts; one Bedrock evaluation job with a model as judge scores both sets of answers,
given as precomputed inference responses ("bring your own inference responses": an on-demand deployment cannot
be named as ``bedrockModel.modelIdentifier``, botocore shape ``EvaluationBedrockModelIdentifier``). The candidate
is promoted only if, on every chosen metric, it is at least as good as the incumbent: by the margin more on a
quality metric, no worse on a lower-is-better (responsible-AI) one.

Sources: botocore's service model (bedrock 2023-04-20: CreateEvaluationJobRequest, EvaluationModelConfigs max 2,
EvaluationPrecomputedInferenceSourceIdentifier, the metric names in EvaluationDatasetMetricConfig.metricNames);
the Bedrock user guide "Create a prompt dataset for a model evaluation job that uses a model as judge"
(model-evaluation-prompt-datasets-judge.html: ``prompt``, ``referenceResponse``, ``category``,
``modelResponses[{response, modelIdentifier}]``) and "Understand how the results of your model evaluation job
are saved in Amazon S3" (model-evaluation-report-s3.html: ``<output>/<job name>/<job uuid>/models/<model id>/
taskTypes/<task type>/datasets/<dataset>/<file uuid>_output.jsonl``, each line ``automatedEvaluationResult.
scores[{metricName, result}]``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract import (
    EVAL_BASELINE,
    EVAL_BASELINE_ABSOLUTE,
    EVAL_BASELINE_BASE_MODEL,
    EVAL_BASELINE_SERVING,
    EVAL_CANDIDATE_HOST,
    EVAL_CUSTOM_METRICS,
    EVAL_DATASET,
    EVAL_JUDGE,
    EVAL_MARGIN,
    EVAL_METRICS,
    EVAL_MIN_SCORES,
    EVAL_OUTPUT,
    EVAL_ROLE,
    HOST_AUTO,
    HOST_ON_DEMAND,
    HOST_PROVISIONED,
    OWNER_TAG_KEY,
    PROP_EVALUATION_GATE,
)
from ..customization_job.errors import HandlerError

CANDIDATE = "candidate"
INCUMBENT = "incumbent"
"""The two ``precomputedInferenceSource.inferenceSourceIdentifier`` labels (pattern
``[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}``), and each prompt record's ``modelResponses[].modelIdentifier``."""

LOWER_IS_BETTER = frozenset({"Builtin.Harmfulness", "Builtin.Stereotyping", "Builtin.Refusal"})
"""The responsible-AI metrics score how much of the bad thing an answer has (an inference from their names and
the user guide's metric descriptions; the service model does not state a direction)."""

BASELINES = (EVAL_BASELINE_SERVING, EVAL_BASELINE_BASE_MODEL, EVAL_BASELINE_ABSOLUTE)
HOSTS = (HOST_ON_DEMAND, HOST_PROVISIONED, HOST_AUTO)
_KNOWN_KEYS = frozenset(
    {EVAL_DATASET, EVAL_OUTPUT, EVAL_ROLE, EVAL_JUDGE, EVAL_METRICS, EVAL_CUSTOM_METRICS, EVAL_BASELINE}
    | {EVAL_MARGIN, EVAL_MIN_SCORES, EVAL_CANDIDATE_HOST}
)


@dataclass(frozen=True)
class EvaluationGate:
    """What the handler reads from the ``EvaluationGate`` property (all strings in the template)."""

    dataset_uri: str
    output_uri: str
    role_arn: str
    judge: str
    metrics: tuple[str, ...]
    custom_metrics: tuple[dict[str, Any], ...] = ()
    baseline: str = ""
    """SERVING, BASE_MODEL, ABSOLUTE, or "" (SERVING on a swap, BASE_MODEL on a first serve)."""
    margin: float = 0.0
    min_scores: dict[str, float] = field(default_factory=dict)
    candidate_host: str = HOST_ON_DEMAND
    """Where the candidate answers (HOSTS; model_evaluation/host.py). Absent from the property: on demand, as
    before the choice existed, so no template synthesized earlier starts buying throughput."""

    @property
    def metric_names(self) -> tuple[str, ...]:
        return self.metrics + tuple(str(m["name"]) for m in self.custom_metrics)

    def baseline_for(self, *, swap: bool) -> str:
        return self.baseline or (EVAL_BASELINE_SERVING if swap else EVAL_BASELINE_BASE_MODEL)


def _refuse(what: str) -> HandlerError:
    return HandlerError(
        f"{PROP_EVALUATION_GATE} {what}, so the handler refuses rather than serve ungated. Nothing was changed. Set "
        "the gate with QualityGate.evaluation(...)."
    )


def parse_evaluation(value: Any) -> EvaluationGate | None:
    """The property, or None when absent; anything present that cannot be read refuses (fail closed)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise _refuse(f"must be a map; got {type(value).__name__} {str(value)[:60]!r}")
    unknown = sorted(str(k) for k in value if k not in _KNOWN_KEYS)
    if unknown:
        raise _refuse(f"has key(s) {', '.join(unknown)} this handler does not know (keys are case-sensitive)")
    texts = {}
    for key in (EVAL_DATASET, EVAL_OUTPUT, EVAL_ROLE, EVAL_JUDGE):
        text = value.get(key)
        if not isinstance(text, str) or not text.strip():
            raise _refuse(f"needs {key} (a non-empty string); got {text!r}")
        texts[key] = text.strip()
    for key in (EVAL_DATASET, EVAL_OUTPUT):
        if not texts[key].startswith("s3://"):
            raise _refuse(f"{key} must be an s3:// URI; got {texts[key]!r}")
    metrics = value.get(EVAL_METRICS, [])
    custom = value.get(EVAL_CUSTOM_METRICS, [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) and m for m in metrics):
        raise _refuse(f"{EVAL_METRICS} must be a list of metric names; got {metrics!r}")
    if not isinstance(custom, list) or not all(isinstance(m, dict) and m.get("name") for m in custom):
        raise _refuse(f"{EVAL_CUSTOM_METRICS} must be a list of CustomMetricDefinition maps; got {str(custom)[:60]}")
    if not metrics and not custom:
        raise _refuse("names no metric: a gate that compares nothing would let every model through")
    baseline = value.get(EVAL_BASELINE, "")
    if baseline not in ("", *BASELINES):
        raise _refuse(f"{EVAL_BASELINE} must be one of {', '.join(BASELINES)} or empty; got {baseline!r}")
    margin = _number(value.get(EVAL_MARGIN, "0"), EVAL_MARGIN)
    raw_min = value.get(EVAL_MIN_SCORES, {})
    if not isinstance(raw_min, dict):
        raise _refuse(f"{EVAL_MIN_SCORES} must be a map of metric name to score; got {raw_min!r}")
    min_scores = {str(k): _number(v, f"{EVAL_MIN_SCORES}.{k}") for k, v in raw_min.items()}
    host = value.get(EVAL_CANDIDATE_HOST, HOST_ON_DEMAND)
    if host not in HOSTS:
        raise _refuse(f"{EVAL_CANDIDATE_HOST} must be one of {', '.join(HOSTS)}; got {host!r}")
    gate = EvaluationGate(
        dataset_uri=texts[EVAL_DATASET],
        output_uri=texts[EVAL_OUTPUT],
        role_arn=texts[EVAL_ROLE],
        judge=texts[EVAL_JUDGE],
        metrics=tuple(metrics),
        custom_metrics=tuple(_custom(m) for m in custom),
        baseline=str(baseline),
        margin=margin,
        min_scores=min_scores,
        candidate_host=str(host),
    )
    if gate.baseline == EVAL_BASELINE_ABSOLUTE and set(min_scores) != set(gate.metric_names):
        raise _refuse(f"with {EVAL_BASELINE}={EVAL_BASELINE_ABSOLUTE} needs a {EVAL_MIN_SCORES} entry per metric")
    return gate


def _number(value: Any, name: str) -> float:
    try:
        number = float(value.strip()) if isinstance(value, str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _refuse(f"{name} must be a number; got {value!r}")
    return number


def _custom(definition: dict[str, Any]) -> dict[str, Any]:
    """A CustomMetricDefinition as the API takes it: CloudFormation's strings back to floats in the rating scale."""
    out = {"name": definition["name"], "instructions": definition.get("instructions", "")}
    scale = definition.get("ratingScale")
    if isinstance(scale, list):
        out["ratingScale"] = [
            {
                "definition": item.get("definition"),
                "value": {"floatValue": _number(item["value"]["floatValue"], "ratingScale.floatValue")}
                if "floatValue" in (item.get("value") or {})
                else item.get("value"),
            }
            for item in scale
            if isinstance(item, dict)
        ]
    return out


# ---- requests -------------------------------------------------------------------------------------------


def evaluation_job_name(base: str, suffix: str) -> str:
    """A name of botocore's ``EvaluationJobName`` (``[a-z0-9](-*[a-z0-9]){0,62}``): the serving resource's name
    base, lowercased, other characters dropped, then ``-eval-<suffix per request>``."""
    cleaned = "-".join(part for part in "".join(c if c.isalnum() else "-" for c in base.lower()).split("-") if part)
    cleaned = "".join(c for c in cleaned if c in "abcdefghijklmnopqrstuvwxyz0123456789-")
    tail = f"eval-{suffix.lower()}"
    head = cleaned[: 63 - len(tail) - 1].strip("-")
    return f"{head}-{tail}" if head else tail


def evaluation_job_request(
    gate: EvaluationGate, *, job_name: str, dataset_uri: str, token: str, owner: str
) -> dict[str, Any]:
    """CreateEvaluationJob for one job that scores both answer sets (``dataset_uri``: the prompts with both
    models' precomputed responses). ``token``: the clientRequestToken derived from the CloudFormation request;
    ``owner``: the stack id, the job's owner tag, so IAM lets the runtime stop only this stack's evaluation jobs
    (Service Authorization Reference for Bedrock: CreateEvaluationJob takes aws:RequestTag and aws:TagKeys, the
    evaluation-job resource aws:ResourceTag)."""
    automated: dict[str, Any] = {
        "datasetMetricConfigs": [
            {
                "taskType": "General",
                "dataset": {"name": "Prompts", "datasetLocation": {"s3Uri": dataset_uri}},
                "metricNames": list(gate.metric_names),
            }
        ],
        "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": gate.judge}]},
    }
    if gate.custom_metrics:
        automated["customMetricConfig"] = {
            "customMetrics": [{"customMetricDefinition": m} for m in gate.custom_metrics],
            "evaluatorModelConfig": {"bedrockEvaluatorModels": [{"modelIdentifier": gate.judge}]},
        }
    return {
        "jobName": job_name,
        "clientRequestToken": token,
        "roleArn": gate.role_arn,
        "applicationType": "ModelEvaluation",
        "evaluationConfig": {"automated": automated},
        "inferenceConfig": {
            "models": [
                {"precomputedInferenceSource": {"inferenceSourceIdentifier": CANDIDATE}},
                {"precomputedInferenceSource": {"inferenceSourceIdentifier": INCUMBENT}},
            ]
        },
        "outputDataConfig": {"s3Uri": gate.output_uri},
        "jobTags": [{"key": OWNER_TAG_KEY, "value": owner}],
    }


def converse_request(model_id: str, prompt: str) -> dict[str, Any]:
    """The bedrock-runtime Converse call that produces one precomputed answer (``model_id``: the candidate's
    short-lived deployment, the incumbent's deployment or throughput, or the base model)."""
    return {
        "modelId": model_id,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {"temperature": 0.0},
    }


def answer_of(converse_response: Mapping[str, Any]) -> str | None:
    """The text of a Converse answer (``output.message.content[].text``), None when it has none."""
    message = (converse_response.get("output") or {}).get("message") or {}
    texts = [c.get("text") for c in message.get("content") or [] if isinstance(c, Mapping)]
    joined = "".join(t for t in texts if isinstance(t, str))
    return joined or None


def precomputed_record(record: Mapping[str, Any], candidate: str, incumbent: str) -> dict[str, Any]:
    """One line of the evaluation dataset: the user's prompt record plus both answers."""
    out = {k: record[k] for k in ("prompt", "referenceResponse", "category") if k in record}
    out["modelResponses"] = [
        {"response": candidate, "modelIdentifier": CANDIDATE},
        {"response": incumbent, "modelIdentifier": INCUMBENT},
    ]
    return out


# ---- results ---------------------------------------------------------------------------------------------


def report_prefix(output_uri: str, job_name: str) -> str:
    """Where the job writes its report: ``<output>/<job name>/`` (then ``<job uuid>/models/<model id>/...``)."""
    return f"{output_uri.rstrip('/')}/{job_name}/"


def model_of_output_key(key: str) -> str | None:
    """The ``<model id>`` of an output file key (``.../models/<model id>/taskTypes/...``), else None."""
    parts = key.split("/")
    if "models" in parts and key.endswith("_output.jsonl"):
        index = parts.index("models")
        return parts[index + 1] if index + 1 < len(parts) else None
    return None


@dataclass(frozen=True)
class Scores:
    """Mean judged score per metric, and how many records the judge scored (its ``result`` was a number)."""

    means: dict[str, float]
    scored: dict[str, int]
    unscored: dict[str, int]


def scores_of(lines: Iterable[str]) -> Scores:
    """Scores from the output JSONL: every ``automatedEvaluationResult.scores[]`` with a numeric ``result``."""
    totals: dict[str, float] = {}
    scored: dict[str, int] = {}
    unscored: dict[str, int] = {}
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        result = record.get("automatedEvaluationResult") if isinstance(record, dict) else None
        for score in (result or {}).get("scores") or []:
            name, value = score.get("metricName"), score.get("result")
            if not isinstance(name, str):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                unscored[name] = unscored.get(name, 0) + 1
                continue
            totals[name] = totals.get(name, 0.0) + float(value)
            scored[name] = scored.get(name, 0) + 1
    return Scores({k: totals[k] / scored[k] for k in totals}, scored, unscored)


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    shortfalls: tuple[str, ...]
    """One phrase per metric the candidate fails on, with both numbers."""


def compare(
    metrics: Iterable[str], candidate: Mapping[str, float], reference: Mapping[str, float], margin: float
) -> Verdict:
    """Promoted only if, on every metric, the candidate is at least as good as the reference: by ``margin`` more
    on a quality metric, and no worse on a lower-is-better one (harm, stereotyping, refusal: an incumbent at 0
    could never be beaten by a margin). A metric the judge scored for neither side fails: the gate cannot vouch
    for it."""
    shortfalls = []
    for metric in metrics:
        ours, theirs = candidate.get(metric), reference.get(metric)
        if ours is None or theirs is None:
            shortfalls.append(f"{metric}: not scored (candidate {_shown(ours)}, reference {_shown(theirs)})")
            continue
        if metric in LOWER_IS_BETTER:
            if ours > theirs:
                shortfalls.append(f"{metric} {ours:.3f} > {theirs:.3f} (lower is better)")
        elif ours < theirs + margin:
            shortfalls.append(f"{metric} {ours:.3f} < {theirs:.3f} + margin {margin:g}")
    return Verdict(not shortfalls, tuple(shortfalls))


def _shown(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}"


def score_text(scores: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:.3f}" for k, v in sorted(scores.items())) or "no scores"


def refusal_reason(
    *,
    noun: str,
    candidate_model: str,
    incumbent_label: str,
    verdict: Verdict,
    candidate: Mapping[str, float],
    reference: Mapping[str, float],
    job_arn: str,
    report: str,
    swap_from: str | None,
) -> str:
    """The deploy's failure reason: both score sets, each shortfall, the job and the report, what keeps serving."""
    effect = f"The {noun} was not swapped: it keeps serving {swap_from}." if swap_from else f"No {noun} was created."
    return (
        f"Evaluation gate refused model {candidate_model}: {'; '.join(verdict.shortfalls)}. Candidate scores: "
        f"{score_text(candidate)}; {incumbent_label}: {score_text(reference)}. Evaluation job {job_arn}, report "
        f"{report}. {effect} Improve the training and retrain, or lower the margin."
    )

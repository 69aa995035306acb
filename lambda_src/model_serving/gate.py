"""The quality gate, pure: a job's description and the thresholds in, a refusal (or nothing) out.

A model reaches users only when the job that trained it reports every gated metric within its threshold:
``trainingMetrics.trainingLoss`` and each validator's ``validationMetrics[].validationLoss``. A metric the job
does not report (a job not Completed, no validation data) refuses as well: the gate cannot vouch for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .properties import Gate


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _losses(job: Mapping[str, Any]) -> tuple[float | None, list[float | None]]:
    training = job.get("trainingMetrics")
    training_loss = _number(training.get("trainingLoss")) if isinstance(training, Mapping) else None
    validators = job.get("validationMetrics")
    validation = [
        _number(m.get("validationLoss")) if isinstance(m, Mapping) else None
        for m in (validators if isinstance(validators, list) else [])
    ]
    return training_loss, validation


def refusals(gate: Gate, job: Mapping[str, Any]) -> list[str]:
    """What keeps the job's model out, one phrase each (with the numbers); empty when it passes."""
    found: list[str] = []
    training, validation = _losses(job)
    status = str(job.get("status") or "unknown")
    if gate.max_training_loss is not None:
        if training is None:
            found.append(f"training loss not reported (job status {status}; max {gate.max_training_loss:g})")
        elif training > gate.max_training_loss:
            found.append(f"training loss {training:g} > max {gate.max_training_loss:g}")
    if gate.max_validation_loss is not None:
        if not validation or any(v is None for v in validation):
            found.append(f"validation loss not reported (job status {status}; max {gate.max_validation_loss:g})")
        else:
            worst = max(v for v in validation if v is not None)
            if worst > gate.max_validation_loss:
                found.append(f"validation loss {worst:g} > max {gate.max_validation_loss:g}")
    return found


def metrics_text(job: Mapping[str, Any]) -> str:
    """The numbers of a job that passed, for the log."""
    training, validation = _losses(job)
    shown = [f"trainingLoss={training:g}"] if training is not None else []
    shown += [f"validationLoss={v:g}" for v in validation if v is not None]
    return ", ".join(shown) or "no metrics gated"

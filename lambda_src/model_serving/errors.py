"""Failure reasons of the serving handler: what happened, Bedrock's words, and what to do.

Each reason becomes the CloudFormation event a user reads, so it names the resource (ARN and name), quotes
Bedrock, and says how to go on. ``HandlerError`` clips to what CloudFormation's 4,096-byte response leaves.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..customization_job.errors import HandlerError
from ..kernel.errors import clip
from .kinds import Kind

_MAX_QUOTE = 450

# API fields (as in Bedrock's and botocore's messages) -> what to change on the construct.
_HINTS: tuple[tuple[str, str], ...] = (
    ("modelDeploymentName|provisionedModelName|name", "the name (or omit it to have one generated)"),
    ("modelArn|modelId|custom model|model", "the model served (a custom model ARN that is Active)"),
    ("modelUnits|model units?", "the model units"),
    ("commitmentDuration|commitment", "the commitment term"),
    ("tags?", "the tags"),
    ("description", "the description"),
)


def _hints(message: str) -> str:
    found = [what for pattern, what in _HINTS if re.search(rf"\b(?:{pattern})\b", message, re.IGNORECASE)]
    return f" Check {', '.join(dict.fromkeys(found))}." if found else " Check the construct's props against it."


def invalid(action: str, code: str, message: str) -> HandlerError:
    """Bedrock (or botocore's validation) refused a request as written."""
    quoted = clip(message, _MAX_QUOTE)
    if code == "AccessDeniedException":
        advice = " The custom-resource handler's role lacks the permission the message names."
    elif code == "ServiceQuotaExceededException":
        advice = (
            " Request an increase in the Service Quotas console (Amazon Bedrock), or delete serving resources "
            "you no longer need, then retry the deployment."
        )
    else:
        advice = _hints(message)
    return HandlerError(f"{action} failed: Bedrock said ({code}): {quoted!r}.{advice}")


def creation_failed(kind: Kind, arn: str, name: str, message: str) -> HandlerError:
    what = (
        "on-demand deployment supports the model's base family and this Region, and that the custom model is Active"
        if kind.resource_type.endswith("Deployment")
        else "the account has provisioned-throughput quota for these model units, and that the model is Active"
    )
    return HandlerError(
        f"{kind.noun.capitalize()} {name!r} ({arn}) failed: Bedrock said {clip(message, _MAX_QUOTE)!r}. Check that "
        f"{what}; CloudFormation deletes the failed resource when it rolls back, and the next deployment creates "
        "a new one."
    )


def swap_failed(kind: Kind, arn: str, served: str, desired: str, message: str) -> HandlerError:
    return HandlerError(
        f"Swapping {kind.noun} {arn} from model {served} to {desired} failed: Bedrock said "
        f"{clip(message, _MAX_QUOTE)!r}. CloudFormation's rollback points it back at {served}; check that the new "
        "model is Active and of the same base model, then deploy again."
    )


def gate_refused(kind: Kind, model: str, job_arn: str, refusals: list[str], *, swap_from: str | None) -> HandlerError:
    return HandlerError(
        f"Quality gate refused model {model} (job {job_arn}): {'; '.join(refusals)}. {_effect(kind, swap_from)} "
        "Improve the "
        "training (data, hyperparameters) and retrain, or relax the gate's thresholds."
    )


def _effect(kind: Kind, swap_from: str | None) -> str:
    if swap_from:
        return f"The {kind.noun} was not swapped: it keeps serving {swap_from}."
    return f"No {kind.noun} was created."


def gate_cannot_vouch(kind: Kind, model: str, why: str, *, swap_from: str | None) -> HandlerError:
    """The gate reads the losses of the job that trained the model (GetCustomModel jobArn); without it, refuse."""
    return HandlerError(
        f"Quality gate refused model {model}: {why}, so the gate cannot vouch for it. {_effect(kind, swap_from)} "
        "Serve a model trained by a customization job, or remove the gate."
    )


class EvaluationNeeded(HandlerError):
    """Fail closed: an EvaluationGate must be run (by the runtime's entry, entry/evaluation.py) before ``model``
    serves. A caller that does not run evaluations sees a refusal; nothing has changed when it is raised."""

    def __init__(self, kind: Kind, model: str, *, swap_from: str | None, incumbent: str, swap: bool) -> None:
        super().__init__(
            f"Evaluation gate refused model {model}: the serving core alone cannot run the evaluation before "
            f"serving (the stack's runtime entry runs it), and it never serves ungated. {_effect(kind, swap_from)} "
            "Deploy through the library's serving construct, or remove the evaluation gate."
        )
        self.model, self.swap_from, self.incumbent, self.noun = model, swap_from, incumbent, kind.noun
        self.swap = swap


def gate_wrong_job(kind: Kind, model: str, named: str, trained_by: str, *, swap_from: str | None) -> HandlerError:
    return HandlerError(
        f"Quality gate refused model {model}: it was trained by {trained_by} (GetCustomModel jobArn), but the "
        f"resource's JobArn names {named}, so the gate would judge another job. {_effect(kind, swap_from)} Pass the "
        "job that trained the model as job= (job.custom_model_arn with job=job)."
    )


def cross_base_committed(arn: str, name: str, old_base: str, new_base: str, duration: str) -> HandlerError:
    return HandlerError(
        f"Refusing to serve a model of base model {new_base} on provisioned model throughput {name!r} ({arn}), "
        f"which serves base model {old_base}: UpdateProvisionedModelThroughput takes only a model customized from "
        f"the same base model, so this needs a new throughput, and this one is under a {duration} commitment that "
        "cannot be deleted before its term ends. Nothing was changed. Serve the new model from a new "
        "ProvisionedThroughput (a new construct id), retrain on the same base model, or set committed_removal="
        "CommittedRemoval.RETAIN to leave this one in the account (billing until its term ends)."
    )


def update_failed(kind: Kind, arn: str, name: str, message: str) -> HandlerError:
    """The resource itself failed during an in-place update (an Update keeps the resource: rollback deletes nothing)."""
    return HandlerError(
        f"{kind.noun.capitalize()} {name!r} ({arn}) failed during an in-place update: Bedrock said "
        f"{clip(message, _MAX_QUOTE)!r}. CloudFormation's rollback sends the previous properties to the same "
        f"resource; it is not deleted. Check it ({kind.cli_get} {arn}); if it stays Failed, remove it from the "
        "stack (or give the construct a new id) to create a new one."
    )


def not_owned(kind: Kind, arn: str, action: str, owner_tag: str) -> HandlerError:
    return HandlerError(
        f"Refusing to {action} {kind.noun} {arn}: it does not carry the tag {owner_tag}, so this stack's handler did "
        "not create it and acts only on its own stack's resources. If it is yours, act on it yourself "
        f"({kind.cli_get} {arn}; {kind.cli_delete} {arn}) and retry, or remove the resource from the stack."
    )


def committed_refused(arn: str, name: str, duration: str, expires: datetime | None, *, replacing: bool) -> HandlerError:
    ends = f"ends at {expires.isoformat()}" if expires else "has not started yet (Bedrock reports no end time)"
    when = f"after {expires.isoformat()}" if expires else "once its term ends"
    why = (
        "This change needs a new throughput, and the old one could not be deleted afterwards"
        if replacing
        else "Bedrock cannot delete a committed throughput before its term ends"
    )
    return HandlerError(
        f"Refusing to {'replace' if replacing else 'delete'} provisioned model throughput {name!r} ({arn}): its "
        f"{duration} commitment term {ends}, and it bills until then either way. {why}. Delete it {when} "
        f"(aws bedrock delete-provisioned-model-throughput --provisioned-model-id {arn}) and retry, or set the "
        "resource's CommittedRemoval to RETAIN to let CloudFormation leave it in place (yours to delete then)."
    )


def name_in_use(kind: Kind, name: str, existing: str | None, message: str, *, names_generated: bool) -> HandlerError:
    holder = f"{existing} already has the name {name!r}" if existing else f"the name {name!r} is already taken"
    fix = (
        "The name was generated for this CloudFormation request, so something outside this deployment took it: "
        "retry the deployment (a new request gets a new name), or set the name explicitly."
        if names_generated
        else "Choose another name, or omit it so the construct generates a unique one."
    )
    return HandlerError(
        f"Cannot create {kind.noun} {name!r}: {holder} and was not created by this request of this stack "
        f"(Bedrock said: {clip(message, _MAX_QUOTE)!r}). {fix}"
    )


def name_reused_on_replacement(kind: Kind, arn: str, changed: list[str], name: str) -> HandlerError:
    return HandlerError(
        f"Cannot apply the change to {', '.join(changed)}: a {kind.noun} cannot change it in place, so the change "
        f"needs a new one replacing {arn}, and the new one would need the name {name!r}, which {arn} keeps until "
        "CloudFormation deletes it after the update. Nothing was changed. Set a new name, or omit it so the "
        "construct generates one."
    )


def gone(kind: Kind, arn: str, action: str) -> HandlerError:
    return HandlerError(
        f"Cannot {action}: {kind.noun} {arn} no longer exists (deleted outside CloudFormation?). Nothing was changed. "
        "Remove the resource from the stack and add it again (a new logical id) to create a new one."
    )


def unexpected(request_type: str, error: Exception) -> HandlerError:
    return HandlerError(
        f"The serving handler failed unexpectedly during {request_type} ({type(error).__name__}: "
        f"{clip(str(error), _MAX_QUOTE)!r}). This is a bug in the handler; report it with the handler's log lines. "
        "Retrying the deployment is safe."
    )


__all__ = ["HandlerError"]

"""Failure reasons for CloudFormation and the predicates that sort Bedrock's errors.

A raised ``HandlerError`` becomes the resource's failure reason, which is often the only thing a
user reads, so every message says what happened, quotes Bedrock, and names the construct property
to change.
"""

from __future__ import annotations

import re
from typing import Any

from ..kernel.errors import clip
from ..kernel.errors import error_code as error_code
from ..kernel.errors import error_label as error_label

MAX_REASON = 950
"""CloudFormation limits a custom-resource response to 4,096 bytes, and the reason shares them with the ids and
with what the Provider framework appends (the log group and its own stack, ~700 bytes)."""
_MAX_QUOTE = 450

_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_NAME_IN_USE = re.compile(r"already exists|currently in use|already in use|name.*in use", re.IGNORECASE)

# API field (as it appears in Bedrock's and botocore's messages) -> construct property to change.
_PROP_HINTS: tuple[tuple[str, str], ...] = (
    ("jobName", "job_name (or omit it to have a unique one generated)"),
    ("customModelName", "custom_model_name (or omit it to have a unique one generated)"),
    ("roleArn", "role"),
    ("baseModelIdentifier", "base_model"),
    ("customizationType", "customization_type"),
    ("customModelKmsKeyId", "custom_model_kms_key"),
    ("jobTags", "job_tags"),
    ("customModelTags", "custom_model_tags"),
    ("invocationLogsConfig|requestMetadataFilters|usePromptResponse", "training_data (invocation logs)"),
    ("trainingDataConfig", "training_data"),
    ("validationDataConfig|validators", "validation_data"),
    ("outputDataConfig", "output_data"),
    ("vpcConfig|subnetIds|securityGroupIds", "vpc / vpc_subnets / security_groups"),
    (
        "distillationConfig|teacherModelConfig|teacherModelIdentifier|maxResponseLengthForInference",
        "distillation (DistillationConfig: teacher model)",
    ),
    ("rftConfig|graderConfig|lambdaGrader|lambdaArn", "rft (RftConfig: grader and its hyperparameters)"),
    ("hyper-?parameters?", "hyper_parameters"),
    ("clientRequestToken", "client_request_token"),
    ("base[ -]?model", "base_model"),
)
# Asked only when nothing more specific matched: S3 locations come from three props.
_S3_HINT = (r"s3://|S3 (?:bucket|object|location|URI|prefix)|bucket", "training_data / validation_data / output_data")


class HandlerError(Exception):
    """A failure whose message is meant for the CloudFormation event log (at most ``MAX_REASON`` UTF-8 bytes)."""

    def __init__(self, message: str) -> None:
        super().__init__(clip(message, MAX_REASON))


def error_message(error: Any) -> str:
    """Bedrock's own message, shortened so that our advice still fits in the reason."""
    text = str(error.response.get("Error", {}).get("Message", "")) or str(error)
    return clip(text, _MAX_QUOTE)


def _status(error: Any) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def is_transient(error: Any) -> bool:
    """Throttling and server-side failures: worth retrying with backoff."""
    return error_code(error) in _TRANSIENT_CODES or _status(error) >= 500 or _status(error) == 429


def is_iam_propagation(error: Any) -> bool:
    """IAM changes take seconds to minutes to reach Bedrock; a new role or grant fails meanwhile."""
    code = error_code(error)
    if code == "AccessDeniedException":
        return True
    return code == "ValidationException" and "could not assume" in error_message(error).lower()


def is_name_conflict(error: Any) -> bool:
    """The job (or model) name is taken; moto says ResourceInUseException, Bedrock Conflict/Validation."""
    code = error_code(error)
    if code in ("ConflictException", "ResourceInUseException"):
        return True
    return code == "ValidationException" and _NAME_IN_USE.search(error_message(error)) is not None


def is_not_found(error: Any) -> bool:
    return error_code(error) == "ResourceNotFoundException"


def prop_hints(text: str) -> list[str]:
    """Construct properties that the API fields mentioned in ``text`` come from, in a stable order."""
    hints: list[str] = []
    for pattern, prop in _PROP_HINTS:
        if re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE) and prop not in hints:
            hints.append(prop)
    if not hints and re.search(_S3_HINT[0], text, re.IGNORECASE):
        hints.append(_S3_HINT[1])
    return hints


_REQUEST_PROPS = (
    "base_model, customization_type, training_data, validation_data, output_data, hyper_parameters, role, "
    "distillation, rft"
)


def invalid_request(action: str, code: str, message: str, *, creating: bool = False) -> HandlerError:
    """Bedrock (or botocore) refused the request as written: quote it and point at the props."""
    hints = prop_hints(message)
    if code == "AccessDeniedException":
        where = "The custom-resource handler's role lacks the permission the message names"
        where += f" (related construct prop(s): {', '.join(hints)})." if hints else "."
    elif hints:
        where = f"Change the construct prop(s) {', '.join(hints)}."
    elif creating:
        where = f"The message names no field; check the construct props that shape the request ({_REQUEST_PROPS})."
    else:
        where = "Check the construct's props against the message above."
    return HandlerError(f"{action} failed: Bedrock said ({code}): {message!r}. {where}")


def iam_not_ready(role_arn: str, waited_s: float, code: str, message: str) -> HandlerError:
    """Retries for IAM propagation ran out: name the role and what it (or the caller) must allow."""
    if code == "AccessDeniedException":
        advice = (
            "The custom-resource handler's role needs bedrock:CreateModelCustomizationJob on the base model, "
            "custom-model/* and model-customization-job/* (bedrock:TagResource when tags are set), and "
            f"iam:PassRole on {role_arn} with iam:PassedToService bedrock.amazonaws.com."
        )
    else:
        advice = (
            "Check that the role trusts bedrock.amazonaws.com (aws:SourceAccount/aws:SourceArn conditions "
            "for this account and Region) and that the handler may iam:PassRole it (construct prop role; "
            "omit it to let the construct create a role with the right trust policy)."
        )
    return HandlerError(
        f"Bedrock still refused the service role {role_arn} after retrying for {waited_s:.0f} s "
        f"({code}: {message!r}). {advice}"
    )


def quota_exceeded(job_name: str, message: str) -> HandlerError:
    """Name the quota Bedrock's message points at, and the two ways out: wait (or stop jobs), or raise it."""
    text = message.lower()
    how = (
        "request an increase in the Service Quotas console (AWS services > Amazon Bedrock, search "
        "'customization'; CLI: aws service-quotas list-service-quotas --service-code bedrock)"
    )
    if re.search(r"\brecords?\b|\btokens?\b|\bsize\b|\bGB\b", message, re.IGNORECASE):
        what = "a per-job data quota (training/validation records or tokens for this base model)"
        way_out = f"Reduce the data set (construct props training_data / validation_data), or {how}."
    elif "custom model" in text and not re.search(r"\bjobs?\b", text):
        what = "the account's quota of custom models in this Region"
        way_out = f"Delete custom models you no longer need (aws bedrock delete-custom-model), or {how}."
    else:
        what = "the account's quota of concurrent model customization jobs in this Region"
        way_out = (
            "Wait for running jobs to finish or stop them (aws bedrock list-model-customization-jobs "
            f"--status-equals InProgress), or {how}; then retry the deployment."
        )
    return HandlerError(
        f"Cannot start model customization job {job_name!r}: Bedrock refused it with ServiceQuotaExceeded "
        f"on {what} (Bedrock said: {message!r}). {way_out}"
    )


def name_in_use(
    job_name: str, model_name: str, existing_job_arn: str | None, message: str, *, names_generated: bool
) -> HandlerError:
    owner = (
        f"job {existing_job_arn} already uses the name {job_name!r} and was started by another request"
        if existing_job_arn
        else f"the job name {job_name!r} or custom model name {model_name!r} is already taken"
    )
    if names_generated:
        fix = (
            "The construct generated these names with a suffix unique to this CloudFormation request, so "
            "a job or model outside this deployment already uses them. Retry the deployment (a new request gets "
            "new names), or set job_name/custom_model_name explicitly."
        )
    else:
        fix = "Choose new job_name/custom_model_name values, or omit them so the construct generates unique ones."
    return HandlerError(
        f"Cannot start model customization job {job_name!r}: {owner} (Bedrock said: {message!r}). "
        "Model customization jobs are immutable and their names cannot be reused, even after the job "
        f"stopped or failed. {fix}"
    )


def names_reused_on_replacement(old_job_arn: str, changed: list[str], reused: dict[str, str]) -> HandlerError:
    names = ", ".join(f"{field} {value!r}" for field, value in reused.items())
    return HandlerError(
        f"Cannot apply the change to {', '.join(changed)}: model customization jobs are immutable, so the "
        f"change needs a new job replacing {old_job_arn}, but the new job would reuse {names}, and names "
        "cannot be reused. Set new job_name/custom_model_name values, or omit job_name/custom_model_name "
        "to let the construct generate them."
    )


def token_reused_on_replacement(old_job_arn: str, changed: list[str]) -> HandlerError:
    return HandlerError(
        f"Cannot apply the change to {', '.join(changed)}: it needs a new job replacing {old_job_arn}, but "
        "the request keeps the clientRequestToken of the old job, so Bedrock would not start a new one. "
        "Change client_request_token with the request, or omit it so the handler derives one per deployment."
    )


def still_failing(action: str, code: str, message: str, waited_s: float) -> HandlerError:
    return HandlerError(
        f"{action} failed: still getting {code} ({message!r}) after retrying for {waited_s:.0f} s. "
        "Retry the deployment later."
    )


def out_of_time(action: str, code: str, message: str) -> HandlerError:
    return HandlerError(
        f"{action} failed: still getting {code} ({message!r}) with too little Lambda time left to retry. "
        "Retry the deployment; if it persists, check the Bedrock service health for this Region."
    )


def no_time_left(action: str, detail: str) -> HandlerError:
    return HandlerError(
        f"{action} was not attempted: {detail}. Retry the deployment; if it persists, check the Bedrock "
        "service health for this Region."
    )


def not_owned(arn: str, action: str, owner_tag: str, hint: str = "") -> HandlerError:
    """The resource lacks this stack's owner tag (``key=value``): refuse to touch it, say how to act by hand
    (and, for an untagged job, ``hint``: how to let the stack claim it)."""
    return HandlerError(
        f"Refusing to {action}: {arn} does not carry the tag {owner_tag}, so this "
        "stack's handler did not create it (another stack's job, or one started before the handler tagged its "
        "jobs). The handler acts only on its own stack's jobs and models. If it is yours, stop or delete it "
        "yourself (aws bedrock stop-model-customization-job --job-identifier <arn>; aws bedrock "
        "delete-custom-model --model-identifier <model>) and retry, or remove the resource from the stack." + hint
    )


def unexpected(request_type: str, error: Exception) -> HandlerError:
    """An exception the handler does not expect is a bug: say so, and what CloudFormation will do next."""
    detail = clip(str(error), _MAX_QUOTE)
    return HandlerError(
        f"The custom-resource handler failed unexpectedly during {request_type} ({type(error).__name__}: "
        f"{detail!r}). This is a bug in the handler: the job was left as it was. Report it with the handler's "
        "log lines; retrying the deployment is safe."
    )


def old_request_incomplete(problems: list[str], logical_id: str, consequence: str) -> HandlerError:
    """An Update whose old properties are not a complete earlier request: comparing with them would take every
    field for changed and replace the resource, so nothing is done (``consequence`` says what was left alone)."""
    shown = "; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else "")
    return HandlerError(
        f"Update refused: OldResourceProperties.Request is not a complete earlier request ({shown}), so the "
        f"handler cannot tell what changed; {consequence}. Redeploy from a template this construct synthesized. "
        "If this is the rollback of an update that failed for this reason, continue the rollback without this "
        f"resource (aws cloudformation continue-update-rollback --resources-to-skip {logical_id})."
    )


def unreadable(error: Exception) -> HandlerError:
    """Reading the event itself failed in a way ``parse_event`` does not name: a bug, and nothing was done."""
    detail = clip(str(error), _MAX_QUOTE)
    return HandlerError(
        f"The custom-resource handler could not read the event ({type(error).__name__}: {detail!r}). Nothing was "
        "started or changed. This is a bug in the handler: report it with the handler's log lines."
    )

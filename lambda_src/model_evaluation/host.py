"""Where the candidate answers before it serves: the evaluation gate's temporary host (start, look, release).

A custom model cannot be invoked by its own ARN, and an evaluation job cannot name an on-demand deployment, so the
runner hosts the candidate in a temporary serving resource of this stack, asks it the prompts, and deletes it on
every outcome. The incumbent is never touched here. ``EvaluationGate.candidate_host`` says which resource:

- ``OnDemand``: a custom model deployment (CreateCustomModelDeployment); billed per token, nothing while idle.
- ``ProvisionedThroughput``: a no-commitment provisioned throughput of one model unit (CreateProvisionedModelThroughput
  without ``commitmentDuration``: botocore's CreateProvisionedModelThroughputRequest, "To request a no-commit
  Provisioned Throughput, omit this field. Custom models support all levels of commitment."). Billed per model unit
  per hour while it exists (https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html), and
  deletable at any time. For base models Bedrock does not serve on demand.
- ``Auto``: on demand first; when Bedrock refuses it (the create refused with a ValidationException, or the
  deployment ends Failed), the failed deployment is deleted and a throughput as above hosts the candidate.

Each is created with the owner tag, this request's token tag and clientRequestToken, named like the evaluation job,
so a retried step adopts the same one and cleanup can find it by name even when a create's answer was lost.
State kept in the runner's JSON: ``host`` (the ARN; its kind is read from it), ``discarded`` (failed hosts to
delete), ``fallback`` (why on demand was given up), ``releasing`` (what cleanup still has to see gone).
"""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import ClientError

from ..contract import HOST_AUTO, HOST_PROVISIONED, SERVING_TOKEN_TAG_KEY
from ..customization_job import errors as job_errors
from ..customization_job.decisions import tags_as_dict
from ..customization_job.errors import HandlerError
from ..customization_job.ownership import is_owned, with_owner_tags
from ..kernel.log import log_event
from ..kernel.retry import Retrier
from ..model_serving import operations
from ..model_serving.kinds import DEPLOYMENT, THROUGHPUT, Kind, kind_of_arn
from .gate import EvaluationGate


class Context(Protocol):
    """What the host needs of the runner's Context (runner.py imports this module, not the other way)."""

    @property
    def gate(self) -> EvaluationGate: ...
    @property
    def candidate_model(self) -> str: ...
    @property
    def job_name(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def owner(self) -> str: ...


TEMPORARY_MODEL_UNITS = 1
"""The smallest throughput; a no-commitment throughput of a custom model has a quota of one model unit (user guide,
prov-throughput.html)."""
FAILED = "Failed"
"""GetCustomModelDeployment and GetProvisionedModelThroughput both end a failed creation with this status."""


def first_kind(ctx: Context) -> Kind:
    return THROUGHPUT if ctx.gate.candidate_host == HOST_PROVISIONED else DEPLOYMENT


def create_request(ctx: Context, kind: Kind) -> dict[str, Any]:
    """The Create request of a temporary host of ``kind`` (validated against botocore's model in the tests)."""
    tags = [{"key": SERVING_TOKEN_TAG_KEY, "value": ctx.token}]
    request: dict[str, Any]
    if kind is DEPLOYMENT:
        request = {
            "modelDeploymentName": ctx.job_name,
            "modelArn": ctx.candidate_model,
            "description": f"Temporary: the evaluation gate's candidate ({ctx.job_name}); deleted when it ends",
            "clientRequestToken": ctx.token,
            "tags": tags,
        }
    else:
        # no commitmentDuration: a no-commitment throughput, deletable at any time (never a term by accident)
        request = {
            "provisionedModelName": ctx.job_name,
            "modelId": ctx.candidate_model,
            "modelUnits": TEMPORARY_MODEL_UNITS,
            "clientRequestToken": ctx.token,
            "tags": tags,
        }
    return with_owner_tags(request, ctx.owner, fields=("tags",))


def current(state: dict[str, Any]) -> str | None:
    """The temporary host's ARN (``deployment``: the key of states written before the host could be a throughput)."""
    found = state.get("host") or state.get("deployment")
    return str(found) if found else None


def start(ctx: Context, state: dict[str, Any], bedrock: Any, retrier: Retrier) -> dict[str, Any]:
    """The ``deploy`` phase: create the first host."""
    kind = first_kind(ctx)
    try:
        return {**state, "host": _create(ctx, kind, bedrock, retrier)}
    except HandlerError as error:
        if kind is DEPLOYMENT and ctx.gate.candidate_host == HOST_AUTO and _refused_as_invalid(error):
            return _fall_back(ctx, state, str(error), bedrock, retrier)
        raise


def look(ctx: Context, state: dict[str, Any], bedrock: Any, retrier: Retrier) -> tuple[bool, dict[str, Any]]:
    """The ``deploying`` phase, one look: (ready, state). Failed refuses (HandlerError), or in Auto falls back."""
    arn = current(state)
    kind = _kind(arn)
    live = operations.describe(bedrock, kind, str(arn), retrier) if arn else None
    status = (live or {}).get("status")
    if status == kind.ready_status:
        return True, state
    if status == FAILED:
        message = str((live or {}).get("failureMessage") or "no failure message")
        if kind is DEPLOYMENT and ctx.gate.candidate_host == HOST_AUTO:
            discarded = {**state, "host": None, "discarded": [*state.get("discarded", []), *([arn] if arn else [])]}
            return False, _fall_back(ctx, discarded, message, bedrock, retrier)
        raise HandlerError(_failed_reason(ctx, kind, message, state.get("fallback")))
    return False, state


def release(ctx: Context, state: dict[str, Any], bedrock: Any, retrier: Retrier) -> dict[str, Any]:
    """The ``cleanup`` phase, one pass: delete every temporary host; ``releasing`` lists those not yet gone (empty:
    done). A host whose create answer was lost is found by name. Every host is deleted only if it is this request's
    (``_look``): the state rides in continuation payloads and failure records, which whoever may invoke the
    function can forge, and IAM alone would let the runtime delete any serving resource of this stack."""
    verified: set[str] = set()  # found by name just now, and checked as they were found
    if "releasing" in state:
        pending = [str(a) for a in state["releasing"]]
    else:
        arn = current(state)
        known = [*(str(a) for a in state.get("discarded", [])), *([arn] if arn else [])]
        verified = set(_ours_by_name(ctx, bedrock, retrier))
        pending = list(dict.fromkeys([*known, *verified]))
    left = []
    for arn in pending:
        whose = "ours" if arn in verified else _look(ctx, bedrock, _kind(arn), arn, retrier)[0]
        if whose == "foreign":
            log_event(**retrier.log_fields, action="evaluation-host", outcome="not-ours-kept", arn=arn[:300])
        elif whose == "unknown" or (whose == "ours" and not _gone_after_delete(bedrock, arn, retrier)):
            left.append(arn)
    return {**state, "releasing": left}


def is_ours(ctx: Context, name: Any, tags: Any) -> bool:
    """This request's temporary host: named like its evaluation job, with this stack's owner tag and this request's
    token tag. An empty ``ctx.token`` (the long path's Evaluation resource being deleted: its Delete cannot derive
    the Create's token) checks the name, which is then the resource's own physical id, and the owner tag."""
    if name != ctx.job_name or not is_owned(tags, ctx.owner):
        return False
    return not ctx.token or tags_as_dict(tags).get(SERVING_TOKEN_TAG_KEY) == ctx.token


def released(state: dict[str, Any]) -> bool:
    return "releasing" in state and not state["releasing"]


def leftover(state: dict[str, Any]) -> str:
    """What a refusal adds when cleanup did not finish before the wait ended: each host and its delete command."""
    if state.get("phase") == "done":
        return ""
    arn = current(state)
    pending = state.get("releasing", [*state.get("discarded", []), *([arn] if arn else [])])
    notes = []
    for found in pending:
        kind = _kind(str(found))
        billed = " (billed by the hour until it is deleted)" if kind is THROUGHPUT else ""
        notes.append(
            f" The temporary {kind.noun} {found} was not yet deleted when the wait ended{billed}: delete it "
            f"({kind.cli_delete} {found})."
        )
    return "".join(notes)


# ---- edges ------------------------------------------------------------------------------------------------


def _kind(arn: str | None) -> Kind:
    return kind_of_arn(arn) or DEPLOYMENT


def _create(ctx: Context, kind: Kind, bedrock: Any, retrier: Retrier) -> str:
    request = create_request(ctx, kind)
    return operations.create(bedrock, kind, request, retrier, owner=ctx.owner, names_generated=True)


def _refused_as_invalid(error: HandlerError) -> bool:
    """Bedrock refused the request as written (ValidationException): for an on-demand create in Auto, the sign that
    this model is not served on demand. Throttling, access and quota refusals are not."""
    cause = error.__cause__
    return isinstance(cause, ClientError) and job_errors.error_code(cause) == "ValidationException"


def _fall_back(ctx: Context, state: dict[str, Any], why: str, bedrock: Any, retrier: Retrier) -> dict[str, Any]:
    log_event(**retrier.log_fields, action="evaluation-host", outcome="on-demand-refused", reason=why[:300])
    arn = _create(ctx, THROUGHPUT, bedrock, retrier)
    return {**state, "host": arn, "fallback": why[:500]}


def _failed_reason(ctx: Context, kind: Kind, message: str, fallback: Any) -> str:
    host = "on-demand deployment" if kind is DEPLOYMENT else "provisioned throughput"
    tried = f" On demand was refused first: {fallback}." if fallback else ""
    return (
        f"Evaluation gate refused model {ctx.candidate_model}: its temporary {host} failed ({message}), so it could "
        f"not answer the prompts.{tried} Nothing was swapped or created."
    )


def _gone_after_delete(bedrock: Any, arn: str, retrier: Retrier) -> bool:
    """Delete, then look: True once Bedrock no longer knows it. A delete refused while it is still being created
    (ConflictException) is asked again next step; the look lets its status move on."""
    kind = _kind(arn)
    if operations.delete(bedrock, kind, arn, retrier) == "not-found":
        return True
    return operations.describe(bedrock, kind, arn, retrier) is None


def _look(ctx: Context, bedrock: Any, kind: Kind, identifier: str, retrier: Retrier) -> tuple[str, str]:
    """(whose, ARN) of one host, by ARN or by name: "gone", "ours", "foreign", or "unknown" (Bedrock could not say
    now: asked again next pass)."""
    try:
        live = operations.describe(bedrock, kind, identifier, retrier)
        if live is None:
            return "gone", identifier
        arn = str(live.get(kind.arn_field) or identifier)
        tags = operations.read_tags(bedrock, arn, retrier)
    except HandlerError as error:
        log_event(**retrier.log_fields, action="evaluation-host", outcome="lookup-failed", error=str(error)[:300])
        return "unknown", identifier
    return ("ours" if is_ours(ctx, live.get(kind.name_field), tags) else "foreign"), arn


def _ours_by_name(ctx: Context, bedrock: Any, retrier: Retrier) -> list[str]:
    """This request's temporary hosts by the name it gives them (a create whose answer was lost); best effort: a
    failed look is logged and the hosts known by ARN are still deleted."""
    kinds = {DEPLOYMENT, THROUGHPUT} if ctx.gate.candidate_host == HOST_AUTO else {first_kind(ctx)}
    looks = (_look(ctx, bedrock, kind, ctx.job_name, retrier) for kind in sorted(kinds, key=lambda k: k.noun))
    return [arn for whose, arn in looks if whose == "ours"]

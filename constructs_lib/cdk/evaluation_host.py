"""Where the evaluation gate's candidate answers before it serves, decided at synth (``candidate_host=``).

A custom model cannot be invoked by its own ARN, so the runtime hosts the candidate in a temporary serving resource
(lambda_src/model_evaluation/host.py). A custom model deployment's candidate is served on demand anyway, so it
answers on demand. A provisioned throughput's candidate answers on demand where the on-demand catalogue
(rules/catalogue/serving.py) says Bedrock serves its base model so in this Region, else from a temporary
no-commitment provisioned throughput (1 model unit; "no commitment" is available for custom models: botocore's
CreateProvisionedModelThroughputRequest.commitmentDuration and the user guide's Provisioned Throughput page), which
is billed by the hour and therefore warned about. Where the base or the Region is unknown at synth, the runtime tries
on demand first (``Auto``).
"""

from __future__ import annotations

from .. import contract
from ..rules import validation as v
from ..rules.catalogue import serving as on_demand_catalogue
from ..rules.catalogue.sources import SOURCES
from .evaluation import CandidateHost
from .serving_props import on_demand_findings

WARNING_ID = "bedrock-customization:evaluation-candidate-host"
PROVISIONED_THROUGHPUT_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html"
"""Commitment levels (no commitment: deletable any time), billed hourly per model unit, custom models at the base
model's price."""
PRICING_PAGE = "https://aws.amazon.com/bedrock/pricing/"


def decide(chosen: CandidateHost, *, throughput: bool, model_hint: str | None, region: str) -> tuple[str, str | None]:
    """(the ``CandidateHost`` value to render, a synth warning or None); a choice that cannot work raises."""
    not_on_demand, unknown = on_demand_findings(model_hint, region)
    if not throughput:
        if chosen is CandidateHost.PROVISIONED_THROUGHPUT:
            raise v.ValidationError(
                f"Invalid candidate_host {chosen}: a CustomModelDeployment serves its model on demand, so the "
                "candidate answers on demand too; a temporary provisioned throughput would only add an hourly "
                "charge. Use CandidateHost.AUTO or ON_DEMAND."
            )
        return contract.HOST_ON_DEMAND, None
    why = _why_not_on_demand(model_hint, region) if not_on_demand else None
    if chosen is CandidateHost.ON_DEMAND:
        if why:
            raise v.ValidationError(
                f"Invalid candidate_host {chosen}: {why} ({SOURCES['on-demand'].url}), so a temporary on-demand "
                "deployment of the candidate would fail and the gate would refuse every retrain. Use "
                "CandidateHost.AUTO or PROVISIONED_THROUGHPUT (a temporary no-commitment throughput, billed hourly)."
            )
        return contract.HOST_ON_DEMAND, None
    if chosen is CandidateHost.PROVISIONED_THROUGHPUT:
        return contract.HOST_PROVISIONED, cost_warning(f"candidate_host={chosen}")
    if why:
        return contract.HOST_PROVISIONED, cost_warning(why)
    if unknown:
        shown = repr(model_hint) if model_hint else "unknown at synth"
        return contract.HOST_AUTO, (
            f"Whether Bedrock serves the served model (base {shown}, Region {region}) on demand is not known at "
            "synth, so the evaluation gate decides where the candidate answers at deploy: on demand first, and when "
            f"Bedrock refuses that, {_throughput_terms()} Pass candidate_host=CandidateHost.ON_DEMAND to never buy "
            "throughput for the gate."
        )
    return contract.HOST_ON_DEMAND, None


def cost_warning(why: str) -> str:
    return f"The evaluation gate hosts the candidate ({why}) in {_throughput_terms()}"


def _throughput_terms() -> str:
    return (
        "a temporary no-commitment Provisioned Throughput of 1 model unit, created for each gated create or swap and "
        "deleted when the gate ends (promoted, refused, failed, rolled back). It is billed per model unit per hour "
        f"while it exists, at the base model's no-commitment rate ({PRICING_PAGE}); no commitment "
        f"is available for custom models ({PROVISIONED_THROUGHPUT_PAGE}), and it uses the account's "
        "no-commitment model units (if Bedrock refuses it, the gate refuses: fail closed)."
    )


def _why_not_on_demand(model_hint: str | None, region: str) -> str:
    found = on_demand_catalogue.on_demand(model_hint)
    family, entry = found if found is not None else ("this", None)
    if entry is not None and entry.status is on_demand_catalogue.OnDemandStatus.UNSUPPORTED:
        return f"Bedrock serves {family} custom models only through Provisioned Throughput, not on demand"
    regions = ", ".join(entry.regions) if entry is not None else ""
    return f"Bedrock serves {family} custom models on demand only in {regions}, not in {region}"

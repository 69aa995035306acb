"""The serving constructs' props: the quality gate, the commitment opt-in, and their synth-time checks.

Patterns and lengths are botocore's service model (CreateCustomModelDeployment, CreateProvisionedModelThroughput);
every message names the prop, the value and the rule, and values that are deploy-time tokens are skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, ClassVar, Protocol, runtime_checkable

import jsii
from aws_cdk import Token
from constructs import IValidation

from .. import contract
from ..rules import validation as v
from ..rules.catalogue import serving as on_demand_catalogue
from ..rules.catalogue.sources import SOURCES

DEPLOYMENT_NAME_PATTERN = r"([0-9a-zA-Z][_-]?){1,63}"
PROVISIONED_MODEL_NAME_PATTERN = r"([0-9a-zA-Z][_-]?)+"
CUSTOM_MODEL_ARN_PATTERN = (
    r"arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model/(imported|[a-z0-9-]{1,63}"
    r"[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})/[a-z0-9]{12}"
)
"""``CustomModelArn``: what CreateCustomModelDeployment takes (and what this library serves with throughput too)."""
CUSTOM_MODEL_ARN_LEN = (20, 1011)
DESCRIPTION_PATTERN = r".*"
"""``CustomModelDeploymentDescription``: ``.*`` as a full match, so no line break (the service's ``.`` is read here as
ECMA-262's and Java's, which match no \n, \r, \u2028 or \u2029; an inference: Bedrock does not say which dialect)."""
DESCRIPTION_LEN = (1, 2048)
NAME_LEN = (1, 63)


def check_model_arn(value: Any, prop: str = "model_arn") -> None:
    v.check_type(prop, value, str, "a custom model ARN (str), such as job.custom_model_arn")
    low, high = CUSTOM_MODEL_ARN_LEN
    v.check_pattern(prop, value, CUSTOM_MODEL_ARN_PATTERN, low, high, "a custom model ARN")


def check_deployment_name(value: Any, prop: str = "deployment_name") -> None:
    v.check_type(prop, value, str, "a deployment name (str)")
    v.check_pattern(prop, value, DEPLOYMENT_NAME_PATTERN, *NAME_LEN, "a custom model deployment name")


def check_provisioned_model_name(value: Any, prop: str = "provisioned_model_name") -> None:
    v.check_type(prop, value, str, "a provisioned model name (str)")
    v.check_pattern(prop, value, PROVISIONED_MODEL_NAME_PATTERN, *NAME_LEN, "a provisioned model name")


def check_description(value: Any, prop: str = "description") -> None:
    v.check_type(prop, value, str, "a description (str)")
    if v.is_token(value):
        return
    low, high = DESCRIPTION_LEN
    shown = value[:40] + "..." if len(value) > 40 else value
    if not low <= len(value) <= high:
        raise v.ValidationError(
            f"Invalid {prop} {shown!r}: a deployment description must be {low}-{high} characters long, got "
            f"{len(value)}."
        )
    if re.fullmatch(DESCRIPTION_PATTERN.replace(".", "[^\n\r\u2028\u2029]"), value) is None:
        raise v.ValidationError(
            f"Invalid {prop} {shown!r}: a deployment description must match the pattern {DESCRIPTION_PATTERN} "
            "(CreateCustomModelDeployment description): one line, no line breaks."
        )


MAX_SERVING_TAGS = v.TAGS_PER_RESOURCE - 2
"""48: the handler adds its owner tag and its request-token tag to every deployment and throughput."""


def check_tags(tags: Any, prop: str = "tags") -> None:
    """Bedrock's tag rules (owner key reserved), plus the serving handler's second tag: its key is reserved too,
    and the user keeps 48 of the 50 tags a resource holds."""
    v.check_tags(prop, tags)
    if len(tags) > MAX_SERVING_TAGS:
        raise v.ValidationError(
            f"Invalid {prop} <{len(tags)} tags>: at most {MAX_SERVING_TAGS} tags are allowed (Bedrock keeps "
            f"{v.TAGS_PER_RESOURCE} per resource, and the serving handler adds {contract.OWNER_TAG_KEY} and "
            f"{contract.SERVING_TOKEN_TAG_KEY}), got {len(tags)}."
        )
    for key in tags:
        if not v.is_token(key) and key.lower() == contract.SERVING_TOKEN_TAG_KEY.lower():
            raise v.ValidationError(
                f"Invalid {prop} key {key!r}: this key is reserved: the serving handler tags every deployment and "
                "throughput it creates with its request's token, to recognise its own after a lost response; choose "
                "another key."
            )


@runtime_checkable
class ServedJob(Protocol):
    """What serving reads of the job that trained the model (a ModelCustomizationJob or an imported job).

    A protocol, so that serving.py needs nothing of job_base.py, which imports serving.py for
    ``deploy_on_demand`` / ``provision_throughput`` (issue 20: no two modules import each other).
    """

    @property
    def job_arn(self) -> str: ...

    @property
    def node(self) -> Any: ...

    def _has_validation_data(self) -> bool | None: ...

    def _base_model_hint(self) -> str | None: ...

    def _known_model_arn(self) -> str | None: ...


@jsii.implements(IValidation)
class ServingTagLimits:
    """Tags from ``Tags.of`` arrive after construction: check the merged set before synthesis."""

    def __init__(self, merged: Callable[[], Mapping[str, str]]) -> None:
        self._merged = merged

    def validate(self) -> list[str]:
        try:
            check_tags(self._merged())
        except v.ValidationError as error:
            return [str(error)]
        return []


def check_model_units(value: Any, prop: str = "model_units") -> None:
    if v.is_token(value):
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise v.ValidationError(
            f"Invalid {prop} {value!r}: model units must be a whole number of at least 1 "
            "(CreateProvisionedModelThroughput modelUnits); a change of units replaces the throughput."
        )


class QualityGate:
    """The losses a trained model must not exceed before it is served: checked before every create or swap.

    ``QualityGate(max_validation_loss=1.2)``, ``QualityGate(max_training_loss=1.5)`` or both. The handler reads the
    job's metrics; above a threshold the deploy fails with the numbers in the reason, and CloudFormation's rollback
    keeps the previous model serving. A validation-loss gate needs a job with validation data.
    """

    def __init__(self, *, max_validation_loss: float | None = None, max_training_loss: float | None = None) -> None:
        with v.reported_at("QualityGate"):
            if max_validation_loss is None and max_training_loss is None:
                raise v.ValidationError(
                    "Invalid QualityGate(): give max_validation_loss, max_training_loss or both (positive numbers); "
                    "a gate without a threshold would let every model through."
                )
            for prop, value in (("max_validation_loss", max_validation_loss), ("max_training_loss", max_training_loss)):
                if value is not None:
                    _check_loss(prop, value)
        self.max_validation_loss = max_validation_loss
        self.max_training_loss = max_training_loss

    @staticmethod
    def evaluation(
        *,
        dataset: Any,
        judge: str,
        metrics: Any = (),
        custom_metrics: Any = (),
        baseline: Any = None,
        margin: float = 0.0,
        candidate_host: Any = None,
        timeout: Any = None,
    ) -> Any:
        """An evaluation gate (issue 21): the candidate and the incumbent answer ``dataset``'s prompts, a Bedrock
        evaluation job with ``judge`` scores both on ``metrics`` (``Builtin.*``) and ``custom_metrics``, and the
        candidate serves only if at least as good on each, plus ``margin``. ``baseline``: ``Baseline.SERVING_MODEL``
        (default on a swap), ``BASE_MODEL`` (default on a first serve) or ``Baseline.absolute({...})``.
        ``candidate_host``: where the candidate answers before it serves, ``CandidateHost.AUTO`` (default: decided
        from the on-demand catalogue), ``ON_DEMAND`` or ``PROVISIONED_THROUGHPUT`` (a temporary no-commitment
        throughput, billed hourly; warned at synth).

        ``timeout``: omitted, the gate runs inside the serving resource's own wait (at most 55 minutes, within
        CloudFormation's hour for a custom resource); a Duration of more than 55 minutes and at most 12 hours runs it
        on a wait condition instead, as waiting jobs do (docs/serving.md, "Evaluations longer than the hour").

        Checked at synth (see EvaluationGate)."""
        from .evaluation import EvaluationGate

        return EvaluationGate(
            dataset=dataset,
            judge=judge,
            metrics=metrics,
            custom_metrics=custom_metrics,
            baseline=baseline,
            margin=margin,
            **({} if candidate_host is None else {"candidate_host": candidate_host}),
            timeout=timeout,
        )

    def to_property(self) -> dict[str, str]:
        """The ``QualityGate`` property: thresholds as strings, as CloudFormation hands them to the handler."""
        rendered: dict[str, str] = {}
        for key, value in (
            (contract.GATE_MAX_TRAINING_LOSS, self.max_training_loss),
            (contract.GATE_MAX_VALIDATION_LOSS, self.max_validation_loss),
        ):
            if value is not None:
                rendered[key] = Token.as_string(value) if v.is_token(value) else repr(float(value))
        return rendered

    def __repr__(self) -> str:
        return (
            f"QualityGate(max_validation_loss={self.max_validation_loss!r}, "
            f"max_training_loss={self.max_training_loss!r})"
        )


def _check_loss(prop: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise v.ValidationError(
            f"Invalid {prop} {value!r}: a loss threshold must be a number, got {v.type_name(value)}."
        )
    if v.is_token(value):
        return
    if not math.isfinite(value) or value <= 0:
        raise v.ValidationError(f"Invalid {prop} {value!r}: a loss threshold must be a positive, finite number.")


_PRIVATE = object()


class Commitment:
    """How long a provisioned throughput is bought for: ``Commitment.NONE`` (default, hourly, deletable any time),
    or a term that bills every hour of it and cannot be deleted before it ends.

    A term is a large financial obligation, so it is only available through a factory whose argument says so:
    ``Commitment.one_month(acknowledge_non_cancellable_charge=True)`` or ``Commitment.six_months(...)``.
    """

    NONE: ClassVar[Commitment]

    def __init__(self, duration: str | None, term: str, _key: object = None) -> None:
        if _key is not _PRIVATE:
            raise v.ValidationError(
                "Invalid Commitment(...): use Commitment.NONE, Commitment.one_month(acknowledge_non_cancellable_charge="
                "True) or Commitment.six_months(acknowledge_non_cancellable_charge=True)."
            )
        self.duration = duration
        """``commitmentDuration`` (``OneMonth``, ``SixMonths``), or None for no commitment."""
        self.term = term

    @property
    def committed(self) -> bool:
        return self.duration is not None

    @staticmethod
    def one_month(*, acknowledge_non_cancellable_charge: bool) -> Commitment:
        """A one-month term: billed for the whole month, the throughput cannot be deleted before it ends."""
        return Commitment._term("OneMonth", "one month", "one_month", acknowledge_non_cancellable_charge)

    @staticmethod
    def six_months(*, acknowledge_non_cancellable_charge: bool) -> Commitment:
        """A six-month term: billed for all six months, the throughput cannot be deleted before it ends."""
        return Commitment._term("SixMonths", "six months", "six_months", acknowledge_non_cancellable_charge)

    @staticmethod
    def _term(duration: str, term: str, factory: str, acknowledged: Any) -> Commitment:
        if acknowledged is not True:
            raise v.ValidationError(
                f"Commitment.{factory}: Invalid acknowledge_non_cancellable_charge {acknowledged!r}: a {term} "
                f"commitment bills every hour of the {term} and the throughput cannot be deleted before the term "
                "ends; pass acknowledge_non_cancellable_charge=True to buy it, or use Commitment.NONE (hourly)."
            )
        return Commitment(duration, term, _PRIVATE)

    def __repr__(self) -> str:
        return "Commitment.NONE" if self.duration is None else f"Commitment({self.duration})"


Commitment.NONE = Commitment(None, "no commitment", _PRIVATE)


class CommittedRemoval(Enum):
    """What deleting (or replacing) a committed throughput before its term ends does.

    ``FAIL`` (default): the delete fails with the date the term ends, so nothing is dropped silently while it
    keeps billing. ``RETAIN``: the throughput is left in the account (and keeps billing until its term ends);
    delete it yourself afterwards.
    """

    FAIL = contract.COMMITTED_FAIL
    RETAIN = contract.COMMITTED_RETAIN


def on_demand_findings(model_hint: str | None, region: str) -> tuple[str | None, str | None]:
    """(error, warning) for serving a model of this base on demand in this Region (a token Region: a warning)."""
    page = SOURCES["on-demand"].url
    regions_text = ", ".join(on_demand_catalogue.ON_DEMAND["Amazon Nova Micro"].regions)
    found = on_demand_catalogue.on_demand(model_hint)
    if found is None:
        shown = repr(model_hint) if model_hint else "unknown at synth"
        return None, (
            f"The base model of the served model ({shown}) is not in the catalogue of models Bedrock serves on demand; "
            f"on-demand deployment may fail at deploy. Supported base models and Regions: {page}"
        )
    family, entry = found
    if entry.status is on_demand_catalogue.OnDemandStatus.UNSUPPORTED:
        return (
            f"Invalid model_arn (a {family} custom model): Bedrock serves {family} custom models only through "
            f"Provisioned Throughput, not on demand; use provision_throughput(...) / ProvisionedThroughput instead "
            f"(supported base models: {page})."
        ), None
    if entry.status is on_demand_catalogue.OnDemandStatus.UNCONFIRMED:
        return None, (
            f"On-demand deployment of {family} custom models is not confirmed by the Bedrock user guide "
            f"({SOURCES[entry.source].url}); the deploy may fail. Provisioned Throughput serves every custom model."
        )
    if v.is_token(region):
        return None, (
            f"The stack's Region is unknown at synth: Bedrock serves custom models on demand only in {regions_text} "
            f"({page}); give the stack env=Environment(region=...) to have this checked."
        )
    if region not in entry.regions:
        return (
            f"Invalid Region {region!r}: Bedrock serves {family} custom models on demand only in "
            f"{', '.join(entry.regions)} ({page}); deploy the stack there, or use Provisioned Throughput."
        ), None
    return None, None

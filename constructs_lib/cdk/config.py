"""The job's type-specific settings and how it completes: distillation, RFT, model references, Completion.

Each renders its part of the CreateModelCustomizationJob request; bindings.py adds the grants it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from aws_cdk import Duration
from aws_cdk import aws_bedrock as bedrock

from ..rules import catalogue
from ..rules import validation as v
from ..rules.enums import CustomizationType as CustomizationType  # re-exported: config is where props live
from ..rules.enums import ReasoningEffort
from .stack_facts import attribute

if TYPE_CHECKING:  # a type only: the aws_lambda module is imported where a function is built
    from aws_cdk import aws_lambda as lambda_

ModelRef = bedrock.IModel | str


def _check_teacher(value: str, prop: str) -> None:
    v.check_teacher_model(value, prop)


def model_identifier(model: ModelRef) -> str:
    """What the API takes: an IModel's ARN, or the id, name or ARN string as given."""
    return model if isinstance(model, str) else str(attribute(model, "model_arn"))


def model_id_hint(model: ModelRef) -> str | None:
    """The plain model id when it can be known at synth (for family-specific checks)."""
    if isinstance(model, bedrock.FoundationModel):
        return str(attribute(model, "model_id"))
    if isinstance(model, str) and not v.is_token(model):
        if model.startswith("arn:") and ":custom-model/" in model:
            from ..rules.catalogue.serving import base_model_of

            return base_model_of(model)  # a custom model's ARN names its base model
        return catalogue.model_id(model)
    return None


_EXAMPLE_REGION = "us-east-1"


def check_model(prop: str, model: Any, check: Callable[[str, str], None]) -> str:
    """A model prop: a string id/ARN, a FoundationModel (checked by the ARN its id makes), or another
    IModel (checked by its ARN when known at synth). Returns the identifier for warnings."""
    if isinstance(model, str):
        check(model, prop)
        return model
    arn = attribute(model, "model_arn")
    if not isinstance(arn, str):
        raise v.ValidationError(
            f"Invalid {prop} {model!r}: expected an aws_bedrock.IModel (such as bedrock.FoundationModel."
            f"from_foundation_model_id) or a model id or ARN string, got {v.type_name(model)}."
        )
    if isinstance(model, bedrock.FoundationModel):
        model_id = str(attribute(model, "model_id"))
        try:
            check(f"arn:aws:bedrock:{_EXAMPLE_REGION}::foundation-model/{model_id}", prop)
        except v.ValidationError as error:
            raise v.ValidationError(
                f"Invalid {prop} <FoundationModel {model_id!r}>: the model id makes an ARN the API rejects: "
                f"{str(error).split(': ', 1)[-1]}"
            ) from None
        return model_id
    check(arn, prop)
    return arn


@dataclass(frozen=True)
class DistillationConfig:
    """A teacher model (or inference profile) that generates responses for the student to learn from."""

    teacher_model: ModelRef
    max_response_length_for_inference: int | None = None

    def to_request(self) -> dict[str, Any]:
        teacher: dict[str, Any] = {"teacherModelIdentifier": model_identifier(self.teacher_model)}
        if self.max_response_length_for_inference is not None:
            teacher["maxResponseLengthForInference"] = self.max_response_length_for_inference
        return {"distillationConfig": {"teacherModelConfig": teacher}}

    def validate(self) -> None:
        check_model("distillation.teacher_model", self.teacher_model, _check_teacher)
        if self.max_response_length_for_inference is not None:
            v.check_positive_int(
                "distillation.max_response_length_for_inference", self.max_response_length_for_inference
            )


@dataclass(frozen=True)
class RftHyperParameters:
    """Reinforcement fine-tuning settings; ranges are the API's (see ``validate``)."""

    epoch_count: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    max_prompt_length: int | None = None
    training_sample_per_prompt: int | None = None
    inference_max_tokens: int | None = None
    reasoning_effort: ReasoningEffort | None = None
    eval_interval: int | None = None

    # Field -> API name of the numeric settings; all of them but learning_rate are positive integers.
    API_NAMES: ClassVar[dict[str, str]] = {
        "epoch_count": "epochCount",
        "batch_size": "batchSize",
        "learning_rate": "learningRate",
        "max_prompt_length": "maxPromptLength",
        "training_sample_per_prompt": "trainingSamplePerPrompt",
        "inference_max_tokens": "inferenceMaxTokens",
        "eval_interval": "evalInterval",
    }
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "epoch_count": (1, 50),
        "batch_size": (16, 512),
        "learning_rate": (1e-7, 1e-3),
        "training_sample_per_prompt": (2, 16),
        "eval_interval": (1, 100),
    }

    def validate(self) -> None:
        for attr, (low, high) in self.RANGES.items():
            value = getattr(self, attr)
            if value is not None:
                v.check_range(f"rft.hyper_parameters.{attr}", value, low, high)
        for attr in self.API_NAMES:
            value = getattr(self, attr)
            if value is not None and attr != "learning_rate":
                v.check_positive_int(f"rft.hyper_parameters.{attr}", value)
        if self.reasoning_effort is not None:
            self._reasoning_effort()

    def _reasoning_effort(self) -> str:
        """The API value of ``reasoning_effort``: a ReasoningEffort, or its value as a string ('high')."""
        effort: Any = self.reasoning_effort
        if isinstance(effort, ReasoningEffort):
            return effort.value
        if isinstance(effort, str) and effort in {e.value for e in ReasoningEffort}:
            return effort
        names = ", ".join(f"ReasoningEffort.{e.name}" for e in ReasoningEffort)
        values = ", ".join(repr(e.value) for e in ReasoningEffort)
        raise v.ValidationError(
            f"Invalid rft.hyper_parameters.reasoning_effort {effort!r}: use {names} (or the API's {values})."
        )

    def to_request(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            api: getattr(self, attr) for attr, api in self.API_NAMES.items() if getattr(self, attr) is not None
        }
        if self.reasoning_effort is not None:
            rendered["reasoningEffort"] = self._reasoning_effort()
        return rendered


@dataclass(frozen=True)
class RftConfig:
    """Reinforcement fine-tuning: a Lambda grader scores each sampled response."""

    grader: lambda_.IFunction
    hyper_parameters: RftHyperParameters = field(default_factory=RftHyperParameters)

    def validate(self) -> None:
        arn = getattr(self.grader, "function_arn", None)
        if not isinstance(arn, str):
            raise v.ValidationError(
                f"Invalid rft.grader {self.grader!r}: expected a lambda.IFunction (lambda.Function.from_function_arn "
                f"imports one by ARN), got {v.type_name(self.grader)}."
            )
        v.check_lambda_arn(arn, "rft.grader")
        v.check_type(
            "rft.hyper_parameters", self.hyper_parameters, RftHyperParameters, "RftHyperParameters(epoch_count=...)"
        )
        self.hyper_parameters.validate()

    def to_request(self) -> dict[str, Any]:
        rft: dict[str, Any] = {"graderConfig": {"lambdaGrader": {"lambdaArn": self.grader.function_arn}}}
        hyper = self.hyper_parameters.to_request()
        if hyper:
            rft["hyperParameters"] = hyper
        return {"rftConfig": rft}


class Completion:
    """When CloudFormation considers the job resource created."""

    def __init__(self, mode: str, timeout: Duration | None = None, timeout_seconds: int | None = None):
        self.mode = mode
        self.timeout = timeout
        self.timeout_seconds = timeout_seconds
        """Whole seconds of ``timeout``, read once here (each job that shares this Completion asks nothing)."""

    @staticmethod
    def submitted() -> Completion:
        """As soon as Bedrock accepted the job (the default): the deploy does not wait for training."""
        return Completion("submitted")

    MIN_WAIT_SECONDS: ClassVar[int] = 60
    MAX_WAIT_SECONDS: ClassVar[int] = 43200

    @staticmethod
    def wait(timeout: Duration) -> Completion:
        """When the job has ended: Completed makes ``custom_model_arn`` and the losses available to other
        resources; Failed, Stopped or no end within ``timeout`` (1 minute to 12 hours, a CloudFormation wait
        condition's limit) fails the deploy, and the rollback stops the job."""
        with v.reported_at("Completion.wait"):
            return Completion._wait(timeout)

    @staticmethod
    def _wait(timeout: Duration) -> Completion:
        if not isinstance(timeout, Duration):
            raise v.ValidationError(
                f"Invalid completion timeout {timeout!r}: pass a Duration, e.g. Completion.wait(Duration.hours(8))."
            )
        seconds: int | None = None
        if not timeout.is_unresolved():
            millis = timeout.to_milliseconds()
            seconds = -(-int(millis) // 1000)
            if not Completion.MIN_WAIT_SECONDS * 1000 <= millis <= Completion.MAX_WAIT_SECONDS * 1000:
                raise v.ValidationError(
                    f"Invalid completion timeout {timeout.to_human_string()}: Completion.wait(timeout=...) must be "
                    "between 1 minute and 12 hours (a CloudFormation wait condition waits at most 43200 seconds); "
                    "for longer jobs use Completion.submitted() and watch the job instead."
                )
        return Completion("wait", timeout, seconds)

    @property
    def waits(self) -> bool:
        return self.mode == "wait"

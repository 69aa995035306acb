"""What a file must hold: the customization type, the model (and a distillation's teacher), the file's role.

The rules come from the model catalogue; this module only combines them for one file: the formats, the
record-length limits in the order they are reported, and whether a distillation prompt may hold turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .. import catalogue
from ..catalogue import DataFormat, DatasetSpec
from .kinds import ERR, WARN, DatasetRole, Severity

CHARS_PER_TOKEN = 6
"""text-ft: "Use approximately 6 characters per token to estimate the number of tokens"."""


@dataclass(frozen=True)
class LengthRule:
    """A record longer than ``chars`` characters is reported with this severity, limit and source."""

    chars: int
    severity: Severity
    tokens: int
    chars_per_token: int
    source: str
    training: bool
    """A training limit of the model (else the inference context the model id states)."""


@dataclass(frozen=True)
class Expectation:
    """What a file must hold, derived from the customization type, the model and the data set's role."""

    customization_type: str
    model_id: str | None
    role: DatasetRole
    spec: DatasetSpec
    family_name: str | None
    model_name: str | None
    max_record_tokens: int | None
    length_rules: tuple[LengthRule, ...] = ()
    teacher_model_id: str | None = None
    multi_turn: bool | None = True
    """Distillation: may a prompt hold several user turns (None: the catalogue cannot tell)."""
    turn_note: str = ""

    @property
    def formats(self) -> tuple[DataFormat, ...]:
        return self.spec.formats

    @property
    def assistant_reply_required(self) -> bool:
        return self.spec.reply_required

    @property
    def what(self) -> str:
        model = self.family_name or self.model_id
        return f"{model} {self.customization_type}" if model else self.customization_type


def expectation(
    customization_type: str | Enum,
    model_id: str | None,
    role: DatasetRole = DatasetRole.TRAINING,
    teacher_model_id: str | None = None,
) -> Expectation:
    kind = str(customization_type.value if isinstance(customization_type, Enum) else customization_type)
    entry = catalogue.model_entry(model_id)
    spec = catalogue.dataset_spec(kind, model_id)
    multi_turn, note = _turns(kind, model_id, teacher_model_id)
    rules = _length_rules(spec, model_id)
    tokens = min((rule.tokens for rule in rules if rule.chars_per_token == CHARS_PER_TOKEN), default=None)
    return Expectation(
        customization_type=kind,
        model_id=model_id,
        role=role,
        spec=spec,
        family_name=entry.data_family if entry else None,
        model_name=entry.name if entry else None,
        max_record_tokens=tokens,
        length_rules=rules,
        teacher_model_id=teacher_model_id,
        multi_turn=multi_turn,
        turn_note=note,
    )


def _length_rules(spec: DatasetSpec, model_id: str | None) -> tuple[LengthRule, ...]:
    """Errors before warnings, then by length: the first rule a record breaks is the one reported."""
    rules: list[LengthRule] = []
    limit = spec.record_tokens
    if limit is not None:
        severity = ERR if limit.hard else WARN
        rules.append(
            LengthRule(limit.value * CHARS_PER_TOKEN, severity, limit.value, CHARS_PER_TOKEN, limit.source, True)
        )
        stricter = spec.record_tokens_chars_per_token
        if stricter is not None and stricter < CHARS_PER_TOKEN:
            rules.append(LengthRule(limit.value * stricter, WARN, limit.value, stricter, limit.source, True))
    context = catalogue.context_tokens(model_id)
    if context is not None and (limit is None or context < limit.value):
        rules.append(LengthRule(context * CHARS_PER_TOKEN, WARN, context, CHARS_PER_TOKEN, "text-ft", False))
    rules.sort(key=lambda rule: (rule.severity is not ERR, rule.chars))
    return tuple(rules)


def _turns(kind: str, student: str | None, teacher: str | None) -> tuple[bool | None, str]:
    """distill-prompts: single-turn prompts for Anthropic and Meta Llama models, multi-turn for Amazon Nova."""
    if kind != catalogue.DISTILLATION:
        return True, ""
    models = [(who, model, catalogue.provider(model)) for who, model in (("student", student), ("teacher", teacher))]
    single = [
        f"the {who} {model}" for who, model, found in models if found is not None and not found.distillation_multi_turn
    ]
    if single:
        return False, f"Anthropic and Meta Llama models ({' and '.join(single)})"
    if all(found is not None for _, _, found in models):
        return True, ""
    unknown = " and ".join(f"the {who}" for who, _, found in models if found is None)
    return None, (
        f"multi-turn prompts work only when teacher and student are Amazon Nova models, and {unknown} "
        "is not known here."
    )

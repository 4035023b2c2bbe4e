"""Hints for the assistant on a business support request: which channels may fit the applicant.

Pure (no I/O except reading the rules file, no aiogram). The rules are dated data in
``data/business_rules.yaml`` so they can change on a date without a code change and old hints
stay explainable. They are hints ("may be eligible; check"), never decisions: the assistant
confirms with the bank or fund. Age and gender come from the user row, not from questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from bot.flows.conditions import Expr, ExpressionError, compile_expr
from bot.flows.model import LocalizedText
from bot.services.eligibility import Institution
from bot.services.yaml_files import describe, read_yaml

__all__ = [
    "BUSINESS_CHANNELS",
    "DEFAULT_BUSINESS_RULES_PATH",
    "PERSON_NAMES",
    "BusinessChannel",
    "BusinessRules",
    "BusinessRulesConfigError",
    "Hint",
    "channel_label",
    "default_business_rules",
    "hints",
    "load_business_rules",
    "parse_business_rules",
]

DEFAULT_BUSINESS_RULES_PATH = Path(__file__).parent / "data" / "business_rules.yaml"

BusinessChannel = Literal[
    "family_business_loan",
    "employment_fund_subsidy",
    "farmers_fund",
    "ayollar_daftari",
    "yoshlar_daftari",
]
#: The order hints are reported in, whatever the YAML order.
BUSINESS_CHANNELS: tuple[str, ...] = get_args(BusinessChannel)
#: Names every rule may use besides the inputs: they come from the user row, not the answers.
PERSON_NAMES: tuple[str, ...] = ("age", "gender")

_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_FEMALE = frozenset({"f", "female", "w", "woman"})
_MALE = frozenset({"m", "male", "man"})


class BusinessRulesConfigError(ValueError):
    """The rules file is missing, unreadable or invalid; start-up should stop with this line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelInfo(_Strict):
    """How a channel is named and which institution acts on it (as in roadmap steps)."""

    institution: Institution
    label: LocalizedText


class HintRule(_Strict):
    """One dated rule: from ``valid_from`` to ``valid_to`` (inclusive), hint when ``when`` holds."""

    id: str = Field(pattern=_ID_PATTERN)
    channel: BusinessChannel
    valid_from: date
    valid_to: date | None = None
    when: str = Field(min_length=1)
    reason: LocalizedText

    @model_validator(mode="after")
    def _dates_in_order(self) -> HintRule:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"rule {self.id!r}: valid_to {self.valid_to} is before valid_from {self.valid_from}"
            )
        return self

    def in_force(self, on: date) -> bool:
        """Whether the rule applies on ``on``."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class BusinessRules(_Strict):
    """The whole rules file, validated, with every condition compiled against known names."""

    updated: date
    inputs: list[str] = Field(min_length=1)
    channels: dict[BusinessChannel, ChannelInfo]
    rules: list[HintRule] = Field(default_factory=list)

    _exprs: dict[str, Expr] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_and_compile(self) -> BusinessRules:
        bad = [name for name in self.inputs if not re.match(_ID_PATTERN, name)]
        if bad:
            raise ValueError(f"invalid input ids: {', '.join(bad)}")
        duplicates = sorted({n for n in self.inputs if self.inputs.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate input ids: {', '.join(duplicates)}")
        clash = [name for name in PERSON_NAMES if name in self.inputs]
        if clash:
            raise ValueError(f"inputs must not redefine {', '.join(clash)} (from the user row)")
        missing = [c for c in BUSINESS_CHANNELS if c not in self.channels]
        if missing:
            raise ValueError(f"channels missing a label: {', '.join(missing)}")
        rule_ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in rule_ids if rule_ids.count(i) > 1})
        if repeated:
            raise ValueError(f"duplicate rule ids: {', '.join(repeated)}")
        known = [*self.inputs, *PERSON_NAMES]
        exprs: dict[str, Expr] = {}
        for rule in self.rules:
            try:
                exprs[rule.id] = compile_expr(rule.when, known)
            except ExpressionError as exc:
                raise ValueError(f"rule {rule.id!r}: when: {exc}") from exc
        self._exprs = exprs
        return self

    def rules_on(self, on: date) -> list[HintRule]:
        """The rules in force on ``on``, in file order."""
        return [rule for rule in self.rules if rule.in_force(on)]


@dataclass(frozen=True, slots=True)
class Hint:
    """A channel the applicant may be eligible for, and why; for the assistant to check."""

    channel: str
    institution: str
    label: dict[str, str]
    reason: dict[str, str]
    rule: str


def parse_business_rules(raw: Any, source: str = "<business rules>") -> BusinessRules:
    """Validate already-parsed YAML; any problem becomes one :class:`BusinessRulesConfigError`."""
    if not isinstance(raw, Mapping):
        raise BusinessRulesConfigError(f"{source}: expected a mapping at the top level")
    try:
        return BusinessRules.model_validate(dict(raw))
    except ValidationError as exc:
        problems = "; ".join(describe(err) for err in exc.errors(include_url=False))
        raise BusinessRulesConfigError(f"{source}: invalid business rules: {problems}") from None


def load_business_rules(path: str | Path | None = None) -> BusinessRules:
    """Read and validate a rules file (default: the bundled ``data/business_rules.yaml``)."""
    source = Path(path) if path is not None else DEFAULT_BUSINESS_RULES_PATH
    raw = read_yaml(source, BusinessRulesConfigError, "rules")
    return parse_business_rules(raw, str(source))


@cache
def default_business_rules() -> BusinessRules:
    """The bundled rules, loaded once per process."""
    return load_business_rules()


def _age(birth_year: int | None, on: date) -> int | None:
    """The age reached in ``on``'s year; None when the birth year is unknown or impossible."""
    if not isinstance(birth_year, int) or isinstance(birth_year, bool):
        return None
    age = on.year - birth_year
    return age if 0 <= age <= 130 else None


def _gender(gender: str | None) -> str | None:
    """'f' / 'm' from the stored value (registration stores 'f' or 'm'); None when unknown."""
    if not isinstance(gender, str):
        return None
    folded = gender.strip().casefold()
    if folded in _FEMALE:
        return "f"
    if folded in _MALE:
        return "m"
    return None


def hints(
    answers: Mapping[str, Any],
    *,
    birth_year: int | None,
    gender: str | None,
    on: date,
    rules: BusinessRules | None = None,
) -> list[Hint]:
    """Channels the applicant may be eligible for on ``on``, one per channel, in channel order.

    ``answers`` is the business.v1 result (skipped or hidden questions may be missing or None).
    """
    rules = rules if rules is not None else default_business_rules()
    day = on.date() if isinstance(on, datetime) else on
    values: dict[str, Any] = {name: answers.get(name) for name in rules.inputs}
    values["age"] = _age(birth_year, day)
    values["gender"] = _gender(gender)
    found: dict[str, Hint] = {}
    for rule in rules.rules_on(day):
        if rule.channel in found or not rules._exprs[rule.id].test(values):
            continue
        info = rules.channels[rule.channel]
        found[rule.channel] = Hint(
            channel=rule.channel,
            institution=info.institution,
            label=info.label.model_dump(),
            reason=rule.reason.model_dump(),
            rule=rule.id,
        )
    return [found[channel] for channel in BUSINESS_CHANNELS if channel in found]


def channel_label(channel: str, locale: str, rules: BusinessRules | None = None) -> str:
    """A channel's name in ``locale`` (for lists that show channels without a hint)."""
    rules = rules if rules is not None else default_business_rules()
    return rules.channels[channel].label.get(locale)  # type: ignore[index]

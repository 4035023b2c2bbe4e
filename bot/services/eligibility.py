"""Household eligibility: income per person, poverty category and support channels.

Pure functions over questionnaire answers (no I/O except reading the rules file, no aiogram), so
the rules can be tested case by case and changed as data in ``data/eligibility.yaml``.

How the category is decided (docs/PRODUCT.md, "Facts"):

* ``income_per_person`` = floor(``income_3m`` ÷ ``members`` ÷ 3), whole so'm. The category
  compares this whole-so'm figure, so what the citizen and assistant see is what was compared.
  Missing, negative or non-numeric income or members (or members < 1) → ``None`` and no category.
* ``mcs`` = the MCS entry in force on the given date (the latest ``from`` not after it). A date
  before the earliest entry raises :class:`NoMcsForDate`: guessing an older MCS would misclassify.
* **Able to work** (``able_workers``): members of working age without a disability, estimated as
  ``members - children - pensioners - disabled`` and never fewer than the members reported as
  able-bodied without work (``unemployed``), never below 0. Members working abroad count, since
  the questionnaire asks to include them in ``members``.
* **Breadwinner lost**: the answer ``breadwinner_lost`` is yes (the main earner died or, through
  serious illness, can no longer work).
* red = income per person < MCS and (``able_workers == 0`` or breadwinner lost);
  yellow = < MCS otherwise; green = MCS ≤ income per person ≤ 1.5 × MCS; above that no category.

The red condition, the green factor, the computed values and each channel's condition live in
the YAML as expressions of ``bot.flows.conditions``; they are compiled once when rules load.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.flows.conditions import Expr, ExpressionError, compile_expr
from bot.flows.model import LocalizedText
from bot.services.yaml_files import describe, read_yaml

DEFAULT_RULES_PATH = Path(__file__).parent / "data" / "eligibility.yaml"

Category = Literal["red", "yellow", "green"]
Institution = Literal[
    "bank",
    "employment_fund",
    "farmers_fund",
    "ayollar_daftari",
    "yoshlar_daftari",
    "social_protection",
    "health",
    "education",
    "khokimiyat",
    "other",
]
ChannelId = Literal[
    "family_business_loan",
    "employment_fund_subsidy",
    "farmers_fund",
    "ayollar_daftari",
    "yoshlar_daftari",
    "social_protection",
    "vocational_training",
    "public_works",
    "health_referral",
    "housing_help",
]

#: The order channels and roadmap steps are reported in, whatever the YAML order.
CHANNEL_IDS: tuple[str, ...] = get_args(ChannelId)
CATEGORIES: tuple[str, ...] = get_args(Category)
INSTITUTIONS: tuple[str, ...] = get_args(Institution)
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: Names every expression may use besides the declared inputs and computed ids.
_BUILTIN_NAMES = ("income_per_person", "mcs")


class EligibilityConfigError(ValueError):
    """The rules file is missing, unreadable or invalid; start-up should stop with this line."""


class NoMcsForDate(LookupError):
    """No MCS entry is in force on the requested date (it is before the earliest entry)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class McsEntry(_Strict):
    """One MCS value and the date from which it applies."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    valid_from: date = Field(alias="from")
    amount: PositiveInt
    note: str | None = None


class IncomeSpec(_Strict):
    """Which answers hold the income total and household size, and how many months it covers."""

    total: str = Field(pattern=_ID_PATTERN)
    members: str = Field(pattern=_ID_PATTERN)
    months: PositiveInt


class ComputedValue(_Strict):
    """A value derived from the answers before the category is decided."""

    id: str = Field(pattern=_ID_PATTERN)
    expr: str = Field(min_length=1)


class CategoryRules(_Strict):
    """When a household below the MCS is red, and where green ends."""

    red_when: str = Field(min_length=1)
    green_max_factor: float = Field(gt=1)
    labels: dict[Category, LocalizedText]

    @field_validator("labels")
    @classmethod
    def _all_labels(cls, labels: dict[str, LocalizedText]) -> dict[str, LocalizedText]:
        missing = [c for c in CATEGORIES if c not in labels]
        if missing:
            raise ValueError(f"missing labels for categories: {', '.join(missing)}")
        return labels


class ChannelRule(_Strict):
    """A support channel: when the household may be eligible and the roadmap step it suggests."""

    when: str = Field(min_length=1)
    institution: Institution
    label: LocalizedText
    action: LocalizedText


class EligibilityRules(_Strict):
    """The whole rules file, validated, with every expression compiled against known names."""

    updated: date
    mcs: list[McsEntry] = Field(min_length=1)
    income: IncomeSpec
    inputs: list[str] = Field(min_length=1)
    computed: list[ComputedValue] = Field(default_factory=list)
    categories: CategoryRules
    institutions: dict[Institution, LocalizedText]
    channels: dict[ChannelId, ChannelRule]

    _computed_exprs: list[tuple[str, Expr]] = PrivateAttr(default_factory=list)
    _red_expr: Expr | None = PrivateAttr(default=None)
    _channel_exprs: dict[str, Expr] = PrivateAttr(default_factory=dict)

    @field_validator("mcs")
    @classmethod
    def _mcs_dates_increase(cls, entries: list[McsEntry]) -> list[McsEntry]:
        for earlier, later in itertools.pairwise(entries):
            if later.valid_from <= earlier.valid_from:
                raise ValueError(
                    f"entries must be in increasing date order; {later.valid_from} "
                    f"follows {earlier.valid_from}"
                )
        return entries

    @field_validator("inputs")
    @classmethod
    def _inputs_are_ids(cls, inputs: list[str]) -> list[str]:
        bad = [name for name in inputs if not re.match(_ID_PATTERN, name)]
        if bad:
            raise ValueError(f"invalid input ids: {', '.join(bad)}")
        dup = sorted({name for name in inputs if inputs.count(name) > 1})
        if dup:
            raise ValueError(f"duplicate input ids: {', '.join(dup)}")
        return inputs

    @model_validator(mode="after")
    def _complete_and_compile(self) -> EligibilityRules:
        missing_channels = [c for c in CHANNEL_IDS if c not in self.channels]
        if missing_channels:
            raise ValueError(f"channels missing a rule: {', '.join(missing_channels)}")
        missing_inst = [i for i in INSTITUTIONS if i not in self.institutions]
        if missing_inst:
            raise ValueError(f"institutions missing a label: {', '.join(missing_inst)}")
        for name in (self.income.total, self.income.members):
            if name not in self.inputs:
                raise ValueError(f"income uses {name!r}, which is not listed in inputs")

        known: list[str] = [*self.inputs, *_BUILTIN_NAMES]
        clash = [n for n in _BUILTIN_NAMES if n in self.inputs]
        if clash:
            raise ValueError(f"inputs must not redefine built-in names: {', '.join(clash)}")
        computed_exprs: list[tuple[str, Expr]] = []
        for item in self.computed:
            if item.id in known or item.id == "category":
                raise ValueError(f"computed id {item.id!r} is already defined")
            computed_exprs.append((item.id, _compile(item.expr, known, f"computed {item.id}")))
            known.append(item.id)
        red_expr = _compile(self.categories.red_when, known, "categories.red_when")
        known.append("category")
        channel_exprs = {
            cid: _compile(self.channels[cid].when, known, f"channels.{cid}.when")
            for cid in CHANNEL_IDS
        }
        self._computed_exprs = computed_exprs
        self._red_expr = red_expr
        self._channel_exprs = channel_exprs
        return self

    def mcs_on(self, on: date) -> int:
        """The MCS in force on ``on``; raises :class:`NoMcsForDate` before the first entry."""
        day = on.date() if isinstance(on, datetime) else on
        current: McsEntry | None = None
        for entry in self.mcs:
            if entry.valid_from <= day:
                current = entry
            else:
                break
        if current is None:
            first = self.mcs[0].valid_from
            raise NoMcsForDate(
                f"no MCS configured for {day.isoformat()}: the earliest entry is from "
                f"{first.isoformat()}"
            )
        return current.amount

    def category_label(self, category: str) -> dict[str, str]:
        """The category's name in every locale."""
        return self.categories.labels[category].model_dump()  # type: ignore[index]

    def channel_label(self, channel: str) -> dict[str, str]:
        """The channel's name in every locale."""
        return self.channels[channel].label.model_dump()  # type: ignore[index]

    def institution_label(self, institution: str) -> dict[str, str]:
        """The institution's name in every locale."""
        return self.institutions[institution].model_dump()  # type: ignore[index]


def _compile(text: str, known: Sequence[str], where: str) -> Expr:
    """Compile one rule expression, naming the rule in the error so the YAML is easy to fix."""
    try:
        return compile_expr(text, known)
    except ExpressionError as exc:
        raise ValueError(f"{where}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RoadmapSuggestion:
    """One suggested roadmap step: which institution acts and what it does, and why."""

    institution: str
    action: dict[str, str]
    channel: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the service concludes from one household's answers on one date."""

    income_per_person: int | None
    mcs: int
    category: Literal["red", "yellow", "green"] | None
    channels: list[str] = field(default_factory=list)
    roadmap: list[RoadmapSuggestion] = field(default_factory=list)


def load_rules(path: str | Path | None = None) -> EligibilityRules:
    """Read and validate a rules file; any problem becomes one :class:`EligibilityConfigError`."""
    source = Path(path) if path is not None else DEFAULT_RULES_PATH
    raw = read_yaml(source, EligibilityConfigError, "rules")
    if not isinstance(raw, dict):
        raise EligibilityConfigError(f"{source}: expected a mapping at the top level")
    try:
        return EligibilityRules.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors(include_url=False))
        raise EligibilityConfigError(f"{source}: invalid eligibility rules: {problems}") from exc


def _describe(error: Mapping[str, Any]) -> str:
    """One validation problem as "where: what", calling an unexpected mapping key an unknown id."""
    loc = [str(part) for part in error["loc"]]
    if loc and loc[-1] == "[key]":
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{'.'.join(loc[:-1])}: unknown id ({message})"
    return describe(error)


@cache
def default_rules() -> EligibilityRules:
    """The bundled rules, loaded once per process."""
    return load_rules()


def income_per_person(answers: Mapping[str, Any], spec: IncomeSpec) -> int | None:
    """Monthly income per person in whole so'm (rounded down), or None when it cannot be known."""
    total = _number(answers.get(spec.total))
    members = _number(answers.get(spec.members))
    if total is None or members is None or total < 0 or members < 1:
        return None
    return math.floor(total / (members * spec.months))


def _number(value: Any) -> Fraction | None:
    """An exact number from an answer; booleans and text are not numbers here."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(str(value))
    return None


def assess(
    answers: Mapping[str, Any], on: date, rules: EligibilityRules | None = None
) -> Assessment:
    """Category, eligible channels and suggested roadmap for one household on date ``on``."""
    rules = rules if rules is not None else default_rules()
    mcs = rules.mcs_on(on)
    ipp = income_per_person(answers, rules.income)

    values: dict[str, Any] = {name: answers.get(name) for name in rules.inputs}
    values["income_per_person"] = ipp
    values["mcs"] = mcs
    for name, expr in rules._computed_exprs:
        values[name] = expr.evaluate(values)

    red_expr = rules._red_expr
    if red_expr is None:  # pragma: no cover - only for rules built without validation
        raise EligibilityConfigError("eligibility rules were not validated")
    category: Literal["red", "yellow", "green"] | None = None
    if ipp is not None:
        if ipp < mcs:
            category = "red" if bool(red_expr.evaluate(values)) else "yellow"
        elif ipp <= Fraction(str(rules.categories.green_max_factor)) * mcs:
            category = "green"
    values["category"] = category

    channels = [cid for cid in CHANNEL_IDS if bool(rules._channel_exprs[cid].evaluate(values))]
    roadmap = [
        RoadmapSuggestion(
            institution=rules.channels[cid].institution,  # type: ignore[index]
            action=rules.channels[cid].action.model_dump(),  # type: ignore[index]
            channel=cid,
        )
        for cid in channels
    ]
    return Assessment(
        income_per_person=ipp, mcs=mcs, category=category, channels=channels, roadmap=roadmap
    )

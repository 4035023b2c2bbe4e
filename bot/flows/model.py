"""Pydantic models of a questionnaire definition (docs/flow-format.md) and their validation.

Definitions are written by hand in YAML by several people, so the models are strict: unknown keys,
wrong types, missing translations and expressions that name unknown or later ids are all rejected
when the definitions are loaded, with a message that names the question. Compiled expressions are
kept on the models so that the engine never parses text at run time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

from bot.flows.conditions import RESERVED_NAMES, Expr, ExpressionError, compile_expr

__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_MAX_LENGTH",
    "LOCALES",
    "NUMERIC_TYPES",
    "YEAR_MIN",
    "Choice",
    "ComputedValue",
    "FlowDefinition",
    "Locale",
    "LocalizedText",
    "Question",
    "QuestionType",
]

Locale = Literal["uz", "uz_Cyrl", "ru"]
LOCALES: tuple[Locale, ...] = ("uz", "uz_Cyrl", "ru")

QuestionType = Literal["single", "multi", "integer", "decimal", "text", "yesno", "year", "phone"]
CHOICE_TYPES: frozenset[str] = frozenset({"single", "multi"})
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "decimal", "year"})

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
CHOICE_ID_PATTERN = r"^[a-z0-9_]+$"
DEFAULT_MAX_LENGTH = 500
YEAR_MIN = 1900

NonEmptyText = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[StrictStr, StringConstraints(pattern=ID_PATTERN)]
ChoiceId = Annotated[StrictStr, StringConstraints(pattern=CHOICE_ID_PATTERN)]
Number = StrictInt | StrictFloat

_STRICT = ConfigDict(extra="forbid", frozen=True)


def fold_label(text: str) -> str:
    """Case-, apostrophe- and spacing-insensitive form of a label, for matching typed answers."""
    text = text.casefold()
    text = re.sub(r"['`´ʹʻʼʽʾʿˈˊˋ‘’‚‛′‵＇]", "", text)
    return " ".join(text.split()).strip(" .!?")


class LocalizedText(BaseModel):
    """A text in all three languages the bot speaks; none may be missing or empty."""

    model_config = _STRICT

    uz: NonEmptyText
    uz_Cyrl: NonEmptyText
    ru: NonEmptyText

    def get(self, locale: str) -> str:
        """Text in ``locale``; an unknown locale falls back to Uzbek Latin, the default."""
        if locale == "uz_Cyrl":
            return self.uz_Cyrl
        if locale == "ru":
            return self.ru
        return self.uz

    def all(self) -> tuple[str, str, str]:
        """All three versions, for matching input typed in any language."""
        return (self.uz, self.uz_Cyrl, self.ru)


class Choice(BaseModel):
    """One option of a single/multi question."""

    model_config = _STRICT

    id: ChoiceId
    text: LocalizedText


class Question(BaseModel):
    """One question; type-specific settings are checked against ``type``."""

    model_config = _STRICT

    id: Identifier
    type: QuestionType
    section: NonEmptyText | None = None
    text: LocalizedText
    hint: LocalizedText | None = None
    error: LocalizedText | None = None
    required: StrictBool = True
    show_if: NonEmptyText | None = None
    min: Number | None = None
    max: Number | None = None
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None
    min_choices: Annotated[StrictInt, Field(ge=0)] | None = None
    max_choices: Annotated[StrictInt, Field(ge=1)] | None = None
    choices: list[Choice] | None = None
    # Photos or PDF documents of papers may follow the answer (see docs/flow-format.md).
    attachments: StrictBool = False

    _condition: Expr | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_type_settings(self) -> Question:
        kind = self.type
        if kind in CHOICE_TYPES:
            if not self.choices:
                raise ValueError(f"a {kind} question needs a non-empty 'choices' list")
            ids = [choice.id for choice in self.choices]
            duplicates = sorted({choice_id for choice_id in ids if ids.count(choice_id) > 1})
            if duplicates:
                raise ValueError(f"duplicate choice id(s): {', '.join(duplicates)}")
            for locale in LOCALES:
                labels = [fold_label(choice.text.get(locale)) for choice in self.choices]
                same = sorted({label for label in labels if labels.count(label) > 1})
                if same:
                    raise ValueError(f"choices share the {locale} label(s): {', '.join(same)}")
        elif self.choices is not None:
            raise ValueError(f"'choices' is only allowed for single and multi, not {kind}")

        if kind not in NUMERIC_TYPES and (self.min is not None or self.max is not None):
            raise ValueError(
                f"'min'/'max' are only allowed for integer, decimal and year, not {kind}"
            )
        if kind in ("integer", "year"):
            for key in ("min", "max"):
                if isinstance(getattr(self, key), float):
                    raise ValueError(f"'{key}' of an {kind} question must be a whole number")
        if kind in NUMERIC_TYPES:
            low, high = self.min_value, self.max_value
            if low is not None and high is not None and low > high:
                raise ValueError(f"min ({low}) is greater than max ({high})")

        if kind != "text" and self.max_length is not None:
            raise ValueError(f"'max_length' is only allowed for text, not {kind}")

        if kind != "multi" and (self.min_choices is not None or self.max_choices is not None):
            raise ValueError(f"'min_choices'/'max_choices' are only allowed for multi, not {kind}")
        if kind == "multi":
            if self.choices_max > len(self.choices or ()):
                raise ValueError(
                    f"max_choices ({self.choices_max}) is more than the "
                    f"{len(self.choices or ())} choices"
                )
            if self.choices_min > self.choices_max:
                raise ValueError(
                    f"min_choices ({self.choices_min}) is greater than "
                    f"max_choices ({self.choices_max})"
                )
        return self

    @property
    def condition(self) -> Expr | None:
        """Compiled ``show_if`` (set when the whole definition is validated)."""
        return self._condition

    @property
    def min_value(self) -> int | float | None:
        """Effective lower bound: years default to 1900."""
        if self.min is None and self.type == "year":
            return YEAR_MIN
        return self.min

    @property
    def max_value(self) -> int | float | None:
        """Effective upper bound: years default to the current year (read now, not at load)."""
        if self.max is None and self.type == "year":
            return dt.date.today().year
        return self.max

    @property
    def length_limit(self) -> int:
        """Effective ``max_length`` of a text answer."""
        return self.max_length if self.max_length is not None else DEFAULT_MAX_LENGTH

    @property
    def choices_min(self) -> int:
        """Effective ``min_choices``: 1 when required, 0 when optional."""
        if self.min_choices is not None:
            return self.min_choices
        return 1 if self.required else 0

    @property
    def choices_max(self) -> int:
        """Effective ``max_choices``: all of them by default."""
        if self.max_choices is not None:
            return self.max_choices
        return len(self.choices or ())

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, or None."""
        for choice in self.choices or ():
            if choice.id == choice_id:
                return choice
        return None

    def choice_ids(self) -> list[str]:
        """Choice ids in definition order."""
        return [choice.id for choice in self.choices or ()]


class ComputedValue(BaseModel):
    """A value derived from the answers (e.g. income per person), stored with the result."""

    model_config = _STRICT

    id: Identifier
    expr: NonEmptyText

    _expression: Expr | None = PrivateAttr(default=None)

    @property
    def expression(self) -> Expr:
        """Compiled ``expr`` (set when the whole definition is validated)."""
        if self._expression is None:  # pragma: no cover - only if built outside FlowDefinition
            raise RuntimeError(f"computed {self.id!r} was not validated as part of a definition")
        return self._expression


class FlowDefinition(BaseModel):
    """One version of one questionnaire."""

    model_config = _STRICT

    id: Identifier
    version: Annotated[StrictInt, Field(ge=1)]
    title: LocalizedText
    questions: Annotated[list[Question], Field(min_length=1)]
    computed: list[ComputedValue] = Field(default_factory=list)
    _exact_from: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def exact_from(self) -> frozenset[str]:
        """Questions from which on the remaining count is certain: no later question's
        show_if reads (directly or through computed values) this or a later answer."""
        return self._exact_from

    @model_validator(mode="after")
    def _check_names_and_expressions(self) -> FlowDefinition:
        seen: set[str] = set()
        for item in [*self.questions, *self.computed]:
            what = "question" if isinstance(item, Question) else "computed"
            if item.id in seen:
                raise ValueError(f"{what} {item.id!r}: the id is used more than once")
            if item.id in RESERVED_NAMES:
                raise ValueError(f"{what} {item.id!r}: the id is a reserved word")
            seen.add(item.id)

        question_ids = [question.id for question in self.questions]
        all_ids = set(question_ids) | {item.id for item in self.computed}

        # Computed values first: show_if may use those that depend only on earlier questions.
        depends_on: dict[str, set[str]] = {}
        for index, item in enumerate(self.computed):
            known = set(question_ids) | {earlier.id for earlier in self.computed[:index]}
            expression = _compile(item.expr, known, all_ids, f"computed {item.id!r}: expr")
            item._expression = expression
            questions_used = {name for name in expression.names if name not in depends_on}
            for name in expression.names & depends_on.keys():
                questions_used |= depends_on[name]
            depends_on[item.id] = questions_used

        for index, question in enumerate(self.questions):
            if question.show_if is None:
                continue
            earlier = set(question_ids[:index])
            usable = {cid for cid, used in depends_on.items() if used <= earlier}
            where = f"question {question.id!r}: show_if"
            question._condition = _compile(question.show_if, earlier | usable, all_ids, where)

        reads = {  # conditional question -> the question ids its show_if reads
            q.id: set().union(*(depends_on.get(name, {name}) for name in q._condition.names))
            for q in self.questions
            if q._condition is not None
        }
        self._exact_from = frozenset(
            qid
            for index, qid in enumerate(question_ids)
            if not any(
                reads.get(later, set()) & set(question_ids[index:])
                for later in question_ids[index:]
            )
        )
        return self

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        for question in self.questions:
            if question.id == question_id:
                return question
        return None


def _compile(text: str, known: set[str], all_ids: set[str], where: str) -> Expr:
    try:
        return compile_expr(text, known)
    except ExpressionError as exc:
        message = str(exc)
        if exc.name is not None and exc.name in all_ids:
            message = (
                f"{exc.name!r} cannot be used here: only earlier questions and computed values "
                "that depend only on earlier questions can be"
            )
        raise ValueError(f"{where}: {message}") from None


def describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Readable path of a validation error, naming questions and choices by id."""
    parts: list[str] = []
    node: Any = raw
    index = 0
    while index < len(loc):
        key = loc[index]
        if key in ("questions", "computed", "choices") and index + 1 < len(loc):
            position = loc[index + 1]
            item = _item(node, key, position)
            label = {"questions": "question", "computed": "computed", "choices": "choice"}[key]
            item_id = item.get("id") if isinstance(item, dict) else None
            parts.append(f"{label} {item_id!r}" if item_id else f"{label} #{int(position) + 1}")
            node = item
            index += 2
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
        index += 1
    return ": ".join(parts)


def _item(node: Any, key: str, position: int | str) -> Any:
    items = node.get(key) if isinstance(node, dict) else None
    if isinstance(items, list) and isinstance(position, int) and 0 <= position < len(items):
        return items[position]
    return None

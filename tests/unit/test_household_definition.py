"""The household questionnaire definition: it loads, speaks three languages and has a sane length."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.engine import AttachStep, Engine, FlowState, QuestionStep, SummaryStep
from bot.flows.loader import DEFAULT_DIRECTORY, load_definitions
from bot.flows.model import FlowDefinition, Question
from bot.services.eligibility import assess

DEFINITION_FILE = Path(DEFAULT_DIRECTORY) / "household.v1.yaml"
LOCALES = ("uz", "uz_Cyrl", "ru")
SHORTEST_MIN = 12
LONGEST_MAX = 40

Answerer = Callable[[Question], Any]


@pytest.fixture(scope="module")
def definition() -> FlowDefinition:
    return load_definitions().get("household", 1)


@pytest.fixture(scope="module")
def engine(definition: FlowDefinition) -> Engine:
    return Engine(definition)


def walk(engine: Engine, answer_for: Answerer) -> tuple[list[str], dict[str, Any]]:
    """Drive the engine like a user would; returns the questions asked and the result."""
    state: FlowState = engine.start()
    asked: list[str] = []
    for _ in range(200):
        step = engine.step(state)
        if isinstance(step, AttachStep):  # papers offered: none
            state = engine.finish_attachments(state)
            continue
        if isinstance(step, SummaryStep):
            return asked, engine.result(state)
        assert isinstance(step, QuestionStep)
        question = step.question
        asked.append(question.id)
        value = answer_for(question)
        if value is None:
            state = engine.skip(state)
        elif question.type in ("single", "yesno"):
            choice = value if question.type == "single" else ("yes" if value else "no")
            state = engine.answer_choice(state, choice)
        elif question.type == "multi":
            for choice_id in value:
                state = engine.toggle(state, choice_id)
            state = engine.done(state)
        else:
            state = engine.answer_text(state, str(value), "uz")
    raise AssertionError("the questionnaire did not reach the summary")


def scripted(answers: dict[str, Any], default: Answerer) -> Answerer:
    return lambda question: answers[question.id] if question.id in answers else default(question)


def fail(question: Question) -> Any:
    raise AssertionError(f"unexpected question {question.id!r}")


def texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every localized text of the raw YAML: any mapping that has one of the locale keys."""
    if isinstance(node, dict):
        if any(locale in node for locale in LOCALES):
            yield path, node
            return
        for key, value in node.items():
            yield from texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            label = value.get("id", index) if isinstance(value, dict) else index
            yield from texts(value, f"{path}[{label}]")


# ----------------------------------------------------------------------------- loading and texts


def test_definition_loads(definition: FlowDefinition) -> None:
    assert (definition.id, definition.version) == ("household", 1)
    assert [item.id for item in definition.computed] == ["income_per_person", "able_workers"]


def test_every_text_has_three_non_empty_locales() -> None:
    raw = yaml.safe_load(DEFINITION_FILE.read_text(encoding="utf-8"))
    found = list(texts(raw))
    assert len(found) > 100
    for path, text in found:
        assert set(text) == set(LOCALES), path
        for locale in LOCALES:
            assert isinstance(text[locale], str) and text[locale].strip(), f"{path}.{locale}"


def test_uzbek_spelling_uses_the_official_letters() -> None:
    raw = yaml.safe_load(DEFINITION_FILE.read_text(encoding="utf-8"))
    for path, localized in texts(raw):
        # {min} and {max} in an error text are filled in with the limits, not shown.
        text = {k: re.sub(r"\{(?:min|max)\}", "", v) for k, v in localized.items()}
        latin, cyrillic = text["uz"], text["uz_Cyrl"]
        # Oʻ and gʻ take U+02BB, the tutuq belgisi U+02BC; no ASCII or typographic quotes.
        assert not re.search(r"['‘’`]", latin), f"{path}.uz: {latin}"
        assert not re.search(r"[а-яёўғқҳА-ЯЁЎҒҚҲ]", latin), f"{path}.uz: {latin}"
        assert not re.search(r"[A-Za-z]", cyrillic), f"{path}.uz_Cyrl: {cyrillic}"
        assert not re.search(r"['‘’`ʻʼ]", cyrillic), f"{path}.uz_Cyrl: {cyrillic}"
        assert not re.search(r"[A-Za-z]", text["ru"]), f"{path}.ru: {text['ru']}"


def test_every_question_type_is_used(definition: FlowDefinition) -> None:
    used = {question.type for question in definition.questions}
    assert {"single", "multi", "integer", "decimal", "text", "yesno"} <= used
    optional = {q.type for q in definition.questions if not q.required}
    assert {"integer", "decimal", "text"} <= optional


def test_numbers_have_limits_an_example_and_an_error_text(definition: FlowDefinition) -> None:
    for question in definition.questions:
        if question.type not in ("integer", "decimal"):
            continue
        assert question.min is not None and question.max is not None, question.id
        assert question.error is not None, question.id
        assert question.hint is not None, question.id
        assert "Masalan:" in question.hint.uz and "Например:" in question.hint.ru, question.id
        # The error says the range, so the citizen knows exactly what to type: written out, or
        # as {min} and {max}, filled in grouped as numbers are shown elsewhere.
        for locale in LOCALES:
            error = question.error.get(locale)
            assert str(question.min) in error or "{min}" in error, (question.id, locale)
            assert str(question.max) in error or "{max}" in error, (question.id, locale)


# ----------------------------------------------------------------------------- path lengths


SHORTEST = {
    # One working adult, nothing needed: every module stays hidden.
    "members": 1,
    "children": 0,
    "pensioners": 0,
    "disabled": 0,
    "unemployed": 0,
    "breadwinner_lost": False,
    "income_3m": "6 000 000",
    "income_sources": ["wage"],
    "plot_sotix": None,
    "housing": "good",
    "business_interest": False,
    "woman_needs_support": False,
    "youth_idle": 0,
    "health_need": False,
    "comment": None,
}

LONGEST = {
    "members": 6,
    "children": 2,
    "pensioners": 1,
    "disabled": 1,
    "unemployed": 2,
    "breadwinner_lost": False,
    "income_3m": 4500000,  # 4,500,000 / 6 / 3 = 250,000 a person
    "income_sources": ["remittance", "farming"],
    "migrants_abroad": 1,
    "plot_sotix": "2,5",
    "housing": "needs_repair",
    "business_interest": True,
    "woman_needs_support": True,
    "youth_idle": 1,
    "health_need": True,
    "job_who": ["son", "daughter"],
    "job_skills": ["sewing", "cooking"],
    "job_train": True,
    "job_kind": "any",
    "business_sector": "sewing",
    "business_experience": "some",
    "business_support": ["loan", "equipment"],
    "business_amount": 30000000,
    "plot_use": "vegetables",
    "plot_help": ["seedlings", "greenhouse"],
    "receives_benefits": False,
    "wants_registry": True,
    "women_situation": ["unemployed"],
    "women_help": ["job", "training"],
    "youth_education": "college",
    "youth_wants": ["job"],
    "health_needs": ["medicines"],
    "health_note": "Onamga dori kerak",
    "housing_problems": ["roof"],
    "comment": "Kechqurun uydamiz",
}


def test_shortest_path(engine: Engine) -> None:
    asked, _result = walk(engine, scripted(SHORTEST, fail))
    assert asked == list(SHORTEST)
    assert SHORTEST_MIN <= len(asked) == 15


def test_longest_path(engine: Engine, definition: FlowDefinition) -> None:
    asked, result = walk(engine, scripted(LONGEST, fail))
    assert asked == [question.id for question in definition.questions]
    assert len(asked) == 35 <= LONGEST_MAX
    assert result["plot_sotix"] == 2.5
    assert result["income_per_person"] == 250_000
    assert result["able_workers"] == 2  # max(6 - 2 - 1 - 1, 2, 0)


def random_answer(rng: random.Random) -> Answerer:
    def answer(question: Question) -> Any:
        if not question.required and rng.random() < 0.3:
            return None
        kind = question.type
        if kind == "yesno":
            return rng.random() < 0.5
        if kind == "single":
            return rng.choice(question.choice_ids())
        if kind == "multi":
            count = rng.randint(max(1, question.choices_min), question.choices_max)
            return rng.sample(question.choice_ids(), count)
        if kind == "integer":
            low, high = int(question.min_value or 0), int(question.max_value or 0)
            return rng.choice(
                [low, min(low + 1, high), high, rng.randint(low, max(low, min(high, 10)))]
            )
        if kind == "decimal":
            low, high = float(question.min_value or 0), float(question.max_value or 0)
            return rng.choice([low, high, round(rng.uniform(low, min(high, 20)), 1)])
        return "Matn"

    return answer


def test_every_random_path_stays_within_the_limits(engine: Engine) -> None:
    rng = random.Random(20250101)
    lengths = set()
    for _ in range(100):
        asked, result = walk(engine, random_answer(rng))
        assert SHORTEST_MIN <= len(asked) <= LONGEST_MAX, asked
        lengths.add(len(asked))
        # Every finished questionnaire can be assessed.
        assess(result, date(2025, 6, 1))
    assert min(lengths) >= 15 and max(lengths) <= 35


# ----------------------------------------------------------------------------- end to end


def test_finished_questionnaire_feeds_the_assessment(engine: Engine) -> None:
    _asked, result = walk(engine, scripted(LONGEST, fail))
    assessment = assess(result, date(2025, 6, 1))
    # 250,000 < 669,000 and two adults able to work → yellow.
    assert (assessment.income_per_person, assessment.category) == (250_000, "yellow")
    assert assessment.channels == [
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

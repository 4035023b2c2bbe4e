"""Job, internship and business request definitions and the occupation list they share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.engine import YES_NO_LABELS, AnswerError, AttachStep, Engine, FlowState, SummaryStep
from bot.flows.loader import DEFAULT_DIRECTORY, FlowRegistry, load_definitions
from bot.flows.model import FlowDefinition, Locale, Question
from bot.flows.telegram import error_text
from bot.i18n import fmt_number
from bot.services import occupations
from bot.services.business_hints import default_business_rules, hints
from bot.services.matching import KINDS, TRAVEL_RANGES, request_from_answers
from bot.services.occupations import OccupationsConfigError, label, load_occupations

FLOWS = ("job", "internship", "business")
LOCALES: tuple[Locale, ...] = ("uz", "uz_Cyrl", "ru")


@pytest.fixture(scope="module")
def registry() -> FlowRegistry:
    return load_definitions()


def definition(registry: FlowRegistry, flow_id: str) -> FlowDefinition:
    return registry.get(flow_id, 1)


# ----------------------------------------------------------------------------- occupations


def test_occupation_list_is_curated_and_complete() -> None:
    items = load_occupations()
    assert 20 <= len(items) <= 40
    ids = [item.id for item in items]
    assert len(set(ids)) == len(ids)
    for item in items:
        assert re.fullmatch(r"[a-z_]+", item.id) and len(item.id) <= 20, item.id
        for locale in LOCALES:
            assert item.label.get(locale).strip(), (item.id, locale)
    # The common occupations the brief names are all there.
    for expected in ("tailor", "builder", "driver", "salesperson", "farming", "livestock", "cook"):
        assert expected in ids
    for expected in ("it", "teacher", "health_worker", "electrician", "plumber", "car_mechanic"):
        assert expected in ids
    for expected in ("welder", "accountant", "call_centre", "childcare", "textile_worker"):
        assert expected in ids


def test_occupation_labels() -> None:
    assert label("tailor", "uz") == "Tikuvchi"
    assert label("tailor", "uz_Cyrl") == "Тикувчи"
    assert label("security", "ru") == "Охранник"
    assert label("teacher", "xx") == "Oʻqituvchi"  # unknown locale → Uzbek Latin
    assert occupations.occupation_ids()[0] == "tailor"
    with pytest.raises(KeyError):
        label("astronaut", "uz")


def _write(tmp_path: Path, items: list[dict[str, Any]]) -> Path:
    path = tmp_path / "occupations.yaml"
    path.write_text(yaml.safe_dump({"occupations": items}, allow_unicode=True), encoding="utf-8")
    return path


LABEL = {"uz": "Tikuvchi", "uz_Cyrl": "Тикувчи", "ru": "Швея"}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"id": "tailor", "label": LABEL}, {"id": "tailor", "label": LABEL}], "duplicate"),
        ([{"id": "tailor", "label": {**LABEL, "ru": " "}}], "ru"),
        ([{"id": "tailor", "label": {"uz": "a", "uz_Cyrl": "б"}}], "ru"),
        ([{"id": "Tailor", "label": LABEL}], "id"),
        ([{"id": "a" * 21, "label": LABEL}], "id"),
        ([{"id": "other", "label": LABEL}], "reserved"),
        ([], "occupations"),
    ],
)
def test_bad_occupation_files_are_rejected(
    tmp_path: Path, items: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(OccupationsConfigError, match=message):
        load_occupations(_write(tmp_path, items))


def test_missing_occupation_file(tmp_path: Path) -> None:
    with pytest.raises(OccupationsConfigError, match="cannot read"):
        load_occupations(tmp_path / "nope.yaml")


# ----------------------------------------------------------------------------- definitions


def test_each_definition_loads(registry: FlowRegistry) -> None:
    for flow_id in FLOWS:
        loaded = definition(registry, flow_id)
        assert (loaded.id, loaded.version) == (flow_id, 1)
        assert registry.latest(flow_id) is loaded
    assert [q.id for q in definition(registry, "job").questions] == [
        "occupation",
        "occupation_other",
        "education",
        "experience_years",
        "work_kind",
        "travel",
        "expected_pay",
        "available_from",
    ]
    assert [q.id for q in definition(registry, "internship").questions] == [
        "field",
        "field_other",
        "study_status",
        "institution",
        "duration",
        "work_kind",
    ]
    assert [q.id for q in definition(registry, "business").questions] == [
        "idea",
        "sector",
        "has_land",
        "amount_needed",
        "own_contribution",
        "support_wanted",
        "experience",
        "has_job",
        "low_income",
    ]


@pytest.mark.parametrize(
    ("flow_id", "question_id"), [("job", "occupation"), ("internship", "field")]
)
def test_occupation_choices_mirror_the_occupation_list(
    registry: FlowRegistry, flow_id: str, question_id: str
) -> None:
    question = definition(registry, flow_id).question(question_id)
    assert question is not None and question.choices is not None
    items = load_occupations()
    assert question.choice_ids() == [item.id for item in items] + ["other"]
    for choice, item in zip(question.choices, items, strict=False):
        assert choice.text == item.label, choice.id


def test_choice_sets_agree_with_the_rest_of_the_service(registry: FlowRegistry) -> None:
    job, internship = definition(registry, "job"), definition(registry, "internship")
    for flow in (job, internship):
        work_kind = flow.question("work_kind")
        assert work_kind is not None and work_kind.choice_ids() == list(KINDS)
    travel = job.question("travel")
    assert travel is not None and travel.choice_ids() == list(TRAVEL_RANGES)
    education = job.question("education")
    assert education is not None
    assert education.choice_ids() == ["none", "school", "college", "bachelor", "master"]
    business = definition(registry, "business")
    sector, support = business.question("sector"), business.question("support_wanted")
    assert sector is not None and support is not None
    assert sector.choice_ids() == [
        "trade", "services", "manufacturing", "farming", "livestock", "crafts", "it", "tourism", "other"
    ]  # fmt: skip
    assert support.choice_ids() == ["loan", "subsidy", "training", "equipment", "land"]
    duration = internship.question("duration")
    assert duration is not None and duration.choice_ids() == ["month_1", "month_3", "month_6"]


def test_business_rule_inputs_are_business_questions(registry: FlowRegistry) -> None:
    question_ids = {q.id for q in definition(registry, "business").questions}
    assert set(default_business_rules().inputs) <= question_ids


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
            name = value.get("id", index) if isinstance(value, dict) else index
            yield from texts(value, f"{path}[{name}]")


@pytest.mark.parametrize(
    "path",
    [
        *(Path(DEFAULT_DIRECTORY) / f"{flow_id}.v1.yaml" for flow_id in FLOWS),
        occupations.DEFAULT_OCCUPATIONS_PATH,
    ],
    ids=lambda p: p.name,
)
def test_texts_use_three_locales_and_official_spelling(path: Path) -> None:
    found = list(texts(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert len(found) > 20
    for where, text in found:
        assert set(text) == set(LOCALES), where
        # {min} and {max} in an error text are filled in with the limits, not shown.
        latin, cyrillic, russian = (
            re.sub(r"\{(?:min|max)\}", "", text[locale]) for locale in ("uz", "uz_Cyrl", "ru")
        )
        assert all(isinstance(t, str) and t.strip() for t in (latin, cyrillic, russian)), where
        # Oʻ and gʻ take U+02BB, the tutuq belgisi U+02BC; no ASCII or typographic quotes.
        assert not re.search(r"['‘’`]", latin), f"{where}.uz: {latin}"
        assert not re.search(r"[а-яёўғқҳА-ЯЁЎҒҚҲ]", latin), f"{where}.uz: {latin}"
        assert not re.search(r"[A-Za-z'‘’`ʻʼ]", cyrillic), f"{where}.uz_Cyrl: {cyrillic}"
        assert not re.search(r"[A-Za-z]", russian), f"{where}.ru: {russian}"


@pytest.mark.parametrize("flow_id", FLOWS)
def test_integers_have_limits_an_example_and_an_error_text(
    registry: FlowRegistry, flow_id: str
) -> None:
    for question in definition(registry, flow_id).questions:
        if question.type != "integer":
            continue
        assert question.min is not None and question.max is not None, question.id
        assert question.hint is not None and question.error is not None, question.id
        assert "Masalan:" in question.hint.uz and "Например:" in question.hint.ru, question.id
        for locale in LOCALES:  # the limits written out, or {min} and {max} filled in grouped
            error = question.error.get(locale)
            assert str(question.min) in error or "{min}" in error, (question.id, locale)
            assert str(question.max) in error or "{max}" in error, (question.id, locale)


# ----------------------------------------------------------------------------- walking


def typed(question: Question, value: Any, locale: Locale) -> str:
    """What a person would type in ``locale`` for the answer ``value``."""
    if question.type == "single":
        choice = question.choice(value)
        assert choice is not None, (question.id, value)
        return choice.text.get(locale)
    if question.type == "multi":
        labels = []
        for choice_id in value:
            choice = question.choice(choice_id)
            assert choice is not None, (question.id, choice_id)
            labels.append(choice.text.get(locale))
        return ", ".join(labels)
    if question.type == "yesno":
        return YES_NO_LABELS[bool(value)].get(locale)
    if question.type == "integer":
        return f"{value:,}".replace(",", " ")  # "1 500 000", as people write it
    return str(value)


def walk(engine: Engine, answers: dict[str, Any], locale: Locale) -> tuple[list[str], dict]:
    """Type every answer in ``locale`` (None = Skip); returns the questions asked and the result."""
    state: FlowState = engine.start()
    asked: list[str] = []
    for _ in range(50):
        step = engine.step(state)
        if isinstance(step, AttachStep):  # papers offered: none
            state = engine.finish_attachments(state)
            continue
        if isinstance(step, SummaryStep):
            return asked, engine.result(state)
        question = step.question
        asked.append(question.id)
        assert question.id in answers, f"unexpected question {question.id!r}"
        value = answers[question.id]
        if value is None:
            state = engine.skip(state)
        else:
            state = engine.answer_text(state, typed(question, value, locale), locale)
    raise AssertionError("the flow did not reach the summary")


JOB = {
    "occupation": "tailor",
    "education": "college",
    "experience_years": 5,
    "work_kind": "part_time",
    "travel": "own_district",
    "expected_pay": 2_500_000,
    "available_from": "now",
}
JOB_OTHER = {
    **JOB,
    "occupation": "other",
    "occupation_other": "Mebel yigʻuvchi",
    "expected_pay": None,
    "travel": "anywhere",
}
INTERNSHIP = {
    "field": "accountant",
    "study_status": "student",
    "institution": "Toshkent moliya instituti",
    "duration": "month_3",
    "work_kind": "any",
}
INTERNSHIP_OTHER = {**INTERNSHIP, "field": "other", "field_other": "Dizayn", "duration": "month_6"}
BUSINESS = {
    "idea": "Uyda tikuv sexi",
    "sector": "manufacturing",
    "amount_needed": 30_000_000,
    "own_contribution": 5_000_000,
    "support_wanted": ["loan", "equipment"],
    "experience": "y1_3",
    "has_job": False,
    "low_income": True,
}
BUSINESS_FARM = {
    **BUSINESS,
    "sector": "livestock",
    "has_land": True,
    "own_contribution": None,
    "support_wanted": ["subsidy", "land"],
    "experience": "over_3y",
}


@pytest.mark.parametrize("locale", ["ru", "uz_Cyrl", "uz"])
@pytest.mark.parametrize(
    ("flow_id", "answers", "hidden"),
    [
        ("job", JOB, {"occupation_other"}),
        ("job", JOB_OTHER, set()),
        ("internship", INTERNSHIP, {"field_other"}),
        ("internship", INTERNSHIP_OTHER, set()),
        ("business", BUSINESS, {"has_land"}),
        ("business", BUSINESS_FARM, set()),
    ],
)
def test_flows_walk_with_typed_answers(
    registry: FlowRegistry,
    flow_id: str,
    answers: dict[str, Any],
    hidden: set[str],
    locale: Locale,
) -> None:
    flow = definition(registry, flow_id)
    asked, result = walk(Engine(flow), answers, locale)
    assert asked == [q.id for q in flow.questions if q.id not in hidden]
    assert result == {qid: value for qid, value in answers.items() if qid not in hidden}


def test_a_job_result_becomes_a_matching_request(registry: FlowRegistry) -> None:
    _asked, result = walk(Engine(definition(registry, "job")), JOB, "ru")
    request = request_from_answers(7, 70, result, district="1703202", mahalla="M1")
    assert (request.occupation, request.kind, request.travel) == (
        "tailor",
        "part_time",
        "own_district",
    )
    _asked, result = walk(Engine(definition(registry, "internship")), INTERNSHIP, "uz_Cyrl")
    request = request_from_answers(8, 80, result, district="1703202", mahalla="M1")
    assert (request.occupation, request.kind, request.travel) == (
        "accountant",
        "any",
        "own_district",
    )


def test_a_business_result_feeds_the_hints(registry: FlowRegistry) -> None:
    _asked, result = walk(Engine(definition(registry, "business")), BUSINESS_FARM, "uz")
    found = hints(result, birth_year=1999, gender="f", on=date(2025, 6, 1))
    assert [hint.channel for hint in found] == [
        "employment_fund_subsidy",
        "farmers_fund",
        "ayollar_daftari",
        "yoshlar_daftari",
    ]


def answered_up_to(engine: Engine, answers: dict[str, Any], target: str) -> FlowState:
    """A state whose current question is ``target``, reached by button-like answers."""
    state = engine.start()
    for _ in range(50):
        step = engine.step(state)
        assert not isinstance(step, SummaryStep), f"{target!r} was never asked"
        if isinstance(step, AttachStep):
            state = engine.finish_attachments(state)
            continue
        question = step.question
        if question.id == target:
            return state
        state = engine.answer_text(state, typed(question, answers[question.id], "uz"), "uz")
    raise AssertionError("too many questions")


INTEGER_QUESTIONS = [
    ("job", JOB, "experience_years"),
    ("job", JOB, "expected_pay"),
    ("business", BUSINESS, "amount_needed"),
    ("business", BUSINESS, "own_contribution"),
]


def test_every_integer_question_is_covered(registry: FlowRegistry) -> None:
    listed = {(flow_id, qid) for flow_id, _answers, qid in INTEGER_QUESTIONS}
    present = {
        (flow_id, q.id)
        for flow_id in FLOWS
        for q in definition(registry, flow_id).questions
        if q.type == "integer"
    }
    assert listed == present


@pytest.mark.parametrize(("flow_id", "answers", "question_id"), INTEGER_QUESTIONS)
@pytest.mark.parametrize("locale", ["ru", "uz_Cyrl"])
def test_bad_integer_input_gives_the_question_error(
    registry: FlowRegistry,
    flow_id: str,
    answers: dict[str, Any],
    question_id: str,
    locale: Locale,
) -> None:
    engine = Engine(definition(registry, flow_id))
    state = answered_up_to(engine, answers, question_id)
    question = engine.question(question_id)
    assert question is not None and question.error is not None
    low, high = int(question.min_value or 0), int(question.max_value or 0)
    bad = ["abc", "много", str(low - 1), str(high + 1), "2.5", "12 34"]
    for text in bad:
        with pytest.raises(AnswerError) as caught:
            engine.answer_text(state, text, locale)
        assert caught.value.custom == question.error, text
        assert caught.value.code in ("not_a_number", "integer_range"), text
        shown = error_text(caught.value, question, locale)  # the limits filled in, grouped
        assert fmt_number(low, locale) in shown and fmt_number(high, locale) in shown, shown
    # The bounds themselves are accepted.
    for text in (str(low), str(high)):
        assert engine.answer_text(state, text, locale).answers[question_id] == int(text)


@pytest.mark.parametrize("locale", ["uz", "ru"])
def test_a_typed_number_at_a_choice_question_is_the_label_not_the_position(
    registry: FlowRegistry, locale: Locale
) -> None:
    """ "3" at the internship duration picks "3 months" (the second button), never the third
    button; a number no label carries is refused, so the user is shown the buttons again."""
    engine = Engine(definition(registry, "internship"))
    state = engine.start()
    for _ in range(10):
        step = engine.step(state)
        assert not isinstance(step, SummaryStep)
        if step.question.id == "duration":
            break
        state = engine.answer_text(
            state, typed(step.question, INTERNSHIP[step.question.id], locale), locale
        )
    assert engine.answer_text(state, "3", locale).answers["duration"] == "month_3"
    assert engine.answer_text(state, "6", locale).answers["duration"] == "month_6"
    with pytest.raises(AnswerError) as refused:
        engine.answer_text(state, "2", locale)
    assert refused.value.code == "choice_unknown"

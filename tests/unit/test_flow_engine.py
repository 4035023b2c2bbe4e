"""The questionnaire engine, driven through tests/unit/flows/demo.v1.yaml like a user would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.flows.engine import (
    AnswerError,
    Engine,
    FlowNotFinishedError,
    FlowState,
    QuestionStep,
    SummaryStep,
)
from bot.flows.loader import load_definitions, parse_definition
from bot.flows.model import FlowDefinition, Locale

DEMO_DIR = Path(__file__).parent / "flows"


@pytest.fixture(scope="module")
def demo() -> FlowDefinition:
    return load_definitions(DEMO_DIR).latest("demo")


@pytest.fixture
def engine(demo: FlowDefinition) -> Engine:
    return Engine(demo)


def ask(engine: Engine, state: FlowState) -> QuestionStep:
    step = engine.step(state)
    assert isinstance(step, QuestionStep), step
    return step


def at(engine: Engine, state: FlowState) -> str | None:
    """Id of the question being asked, None at the summary."""
    step = engine.step(state)
    return step.question.id if isinstance(step, QuestionStep) else None


def path_a(engine: Engine) -> FlowState:
    """Employed, good income, wage only: job asked; looking_since/remittance/benefit hidden."""
    state = engine.start()
    state = engine.answer_text(state, "4", "uz")
    state = engine.answer_choice(state, "yes")
    state = engine.answer_choice(state, "wage")
    state = engine.answer_text(state, "2 000 000", "uz")
    state = engine.toggle(state, "wage")
    state = engine.done(state)
    state = engine.answer_text(state, "90 123 45 67", "uz")
    return engine.skip(state)


def error_of(call: Any, *args: Any) -> AnswerError:
    with pytest.raises(AnswerError) as info:
        call(*args)
    return info.value


def t(word: str) -> dict[str, str]:
    return {"uz": word, "uz_Cyrl": word + " кир", "ru": word + " ру"}


def single_question(**question: Any) -> tuple[Engine, FlowState]:
    """An engine whose only question is ``question``, and its start state."""
    question.setdefault("id", "q")
    question.setdefault("text", t("Q"))
    definition = parse_definition(
        {"id": "one", "version": 1, "title": t("T"), "questions": [question]}
    )
    engine = Engine(definition)
    return engine, engine.start()


def parsed(question: dict[str, Any], text: str, locale: Locale = "uz") -> Any:
    engine, state = single_question(**question)
    return engine.answer_text(state, text, locale).answers["q"]


# --------------------------------------------------------------------------- whole runs


def test_full_run_path_a(engine: Engine) -> None:
    state = engine.start()
    assert state.flow_id == "demo" and state.version == 1
    first = ask(engine, state)
    assert (first.question.id, first.position, first.total) == ("members", 1, 6)
    assert (first.can_back, first.can_skip, first.value) == (False, False, None)

    state = engine.answer_text(state, "4", "uz")
    state = engine.answer_choice(state, "yes")
    step = ask(engine, state)
    assert (step.question.id, step.position, step.total) == ("job", 3, 7)

    state = engine.answer_choice(state, "wage")
    state = engine.answer_text(state, "2 000 000", "uz")
    assert at(engine, state) == "sources"
    state = engine.toggle(state, "wage")
    assert ask(engine, state).selected == ["wage"]
    state = engine.done(state)
    assert at(engine, state) == "phone"  # no remittance, income per person too high for benefit
    state = engine.answer_text(state, "+998 (90) 123-45-67", "uz")
    step = ask(engine, state)
    assert (step.question.id, step.position, step.total, step.can_skip) == ("note", 7, 7, True)
    state = engine.skip(state)

    summary = engine.step(state)
    assert isinstance(summary, SummaryStep)
    assert [item.question.id for item in summary.items] == [
        "members",
        "employed",
        "job",
        "income",
        "sources",
        "phone",
        "note",
    ]
    assert summary.computed == {"income_per_person": 500000.0, "large_family": False}
    assert engine.result(state) == {
        "members": 4,
        "employed": True,
        "job": "wage",
        "income": 2000000.0,
        "sources": ["wage"],
        "phone": "+998901234567",
        "note": None,
        "income_per_person": 500000.0,
        "large_family": False,
    }
    assert state.history == ["members", "employed", "job", "income", "sources", "phone", "note"]


def test_full_run_path_b(engine: Engine) -> None:
    state = engine.start()
    state = engine.answer_text(state, "6", "ru")
    state = engine.answer_text(state, "нет", "ru")
    assert at(engine, state) == "looking_since"
    state = engine.answer_text(state, "2020", "ru")
    state = engine.answer_text(state, "3000,5", "ru")
    state = engine.answer_text(state, "Пенсия, денежные переводы", "ru")
    assert state.answers["sources"] == ["pension", "remittance"]
    assert at(engine, state) == "remittance_country"
    state = engine.answer_text(state, " Rossiya ", "ru")
    step = ask(engine, state)
    assert step.question.id == "benefit"  # 3000.5 / 6 < 1000: uses a computed value
    assert (step.position, step.total) == (7, 9)
    state = engine.answer_choice(state, "no")
    state = engine.answer_text(state, "998901234567", "ru")
    state = engine.answer_text(state, "Izoh", "ru")
    result = engine.result(state)
    assert "job" not in result
    assert result["looking_since"] == 2020
    assert result["remittance_country"] == "Rossiya"
    assert result["benefit"] is False
    assert result["large_family"] is True
    assert result["income_per_person"] == pytest.approx(500.0833, rel=1e-4)


def test_methods_return_new_states_and_never_mutate(engine: Engine) -> None:
    state = engine.start()
    state = engine.answer_text(state, "4", "uz")
    before = state.model_dump()
    after = engine.answer_choice(state, "yes")
    engine.back(state)
    engine.step(state)
    assert state.model_dump() == before
    assert after is not state and after.answers is not state.answers


# --------------------------------------------------------------------------- back


def test_back_at_first_question_stays(engine: Engine) -> None:
    state = engine.start()
    again = engine.back(state)
    assert again.current == "members" and again.answers == {}
    assert ask(engine, again).can_back is False


def test_back_in_the_middle_shows_previous_answer(engine: Engine) -> None:
    state = engine.start()
    state = engine.answer_text(state, "4", "uz")
    state = engine.answer_choice(state, "yes")
    state = engine.answer_choice(state, "farm")
    assert at(engine, state) == "income"
    state = engine.back(state)
    step = ask(engine, state)
    assert (step.question.id, step.value, step.answered, step.can_back) == (
        "job",
        "farm",
        True,
        True,
    )
    state = engine.back(state)
    step = ask(engine, state)
    assert (step.question.id, step.value, step.position) == ("employed", True, 2)
    # Re-answering continues with the first unanswered question, keeping the others.
    state = engine.answer_choice(state, "yes")
    assert at(engine, state) == "income"
    assert state.answers["job"] == "farm"


def test_back_skips_hidden_questions_and_works_from_the_summary(engine: Engine) -> None:
    state = path_a(engine)
    state = engine.back(state)
    assert at(engine, state) == "note"
    state = engine.back(state)
    assert at(engine, state) == "phone"
    state = engine.back(state)
    assert at(engine, state) == "sources"  # remittance_country and benefit are hidden
    assert ask(engine, state).selected == ["wage"]  # the stored answer is preselected


# --------------------------------------------------------------------------- skip


def test_skip_optional_and_required(engine: Engine) -> None:
    state = engine.start()
    error = error_of(engine.skip, state)
    assert (error.code, error.custom) == ("required", None)
    state = path_a(engine)
    assert state.answers["note"] is None
    assert engine.format_value(engine.definition.questions[-1], None, "ru") == "Пропущено"


def test_optional_multi_with_nothing_selected_is_skipped() -> None:
    choices = [{"id": "a", "text": t("A")}, {"id": "b", "text": t("B")}]
    engine, state = single_question(type="multi", required=False, choices=choices)
    assert ask(engine, state).can_skip
    assert engine.done(state).answers["q"] is None
    engine, state = single_question(type="multi", min_choices=0, choices=choices)
    assert engine.done(state).answers["q"] == []


# --------------------------------------------------------------------------- edit


def test_edit_from_summary_reveals_a_new_question(engine: Engine) -> None:
    state = path_a(engine)
    state = engine.edit(state, "employed")
    step = ask(engine, state)
    assert (step.question.id, step.value, step.editing, step.can_back) == (
        "employed",
        True,
        True,
        True,
    )
    state = engine.answer_choice(state, "no")
    assert at(engine, state) == "looking_since"  # newly visible, asked before the summary
    assert state.editing == "employed"
    state = engine.answer_text(state, "2015", "uz")
    assert at(engine, state) is None and state.editing is None
    result = engine.result(state)
    assert "job" not in result and result["looking_since"] == 2015
    assert state.answers["job"] == "wage"  # kept while hidden...

    state = engine.edit(state, "employed")
    state = engine.answer_choice(state, "yes")
    assert at(engine, state) is None  # ...so switching back needs no new answer
    assert engine.result(state)["job"] == "wage"
    assert "looking_since" not in engine.result(state)


def test_edit_multi_reveals_follow_up(engine: Engine) -> None:
    state = path_a(engine)
    state = engine.edit(state, "sources")
    assert ask(engine, state).selected == ["wage"]
    state = engine.toggle(state, "remittance")
    state = engine.done(state)
    assert at(engine, state) == "remittance_country"
    state = engine.answer_text(state, "Qozog‘iston", "uz")
    assert at(engine, state) is None
    assert engine.result(state)["sources"] == ["wage", "remittance"]


def test_back_while_editing_returns_to_the_summary_unchanged(engine: Engine) -> None:
    state = path_a(engine)
    result = engine.result(state)
    state = engine.edit(state, "members")
    state = engine.back(state)
    assert at(engine, state) is None and state.editing is None
    assert engine.result(state) == result


def test_edit_rejects_hidden_or_unknown_questions(engine: Engine) -> None:
    state = path_a(engine)
    assert error_of(engine.edit, state, "looking_since").code == "choice_unknown"
    assert error_of(engine.edit, state, "nope").code == "choice_unknown"


def test_result_only_at_the_summary(engine: Engine) -> None:
    state = engine.start()
    with pytest.raises(FlowNotFinishedError):
        engine.result(state)
    state = engine.back(path_a(engine))
    with pytest.raises(FlowNotFinishedError):
        engine.result(state)


def test_nothing_can_be_answered_at_the_summary(engine: Engine) -> None:
    state = path_a(engine)
    assert error_of(engine.answer_choice, state, "yes").code == "choice_unknown"
    assert error_of(engine.answer_text, state, "4", "uz").code == "choice_unknown"
    assert error_of(engine.skip, state).code == "choice_unknown"


# --------------------------------------------------------------------------- multi


def test_multi_toggle_done_min_max(engine: Engine) -> None:
    state = engine.start()
    state = engine.answer_text(state, "2", "uz")
    state = engine.answer_choice(state, "no")
    state = engine.answer_text(state, "2010", "uz")
    state = engine.answer_text(state, "100", "uz")
    assert at(engine, state) == "sources"
    error = error_of(engine.done, state)
    assert (error.code, error.params) == ("multi_min", {"min": 1})
    state = engine.toggle(state, "other")
    state = engine.toggle(state, "wage")
    assert state.pending == ["wage", "other"]  # kept in definition order
    error = error_of(engine.toggle, state, "pension")
    assert (error.code, error.params) == ("multi_max", {"max": 2})
    state = engine.toggle(state, "other")
    assert state.pending == ["wage"]
    assert error_of(engine.toggle, state, "nope").code == "choice_unknown"
    assert error_of(engine.answer_choice, state, "wage").code == "choice_unknown"
    state = engine.toggle(state, "pension")
    state = engine.done(state)
    assert state.answers["sources"] == ["wage", "pension"] and state.pending == []


def test_toggle_and_done_only_on_multi(engine: Engine) -> None:
    state = engine.start()
    assert error_of(engine.toggle, state, "wage").code == "choice_unknown"
    assert error_of(engine.done, state).code == "choice_unknown"


# --------------------------------------------------------------------------- typed answers


INTEGER = {"type": "integer", "min": -10}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("-5", -5),
        ("1 500 000", 1500000),
        ("1\u00a0500\u00a0000", 1500000),
        ("1\u202f500\u2009000", 1500000),
        ("1,500,000", 1500000),
        ("1.500.000", 1500000),
        ("1'500", 1500),
    ],
)
def test_integer_good(text: str, value: int) -> None:
    assert parsed(INTEGER, text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "not_a_number"),
        ("2.5", "not_a_number"),
        ("1,5", "not_a_number"),
        ("15 00", "not_a_number"),
        ("12a", "not_a_number"),
        ("9" * 30, "not_a_number"),
        ("", "empty"),
        ("-11", "integer_range"),
    ],
)
def test_integer_bad(text: str, code: str) -> None:
    engine, state = single_question(**INTEGER)
    error = error_of(engine.answer_text, state, text, "uz")
    assert error.code == code
    if code == "integer_range":
        assert error.params == {"min": -10, "max": None}


def test_integer_range_in_demo(engine: Engine) -> None:
    state = engine.start()
    for text in ("0", "31"):
        error = error_of(engine.answer_text, state, text, "uz")
        assert (error.code, error.params) == ("integer_range", {"min": 1, "max": 30})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2,5", 2.5),
        ("2.5", 2.5),
        ("1500", 1500.0),
        ("1 500,75", 1500.75),
        ("1,500.75", 1500.75),
        ("1.500,75", 1500.75),
        ("1.500.000", 1500000.0),
        (",5", 0.5),
        ("0", 0.0),
    ],
)
def test_decimal_good(text: str, value: float) -> None:
    result = parsed({"type": "decimal", "min": 0}, text)
    assert result == value and isinstance(result, float)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "not_a_number"),
        ("5,", "not_a_number"),
        ("2..5", "not_a_number"),
        ("1,2,3", "not_a_number"),
        ("nan", "not_a_number"),
        ("inf", "not_a_number"),
        ("-1", "decimal_range"),
        ("100,01", "decimal_range"),
    ],
)
def test_decimal_bad(text: str, code: str) -> None:
    engine, state = single_question(type="decimal", min=0, max=100)
    error = error_of(engine.answer_text, state, text, "uz")
    assert error.code == code


def test_year() -> None:
    this_year = dt.date.today().year
    assert parsed({"type": "year"}, "1990") == 1990
    assert parsed({"type": "year"}, str(this_year)) == this_year
    engine, state = single_question(type="year")
    for text in ("1899", str(this_year + 1)):
        error = error_of(engine.answer_text, state, text, "uz")
        assert (error.code, error.params) == ("year_range", {"min": 1900, "max": this_year})
    assert error_of(engine.answer_text, state, "19a0", "uz").code == "not_a_number"


def test_text() -> None:
    assert parsed({"type": "text", "max_length": 5}, "  salom \n") == "salom"
    engine, state = single_question(type="text", max_length=5)
    assert error_of(engine.answer_text, state, " \n ", "uz").code == "empty"
    error = error_of(engine.answer_text, state, "123456", "uz")
    assert (error.code, error.params) == ("too_long", {"max": 5, "length": 6})
    assert parsed({"type": "text"}, "x" * 500) == "x" * 500
    engine, state = single_question(type="text")
    assert error_of(engine.answer_text, state, "x" * 501, "uz").code == "too_long"


@pytest.mark.parametrize(
    "text",
    [
        "90 123 45 67",
        "+998 (90) 123-45-67",
        "998901234567",
        "+998901234567",
        "901234567",
        "00998901234567",
        "(90) 123 45 67",
    ],
)
def test_phone_good(text: str) -> None:
    assert parsed({"type": "phone"}, text) == "+998901234567"


@pytest.mark.parametrize(
    "text",
    [
        "12345",
        "+7 901 234 56 78",
        "+901234567",
        "phone",
        "998 012345678",
        "9012345678",
        "90 123 45 6x",
    ],
)
def test_phone_bad_uses_the_custom_error(engine: Engine, text: str) -> None:
    state = path_a(engine)
    state = engine.edit(state, "phone")
    error = error_of(engine.answer_text, state, text, "uz")
    assert error.code == "phone_invalid"
    assert error.custom is not None and error.custom.get("ru") == "Неверный номер"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ha", True),
        ("Ha", True),
        ("HA!", True),
        ("xa", True),
        ("Ҳа", True),
        ("ха", True),
        ("да", True),
        ("Да.", True),
        ("yes", True),
        ("1", True),
        ("yo'q", False),
        ("Yoʻq", False),
        ("yoʻq", False),
        ("yoq", False),
        ("йўқ", False),
        ("Йук", False),
        ("нет", False),
        ("no", False),
        ("0", False),
    ],
)
def test_yesno_words_in_three_languages(text: str, value: bool) -> None:
    assert parsed({"type": "yesno"}, text) is value


def test_yesno_bad_and_buttons() -> None:
    engine, state = single_question(type="yesno")
    for text in ("maybe", "2", "haha"):
        assert error_of(engine.answer_text, state, text, "uz").code == "yesno_unknown"
    assert error_of(engine.answer_choice, state, "maybe").code == "choice_unknown"
    assert engine.answer_choice(state, "yes").answers["q"] is True
    assert engine.answer_choice(state, "no").answers["q"] is False


@pytest.mark.parametrize(
    ("text", "locale", "choice"),
    [
        ("Yollanma ish", "uz", "wage"),
        ("yollanma ISH", "ru", "wage"),
        ("Ёлланма иш", "uz", "wage"),
        ("по найму", "uz_Cyrl", "wage"),
        ("O'zini o'zi band qilgan", "uz", "self_employed"),
        ("o`zini  o‘zi band qilgan", "uz", "self_employed"),
        ("ozini ozi band qilgan", "ru", "self_employed"),
        ("Ўзини ўзи банд қилган", "ru", "self_employed"),
        ("САМОЗАНЯТЫЙ", "uz", "self_employed"),
        ("Дехканское хозяйство", "uz", "farm"),
    ],
)
def test_single_choice_by_label_or_number(
    engine: Engine, text: str, locale: Locale, choice: str
) -> None:
    state = engine.answer_choice(engine.answer_text(engine.start(), "4", "uz"), "yes")
    assert engine.answer_text(state, text, locale).answers["job"] == choice


def test_single_choice_bad(engine: Engine) -> None:
    state = engine.answer_choice(engine.answer_text(engine.start(), "4", "uz"), "yes")
    for text in ("0", "2", "3", "4", "boss", "wage"):  # a number is not a button's position
        error = error_of(engine.answer_text, state, text, "uz")
        assert (error.code, error.params) == ("choice_unknown", {"value": text})
    assert error_of(engine.answer_choice, state, "boss").code == "choice_unknown"


def at_sources(engine: Engine) -> FlowState:
    state = engine.start()
    state = engine.answer_text(state, "4", "uz")
    state = engine.answer_choice(state, "yes")
    state = engine.answer_choice(state, "wage")
    state = engine.answer_text(state, "2000000", "uz")
    assert at(engine, state) == "sources"
    return state


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("Ish haqi, Pensiya", "uz", ["wage", "pension"]),
        ("pensiya, ish haqi", "uz", ["wage", "pension"]),
        ("Зарплата; Денежные переводы", "ru", ["wage", "remittance"]),
        ("Иш ҳақи", "uz_Cyrl", ["wage"]),
        ("Pul o‘tkazmalari, ish haqi", "uz", ["wage", "remittance"]),
        ("Ish haqi, Ish haqi", "uz", ["wage"]),
    ],
)
def test_multi_typed(engine: Engine, text: str, locale: Locale, value: list[str]) -> None:
    assert engine.answer_text(at_sources(engine), text, locale).answers["sources"] == value


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("Ish haqi, Pensiya, Pul o‘tkazmalari", "multi_max", {"max": 2}),
        ("1, 3", "choice_unknown", {"value": "1"}),  # numbers are not positions
        ("Ish haqi, foo", "choice_unknown", {"value": "foo"}),
        ("5", "choice_unknown", {"value": "5"}),
        (" , ", "empty", {}),
    ],
)
def test_multi_typed_bad(engine: Engine, text: str, code: str, params: dict[str, Any]) -> None:
    error = error_of(engine.answer_text, at_sources(engine), text, "uz")
    assert error.code == code
    if code == "multi_max":
        assert error.params == params


# --------------------------------------------------------------------------- state


def test_state_json_round_trip_mid_flow(engine: Engine) -> None:
    state = engine.answer_text(at_sources(engine), "Ish haqi, Pensiya", "uz")
    state = engine.back(state)  # back at 'sources', stored answer preselected
    state = engine.toggle(state, "pension")
    assert state.pending == ["wage"]
    restored = FlowState.model_validate_json(state.model_dump_json())
    assert restored == state
    assert engine.step(restored) == engine.step(state)
    # ...and a restored state keeps working.
    restored = engine.toggle(restored, "remittance")
    restored = engine.done(restored)
    restored = FlowState.model_validate_json(restored.model_dump_json())
    assert at(engine, restored) == "remittance_country"
    restored = engine.skip(restored)
    finished = engine.skip(engine.answer_text(restored, "901234567", "uz"))
    assert engine.result(finished)["sources"] == ["wage", "remittance"]
    assert engine.result(finished)["remittance_country"] is None


def test_pending_survives_json(engine: Engine) -> None:
    state = engine.toggle(at_sources(engine), "pension")
    restored = FlowState.model_validate_json(state.model_dump_json())
    assert ask(engine, restored).selected == ["pension"]
    assert engine.done(restored).answers["sources"] == ["pension"]


def test_stale_current_moves_to_the_next_sensible_question(engine: Engine) -> None:
    state = engine.answer_text(engine.start(), "4", "uz")
    stale = state.model_copy(update={"current": "deleted_question", "pending": ["x"]})
    assert at(engine, stale) == "employed"
    assert engine.resume(stale).current == "employed" and engine.resume(stale).pending == []
    assert engine.answer_choice(stale, "yes").current == "job"
    # A question that is hidden now is not asked either.
    hidden = state.model_copy(update={"current": "looking_since"})
    assert at(engine, hidden) == "employed"
    # A finished flow with a stale pointer lands on the summary.
    done = path_a(engine).model_copy(update={"current": "gone", "editing": "gone"})
    assert isinstance(engine.step(done), SummaryStep)
    assert engine.back(done).current == "note"


def test_stale_answers_are_dropped_and_asked_again(engine: Engine) -> None:
    state = path_a(engine)
    answers = dict(state.answers, job="fired", removed_question=1, members="four")
    stale = state.model_copy(update={"answers": answers, "current": None})
    assert at(engine, stale) == "members"
    repaired = engine.answer_text(stale, "3", "uz")
    assert "removed_question" not in repaired.answers
    assert at(engine, repaired) == "job"
    assert engine.answer_choice(repaired, "farm").current is None


def test_state_of_another_flow_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="state of flow 'other'"):
        engine.step(FlowState(flow_id="other", version=1))


def test_visible_follows_answers(engine: Engine) -> None:
    state = engine.start()
    assert [q.id for q in engine.visible(state)] == [
        "members",
        "employed",
        "income",
        "sources",
        "phone",
        "note",
    ]
    state = engine.answer_choice(engine.answer_text(state, "2", "uz"), "no")
    assert "looking_since" in [q.id for q in engine.visible(state)]


# --------------------------------------------------------------------------- display


def test_format_value(engine: Engine, demo: FlowDefinition) -> None:
    q = {question.id: question for question in demo.questions}
    fmt = engine.format_value
    assert [fmt(q["employed"], True, loc) for loc in ("uz", "uz_Cyrl", "ru")] == ["Ha", "Ҳа", "Да"]
    assert [fmt(q["employed"], False, loc) for loc in ("uz", "uz_Cyrl", "ru")] == [
        "Yoʻq",
        "Йўқ",
        "Нет",
    ]
    assert fmt(q["job"], "farm", "ru") == "Дехканское хозяйство"
    assert fmt(q["sources"], ["wage", "pension"], "uz") == "Ish haqi, Pensiya"
    assert fmt(q["members"], 4, "uz") == "4"
    assert fmt(q["income"], 2000000.0, "uz") == "2000000"
    assert fmt(q["income"], 2.5, "uz") == "2.5"
    assert fmt(q["income"], 1500.5, "ru", format_number=lambda v, loc: f"<{v}|{loc}>") == (
        "<1500.5|ru>"
    )
    assert fmt(q["looking_since"], 2020, "uz", format_number=lambda v, loc: "grouped") == "2020"
    assert fmt(q["phone"], "+998901234567", "uz") == "+998901234567"
    assert fmt(q["note"], None, "uz") == "Oʻtkazib yuborildi"

"""The Telegram adapter of the questionnaire engine: rendering, marks, limits, error texts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import QCB, QuestionAction
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, AttachStep, Engine, QuestionStep, SummaryStep
from bot.flows.loader import FlowDefinitionError, load_definitions, parse_definition
from bot.i18n import create_i18n, in_locale


@pytest.fixture(scope="module")
def household() -> Engine:
    return Engine(load_definitions().latest("household"))


@pytest.fixture(autouse=True)
def russian() -> Iterator[None]:
    """gettext needs a locale context, as inside an update."""
    with in_locale(create_i18n(), "ru"):
        yield


def _texts(markup: InlineKeyboardMarkup) -> list[list[str]]:
    return [[button.text for button in row] for row in markup.inline_keyboard]


def _data(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def _loc(text: str) -> dict[str, str]:
    return {"uz": text, "uz_Cyrl": text + " (к)", "ru": text + " (ru)"}


def _definition(questions: list[dict[str, Any]], flow_id: str = "demo") -> Engine:
    return Engine(
        parse_definition(
            {"id": flow_id, "version": 1, "title": _loc("Demo"), "questions": questions}
        )
    )


def _answer_until(engine: Engine, answers: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Drive the engine with typed or button answers until an unlisted question."""
    state = engine.start()
    while True:
        step = engine.step(state)
        if isinstance(step, AttachStep):  # no papers
            state = engine.finish_attachments(state)
            continue
        if isinstance(step, SummaryStep) or step.question.id not in answers:
            return state
        value = answers[step.question.id]
        if step.question.type in ("single", "yesno"):
            state = engine.answer_choice(state, value)
        elif step.question.type == "multi":
            for choice in value:
                state = engine.toggle(state, choice)
            state = engine.done(state)
        elif value is None:
            state = engine.skip(state)
        else:
            state = engine.answer_text(state, str(value), "uz")


def test_first_question_progress_bold_hint_and_navigation(household: Engine) -> None:
    state = household.start()
    text, markup = tg.render_step(household, state, 7, "ru")
    lines = text.splitlines()
    assert lines[0] == "1 / ~15"  # later questions depend on answers: an estimate
    assert lines[1] == "<b>Сколько человек в вашей семье?</b>"
    assert lines[2].startswith("<i>Вместе с вами.")
    assert "Your answer" not in text and "Ваш ответ" not in text
    assert _texts(markup) == [["✖️ Отмена"]]  # no Back on the first question, no Skip (required)
    assert QCB.unpack(_data(markup)[0]) == QCB(draft=7, action=QuestionAction.CANCEL)


def test_exact_total_has_no_tilde() -> None:
    engine = _definition(
        [
            {"id": "a", "type": "integer", "text": _loc("A?")},
            {"id": "b", "type": "integer", "text": _loc("B?"), "show_if": "a > 1"},
            {"id": "c", "type": "text", "text": _loc("C?"), "required": False},
        ]
    )
    first = engine.step(engine.start())
    assert isinstance(first, QuestionStep)
    assert tg.progress_label(first, engine.definition) == "1 / ~2"  # b hidden until a is known
    state = _answer_until(engine, {"a": 5})
    step = engine.step(state)
    assert isinstance(step, QuestionStep) and step.question.id == "b"
    assert tg.progress_label(step, engine.definition) == "2 / 3"  # nothing left depends on b
    state = _answer_until(engine, {"a": 0})
    step = engine.step(state)
    assert isinstance(step, QuestionStep) and step.question.id == "c"
    assert tg.progress_label(step, engine.definition) == "2 / 2"


def test_progress_through_a_computed_condition() -> None:
    engine = Engine(
        parse_definition(
            {
                "id": "demo",
                "version": 1,
                "title": _loc("Demo"),
                "questions": [
                    {"id": "a", "type": "integer", "text": _loc("A?")},
                    {"id": "b", "type": "integer", "text": _loc("B?")},
                    {"id": "c", "type": "yesno", "text": _loc("C?"), "show_if": "twice > 4"},
                ],
                "computed": [{"id": "twice", "expr": "a * 2"}],
            }
        )
    )
    step = engine.step(_answer_until(engine, {"a": 3}))
    assert isinstance(step, QuestionStep) and step.question.id == "b"
    assert tg.progress_label(step, engine.definition) == "2 / 3"  # `twice` reads only `a`
    first = engine.step(engine.start())
    assert isinstance(first, QuestionStep)
    assert "~" in tg.progress_label(first, engine.definition)


def test_single_choice_after_back_is_marked_and_has_skip_when_optional(household: Engine) -> None:
    answers = {
        "members": 4,
        "children": 2,
        "pensioners": 0,
        "disabled": 0,
        "unemployed": 0,
        "breadwinner_lost": "no",
        "income_3m": 6_000_000,
        "income_sources": ["wage"],
        "plot_sotix": None,
        "housing": "needs_repair",
    }
    state = _answer_until(household, answers)
    state = household.back(state)  # to housing, answered
    text, markup = tg.render_step(household, state, 3, "ru")
    rows = _texts(markup)
    assert ["✅ Нужен ремонт"] in rows and ["Хорошее"] in rows
    assert rows[-1] == ["⬅️ Назад", "✖️ Отмена"]
    state = household.back(state)  # plot_sotix: optional, skipped
    text, markup = tg.render_step(household, state, 3, "ru")
    assert _texts(markup)[-1] == ["⬅️ Назад", "⏭ Пропустить", "✖️ Отмена"]
    assert "Ваш ответ: <b>Пропущено</b>" in text
    assert ["➡️ Оставить этот ответ"] in _texts(markup)


def test_yesno_is_two_buttons_and_typed_answer_is_shown(household: Engine) -> None:
    state = _answer_until(
        household,
        {
            "members": 4,
            "children": 1,
            "pensioners": 0,
            "disabled": 0,
            "unemployed": 0,
            "breadwinner_lost": "yes",
        },
    )
    state = household.back(state)
    text, markup = tg.render_step(household, state, 3, "uz")
    assert _texts(markup)[0] == ["✅ Ha", "Yoʻq"]
    state = household.back(state)  # unemployed: typed, answered 0
    text, _markup = tg.render_step(household, state, 3, "ru")
    assert "Ваш ответ: <b>0</b>" in text


def test_multi_toggles_with_marks_and_done(household: Engine) -> None:
    state = _answer_until(
        household,
        {
            "members": 4,
            "children": 1,
            "pensioners": 0,
            "disabled": 0,
            "unemployed": 0,
            "breadwinner_lost": "no",
            "income_3m": 3_000_000,
        },
    )
    state = household.toggle(state, "wage")
    state = household.toggle(state, "remittance")
    _text, markup = tg.render_step(household, state, 3, "ru")
    flat = [b for row in _texts(markup) for b in row]
    assert "✅ Зарплата" in flat and "✅ Деньги от работающих за границей" in flat
    assert "Пенсия или пособие" in flat
    assert "✔️ Готово (2)" in flat
    datas = [QCB.unpack(d) for d in _data(markup)]
    assert QCB(draft=3, action=QuestionAction.TOGGLE, q="income_sources", v="wage") in datas
    assert QCB(draft=3, action=QuestionAction.DONE, q="income_sources") in datas


def test_every_loaded_definition_fits_the_64_byte_callback_limit() -> None:
    flows = load_definitions()
    assert tg.callback_size_problems(flows) == []
    tg.check_callback_sizes(flows)


def test_a_too_long_id_is_reported() -> None:
    long_id = "q" + "x" * 60
    engine = _definition([{"id": long_id, "type": "yesno", "text": _loc("Long?")}])
    problems = tg.callback_size_problems([engine.definition])
    assert problems and long_id in problems[0] and "64" in problems[0]
    with pytest.raises(FlowDefinitionError):
        tg.check_callback_sizes([engine.definition])


def test_callback_data_of_a_real_step_is_within_limit(household: Engine) -> None:
    state = _answer_until(household, {"members": 4})
    _text, markup = tg.render_step(household, state, tg.MAX_DRAFT_ID, "ru")
    assert all(len(d.encode()) <= 64 for d in _data(markup))


def test_summary_lists_escaped_answers_with_babel_numbers_and_buttons(household: Engine) -> None:
    answers = {
        "members": 4,
        "children": 2,
        "pensioners": 0,
        "disabled": 0,
        "unemployed": 0,
        "breadwinner_lost": "no",
        "income_3m": 6_000_000,
        "income_sources": ["wage", "farming"],
        "plot_sotix": 2.5,
        "housing": "good",
        "business_interest": "no",
        "woman_needs_support": "no",
        "youth_idle": 0,
        "health_need": "no",
        "plot_use": "vegetables",
        "plot_help": ["seedlings"],
        "receives_benefits": "yes",
        "comment": "<b>kunduzi</b> & kechqurun",
    }
    state = _answer_until(household, answers)
    step = household.step(state)
    assert isinstance(step, SummaryStep)
    text, markup = tg.render_step(household, state, 9, "ru")
    assert text.startswith("<b>Анкета о нуждах семьи</b>")
    assert "Какой общий доход семьи за последние 3 месяца? <b>6\xa0000\xa0000</b>" in text
    assert "• Сколько соток ваш приусадебный участок (томорка)? <b>2,5</b>" in text
    assert "<b>2,5</b>" in text
    assert "<b>Зарплата, Приусадебный участок, хозяйство</b>" in text
    assert "&lt;b&gt;kunduzi&lt;/b&gt; &amp; kechqurun" in text
    assert "<b>kunduzi" not in text
    assert _texts(markup) == [["✏️ Изменить", "✅ Отправить"], ["✖️ Отмена"]]
    picker_text, picker = tg.edit_picker(step, household, 9, "ru")
    assert picker_text == "Какой ответ хотите изменить?"
    rows = _texts(picker)
    assert len(rows) == len(step.items) + 1
    assert rows[0] == ["1. Сколько человек в вашей семье?"]
    assert all(len(row[0]) <= tg.PICKER_LABEL_CAP for row in rows)
    assert QCB.unpack(_data(picker)[0]) == QCB(
        draft=9, action=QuestionAction.EDIT_QUESTION, q="members"
    )


def _long_flow(count: int, length: int) -> tuple[Engine, Any]:
    questions = [
        {
            "id": f"q{i}",
            "type": "text",
            "max_length": length,
            "text": _loc(f"Question number {i}, asked in a rather wordy way to take up space?"),
        }
        for i in range(count)
    ]
    engine = _definition(questions)
    state = _answer_until(engine, {f"q{i}": ("word " * length)[:length] for i in range(count)})
    return engine, state


def test_long_answers_are_shortened_to_fit_4096() -> None:
    engine, state = _long_flow(20, 500)
    text, _markup = tg.render_step(engine, state, 1, "uz")
    assert len(text) <= tg.TEXT_LIMIT
    assert all(f"Question number {i}," in text for i in range(20))  # every answer still listed
    assert "…" in text


def test_a_huge_summary_is_cut_to_4096() -> None:
    engine, state = _long_flow(90, 500)
    text, _markup = tg.render_step(engine, state, 1, "uz")
    assert len(text) <= tg.TEXT_LIMIT
    assert text.endswith("…")


def test_error_texts_question_own_text_wins(household: Engine) -> None:
    members = household.question("members")
    assert members is not None
    state = household.start()
    with pytest.raises(AnswerError) as caught:
        household.answer_text(state, "45", "ru")
    assert tg.error_text(caught.value, members, "ru") == "Введите целое число от 1 до 30."
    assert tg.error_text(caught.value, members, "uz") == "1 dan 30 gacha butun son kiriting."


@pytest.mark.parametrize(
    ("error", "qtype", "expected"),
    [
        (AnswerError("integer_range", {"min": 1, "max": 1000}), "integer", "от 1 до 1\xa0000"),
        (AnswerError("year_range", {"min": 1900, "max": 2025}), "year", "год от 1900 до 2025"),
        (AnswerError("not_a_number"), "decimal", "2.5"),
        (AnswerError("too_long", {"max": 300, "length": 412}), "text", "300"),
        (AnswerError("multi_max", {"max": 3}), "multi", "не больше 3"),
        (AnswerError("required"), "text", "нельзя пропустить"),
        (AnswerError("choice_unknown", {"value": "x"}), "single", "кнопками"),
    ],
)
def test_default_error_texts(error: AnswerError, qtype: str, expected: str) -> None:
    assert expected in tg.error_text(error, None if qtype == "single" else _q(qtype), "ru")


def _q(qtype: str) -> Any:
    question: dict[str, Any] = {"id": "x", "type": qtype, "text": _loc("X?")}
    if qtype == "multi":
        question["choices"] = [{"id": "a", "text": _loc("A")}]
    return _definition([question]).question("x")


def test_parse_callback() -> None:
    data = QCB(draft=12, action=QuestionAction.CHOOSE, q="housing", v="good").pack()
    assert tg.parse_callback(data) == QCB(
        draft=12, action=QuestionAction.CHOOSE, q="housing", v="good"
    )
    assert tg.parse_callback("q:notanumber:c::") is None
    assert tg.parse_callback("lg:uz") is None
    assert tg.parse_callback(None) is None

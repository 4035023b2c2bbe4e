"""Forgiving input (issue 19, point 5): numbers with units and words, limits, impossible dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.flows import telegram as tg
from bot.flows.answers import parse_answer
from bot.flows.engine import AnswerError, Engine
from bot.flows.loader import load_definitions
from bot.handlers.vacancy_posting import parse_whole
from bot.i18n import create_i18n, in_locale
from bot.services.numbers import parse_number
from bot.services.roadmap import DueDateError, parse_due

# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain, as before
        ("4", 4),
        ("1 500 000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("1\u00a0500\u00a0000", 1_500_000),
        # scale words: Uzbek Latin, Uzbek Cyrillic, Russian
        ("20 mln", 20_000_000),
        ("2,5 mln", 2_500_000),
        ("2.5 mln", 2_500_000),
        ("20mln", 20_000_000),
        ("20 mln soʻm", 20_000_000),
        ("20 mln so'm", 20_000_000),
        ("20 mln so‘m", 20_000_000),
        ("500 ming", 500_000),
        ("500 ming soʻm", 500_000),
        ("1,5 mlrd", 1_500_000_000),
        ("3 million", 3_000_000),
        ("20 млн", 20_000_000),
        ("20 млн сўм", 20_000_000),
        ("500 минг", 500_000),
        ("1,5 млрд", 1_500_000_000),
        ("20 млн", 20_000_000),
        ("20 млн.", 20_000_000),
        ("20 млн сум", 20_000_000),
        ("3 миллиона", 3_000_000),
        ("500 тыс.", 500_000),
        ("500 тысяч", 500_000),
        ("1,5 миллиарда", 1_500_000_000),
        ("1 500 000 сум", 1_500_000),
        ("3000000 soʻm", 3_000_000),
        # units that name what is counted
        ("5 yil", 5),
        ("5 йил", 5),
        ("5 лет", 5),
        ("2 года", 2),
        ("3 kishi", 3),
        ("3 киши", 3),
        ("3 человека", 3),
        ("3 nafar", 3),
        ("3 ta", 3),
        ("3ta", 3),
        ("3 та", 3),
        ("1985 yil", 1985),
        ("1985 г.", 1985),
        # small counts as words
        ("nol", 0),
        ("bir", 1),
        ("bitta", 1),
        ("ikki", 2),
        ("ikkita", 2),
        ("toʻrt", 4),
        ("to'rt", 4),
        ("besh", 5),
        ("Besh kishi", 5),
        ("toʻqqiz", 9),
        ("oʻn", 10),
        ("бир", 1),
        ("икки", 2),
        ("тўрт", 4),
        ("беш", 5),
        ("беш киши", 5),
        ("бешта", 5),
        ("ўн", 10),
        ("ноль", 0),
        ("один", 1),
        ("два", 2),
        ("пять", 5),
        ("Пять человек", 5),
        ("десять", 10),
    ],
)
def test_whole_numbers_as_people_write_them(text: str, expected: int) -> None:
    value = parse_number(text)
    assert value == expected and isinstance(value, int)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2,5", 2.5), ("2.5", 2.5), ("2,5 sotix", 2.5), ("6 соток", 6.0), ("ikki", 2.0)],
)
def test_decimals_as_people_write_them(text: str, expected: float) -> None:
    value = parse_number(text, whole=False)
    assert value == expected and isinstance(value, float)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "ko'p",  # "many"
        "много",
        "2,5",  # a whole number is asked
        "1,2345678 mln",  # not whole: 1 234 567,8
        "20 mln 5",
        "5 yil 3 oy",
        "mln",
        "млн 20",
        "20 kg",  # not a unit that names a count
        "besh yuz",  # only small counts as words
        "12ab",
    ],
)
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3 000 000", 3_000_000), ("3 mln", 3_000_000), ("3 млн сум", 3_000_000), ("besh", 5)],
)
def test_vacancy_steps_read_the_same_way(text: str, expected: int) -> None:
    assert parse_whole(text) == expected


def test_vacancy_steps_refuse_negatives_and_words() -> None:
    assert parse_whole("-5") is None
    assert parse_whole("много") is None


# --------------------------------------------------------------------------- questionnaires


@pytest.fixture(scope="module")
def definitions():  # type: ignore[no-untyped-def]
    return load_definitions()


@pytest.fixture(autouse=True)
def gettext_context() -> Iterator[None]:
    i18n = create_i18n()
    with i18n.context(), in_locale(i18n, "ru"):
        yield


@pytest.mark.parametrize(
    ("flow", "question", "text", "expected"),
    [
        ("business", "amount_needed", "20 млн", 20_000_000),
        ("business", "amount_needed", "2,5 mln", 2_500_000),
        ("business", "amount_needed", "20 mln soʻm", 20_000_000),
        ("business", "amount_needed", "1,5 млрд", 1_500_000_000),
        ("business", "amount_needed", "500 ming", 500_000),
        ("job", "experience_years", "5 йил", 5),
        ("job", "experience_years", "5 yil", 5),
        ("job", "experience_years", "пять лет", 5),
        ("household", "members", "3 kishi", 3),
        ("household", "members", "besh", 5),
        ("household", "members", "беш", 5),
        ("household", "members", "пять", 5),
        ("household", "members", "bir", 1),
        ("household", "members", "один", 1),
    ],
)
def test_questionnaires_understand_them(
    definitions, flow: str, question: str, text: str, expected: int
) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(definitions.latest(flow))
    asked = engine.question(question)
    assert asked is not None
    assert parse_answer(asked, text, "ru") == expected  # the reading, whatever came before


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("uz", "100\u00a0000 dan 5\u00a0000\u00a0000\u00a0000 gacha"),
        ("uz_Cyrl", "100\u00a0000 дан 5\u00a0000\u00a0000\u00a0000 гача"),
        ("ru", "от 100\u00a0000 до 5\u00a0000\u00a0000\u00a0000"),
    ],
)
def test_limits_are_grouped_as_everywhere(definitions, locale: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(definitions.latest("business"))
    question = engine.question("amount_needed")
    assert question is not None
    for typed in ("50", "много"):  # out of range, and not a number at all
        error = AnswerError(
            "integer_range" if typed == "50" else "not_a_number", {}, question.error
        )
        text = tg.error_text(error, question, locale)
        assert expected in text, text
        assert "{" not in text and "5000000000" not in text


# --------------------------------------------------------------------------- dates

TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(
    "text", ["31.02.2027", "29.02.2027", "31.04.2027", "00.05.2027", "12.13.2027"]
)
def test_an_impossible_date_is_told_apart_from_a_badly_written_one(text: str) -> None:
    with pytest.raises(DueDateError) as caught:
        parse_due(text, TODAY)
    assert caught.value.reason == "no_such_date"


@pytest.mark.parametrize("text", ["31 fevral", "завтра", "2027", "31.02"])
def test_a_badly_written_date_is_still_a_format_problem(text: str) -> None:
    with pytest.raises(DueDateError) as caught:
        parse_due(text, TODAY)
    assert caught.value.reason == "format"


def test_a_leap_day_exists() -> None:
    assert parse_due("29.02.2028", TODAY) == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("uz", "Taqvimda bunday sana yoʻq"),
        ("uz_Cyrl", "Тақвимда бундай сана йўқ"),
        ("ru", "Такой даты в календаре нет"),
    ],
)
def test_the_impossible_date_answer_in_three_languages(locale: str, expected: str) -> None:
    from bot.views.texts import no_such_date

    i18n = create_i18n()
    with i18n.context(), in_locale(i18n, locale):
        text = no_such_date(dt.date(2026, 12, 15))
    assert text.startswith(expected) and "15.12.2026" in text

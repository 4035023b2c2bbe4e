"""Forgiving input through the fake Bot API (issue 19, point 5): "20 млн", "5 йил", "besh" are
understood; a refusal shows the limits grouped as everywhere else, with an example."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conversation.test_requests import (
    FLOWS,
    MENU,
    cases_of,
    citizen,
    fill,
    on_screen,
    t,
)

pytestmark = pytest.mark.harness(throttle_rate=100_000)

JOB_CYRL = {
    "occupation": "tailor",
    "education": "school",
    "experience_years": "5 йил",
    "work_kind": "full_time",
    "travel": "own_district",
    "expected_pay": "3 млн сўм",
    "available_from": "now",
}
BUSINESS_RU = {
    "idea": "Швейный цех на дому",
    "sector": "manufacturing",
    "amount_needed": "20 млн",
    "own_contribution": "1,5 млн сум",
    "support_wanted": ["equipment"],
    "experience": "none",
    "has_job": True,
    "low_income": False,
}


@pytest.mark.parametrize(
    ("flow", "locale", "answers", "expected"),
    [
        ("job", "uz_Cyrl", JOB_CYRL, {"experience_years": 5, "expected_pay": 3_000_000}),
        (
            "business",
            "ru",
            BUSINESS_RU,
            {"amount_needed": 20_000_000, "own_contribution": 1_500_000},
        ),
    ],
)
async def test_numbers_with_units_and_scale_words_are_understood(
    harness: Any, flow: str, locale: str, answers: dict[str, Any], expected: dict[str, Any]
) -> None:
    user = await citizen(harness, 8201, locale)
    await user.send(t(harness, MENU[flow], locale))
    asked = await fill(harness, flow, user, locale, answers)
    assert set(asked) == set(answers)  # each asked once: nothing refused
    await user.press(t(harness, "✅ Send", locale))
    (case,) = await cases_of(harness, 8201)
    for key, value in expected.items():
        assert case.answers[key] == value, key


async def test_a_refused_amount_shows_grouped_limits_and_an_example(harness: Any) -> None:
    user = await citizen(harness, 8202, "ru")
    await user.send(t(harness, MENU["business"], "ru"))
    before = {k: v for k, v in BUSINESS_RU.items() if k != "amount_needed"}
    await fill(harness, "business", user, "ru", before)
    assert on_screen(FLOWS.latest("business"), user, "ru") == "amount_needed"
    await user.send("много денег")
    text = user.last.text
    assert text.startswith(
        "⚠️ Введите сумму в сумах, от 100\u00a0000 до 5\u00a0000\u00a0000\u00a0000"
    )
    assert "30 млн" in text
    await user.send("20 млн")
    assert on_screen(FLOWS.latest("business"), user, "ru") != "amount_needed"

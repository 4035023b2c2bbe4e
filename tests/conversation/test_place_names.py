"""Messages that open with a place name start with a capital letter in every language: the
Russian names of cities are written «город Ташкент»."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.flows import press_place

pytestmark = pytest.mark.harness(throttle_rate=1_000)


async def test_a_city_opening_the_district_and_mahalla_lists_is_capitalised(harness: Any) -> None:
    user = harness.user(371, first_name="Ali", language_code="ru")
    await user.send("/start")
    await user.press(next(b for row in user.last.buttons for b in row if b.endswith("Русский")))
    await user.press(user.last.buttons[0][0])  # ✅ I agree
    for answer in ("Али Валиев", "90 123 45 67", "1980", "👨 Мужской"):
        await user.send(answer)
    assert "Выберите область" in user.last.text
    await press_place(harness, user, "Toshkent shahri", "r")
    assert user.last.text.startswith("Город Ташкент: выберите район или город")
    await press_place(harness, user, "Chilonzor tumani", "d")
    assert user.last.text.startswith("Чиланзарский район: выберите махаллю")

"""Conversation helpers that walk a simulated user through whole flows, for any test module.

`register()` costs 11 updates; the default throttle allows 20 per user in 10 seconds, so a
test that then sends many more within seconds may want to override the `harness` fixture
with a higher `throttle_rate`, as tests/conversation/test_registration.py does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from bot.callbacks import PlaceCB
from db.models import District, Mahalla, Region, User


def _buttons(message: Any) -> list[str]:
    return [b for row in message.buttons for b in row] if message is not None else []


async def _place_code(harness: Any, model: Any, name: str) -> str | None:
    """The code of a place named `name` in any of its scripts (buttons show the user's script)."""
    columns = (model.name_uz, model.name_uz_cyrl, model.name_ru)
    async with harness.db() as session:
        place = await session.scalar(select(model).where(or_(*(c == name for c in columns))))
    if place is None:
        return None
    return str(place.code if model is Mahalla else place.soato)


async def press_place(harness: Any, user: Any, name: str, level: str) -> None:
    """Press the place button `name` on the newest list, matching it in any script and turning
    pages (▶️) until it shows up.

    level: "r" (region), "d" (district) or "m" (mahalla).
    """
    model = {"r": Region, "d": District, "m": Mahalla}[level]
    code = await _place_code(harness, model, name)
    wanted = {PlaceCB(purpose=p, level=level, code=code or "").pack() for p in ("r", "s")}
    for _page in range(100):
        message = next((m for m in reversed(user.messages) if m.inline_keyboard), None)
        assert message is not None, "no inline keyboard on screen"
        if name in _buttons(message):
            await user.press(name, message=message)
            return
        for row in message.inline_keyboard:
            for button in row:
                if button.get("callback_data") in wanted:
                    await user.press_data(message, button["callback_data"])
                    return
        if "▶️" not in _buttons(message):
            break
        await user.press("▶️", message=message)
    raise AssertionError(f"no button for {name!r}; visible: {_buttons(message)}")


async def register(
    harness: Any,
    user: Any,
    *,
    language: str = "Oʻzbekcha",
    name: str = "Ali Valiyev",
    phone: str | None = None,
    year: str = "1980",
    gender: str = "m",
    region: str = "Toshkent shahri",
    district: str = "Chilonzor tumani",
    mahalla_search: str | None = "Beshqo",
    mahalla: str = "Beshqoʻrgʻon MFY",
) -> User:
    """Take a brand-new simulated user from /start through the language and full registration.

    - language: the language button's label ("Oʻzbekcha", "Ўзбекча" or "Русский").
    - phone: None shares the user's own contact with the button; a string is typed instead.
    - gender: "m" or "f".
    - region, district, mahalla: place names in any script (Uzbek Latin by default); they are
      pressed by the button of that place whatever the chosen language shows.
    - mahalla_search: typed to search in the district first; None picks from the first page.

    Returns the user's database row after registration (asserts it is complete).
    """
    await user.send("/start")
    label = next(b for row in user.last.buttons for b in row if b.endswith(language))
    await user.press(label)
    agree = user.last.buttons[0][0]  # "✅ I agree" in the chosen language
    await user.press(agree)
    await user.send(name)
    if phone is None:
        share = user.reply_keyboard[0][0]  # the request-contact button
        await user.press(share)
    else:
        await user.send(phone)
    await user.send(year)
    await user.press(user.reply_keyboard[0][0 if gender == "m" else 1])
    await press_place(harness, user, region, "r")
    await press_place(harness, user, district, "d")
    if mahalla_search is not None:
        await user.send(mahalla_search)
    await press_place(harness, user, mahalla, "m")
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == user.id))
    assert row is not None and row.registered_at is not None, "registration did not complete"
    return row

"""Edits Telegram refuses for ordinary reasons are outcomes, not errors (bot/middlewares/edits.py):
the same view again changes nothing, and a view for a message that is gone arrives anew."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.utils.keyboard import InlineKeyboardBuilder

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_the_same_view_again_is_no_error(harness: Any, caplog: Any) -> None:
    user = harness.user(6201, first_name="Ali", started=True)
    bot = harness.app.bot
    sent = await bot.send_message(user.id, "<b>Menu</b>")
    assert await bot.edit_message_text("<b>Menu</b>", chat_id=user.id, message_id=sent.message_id)
    assert [m.text for m in user.messages] == ["Menu"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


async def test_a_view_for_a_vanished_message_is_sent_anew(harness: Any) -> None:
    user = harness.user(6202, first_name="Ali", started=True)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text="Next", callback_data="x")
    await harness.app.bot.edit_message_text(
        "Page 2", chat_id=user.id, message_id=999_999, reply_markup=keyboard.as_markup()
    )
    assert user.last is not None and user.last.text == "Page 2"
    assert user.last.buttons == [["Next"]]
    # A change of buttons alone on a vanished message has nothing to show: no error either.
    assert await harness.app.bot.edit_message_reply_markup(
        chat_id=user.id, message_id=999_998, reply_markup=None
    )


async def test_other_refusals_are_still_errors(harness: Any) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await harness.app.bot.edit_message_text("Menu", chat_id=6_203_999, message_id=1)

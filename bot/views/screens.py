"""Showing a view after a button press: one way for every menu that pages and drills in place."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _


async def show_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show the view in place of the pressed message, so a list pages and drills without filling
    the chat. The same view pressed twice is no error, and a message that can no longer be
    edited (deleted, or too old for Telegram) gets the view as a new message instead of silence:
    both are handled for every edit by `bot/middlewares/edits.py`."""
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def pressed_message(query: CallbackQuery) -> Message | None:
    """The message whose button was pressed, for a handler that must edit or answer it. None
    when Telegram no longer gives it (too old, or inline): the button is then answered as out
    of date, the same way for every such handler."""
    if isinstance(query.message, Message):
        return query.message
    await query.answer(_("This button is out of date."))
    return None


async def answer_below(
    query: CallbackQuery, reply: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Put the answer to a notice's button under the notice, which stays as it was (so the
    person still sees what they answered); `markup` replaces its buttons. When Telegram will
    not take the longer text, the answer alone comes as a new message."""
    if not isinstance(query.message, Message):
        return
    original = query.message.html_text if query.message.text else ""
    try:
        await query.message.edit_text(
            (original + "\n\n" if original else "") + reply, reply_markup=markup
        )
    except TelegramBadRequest:
        await query.message.answer(reply)

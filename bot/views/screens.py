"""Showing a view after a button press: one way for every menu that pages and drills in place."""

from __future__ import annotations

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

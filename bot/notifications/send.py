"""The one way a notification is queued: its text for one person, with its inline buttons."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from db.models import User

#: A button of a notification: its label (already translated) and its callback data.
Button = tuple[str, CallbackData]


async def send(
    session: AsyncSession,
    recipient: User,
    text: str,
    *,
    kind: str,
    dedupe_key: str,
    buttons: Sequence[Button] = (),
    columns: int | None = None,
) -> bool:
    """Queue `text` for `recipient` with the buttons (`columns` a row when given, else all in
    one row); False when nothing was queued (unreachable, or the key was queued before)."""
    markup = None
    if buttons:
        keyboard = InlineKeyboardBuilder()
        for label, data in buttons:
            keyboard.button(text=label, callback_data=data)
        if columns is not None:
            keyboard.adjust(columns)
        markup = keyboard.as_markup()
    row = await outbox.enqueue_to_user(
        session, recipient, text=text, kind=kind, reply_markup=markup, dedupe_key=dedupe_key
    )
    return row is not None

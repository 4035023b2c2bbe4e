"""Turn any unexpected error into a log line and a polite answer in the user's language."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import gettext as _

from bot.metrics import mark_update
from bot.middlewares.session import current_session
from bot.middlewares.types import Handler

log = logging.getLogger("bot.errors")


def sorry_text() -> str:
    return _(
        "Sorry, something went wrong on our side. Please try again in a minute, or send /start."
    )


class ErrorMiddleware(BaseMiddleware):
    """Inside the session and locale: can roll back and answer in the right language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Exception:
            update: Update | None = data.get("event_update")
            user = data.get("user")
            log.exception(
                "update %s failed (user %s)",
                update.update_id if update else "?",
                getattr(user, "id", "?"),
            )
            mark_update("failed")
            session = current_session.get()
            if session is not None:
                await session.rollback()
            await _apologise(update)
            return None


async def _apologise(update: Update | None) -> None:
    if update is None:
        return
    try:
        if update.message is not None:
            await update.message.answer(sorry_text())
        elif update.callback_query is not None:
            query: CallbackQuery = update.callback_query
            await query.answer(sorry_text(), show_alert=True)
        elif update.edited_message is not None:
            message: Message = update.edited_message
            await message.answer(sorry_text())
    except Exception:  # the apology itself failed (network, blocked): nothing more to do
        log.warning("could not tell the user about the error", exc_info=True)

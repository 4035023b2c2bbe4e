"""Editing a message in place: the refusals Telegram gives for ordinary reasons are outcomes.

- "message is not modified": the same view shown again (a double tap, Back to where one is).
  Nothing to do; it is no error.
- "message to edit not found" / "message can't be edited": the message was deleted, or is too
  old. A new text is sent as a new message, so the person still sees it; a change of buttons
  alone is dropped (the message they belonged to is gone).

Kept in one request middleware so no handler has to remember it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

from bot.middlewares.types import Send

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption, EditMessageMedia)
NOT_MODIFIED = "message is not modified"
GONE = ("message to edit not found", "message can't be edited")


class EditOutcomes(BaseRequestMiddleware):
    async def __call__(
        self, make_request: Send[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        if not isinstance(method, EDITS):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            reason = exc.message.lower()
            if NOT_MODIFIED in reason:
                log.debug("%s: not modified (the same view again)", method.__api_method__)
                return True
            if not any(gone in reason for gone in GONE):
                raise
            if isinstance(method, EditMessageText) and method.chat_id is not None:
                log.debug("message to edit is gone: the text is sent anew")
                return await bot(
                    SendMessage(
                        chat_id=method.chat_id,
                        text=method.text,
                        parse_mode=method.parse_mode,
                        entities=method.entities,
                        link_preview_options=method.link_preview_options,
                        reply_markup=method.reply_markup,
                    )
                )
            log.debug("%s: the message is gone; nothing to change", method.__api_method__)
            return True

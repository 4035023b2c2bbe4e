"""Load (or create on first contact) the sender's user row and roles for every update."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from bot.i18n import locale_from_telegram
from bot.middlewares.types import Handler
from bot.services import roles, users
from db.models import utcnow


class UserMiddleware(BaseMiddleware):
    def __init__(self, admin_ids: list[int]) -> None:
        self._admin_ids = admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: TgUser | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if sender is None or sender.is_bot or (chat is not None and chat.type != "private"):
            return None  # channel posts, group chats, other bots: not our users
        session = data["session"]
        now = utcnow()
        user, created = await users.get_or_create(
            session, sender.id, locale_from_telegram(sender.language_code), now
        )
        data["user"] = user
        data["user_created"] = created
        data["roles"] = await roles.load_roles(session, user, self._admin_ids, now)
        return await handler(event, data)

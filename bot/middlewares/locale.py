"""The update's language is the one stored on the user row (guessed until chosen)."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.i18n import normalize_locale
from bot.middlewares.throttle import RecentLocales


class UserLocaleMiddleware(I18nMiddleware):
    """Also remembers each person's language, so flood control (which runs before the database
    is read) can speak it."""

    def __init__(self, i18n: I18n, recent: RecentLocales | None = None) -> None:
        super().__init__(i18n)
        self.recent = recent

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        locale = normalize_locale(user.locale if user else None, self.i18n.default_locale)
        if user is not None and self.recent is not None:
            self.recent.remember(user.telegram_id, locale)
        return locale

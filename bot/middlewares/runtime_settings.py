"""Inject the effective Settings (configuration + an admin's run-time changes) as `settings`.

The value comes from a per-process cache re-read every few seconds (through the update's own
session, never a second connection), so an update costs no query; see `bot/services/runtime_settings.py`.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.middlewares.types import Handler
from bot.services.runtime_settings import SettingsCache


class RuntimeSettingsMiddleware(BaseMiddleware):
    def __init__(self, cache: SettingsCache) -> None:
        self.cache = cache

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["settings"] = await self.cache.get(data.get("session"))
        return await handler(event, data)

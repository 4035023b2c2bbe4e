"""Per-user flood control: a sliding window of update times, kept in memory per process."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

MAX_TRACKED_USERS = 50_000


class ThrottleMiddleware(BaseMiddleware):
    def __init__(self, rate: int, window: float) -> None:
        self._rate = rate
        self._window = window
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def _allow(self, user_id: int, now: float) -> bool:
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= MAX_TRACKED_USERS:
                self._hits.clear()
                self._warned.clear()
            hits = self._hits[user_id] = deque()
        while hits and now - hits[0] > self._window:
            hits.popleft()
        if len(hits) >= self._rate:
            return False
        hits.append(now)
        return True

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        if self._allow(user.id, now):
            return await handler(event, data)
        # Too fast: say so once per window, then drop quietly until the user slows down.
        if now - self._warned.get(user.id, 0.0) > self._window:
            self._warned[user.id] = now
            text = _("Too many messages at once. Please wait a few seconds and try again.")
            if isinstance(event, Message):
                await event.answer(text)
            elif isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=False)
        elif isinstance(event, CallbackQuery):
            await event.answer()
        return None

"""Per-person flood control, first in the chain: a dropped update costs no database work.

At most `rate` updates per person in any `window` seconds (a sliding window). Past that the
person is told once per window, in their language, to slow down; every dropped button press is
still answered (otherwise the button spins); other dropped updates are ignored. The limit is kept
in this process's memory, or in Redis when several processes serve the bot, so it holds across
workers. When Redis cannot be reached the update is let through: flood control must never be the
reason a person gets no answer.

The person's language comes from `RecentLocales`, which the locale middleware fills as updates
pass, or else from their Telegram client's language: the database is not read here.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import in_locale, locale_from_telegram
from bot.metrics import mark_update
from bot.middlewares.types import Handler

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

MAX_TRACKED_USERS = 50_000


class RecentLocales:
    """The language of people seen lately (bounded; the oldest are forgotten first)."""

    def __init__(self, size: int = MAX_TRACKED_USERS) -> None:
        self._size = size
        self._items: OrderedDict[int, str] = OrderedDict()

    def remember(self, user_id: int, locale: str) -> None:
        self._items[user_id] = locale
        self._items.move_to_end(user_id)
        if len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, user_id: int) -> str | None:
        return self._items.get(user_id)


class Limiter(Protocol):
    async def allow(self, user_id: int) -> bool:
        """Count this update; False when the person is over the limit (it is not counted)."""

    async def first_warning(self, user_id: int) -> bool:
        """True once per window for a person over the limit: the time to tell them."""


class MemoryLimiter:
    """One process: a deque of recent update times per person."""

    def __init__(
        self, rate: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.window, self._clock = rate, window, clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    async def allow(self, user_id: int) -> bool:
        now = self._clock()
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= MAX_TRACKED_USERS:
                self._hits.clear()
                self._warned.clear()
            hits = self._hits[user_id] = deque()
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(hits) >= self.rate:
            return False
        hits.append(now)
        return True

    async def first_warning(self, user_id: int) -> bool:
        now = self._clock()
        if now - self._warned.get(user_id, -self.window - 1) > self.window:
            self._warned[user_id] = now
            return True
        return False


# KEYS[1]: the person's window; ARGV: now (ms), window (ms), rate, a unique member.
_ALLOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisLimiter:
    """Several processes: the same sliding window as a sorted set per person in Redis."""

    PREFIX = "throttle"

    def __init__(
        self, redis: Redis, rate: int, window: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.rate, self.window, self._clock = rate, window, clock
        self._redis = redis
        self._script = redis.register_script(_ALLOW)

    async def allow(self, user_id: int) -> bool:
        now_ms = int(self._clock() * 1000)
        window_ms = max(1, int(self.window * 1000))
        try:
            allowed = await self._script(
                keys=[f"{self.PREFIX}:{user_id}"],
                args=[now_ms, window_ms, self.rate, f"{now_ms}:{uuid.uuid4().hex[:8]}"],
            )
        except Exception as exc:  # Redis down: let the update through
            log.warning("flood control unavailable (%s): update let through", type(exc).__name__)
            return True
        return bool(allowed)

    async def first_warning(self, user_id: int) -> bool:
        try:
            return bool(
                await self._redis.set(
                    f"{self.PREFIX}:warned:{user_id}", 1, nx=True, px=int(self.window * 1000)
                )
            )
        except Exception:
            return False


class ThrottleMiddleware(BaseMiddleware):
    """Outer update middleware, before the database session (see the module docstring)."""

    def __init__(self, limiter: Limiter, i18n: I18n, locales: RecentLocales) -> None:
        self.limiter = limiter
        self._i18n = i18n
        self._locales = locales
        self.dropped = 0  # updates dropped by this process (for metrics and tests)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = data.get("event_from_user")
        if sender is None or not isinstance(event, Update):
            return await handler(event, data)
        if await self.limiter.allow(sender.id):
            return await handler(event, data)
        self.dropped += 1
        mark_update("throttled")
        tell = await self.limiter.first_warning(sender.id)
        if tell:
            log.debug("user %s is over the flood limit: told to slow down", sender.id)
        locale = self._locales.get(sender.id) or locale_from_telegram(sender.language_code)
        with in_locale(self._i18n, locale):
            text = _("Too many messages at once. Please wait a few seconds and try again.")
            if event.callback_query is not None:
                await event.callback_query.answer(text if tell else None)
            elif event.message is not None and tell and event.message.chat.type == "private":
                await event.message.answer(text)
        return None

"""A double tap is one tap: the same button of the same screen pressed again within a second.

People on cheap phones often tap twice, and Telegram delivers both presses. Handled twice, a
toggle would flip back, a "Send" would be refused or repeated, a page would turn twice. So the
second press of the same button (same person, message as shown, and data) within `WINDOW` seconds is
answered (it stops spinning) and dropped before any database work. A press of another button,
or of the same one later, goes through. In this process's memory, or in Redis when several
processes serve the bot (the two presses may reach different workers).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.metrics import mark_update
from bot.middlewares.types import Handler

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

WINDOW = 1.0  # seconds
MAX_REMEMBERED = 50_000


def _press_key(update: Update) -> str | None:
    """The person, the message *as they saw it* (its text and buttons), and the button.

    A press on the same message after the bot changed it (Back, then Back again on the screen
    that replaced it) is a new press; two presses on one unchanged screen are a double tap.
    """
    query = update.callback_query
    if query is None or query.message is None:
        return None
    message = query.message
    seen = getattr(message, "text", None) or getattr(message, "caption", None) or ""
    markup = getattr(message, "reply_markup", None)
    buttons = markup.model_dump_json(exclude_none=True) if markup is not None else ""
    digest = hashlib.blake2s(
        "\x00".join((seen, buttons, query.data or "")).encode(), digest_size=10
    ).hexdigest()
    return f"{query.from_user.id}:{message.chat.id}:{message.message_id}:{digest}"


class DoubleTapGuard(BaseMiddleware):
    """Outer update middleware, after flood control and before the database session."""

    def __init__(
        self,
        redis: Redis | None = None,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._window = window
        self._clock = clock
        self._seen: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def _first(self, key: str, query_id: str) -> bool:
        """True unless another press (another query id) of this key came within the window.
        The same query delivered again (a re-delivery after a crash) is no double tap: it goes
        on to be recognised as already handled."""
        if self._window <= 0:
            return True
        if self._redis is not None:
            try:
                name = f"tap:{key}"
                px = int(self._window * 1000)
                if await self._redis.set(name, query_id, nx=True, px=px):
                    return True
                seen = await self._redis.get(name)
                return seen is not None and seen.decode() == query_id
            except Exception:  # Redis down: handle the press (a double tap is the lesser harm)
                return True
        now = self._clock()
        last = self._seen.get(key)
        if last is not None and last[1] == query_id:
            return True
        self._seen[key] = (now, query_id)
        self._seen.move_to_end(key)
        while len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        return last is None or now - last[0] > self._window

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        key = _press_key(event) if isinstance(event, Update) else None
        query = event.callback_query if isinstance(event, Update) else None
        if key is None or query is None or await self._first(key, query.id):
            return await handler(event, data)
        log.debug("a second press of the same button within %ss: dropped", self._window)
        mark_update("double_tap")
        return None  # answered empty by AnswerEveryCallback

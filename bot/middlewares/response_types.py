"""Keep aiogram's parsed-response classes alive.

aiogram builds `Response[<return type>]` (a pydantic generic model) for every Bot API call.
pydantic caches those classes only weakly, so once garbage-collected each call rebuilds one,
which costs milliseconds of CPU per call. Holding a strong reference per method makes it free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.middlewares.types import Send

if TYPE_CHECKING:
    from aiogram import Bot

_KEPT: dict[type[Any], Any] = {}


class KeepResponseTypes(BaseRequestMiddleware):
    async def __call__(
        self, make_request: Send[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in _KEPT:
            _KEPT[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)

"""Names for the callables aiogram passes to middlewares, so that a middleware's `__call__`
signature stays short instead of repeating aiogram's long generic types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.types import TelegramObject

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
"""What an update middleware calls to go on: the rest of the chain and then the handler."""

Send = NextRequestMiddlewareType
"""What a request middleware calls to send the method on: the next request middleware, and at
the end the HTTP call (generic in the method's result, like aiogram's own name for it)."""

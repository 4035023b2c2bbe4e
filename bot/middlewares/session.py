"""One database session per update, committed after the handler; admission to match the pool.

The session keeps one connection for the whole update, across its commits (checked out and
given back once: on PostgreSQL the pool's liveness ping and the reset run once an update).

At most `limit` updates are inside at once (the rest wait here, in order, holding nothing).
`limit` is a little below the pool's size, and no update checks out a second connection while it
holds one (FSM storage, settings cache and update ids all use the update's own session), so the
updates inside always find a connection at once: a burst of newcomers queues here instead of
filling the pool with updates that each wait for a connection another one holds.

The session is also published in a context variable so `CommitBeforeSend` can end any open
transaction before the bot talks to Telegram: a Telegram call never runs inside a transaction,
and whatever the user is told has been committed first.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.middlewares.types import Handler

if TYPE_CHECKING:
    from aiogram import Bot

current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], limit: int) -> None:
        self._sessions = session_factory
        self._engine: AsyncEngine = session_factory.kw["bind"]
        self._admit = asyncio.Semaphore(max(1, limit))

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with (
            self._admit,
            self._engine.connect() as connection,
            self._sessions(bind=connection) as session,
        ):
            token = current_session.set(session)
            try:
                data["session"] = session
                result = await handler(event, data)
                if session.in_transaction():
                    await session.commit()
                return result
            finally:
                current_session.reset(token)


class CommitBeforeSend(BaseRequestMiddleware):
    """Commit the update's open transaction before any Bot API request leaves the process."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = current_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)

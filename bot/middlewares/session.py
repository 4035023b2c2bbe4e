"""One database session per update, committed after the handler; admission to match the pool.

The session keeps one connection for the whole update, across its commits (checked out and
given back once: on PostgreSQL the pool's liveness ping and the reset run once an update).

At most `limit` updates are inside at once (the rest wait here, in order, holding nothing).
`limit` is a little below the pool's size, and no update checks out a second connection while it
holds one (FSM storage, settings cache and update ids all use the update's own session), so the
updates inside always find a connection at once: a burst of newcomers queues here instead of
filling the pool with updates that each wait for a connection another one holds.

The session is also published in a context variable: the FSM storage joins it, and
`NoWriteWhileSending` checks that no write of it is open while the bot talks to Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from bot.middlewares.types import Handler, Send

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

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


class NoWriteWhileSending(BaseRequestMiddleware):
    """Check, before a Bot API request leaves the process, that the update holds no write.

    It commits nothing: a use-case commits its own unit of work, conversation moves wait for the
    next commit (`bot/fsm_storage.py`), and the update's last commit takes what is left. A write
    still open here would hold the database's write lock (SQLite: the whole file) for as long as
    Telegram takes to answer, so it is logged as an error and kept in `WRITES_WHILE_SENDING`
    (the test harness fails on any). What an update only read is no lock: SQLite begins a
    transaction at the first write, and PostgreSQL's READ COMMITTED keeps no snapshot between
    statements.
    """

    async def __call__(
        self, make_request: Send[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        session = current_session.get()
        if session is not None and (written := writes_pending(session.sync_session)):
            where = f"{type(method).__name__} with {', '.join(sorted(written))} written"
            WRITES_WHILE_SENDING.append(where)
            log.error("a Bot API call while a write is not committed: %s", where)
        return await make_request(bot, method)


#: What `NoWriteWhileSending` found in this process ("SendMessage with drafts written").
WRITES_WHILE_SENDING: list[str] = []
_WRITTEN = "written_tables"
_WATCHED: set[type[Session]] = set()


def watch_writes(session_class: type[Session]) -> None:
    """Note, on sessions of this class, which tables were written since the last commit."""
    if session_class in _WATCHED:
        return
    _WATCHED.add(session_class)

    def on_execute(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            state.session.info.setdefault(_WRITTEN, set()).add(getattr(table, "name", "?"))

    def on_flush(session: Session, _context: Any) -> None:
        changed = [*session.new, *session.dirty, *session.deleted]
        names = {getattr(row, "__tablename__", "?") for row in changed}
        session.info.setdefault(_WRITTEN, set()).update(names or {"?"})

    def forget(session: Session, *_args: Any) -> None:
        session.info.pop(_WRITTEN, None)

    event.listen(session_class, "do_orm_execute", on_execute)
    event.listen(session_class, "after_flush", on_flush)
    event.listen(session_class, "after_commit", forget)
    event.listen(session_class, "after_soft_rollback", forget)


def writes_pending(session: Session) -> set[str]:
    """The tables written and not yet committed, changed rows not yet flushed included."""
    written: set[str] = set(session.info.get(_WRITTEN, ()))
    for row in [*session.new, *session.deleted]:
        written.add(getattr(row, "__tablename__", "?"))
    written.update(
        getattr(row, "__tablename__", "?") for row in session.dirty if session.is_modified(row)
    )
    return written

"""Engine and session factory: the same code for SQLite (embedded) and PostgreSQL (scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from db import sqlite_one_hop


def _prepare_sqlite_file(url: str) -> None:
    """Create the folder of a file database, so a fresh checkout just works."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


#: Connections per process, and how long a checkout may wait for one. Updates are admitted
#: a few fewer at a time than there are connections (`DbSessionMiddleware`), and no update takes
#: a second connection while it holds one, so an update never waits on the pool for long: a
#: wait that runs out means something holds connections it should not, and it is logged loudly.
POOL_SIZE = 10
POOL_TIMEOUT = 10.0


def create_engine(
    url: str, *, pool_size: int = POOL_SIZE, pool_timeout: float = POOL_TIMEOUT
) -> AsyncEngine:
    """An engine that never logs bound parameters (they may hold names and phone numbers).

    The pool holds exactly `pool_size` connections (no overflow), on SQLite and PostgreSQL
    alike, so the number of connections a process can hold is known and admission can match it.
    """
    kwargs: dict[str, Any] = {
        "hide_parameters": True,
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": pool_timeout,
    }
    if url.startswith("sqlite"):
        # No pre-ping: a file connection does not go stale.
        _prepare_sqlite_file(url)
        sqlite_one_hop.apply()
        kwargs["connect_args"] = {"timeout": 30}
        # A connection comes back with its transaction already ended (committed, or rolled back
        # by the session or connection closing it), so the pool's extra rollback on return is
        # a no-op that costs a trip to aiosqlite's thread on every update.
        kwargs["pool_reset_on_return"] = None
    else:
        kwargs["pool_pre_ping"] = True  # a server restart leaves dead connections in the pool
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; busy_timeout makes writers wait instead of fail."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`, with a session class of their own: hooks on it (the outbox's
    wake-up after commit, `bot/notifications/wakeup.py`) then concern this factory only, not
    every session of the process (tests run several bots in one)."""
    own_class = type("FactorySession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=own_class)

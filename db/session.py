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


def _prepare_sqlite_file(url: str) -> None:
    """Create the folder of a file database, so a fresh checkout just works."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


# How long an update waits for a free connection. In a burst (hundreds of users answering at
# once on a busy machine) SQLAlchemy's default of 30 s made updates fail, and a failed update
# is a message lost; waiting longer only makes that reply slower.
POOL_TIMEOUT = 300


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine that never logs bound parameters (they may hold names and phone numbers)."""
    kwargs: dict[str, Any] = {"hide_parameters": True, "pool_timeout": POOL_TIMEOUT}
    if url.startswith("sqlite"):
        # No pre-ping: a file connection does not go stale, and the ping was one more statement
        # (four hops to aiosqlite's thread) on each of an update's two connection checkouts.
        _prepare_sqlite_file(url)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True  # a server restart leaves dead connections in the pool
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
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
    return async_sessionmaker(engine, expire_on_commit=False)

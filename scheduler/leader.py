"""Leader election: exactly one process runs the scheduler and the outbox drainer.

On PostgreSQL a session-level advisory lock is held on a dedicated connection; when the holder
dies its connection closes, the lock is freed and another process takes over at its next try.
On SQLite (one machine) an exclusive `flock` on a file beside the database does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Protocol

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D61_6861  # "maha": one number for this service's advisory lock


class Lock(Protocol):
    async def try_acquire(self) -> bool: ...
    async def still_held(self) -> bool: ...
    async def release(self) -> None: ...


class PostgresLock:
    def __init__(self, database_url: str, key: int = LOCK_KEY) -> None:
        self._dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._key = key
        self._conn: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn)
        got = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        if not got:
            await self._conn.close()
            self._conn = None
        return got

    async def still_held(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            return False
        try:  # a session-level lock lives as long as its connection does
            return await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=10) == 1
        except (asyncpg.PostgresError, OSError, TimeoutError):
            return False

    async def release(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await self._conn.execute("SELECT pg_advisory_unlock($1)", self._key)
            await self._conn.close()
        self._conn = None


class FileLock:
    def __init__(self, database_url: str) -> None:
        database = make_url(database_url).database or "bot.db"
        self._path = Path(f"{database}.leader")
        self._handle: IO[str] | None = None

    async def try_acquire(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    async def still_held(self) -> bool:
        return self._handle is not None

    async def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def lock_for(database_url: str) -> Lock:
    return (
        PostgresLock(database_url)
        if database_url.startswith("postgresql")
        else FileLock(database_url)
    )


async def lead_when_elected(
    lock: Lock,
    duties: Callable[[], Awaitable[None]],
    *,
    retry_every: float = 5.0,
    check_every: float = 5.0,
) -> None:
    """Forever: wait to win the lock, run `duties` while it is held, stop them if it is lost."""
    while True:
        try:
            won = await lock.try_acquire()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("leader lock unavailable: %s", exc)
            won = False
        if not won:
            await asyncio.sleep(retry_every)
            continue
        log.info("this process is the leader: running the scheduler and the outbox")
        task = asyncio.create_task(duties(), name="leader-duties")
        try:
            while not task.done():
                await asyncio.sleep(check_every)
                if not await lock.still_held():
                    log.warning("leader lock lost: stopping the scheduler and the outbox")
                    break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await lock.release()

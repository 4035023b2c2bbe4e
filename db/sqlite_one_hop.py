"""One thread hop per SQLite statement instead of four.

aiosqlite runs every call on the sqlite3 connection in its own thread, and SQLAlchemy's
adapter makes four such calls for one statement: create a cursor, execute, fetch the rows,
close the cursor. Each call is a hand-off to the database thread and a wake-up of the event
loop, which costs far more CPU than SQLite's own work on the small statements of an update
(about 80 µs a hop, against a few µs to run a primary-key lookup). This cursor does the four
steps in one call on the database thread and keeps the rows, so an answer's seven statements
cost seven hops instead of about twenty-five.

Only the ordinary (buffered) cursor changes: the statement still runs in the database thread,
one at a time per connection (SQLAlchemy's execute mutex), with the same rows, description,
row count and last row id. Server-side cursors (streamed results) keep SQLAlchemy's own class.
Applied when a SQLite engine is created (``db/session.py``); if SQLAlchemy's adapter is not what
this was written for, nothing is changed and a warning is logged.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

_Result = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Result:
    """On the database thread: the whole statement, rows included."""
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, operation: str, seq: Iterable[Any]) -> _Result:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, seq)
        return None, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def apply() -> bool:
    """Install the one-hop cursor on SQLAlchemy's aiosqlite adapter (once)."""
    try:
        from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor
        from sqlalchemy.dialects.sqlite import aiosqlite as adapter
        from sqlalchemy.util import EMPTY_DICT
    except ImportError:  # pragma: no cover - another SQLAlchemy layout
        log.warning("sqlite one-hop cursor not applied: SQLAlchemy's adapter moved")
        return False
    connection_class = adapter.AsyncAdapt_aiosqlite_connection
    if getattr(connection_class, "_cursor_cls", None) is not adapter.AsyncAdapt_aiosqlite_cursor:
        return getattr(connection_class._cursor_cls, "one_hop", False)
    expected = {"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"}
    if set(AsyncAdapt_dbapi_cursor.__slots__) != expected:  # pragma: no cover - upgrade guard
        log.warning("sqlite one-hop cursor not applied: SQLAlchemy's cursor is not as expected")
        return False

    class OneHopCursor(AsyncAdapt_dbapi_cursor):  # type: ignore[misc]
        __slots__ = ("_description", "_lastrowid", "_rowcount")
        one_hop = True
        _awaitable_cursor_close = False

        def __init__(self, adapt_connection: Any) -> None:
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._cursor = None
            self._soft_closed_memoized = EMPTY_DICT
            self._rows = collections.deque()
            self._description: Any = None
            self._rowcount = -1
            self._lastrowid: int | None = None

        @property
        def description(self) -> Any:
            return self._description

        @property
        def rowcount(self) -> int:
            return self._rowcount

        @property
        def lastrowid(self) -> int | None:
            return self._lastrowid

        @property
        def arraysize(self) -> int:
            return 1

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            pass

        def close(self) -> None:
            self._rows.clear()

        async def _async_soft_close(self) -> None:
            return None

        def setinputsizes(self, *inputsizes: Any) -> None:
            return None

        def nextset(self) -> None:
            return None

        def _keep(self, result: _Result) -> OneHopCursor:
            self._description, rows, self._rowcount, self._lastrowid = result
            self._rows = collections.deque(rows)
            return self

        async def _execute_async(self, operation: Any, parameters: Any) -> Any:
            async with self._adapt_connection._execute_mutex:
                connection = self._connection
                result = await connection._execute(_run, connection._conn, operation, parameters)
            return self._keep(result)

        async def _executemany_async(self, operation: Any, seq: Sequence[Any]) -> Any:
            async with self._adapt_connection._execute_mutex:
                connection = self._connection
                result = await connection._execute(_run_many, connection._conn, operation, seq)
            return self._keep(result)

    connection_class._cursor_cls = OneHopCursor
    return True

"""aiogram FSM storage in our own database, so conversations survive a restart.

Inside an update, state changes join the update's own session (and so its transaction): the
state, the data it describes, the update's work and its "processed" mark are committed together,
and on SQLite a handler that wrote something and then changes state cannot wait on its own write
lock. Outside an update each call is a short transaction of its own.

It keeps aiogram's storage contract:
- data must be a dict (`DataNotDictLikeError` otherwise, and nothing is written);
- data must be JSON: anything else raises `FsmDataNotJSON` naming the keys, *before* the session
  is touched, so the update's session stays usable and its earlier changes are kept;
- a write changes only its own column, by an upsert (INSERT … ON CONFLICT DO UPDATE): two first
  writes to one key at once (a state and the data) both persist, neither fails;
- `get_data` returns a copy; a record with neither state nor data is deleted.

Within an update what was read or written is remembered in ``session.info``, so the state and
the data are read with at most one SELECT per update.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.session import current_session
from db.models import FsmRecord, utcnow

_SEEN = "fsm_seen"  # session.info key: {storage key: (state, data) or None} in this update
_Snapshot = tuple[str | None, dict[str, Any]] | None

# Statements built once (their cache keys are computed once too): every update reads its state.
_READ = select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == bindparam("key"))
_DELETE = delete(FsmRecord).where(FsmRecord.key == bindparam("key"))
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect: str, column: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE of one column, returning the row; built once."""
    statement = _UPSERTS.get((dialect, column))
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        new_value = bindparam("p_value", type_=FsmRecord.__table__.c[column].type)
        statement = _UPSERTS[(dialect, column)] = (
            insert(FsmRecord)
            .values(
                key=bindparam("p_key"),
                state=bindparam("p_state", type_=FsmRecord.__table__.c.state.type),
                data=bindparam("p_data", type_=FsmRecord.__table__.c.data.type),
                updated_at=bindparam("p_now", type_=FsmRecord.__table__.c.updated_at.type),
            )
            .on_conflict_do_update(
                index_elements=[FsmRecord.key],
                set_={column: new_value, "updated_at": bindparam("p_now")},
            )
            .returning(FsmRecord.state, FsmRecord.data)
        )
    return statement


class FsmDataNotJSON(TypeError):
    """Conversation data holds a value the database cannot store as JSON."""


def _check_json(data: dict[str, Any]) -> None:
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError):
        bad = []
        for name, value in data.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                bad.append(f"{name!s} ({type(value).__name__})")
        raise FsmDataNotJSON(
            "conversation data must be JSON; not JSON: " + (", ".join(bad) or "a key")
        ) from None


class SQLAlchemyStorage(BaseStorage):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessions = session_factory
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[tuple[AsyncSession, bool]]:
        """(session, owned): the update's session if there is one, else a new one we commit."""
        shared = current_session.get()
        if shared is not None:
            yield shared, False
            return
        async with self._sessions() as session:
            yield session, True

    async def _read(self, key: StorageKey) -> _Snapshot:
        built = self._keys.build(key)
        async with self._session() as (session, owned):
            seen: dict[str, _Snapshot] = session.info.setdefault(_SEEN, {})
            if not owned and built in seen:
                return seen[built]
            row = (await session.execute(_READ, {"key": built})).first()
            snapshot: _Snapshot = (row.state, dict(row.data or {})) if row else None
            if not owned:
                seen[built] = snapshot
            return snapshot

    async def _write(self, key: StorageKey, column: str, value: Any) -> None:
        built = self._keys.build(key)
        now = utcnow()
        async with self._session() as (session, owned):
            dialect = session.get_bind().dialect.name
            values: dict[str, Any] = {"p_key": built, "p_state": None, "p_data": {}, "p_now": now}
            values[f"p_{column}"] = values["p_value"] = value
            statement = _upsert(dialect, column)
            row = (await session.execute(statement, values)).one()
            snapshot: _Snapshot = (row.state, dict(row.data or {}))
            if row.state is None and not row.data:
                await session.execute(_DELETE, {"key": built})
                snapshot = None
            if owned:
                await session.commit()
            else:
                session.info.setdefault(_SEEN, {})[built] = snapshot

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, "state", value)

    async def get_state(self, key: StorageKey) -> str | None:
        snapshot = await self._read(key)
        return snapshot[0] if snapshot else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        _check_json(data)
        await self._write(key, "data", copy.deepcopy(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        snapshot = await self._read(key)
        return copy.deepcopy(snapshot[1]) if snapshot else {}

    async def close(self) -> None:
        """The engine is owned by the app and disposed there."""

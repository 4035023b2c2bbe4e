"""aiogram FSM storage in our own database, so conversations survive a restart.

Inside an update a state change is not written at once: it waits in the update's session and
joins the session's next commit (a `before_commit` hook writes it). So a step move is committed
together with the use-case that follows it (clear the step, then save the answer: both or
neither), the update's last commit takes whatever moves are left, and a move never holds a
database write lock while the bot waits for Telegram. A rollback drops the waiting moves with the
rest. Once the update's work is committed (its "processed" mark recorded early, see
`bot/middlewares/idempotency.py`), a move has nothing left to be atomic with and is committed at
once, so a crash after the next question went out cannot leave the person one step behind.
Outside an update each call is a short transaction of its own.

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
from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.middlewares.idempotency import MARKED_EARLY
from bot.middlewares.session import current_session
from db.models import FsmRecord, utcnow

_SEEN = "fsm_seen"  # session.info key: {storage key: (state, data) or None} in this update
_WAITING = "fsm_waiting"  # session.info key: storage keys changed since the session's last commit
_Snapshot = tuple[str | None, dict[str, Any]] | None

# Statements built once (their cache keys are computed once too): every update reads its state.
_READ = select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == bindparam("key"))
_DELETE = delete(FsmRecord).where(FsmRecord.key == bindparam("key"))
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect: str, column: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE of one column (or "both"), returning the row; built
    once per dialect and column."""
    statement = _UPSERTS.get((dialect, column))
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        if column == "both":
            table = FsmRecord.__table__.c
            changes = {
                "state": bindparam("p_state", type_=table.state.type),
                "data": bindparam("p_data", type_=table.data.type),
            }
        else:
            changes = {column: bindparam("p_value", type_=FsmRecord.__table__.c[column].type)}
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
                set_={**changes, "updated_at": bindparam("p_now")},
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


_HOOKED: set[type[Session]] = set()


def _hook(session_class: type[Session]) -> None:
    """Listen on the session class once (not on each update's session: listening costs)."""
    if session_class not in _HOOKED:
        event.listen(session_class, "before_commit", _write_waiting)
        event.listen(session_class, "after_soft_rollback", _drop_waiting)
        _HOOKED.add(session_class)


def _write_waiting(session: Session) -> None:
    """`before_commit`: write the state changes the update made since its last commit."""
    waiting: set[str] | None = session.info.pop(_WAITING, None)
    if not waiting:
        return
    seen: dict[str, _Snapshot] = session.info.get(_SEEN, {})
    dialect = session.get_bind().dialect.name
    now = utcnow()
    for built in sorted(waiting):
        snapshot = seen.get(built)
        if snapshot is None:
            session.execute(_DELETE, {"key": built})
            continue
        state, data = snapshot
        session.execute(
            _upsert(dialect, "both"),
            {"p_key": built, "p_state": state, "p_data": data, "p_now": now},
        )


def _drop_waiting(session: Session, previous: Any) -> None:
    """A rollback takes the update's waiting state changes with it; what was read is stale."""
    if previous.nested:  # a savepoint's rollback: the changes did not go into it
        return
    session.info.pop(_WAITING, None)
    session.info.pop(_SEEN, None)


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
        shared = current_session.get()
        if shared is not None:  # inside an update: wait for the session's next commit
            _hook(type(shared.sync_session))
            current = await self._read(key)
            state, data = current if current is not None else (None, {})
            if column == "state":
                state = value
            else:
                data = value
            snapshot: _Snapshot = (state, dict(data)) if state is not None or data else None
            shared.info.setdefault(_SEEN, {})[built] = snapshot
            shared.info.setdefault(_WAITING, set()).add(built)
            if shared.info.get(MARKED_EARLY):  # the update's work is committed already
                await shared.commit()
            return
        async with self._sessions() as session:
            values: dict[str, Any] = {
                "p_key": built,
                "p_state": None,
                "p_data": {},
                "p_now": utcnow(),
            }
            values[f"p_{column}"] = values["p_value"] = value
            statement = _upsert(session.get_bind().dialect.name, column)
            row = (await session.execute(statement, values)).one()
            if row.state is None and not row.data:
                await session.execute(_DELETE, {"key": built})
            await session.commit()

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

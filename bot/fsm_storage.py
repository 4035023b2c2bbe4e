"""aiogram FSM storage in our own database, so conversations survive a restart.

Inside an update, state changes join the update's own session (and so its transaction): the
state and the data it describes are committed together, and on SQLite a handler that wrote
something and then changes state cannot wait on its own write lock. Outside an update (e.g.
aiogram reading the state before the session middleware runs) each call is a short transaction
of its own.

Within an update the record read is remembered in ``session.info`` (a strong reference: the
session's identity map holds clean objects only weakly, so the record aiogram read before the
handler would otherwise be gone by the time the handler asks for the data). So the state and
the data are read with one SELECT per update; a row that does not exist is remembered too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.session import current_session
from db.models import FsmRecord, utcnow

_READ = "fsm_records"  # session.info key: {storage key: FsmRecord or None} read in this update


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

    async def _load(self, key: StorageKey) -> FsmRecord | None:
        built = self._keys.build(key)
        async with self._session() as (session, owned):
            if owned:
                return await session.get(FsmRecord, built)
            read: dict[str, FsmRecord | None] = session.info.setdefault(_READ, {})
            if built in read and read[built] is None:
                return None
            record = await session.get(FsmRecord, built)  # the identity map, once read
            read[built] = record
            return record

    async def _store(self, key: StorageKey, **values: Any) -> None:
        async with self._session() as (session, owned):
            session.info.get(_READ, {}).pop(self._keys.build(key), None)
            record = await session.get(FsmRecord, self._keys.build(key))
            if record is None:
                if not any(values.values()):
                    return
                record = FsmRecord(key=self._keys.build(key), state=None, data={})
                session.add(record)
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = utcnow()
            if record.state is None and not record.data and record in session.dirty:
                await session.delete(record)
            if owned:
                await session.commit()
            else:
                await session.flush()

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._store(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._load(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._store(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._load(key)
        return dict(record.data) if record and record.data else {}

    async def close(self) -> None:
        """The engine is owned by the app and disposed there."""

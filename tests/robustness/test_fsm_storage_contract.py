"""Our database FSM storage keeps aiogram's storage contract (bot/fsm_storage.py), on SQLite and
on PostgreSQL: dict data only, JSON only (and a refused value leaves the update's session
usable), two first writes to one key at once both kept, copies out, empty records gone."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.fsm_storage import FsmDataNotJSON, SQLAlchemyStorage
from bot.middlewares.session import current_session, watch_writes, writes_pending
from db.models import FsmRecord, User

BOT_ID = 4242


class Form(StatesGroup):
    name = State()


def key(user: int, **extra: Any) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user, **extra)


async def records(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(FsmRecord)) or 0)


async def test_state_and_data_round_trip(sessions: Any) -> None:
    storage = SQLAlchemyStorage(sessions)
    await storage.set_state(key(1), Form.name)
    await storage.set_data(key(1), {"answers": {"q1": ["a", "b"]}, "n": 3})
    assert await storage.get_state(key(1)) == "Form:name"
    assert await storage.get_data(key(1)) == {"answers": {"q1": ["a", "b"]}, "n": 3}
    assert await storage.update_data(key(1), {"n": 4}) == {"answers": {"q1": ["a", "b"]}, "n": 4}
    await storage.set_state(key(1), "plain:string")
    assert await storage.get_state(key(1)) == "plain:string"
    assert await storage.get_data(key(1)) == {"answers": {"q1": ["a", "b"]}, "n": 4}


@pytest.mark.parametrize("bad", [(), [("a", 1)], "text", 42, None])
async def test_data_that_is_not_a_dict_is_refused_and_keeps_the_old(
    sessions: Any, bad: Any
) -> None:
    storage = SQLAlchemyStorage(sessions)
    await storage.set_data(key(2), {"kept": True})
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(key(2), bad)
    assert await storage.get_data(key(2)) == {"kept": True}


async def test_get_data_returns_a_copy(sessions: Any) -> None:
    storage = SQLAlchemyStorage(sessions)
    await storage.set_data(key(3), {"items": [1]})
    got = await storage.get_data(key(3))
    got["items"].append(2)
    got["new"] = 1
    assert await storage.get_data(key(3)) == {"items": [1]}


async def test_clearing_state_and_data_removes_the_record(sessions: Any) -> None:
    storage = SQLAlchemyStorage(sessions)
    await storage.set_state(key(4), Form.name)
    await storage.set_data(key(4), {"a": 1})
    assert await records(sessions) == 1
    await storage.set_state(key(4), None)
    assert await records(sessions) == 1  # the data is still there
    await storage.set_data(key(4), {})
    assert await records(sessions) == 0
    assert await storage.get_state(key(4)) is None and await storage.get_data(key(4)) == {}


async def test_keys_differing_in_any_part_are_independent(sessions: Any) -> None:
    storage = SQLAlchemyStorage(sessions)
    keys = [
        key(5),
        key(6),  # (one bot per deployment: the bot id is not part of the key)
        StorageKey(bot_id=BOT_ID, chat_id=-100, user_id=5),
        key(5, thread_id=7),
        key(5, destiny="other"),
    ]
    for index, each in enumerate(keys):
        await storage.set_state(each, f"s:{index}")
        await storage.set_data(each, {"i": index})
    for index, each in enumerate(keys):
        assert await storage.get_state(each) == f"s:{index}"
        assert await storage.get_data(each) == {"i": index}


async def test_first_writes_of_state_and_data_at_once_both_persist(sessions: Any) -> None:
    """Many new keys, each written by a state write and a data write racing each other."""
    storage = SQLAlchemyStorage(sessions)
    users = range(100, 160)
    await asyncio.gather(
        *(
            write
            for user in users
            for write in (
                storage.set_state(key(user), Form.name),
                storage.set_data(key(user), {"user": user}),
            )
        )
    )
    for user in users:
        assert await storage.get_state(key(user)) == "Form:name", user
        assert await storage.get_data(key(user)) == {"user": user}, user


@pytest.mark.parametrize("value", [object(), {1, 2}, dt.date(2026, 12, 5), float("nan")], ids=str)
async def test_data_that_is_not_json_fails_clearly_and_leaves_the_update_usable(
    sessions: Any, value: Any
) -> None:
    storage = SQLAlchemyStorage(sessions)
    async with sessions() as session:
        token = current_session.set(session)  # as inside an update (DbSessionMiddleware)
        try:
            await storage.set_state(key(7), Form.name)  # an earlier change of the same update
            session.add(User(telegram_id=777_001, locale="uz"))
            with pytest.raises(FsmDataNotJSON, match="bad"):
                await storage.set_data(key(7), {"fine": 1, "bad": value})
            await storage.set_data(key(7), {"fine": 2})  # the session is still usable
            await session.commit()
        finally:
            current_session.reset(token)
    assert await storage.get_state(key(7)) == "Form:name"
    assert await storage.get_data(key(7)) == {"fine": 2}
    async with sessions() as session:
        assert await session.scalar(select(User.id).where(User.telegram_id == 777_001))


async def test_inside_an_update_changes_commit_with_it_or_not_at_all(sessions: Any) -> None:
    storage = SQLAlchemyStorage(sessions)
    async with sessions() as session:
        token = current_session.set(session)
        try:
            await storage.set_state(key(8), Form.name)
            await storage.set_data(key(8), {"x": 1})
            assert await storage.get_state(key(8)) == "Form:name"  # read back in the update
            await session.rollback()  # the update failed
        finally:
            current_session.reset(token)
    assert await storage.get_state(key(8)) is None
    assert await records(sessions) == 0


async def test_inside_an_update_a_move_waits_for_the_next_commit(sessions: Any) -> None:
    """A step move is not written while the update goes on (no write lock held while the bot
    talks to Telegram): it lands with the next commit, a use-case's, together with its work."""
    watch_writes(sessions.kw["sync_session_class"])
    storage = SQLAlchemyStorage(sessions)
    async with sessions() as session:
        token = current_session.set(session)
        try:
            await storage.set_state(key(9), Form.name)
            await storage.set_data(key(9), {"step": 2})
            assert writes_pending(session.sync_session) == set()  # nothing written yet
            assert await records(sessions) == 0
            session.add(User(telegram_id=777_009, locale="uz"))  # the use-case's work
            await session.commit()
            assert await records(sessions) == 1
            await storage.set_state(key(9), None)
            await storage.set_data(key(9), {})
            assert await records(sessions) == 1  # the clear waits too
            await session.commit()
        finally:
            current_session.reset(token)
    assert await records(sessions) == 0
    async with sessions() as session:
        assert await session.scalar(select(User.id).where(User.telegram_id == 777_009))

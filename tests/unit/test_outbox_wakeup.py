"""The outbox drainer is woken by the commit that queued a message, and only by it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.notifications.wakeup import wake_after_commit
from bot.services import outbox
from db.session import create_engine, create_session_factory


async def _queue(session: Any, text: str = "Salom") -> None:
    await outbox.enqueue(session, chat_id=501, kind="test", text=text)


async def test_a_commit_that_queued_a_message_wakes_the_drainer_once(sessions: Any) -> None:
    woken: list[int] = []
    wake_after_commit(sessions, lambda: woken.append(1))
    async with sessions() as session:
        await _queue(session)
        await _queue(session, "Yana")
        assert woken == []  # not before the commit: the drainer would find nothing yet
        await session.commit()
    assert woken == [1]


async def test_a_rollback_or_a_commit_without_messages_does_not_wake_it(sessions: Any) -> None:
    woken: list[int] = []
    wake_after_commit(sessions, lambda: woken.append(1))
    async with sessions() as session:
        await _queue(session)
        await session.flush()
        await session.rollback()
        await session.commit()  # the rolled-back rows are gone: nothing to send
    async with sessions() as session:
        await session.commit()
    assert woken == []


async def test_each_factory_has_its_own_hook(db_url: str) -> None:
    """Two bots in one process (the tests, a worker and the admin CLI) do not wake each other."""
    engine = create_engine(db_url)
    try:
        first, second = create_session_factory(engine), create_session_factory(engine)
        woken: list[str] = []
        wake_after_commit(first, lambda: woken.append("first"))
        async with second() as session:
            await _queue(session)
            await session.commit()
        assert woken == []
    finally:
        await engine.dispose()


def test_a_shared_session_class_is_refused() -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    with pytest.raises(ValueError):
        wake_after_commit(async_sessionmaker(), lambda: None)

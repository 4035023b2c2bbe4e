"""Bursts of newcomers: everyone who presses /start at the same moment gets through registration,
with production settings (flood control on), however small the database pool.

Polling runs as in production (handle_as_tasks: different chats at once) on SQLite; on
PostgreSQL + Redis two webhook workers share the load, each update going to the next worker.
BURST_NEWCOMERS scales the big test (default 200).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import build_app
from bot.webhook import build_web_app
from db.models import User
from tests.support.flows import register
from tests.support.harness import BotHarness, make_settings

NEWCOMERS = int(os.environ.get("BURST_NEWCOMERS", "200"))
SORRY = "Kechirasiz, bizda xatolik"  # the start of sorry_text() in Uzbek


def _harness(fake: Any, db_url: str, redis_url: str | None, **settings: Any) -> BotHarness:
    fake.process_timeout = 180.0  # a loaded CI machine queues many updates behind each other
    fake.server.delivery.timeout = 180.0
    mode = "webhook" if redis_url else "tasks"
    return BotHarness(fake, make_settings(db_url, fake.base_url, redis_url, **settings), mode=mode)


@pytest.fixture
async def small_pool(fake: Any, db_url: str, redis_url: str | None) -> AsyncIterator[BotHarness]:
    h = _harness(fake, db_url, redis_url, db_pool_size=4)
    await h.start()
    yield h
    await h.stop()


async def users_named(harness: Any, ids: list[int]) -> dict[int, int]:
    async with harness.db() as session:
        rows = await session.execute(
            select(User.telegram_id, func.count())
            .where(User.telegram_id.in_(ids))
            .group_by(User.telegram_id)
        )
    return dict(rows.all())


def assert_no_apology(users: list[Any]) -> None:
    for user in users:
        said = [m.text or "" for m in user.messages]
        assert said, f"user {user.id} got no answer"
        assert not any(SORRY in text for text in said), f"user {user.id}: {said[-2:]}"


async def test_ten_times_the_pool_in_newcomers_are_all_answered(
    small_pool: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool of 4 connections (2 for updates) and 40 newcomers at once, each going on."""
    harness = small_pool
    users = [harness.user(20_000 + i, first_name="Yangi", language_code="uz") for i in range(40)]

    async def first_steps(user: Any) -> None:
        await user.send("/start")
        label = next(b for row in user.last.buttons for b in row if b.endswith("O‘zbekcha"))
        await user.press(label)
        await user.press(user.last.buttons[0][0])  # "✅ I agree"
        await user.send("Ali Valiyev")

    await asyncio.gather(*(first_steps(user) for user in users))
    assert_no_apology(users)
    assert await users_named(harness, [u.id for u in users]) == {u.id: 1 for u in users}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_pool_that_runs_out_is_logged_and_the_person_gets_an_answer(
    fake: Any, db_url: str, redis_url: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    harness = _harness(fake, db_url, redis_url, db_pool_size=3, db_pool_timeout=0.5)
    await harness.start()
    try:
        assert harness.app is not None
        held = [await harness.app.engine.connect() for _ in range(3)]  # something leaks them
        try:
            user = harness.user(21_000, first_name="Ali", language_code="uz")
            await user.send("/start")
            assert user.texts(), "silence"
            assert SORRY in user.texts()[-1], user.texts()
            assert any("DB_POOL_TIMEOUT" in r.getMessage() for r in caplog.records)
        finally:
            for connection in held:
                await connection.close()
        await user.send("/start")  # connections back: the bot answers as usual again
        assert SORRY not in user.texts()[-1], user.texts()
    finally:
        await harness.stop()


@pytest.fixture
async def burst(fake: Any, db_url: str, redis_url: str | None) -> AsyncIterator[BotHarness]:
    """Production settings; on PostgreSQL + Redis a second webhook worker beside the first."""
    h = _harness(fake, db_url, redis_url)
    await h.start()
    second: web.AppRunner | None = None
    app2 = None
    if h.mode == "webhook":
        app2 = build_app(h.settings)
        second = web.AppRunner(build_web_app(app2, handle_in_background=False))
        await second.setup()
        await web.TCPSite(second, "127.0.0.1", 0).start()
        assert fake.core.webhook is not None and fake.core.webhook_dispatcher is not None
        urls = [
            fake.core.webhook.url,
            fake.core.webhook.url.replace(
                f":{h._web.addresses[0][1]}/",
                f":{second.addresses[0][1]}/",  # type: ignore[union-attr]
            ),
        ]
        deliver = fake.core.webhook_dispatcher
        turns = iter(range(10**9))

        def round_robin(update: dict[str, Any]) -> None:
            assert fake.core.webhook is not None
            fake.core.webhook.url = urls[next(turns) % 2]
            deliver(update)

        fake.core.webhook_dispatcher = round_robin
    yield h
    if second is not None and app2 is not None:
        await second.cleanup()
        await app2.close()
    await h.stop()


async def test_a_burst_of_newcomers_all_register_once(
    burst: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    harness = burst
    users = [
        harness.user(30_000 + i, first_name="Yangi", language_code="uz") for i in range(NEWCOMERS)
    ]
    await asyncio.gather(
        *(register(harness, user, name=f"Fuqaro {i}") for i, user in enumerate(users))
    )
    assert_no_apology(users)
    counts = await users_named(harness, [u.id for u in users])
    assert counts == {u.id: 1 for u in users}
    async with harness.db() as session:
        registered = await session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.telegram_id >= 30_000, User.registered_at.is_not(None))
        )
    assert registered == NEWCOMERS
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # Every press was answered once (checked by the harness when it stops).

"""Bursts of newcomers: everyone who presses /start at the same moment gets through registration,
with production settings (flood control on), however small the database pool.

Polling runs as in production (handle_as_tasks: different chats at once) on SQLite; on
PostgreSQL + Redis the big burst goes to two webhook worker processes behind the fake acting as
a load balancer (each update to the next worker in turn). BURST_NEWCOMERS scales the big test
(default 200).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from db.models import User
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.cluster import Cluster, cluster_fixture  # noqa: F401 (fixture)
from tests.support.flows import register
from tests.support.harness import BotHarness, make_settings

NEWCOMERS = int(os.environ.get("BURST_NEWCOMERS", "200"))
SORRY = "Kechirasiz, bizda xatolik"  # the start of sorry_text() in Uzbek
PRODUCTION_RATE = Settings.model_fields["throttle_rate"].default


def _harness(fake: Any, db_url: str, redis_url: str | None, **settings: Any) -> BotHarness:
    _be_patient(fake)
    mode = "webhook" if redis_url else "tasks"
    return BotHarness(fake, make_settings(db_url, fake.base_url, redis_url, **settings), mode=mode)


def _be_patient(fake: Any) -> None:
    fake.process_timeout = 180.0  # a loaded CI machine queues many updates behind each other
    fake.server.delivery.timeout = 180.0


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


def assert_under_flood_limit(fake: Any, users: list[Any]) -> None:
    """Each person sent fewer updates in all than flood control allows in one window, so no
    throttling can have helped (or hidden anything from) the test, however fast they tapped."""
    ids = {u.id for u in users}
    sent = Counter(
        sender["id"]
        for update in fake.core.delivered.values()
        for body in update.values()
        if isinstance(body, dict) and isinstance(sender := body.get("from"), dict)
        if sender.get("id") in ids
    )
    assert set(sent) == ids and max(sent.values()) < PRODUCTION_RATE, sent.most_common(3)


async def test_ten_times_the_pool_in_newcomers_are_all_answered(
    small_pool: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool of 4 connections (2 for updates) and 40 newcomers at once, each going on."""
    harness = small_pool
    assert harness.settings.throttle_rate == PRODUCTION_RATE
    users = [harness.user(20_000 + i, first_name="Yangi", language_code="uz") for i in range(40)]

    async def first_steps(user: Any) -> None:
        await user.send("/start")
        label = next(b for row in user.last.buttons for b in row if b.endswith("Oʻzbekcha"))
        await user.press(label)
        await user.press(user.last.buttons[0][0])  # "✅ I agree"
        await user.send("Ali Valiyev")

    await asyncio.gather(*(first_steps(user) for user in users))
    assert_no_apology(users)
    assert all("Telefon" in (user.last.text or "") for user in users)  # asked the next step
    assert await users_named(harness, [u.id for u in users]) == {u.id: 1 for u in users}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_pool_that_runs_out_is_logged_and_the_person_gets_an_answer(
    fake: Any, db_url: str, redis_url: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    harness = _harness(fake, db_url, redis_url, db_pool_size=3, db_pool_timeout=1)
    await harness.start()
    try:
        assert harness.app is not None
        held = [await harness.app.engine.connect() for _ in range(3)]  # something leaks them
        try:
            user = harness.user(21_000, first_name="Ali", language_code="uz")
            await user.send("/start")
            assert user.texts(), "silence"
            assert SORRY in user.texts()[-1], user.texts()
            lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert any("pool exhausted" in line and "DB_POOL_TIMEOUT" in line for line in lines)
        finally:
            for connection in held:
                await connection.close()
        await user.send("/start")  # connections back: the bot answers as usual again
        assert SORRY not in user.texts()[-1], user.texts()
    finally:
        await harness.stop()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_burst_of_newcomers_all_register_once_by_polling(
    fake: Any, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Production settings, long polling with updates handled as concurrent tasks."""
    harness = _harness(fake, db_url, None)
    assert harness.mode == "tasks" and harness.settings.throttle_rate == PRODUCTION_RATE
    await harness.start()
    users = [
        harness.user(30_000 + i, first_name="Yangi", language_code="uz") for i in range(NEWCOMERS)
    ]
    await asyncio.gather(
        *(register(harness, user, name=f"Fuqaro {i}") for i, user in enumerate(users))
    )
    await assert_registered_once(harness, users)
    await harness.stop()  # every press answered exactly once, no call Telegram would refuse
    assert_under_flood_limit(fake, users)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL",
)
async def test_a_burst_of_newcomers_all_register_once_on_two_worker_processes(
    cluster: Cluster,
) -> None:
    """Two `python -m bot run --webhook` processes with production settings (flood control,
    pool, log level) share one PostgreSQL + Redis; updates alternate between them."""
    fake = cluster.fake
    _be_patient(fake)
    cluster.overrides.clear()
    cluster.start(2)
    for index in range(2):
        await cluster.wait_until(lambda i=index: cluster.health(i), f"worker {index} health")
    cluster.balance()
    users = [
        fake.user(30_000 + i, first_name="Yangi", language_code="uz") for i in range(NEWCOMERS)
    ]
    await asyncio.gather(
        *(register(cluster, user, name=f"Fuqaro {i}") for i, user in enumerate(users))
    )
    await cluster.stop()
    BotHarness(fake, make_settings(cluster.url, fake.base_url)).check_calls()
    await assert_registered_once(cluster, users)
    assert_under_flood_limit(fake, users)
    logs = [cluster.log_text(i) for i in range(2)]
    handled = [text.count(" is handled") for text in logs]
    assert min(handled) > 0.4 * sum(handled), f"updates per worker: {handled}"
    for index, text in enumerate(logs):
        bad = [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]
        assert not bad, f"worker {index}: {bad[:5]} (log in {cluster.logs})"


async def assert_registered_once(harness: Any, users: list[Any]) -> None:
    """Everyone was answered, never with an apology, and has exactly one complete row."""
    assert_no_apology(users)
    ids = [u.id for u in users]
    assert await users_named(harness, ids) == {u.id: 1 for u in users}
    async with harness.db() as session:
        registered = await session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.telegram_id.in_(ids), User.registered_at.is_not(None))
        )
    assert registered == len(users)

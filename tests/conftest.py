"""Shared fixtures: a fresh, migrated database per test on SQLite and (when configured)
PostgreSQL + Redis, and the real bot running against the fake Bot API.

PostgreSQL runs when TEST_DATABASE_URL is set (e.g. postgresql+asyncpg://postgres@127.0.0.1/test);
Redis when TEST_REDIS_URL is set. Otherwise those variants are skipped with a visible reason.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import (
    drop_pg_database,
    make_pg_database,
    prepare_pg_template,
    prepare_sqlite_template,
)


def run_in_thread(coro_factory, *args):  # type: ignore[no-untyped-def]
    """Run async set-up from sync fixtures, even when an event loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory(*args))).result()


TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
TAP_TWICE = os.environ.get("TAP_TWICE", "") == "1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_in_thread(prepare_sqlite_template, path)
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these variants")
    name = f"my_template_{os.getpid()}"
    run_in_thread(prepare_pg_template, TEST_DATABASE_URL, name)
    yield name
    run_in_thread(drop_pg_database, TEST_DATABASE_URL, name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these variants")
    return str(request.param)


@pytest.fixture
async def db_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A database at head with regions, districts and the demo mahallas, private to the test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "bot.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"my_test_{uuid.uuid4().hex[:12]}"
    url = await make_pg_database(TEST_DATABASE_URL, template_name, name)
    try:
        yield url
    finally:
        await drop_pg_database(TEST_DATABASE_URL, name)


@pytest.fixture
async def redis_url(backend: str) -> AsyncIterator[str | None]:
    """Redis for the PostgreSQL variant (the multi-process setup); None on SQLite."""
    if backend != "postgres" or not TEST_REDIS_URL:
        yield None
        return
    from redis.asyncio import Redis

    client = Redis.from_url(TEST_REDIS_URL)
    await client.flushdb()
    yield TEST_REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def sessions(db_url: str):  # type: ignore[no-untyped-def]
    from db.session import create_engine, create_session_factory

    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[Any]:
    from devkit.fakeapi import FakeBotAPI

    server = FakeBotAPI(token="4242:TEST-token", bot_username="mahalla_test_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest, fake: Any, db_url: str, redis_url: str | None
) -> AsyncIterator[Any]:
    """The bot against the fake Bot API. Settings beyond the defaults come from the closest
    `harness` marker, e.g. `pytestmark = pytest.mark.harness(throttle_rate=100_000)` in a module
    whose tests send many updates within a second."""
    from tests.support.harness import BotHarness, make_settings

    extra: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("harness"))):  # the closest wins
        extra.update(marker.kwargs)
    h = BotHarness(fake, make_settings(db_url, fake.base_url, redis_url, **extra))
    # TAP_TWICE=1: every inline press is a double tap, which must change nothing a test sees
    # (not where a test turns the double-tap guard off to press the same button again on purpose).
    fake.core.tap_twice = TAP_TWICE and h.settings.double_tap_window > 0
    await h.start()
    yield h
    await h.stop()

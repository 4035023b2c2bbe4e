"""A chat's lock that vanishes while an update holds it (Redis restarted, key evicted) is no
error: the update already did its work."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.chat_locks import ChatLocks
from tests.conftest import TEST_REDIS_URL


async def test_a_vanished_lock_is_released_quietly(caplog: pytest.LogCaptureFixture) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("Redis not configured: set TEST_REDIS_URL to run this test")
    from redis.asyncio import Redis

    client = Redis.from_url(TEST_REDIS_URL)
    locks = ChatLocks(client)
    key = StorageKey(bot_id=1, chat_id=77_001, user_id=77_001)
    try:
        async with locks.lock(key):
            await client.delete(*(await client.keys("*77001*lock*")))  # Redis lost it
        async with locks.lock(key):  # and the chat's next update still gets it
            pass
        assert any("lock was gone" in r.getMessage() for r in caplog.records)
    finally:
        await client.aclose()


async def test_a_dead_holders_lock_frees_itself_and_a_living_one_keeps_it() -> None:
    """A worker killed while holding a chat's lock leaves it for one lease at most; a slow
    update that is still running keeps its lock past the lease (it is renewed)."""
    if not TEST_REDIS_URL:
        pytest.skip("Redis not configured: set TEST_REDIS_URL to run this test")
    import asyncio

    from redis.asyncio import Redis

    client = Redis.from_url(TEST_REDIS_URL)
    # A lease long enough that a busy CI machine's pause (a garbage collection in a large test
    # process) does not outlast the renewal margin: with 0.6 s, a 0.4 s stall lost the lock.
    locks = ChatLocks(client, lease=1.5)
    key = StorageKey(bot_id=1, chat_id=77_002, user_id=77_002)
    name = locks.key_builder.build(key, "lock")
    try:
        assert await client.lock(name, timeout=1.5).acquire()  # a holder that then died
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with locks.lock(key):
            waited = loop.time() - began
            assert 1.0 < waited < 5.0  # freed by its lease, not after aiogram's 60 s
            await asyncio.sleep(3.5)  # longer than the lease: renewed, still ours
            assert not await client.lock(name, timeout=1).acquire(blocking=False)
        assert await client.exists(name) == 0
    finally:
        await client.delete(name)
        await client.aclose()

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

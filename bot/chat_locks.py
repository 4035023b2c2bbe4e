"""Per-chat locks in Redis for several processes, tolerant of a lock that vanished.

aiogram's `RedisEventIsolation` keeps one chat's updates in order across workers. If the lock
key disappears while an update holds it (Redis restarted, the key expired or was evicted), its
release raises `LockNotOwnedError` after the update's work is already committed and answered;
that must not turn into an error and an apology. It is logged as a warning instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.exceptions import LockError

log = logging.getLogger(__name__)


class ChatLocks(RedisEventIsolation):
    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        lock = self.redis.lock(name=name, **self.lock_kwargs)
        await lock.acquire()
        try:
            yield None
        finally:
            try:
                await lock.release()
            except LockError:  # the key vanished meanwhile: the update itself went through
                log.warning("chat %s: its lock was gone at release (Redis restarted?)", key.chat_id)

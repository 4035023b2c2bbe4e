"""Per-chat locks in Redis for several processes: a short lease, renewed while held.

aiogram's `RedisEventIsolation` keeps one chat's updates in order across workers, with a lock
that lives 60 s. A worker killed while it holds one (kill -9, out of memory, a deploy) would
leave that chat silent for a minute: its next update, delivered again to another worker, waits
for a lock nobody will release. Here the lock is a `LEASE`-second lease that the holder renews
every third of it, so a dead holder's lock frees itself within seconds while a slow but living
update keeps its lock as long as it runs.

If the key disappears while held (Redis restarted, the key evicted), its release raises
`LockNotOwnedError` after the update's work is already committed and answered; that is logged
as a warning, not turned into an error and an apology.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

log = logging.getLogger(__name__)

LEASE = 10.0


class ChatLocks(RedisEventIsolation):
    def __init__(self, redis: Any, lease: float = LEASE, **kwargs: Any) -> None:
        super().__init__(redis, **kwargs)
        self.lease = lease

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        lock = self.redis.lock(name=name, timeout=self.lease)
        await lock.acquire()
        renewer = asyncio.create_task(self._renew(lock, key))
        try:
            yield None
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            try:
                await lock.release()
            except LockError:  # the key vanished meanwhile: the update itself went through
                log.warning("chat %s: its lock was gone at release (Redis restarted?)", key.chat_id)

    async def _renew(self, lock: Lock, key: StorageKey) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await lock.reacquire()
            except LockError:
                log.warning("chat %s: its lock was gone while held (Redis restarted?)", key.chat_id)
                return
            except Exception as exc:
                log.warning("chat %s: could not renew its lock (%s)", key.chat_id, exc)

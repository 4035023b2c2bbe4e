"""The real bot (aiogram session, middlewares, database) running against the fake Bot API.

Polling runs with handle_as_tasks=False, so the fake knows an update is fully handled when the
bot asks for the next one; `user.send()` returns once the bot has answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, build_app
from bot.config import Settings
from bot.fakeapi import FakeBotAPI
from db.models import OutboxMessage, utcnow

TOKEN = "4242:TEST-token"
ADMIN_ID = 900


@dataclass
class BotHarness:
    fake: FakeBotAPI
    settings: Settings
    app: App | None = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    async def start(self) -> None:
        self.app = build_app(self.settings)
        dp = self.app.dispatcher
        self._tasks = [
            asyncio.create_task(
                dp.start_polling(
                    self.app.bot, handle_as_tasks=False, handle_signals=False, polling_timeout=1
                )
            ),
            asyncio.create_task(self.app.outbox.run()),
        ]

    async def stop(self) -> None:
        """Stop like a process would: polling ends, the drainer is cancelled, engine disposed."""
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.app.close()
        self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def user(self, telegram_id: int, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.fake.user(telegram_id, **kwargs)

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        assert self.app is not None
        async with self.app.sessions() as session:
            yield session

    async def drain(self, within: float = 20.0) -> None:
        """Deliver what the outbox holds now, and wait until nothing is queued or being sent
        (the background drainer may be holding rows it paces at one a second per chat)."""
        assert self.app is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            while await self.app.outbox.drain_once():
                pass
            async with self.db() as session:
                pending = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("queued", "sending")))
                    .where(OutboxMessage.next_attempt_at <= utcnow())
                )
            if not pending or loop.time() > deadline:
                return
            await asyncio.sleep(0.05)


def make_settings(
    db_url: str, api_url: str, redis_url: str | None = None, **extra: Any
) -> Settings:
    # No quiet hours unless a test asks: the suite must pass at any hour of the day.
    extra.setdefault("quiet_from", dt.time(0, 0))
    extra.setdefault("quiet_to", dt.time(0, 0))
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        bot_username="mahalla_test_bot",
        database_url=db_url,
        telegram_api_url=api_url,
        redis_url=redis_url,
        admin_ids=[ADMIN_ID],
        **extra,
    )

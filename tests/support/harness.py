"""The real bot (aiogram session, middlewares, database) running against the fake Bot API.

Polling runs with handle_as_tasks=False, so the fake knows an update is fully handled when the
bot asks for the next one; `user.send()` returns once the bot has answered.

`mode="tasks"` polls as production does (handle_as_tasks=True: updates of different chats are
handled at once); a test hook tells the fake when each update is finished, so `user.send()`
still returns once the bot has answered.

`mode="webhook"` serves the real webhook app (bot/webhook.py, updates handled before the POST
returns) on a free port instead: the fake POSTs every chat's updates in parallel, so many users
really are handled at once, and `user.send()` still returns once the bot has answered.

On stop, the harness fails the test if the bot made a call the fake Bot API refused as invalid
against the spec (`fake.violations()`), unless `allow_violations` is set, and if any button press
was left unanswered or answered twice (every test that presses a button checks it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, build_app
from bot.config import Settings
from bot.middlewares.session import WRITES_WHILE_SENDING
from db.models import OutboxMessage, utcnow
from devkit.fakeapi import FakeBotAPI

TOKEN = "4242:TEST-token"
ADMIN_ID = 900


@dataclass
class BotHarness:
    fake: FakeBotAPI
    settings: Settings
    app: App | None = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    mode: str = "polling"  # "tasks" or "webhook": updates of different chats handled at once
    allow_violations: bool = False  # a test that makes invalid calls on purpose sets it
    check_callbacks: bool = True  # a test that stops the bot mid-press on purpose clears it
    _web: web.AppRunner | None = None

    async def start(self) -> None:
        if self.mode == "webhook" and self.settings.webhook_url is None:
            self.settings = self.settings.model_copy(
                update={"webhook_url": "https://bot.example.uz/webhook"}
            )
        if self.mode == "webhook" and self.settings.webhook_secret is None:
            self.settings = self.settings.model_copy(
                update={"webhook_secret": SecretStr("harness-webhook-secret")}
            )
        self.app = build_app(self.settings)
        dp = self.app.dispatcher
        if self.mode == "webhook":
            await self._start_webhook()
            self._tasks = [asyncio.create_task(self.app.outbox.run())]
            return
        concurrent = self.mode == "tasks"
        if concurrent:
            self.fake.core.resolve_on_confirm = False
            chain = list(dp.update.outer_middleware)  # put the hook outermost: done means done
            for middleware in chain:
                dp.update.outer_middleware.unregister(middleware)
            for middleware in [_TellFakeWhenDone(self.fake), *chain]:
                dp.update.outer_middleware.register(middleware)
        self._tasks = [
            asyncio.create_task(
                dp.start_polling(
                    self.app.bot,
                    handle_as_tasks=concurrent,
                    handle_signals=False,
                    polling_timeout=1,
                )
            ),
            asyncio.create_task(self.app.outbox.run()),
        ]

    async def _start_webhook(self) -> None:
        from bot.webhook import build_web_app, webhook_path

        assert self.app is not None
        settings = self.app.settings
        assert settings.webhook_url is not None
        self._web = web.AppRunner(
            build_web_app(self.app, handle_in_background=False),
            handle_signals=False,
            shutdown_timeout=1.0,
        )
        await self._web.setup()
        await web.TCPSite(self._web, "127.0.0.1", 0).start()
        port = self._web.addresses[0][1]
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        await self.app.bot.set_webhook(
            f"http://127.0.0.1:{port}{webhook_path(settings.webhook_url)}",
            secret_token=secret,
            allowed_updates=self.app.dispatcher.resolve_used_update_types(),
        )

    async def stop(self) -> None:
        """Stop like a process would: polling ends, the drainer is cancelled, engine disposed."""
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.app.close()
        self.app = None
        self.check_calls()

    def check_calls(self) -> None:
        """Fail when the bot made a call Telegram would refuse as invalid (see the module doc),
        or left a button press unanswered, or answered one twice."""
        held, WRITES_WHILE_SENDING[:] = list(WRITES_WHILE_SENDING), []
        if held:
            raise AssertionError(
                "Bot API calls while a write was not committed: " + "; ".join(held)
            )
        found = [] if self.allow_violations else self.fake.violations()
        if found:
            lines = [f"{c.method}: {c.description} (params {sorted(c.params)})" for c in found]
            raise AssertionError(
                "the bot made Bot API calls the spec does not allow:\n  " + "\n  ".join(lines)
            )
        if not self.check_callbacks:
            return
        answers = Counter(
            c.params.get("callback_query_id") for c in self.fake.calls_to("answerCallbackQuery")
        )
        twice = sorted(str(qid) for qid, count in answers.items() if count > 1)
        spinning = [record.data for record in self.fake.unanswered_callbacks()]
        if twice or spinning:
            raise AssertionError(
                f"button presses answered twice: {twice}; never answered (data): {spinning}"
            )

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


class _TellFakeWhenDone:
    """Outermost update middleware (mode="tasks"): the update is finished, whatever happened."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            self.fake.core.finish_update(event.update_id)


def make_settings(
    db_url: str, api_url: str, redis_url: str | None = None, **extra: Any
) -> Settings:
    # No quiet hours unless a test asks: the suite must pass at any hour of the day.
    extra.setdefault("quiet_from", dt.time(0, 0))
    extra.setdefault("quiet_to", dt.time(0, 0))
    extra.setdefault("admin_ids", [ADMIN_ID])
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        bot_username="mahalla_test_bot",
        database_url=db_url,
        telegram_api_url=api_url,
        redis_url=redis_url,
        **extra,
    )

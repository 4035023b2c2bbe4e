"""An isolated sender environment: the fake Bot API with Telegram's limits, the database, a
Bot, and nothing draining the outbox unless the test does (the `harness` fixture runs its
own drainer in the background)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_bot
from bot.config import Settings
from bot.i18n import create_i18n
from db.session import create_engine, create_session_factory
from devkit.fakeapi import FakeBotAPI
from scheduler.context import TaskContext
from scheduler.outbox import OutboxSender
from tests.support.harness import TOKEN, make_settings


@dataclass
class Env:
    fake: FakeBotAPI
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    settings: Settings
    i18n: I18n

    def ctx(self, **settings: Any) -> TaskContext:
        return TaskContext(self.sessions, self.settings.model_copy(update=settings), self.i18n)

    def sender(self, **options: Any) -> OutboxSender:
        return OutboxSender(self.bot, self.sessions, **options)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    fake = FakeBotAPI(token=TOKEN, bot_username="mahalla_test_bot", emulate_limits=True)
    await fake.start()
    settings = make_settings(db_url, fake.base_url)
    engine = create_engine(db_url)
    bot = build_bot(settings)
    try:
        yield Env(fake, create_session_factory(engine), bot, settings, create_i18n("uz"))
    finally:
        await bot.session.close()
        await engine.dispose()
        await fake.stop()

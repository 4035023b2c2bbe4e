"""Wiring: Bot, Dispatcher, storage, middlewares and routers, built by functions (no globals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.flows.loader import load_definitions
from bot.flows.telegram import check_callback_sizes
from bot.fsm_storage import SQLAlchemyStorage
from bot.handlers import build_routers
from bot.i18n import N_, create_i18n, locale_from_telegram
from bot.middlewares.errors import ErrorMiddleware, sorry_text
from bot.middlewares.idempotency import UpdateOnce
from bot.middlewares.locale import UserLocaleMiddleware
from bot.middlewares.response_types import KeepResponseTypes
from bot.middlewares.runtime_settings import RuntimeSettingsMiddleware
from bot.middlewares.session import CommitBeforeSend, DbSessionMiddleware
from bot.middlewares.throttle import ThrottleMiddleware
from bot.middlewares.user import UserMiddleware
from bot.services.eligibility import default_rules
from bot.services.runtime_settings import SettingsCache
from bot.sync_filters import run_sync_filters_inline
from db.session import create_engine, create_session_factory
from scheduler.context import JobContext, quiet_hours
from scheduler.outbox import OutboxSender
from scheduler.service import JobScheduler

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything one bot process holds; `close()` releases it (tests build many)."""

    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    storage: BaseStorage
    outbox: OutboxSender
    extras: dict[str, Any] = field(default_factory=dict)
    scheduler: JobScheduler | None = None  # started by the runner, not by tests

    async def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        await self.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()


def build_bot(settings: Settings) -> Bot:
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_url)
        if settings.telegram_api_url
        else None
    )
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(CommitBeforeSend())
    session.middleware(KeepResponseTypes())
    return Bot(
        token=settings.token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_storage(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when configured (several processes), else our SQL storage (one process)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import (
            DefaultKeyBuilder,
            RedisEventIsolation,
            RedisStorage,
        )

        storage = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True)
        )
        return storage, RedisEventIsolation(storage.redis)
    return SQLAlchemyStorage(sessions), SimpleEventIsolation()


def build_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    storage: BaseStorage,
    isolation: BaseEventIsolation,
) -> Dispatcher:
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    dp["settings"] = settings
    dp["sessions"] = sessions
    # The update's session opens before aiogram's FSM middleware reads the state, so that read
    # joins it (one connection and transaction per update, and the state row is read only once).
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(DbSessionMiddleware(sessions))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(UpdateOnce(sessions))
    dp.update.outer_middleware(UserMiddleware(settings.admin_ids))
    dp["runtime_settings"] = runtime = SettingsCache(sessions, settings)
    dp.update.outer_middleware(RuntimeSettingsMiddleware(runtime))
    dp.update.outer_middleware(UserLocaleMiddleware(i18n))
    dp.update.outer_middleware(ErrorMiddleware())
    dp.update.outer_middleware(ThrottleMiddleware(settings.throttle_rate, settings.throttle_window))
    dp.include_routers(*build_routers())
    run_sync_filters_inline(dp)
    dp.errors.register(_on_middleware_error)
    dp["i18n_core"] = i18n
    return dp


async def _on_middleware_error(event: ErrorEvent, i18n: I18n | None = None) -> bool:
    """Errors outside handlers (e.g. the database is down): log, apologise in a guessed language."""
    log.error(
        "update %s failed before its handler", event.update.update_id, exc_info=event.exception
    )
    message = event.update.message
    query = event.update.callback_query
    sender = message.from_user if message else query.from_user if query else None
    helper = i18n or I18n.get_current(no_error=True)
    if sender is None or helper is None:
        return True
    try:
        with helper.context(), helper.use_locale(locale_from_telegram(sender.language_code)):
            if message is not None:
                await message.answer(sorry_text())
            elif query is not None:
                await query.answer(sorry_text(), show_alert=True)
    except Exception:
        log.warning("could not apologise", exc_info=True)
    return True


def build_app(settings: Settings) -> App:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    i18n = create_i18n(settings.default_locale)
    storage, isolation = build_storage(settings, sessions)
    bot = build_bot(settings)
    dp = build_dispatcher(settings, sessions, i18n, storage, isolation)
    outbox = OutboxSender(bot, sessions, quiet=quiet_hours(settings))
    dp["outbox"] = outbox
    dp.startup.register(_on_startup)
    dp["flows"] = flows = load_definitions()
    check_callback_sizes(flows)  # a definition whose buttons exceed 64 bytes stops start-up
    dp["rules"] = default_rules()
    scheduler = JobScheduler(JobContext(sessions, settings, i18n, outbox.wake))
    return App(settings, bot, dp, engine, sessions, i18n, storage, outbox, scheduler=scheduler)


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu")),
    ("help", N_("What this bot does")),
    ("language", N_("Change language")),
    ("cancel", N_("Stop what you are doing")),
)


async def _on_startup(bot: Bot, i18n_core: I18n) -> None:
    """Runs when polling or the webhook server starts (also in tests)."""
    await set_commands(bot, i18n_core)


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu per language: Russian for `ru`, Uzbek Latin for `uz` and everyone else."""
    for language_code, locale in ((None, "uz"), ("uz", "uz"), ("ru", "ru")):
        commands = [
            BotCommand(command=name, description=i18n.gettext(desc, locale=locale))
            for name, desc in COMMANDS
        ]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language_code
        )

"""Wiring: Bot, Dispatcher, storage, middlewares and routers, built by functions (no globals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent
from aiogram.utils.i18n import I18n
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.alerts import AdminAlerts
from bot.config import Settings
from bot.flows.loader import load_definitions
from bot.flows.telegram import check_callback_sizes
from bot.fsm_storage import SQLAlchemyStorage
from bot.handlers import build_routers, dialog
from bot.i18n import N_, create_i18n, locale_from_telegram
from bot.metrics import Metrics, UpdateMetrics
from bot.middlewares.callbacks import AnswerEveryCallback, HoldCallbackAnswers
from bot.middlewares.double_tap import DoubleTapGuard
from bot.middlewares.edits import EditOutcomes
from bot.middlewares.errors import ErrorMiddleware, sorry_text
from bot.middlewares.idempotency import UpdateOnce
from bot.middlewares.locale import UserLocaleMiddleware
from bot.middlewares.response_types import KeepResponseTypes
from bot.middlewares.runtime_settings import RuntimeSettingsMiddleware
from bot.middlewares.session import DbSessionMiddleware, NoWriteWhileSending, watch_writes
from bot.middlewares.throttle import (
    MemoryLimiter,
    RecentLocales,
    RedisLimiter,
    ThrottleMiddleware,
)
from bot.middlewares.user import UserMiddleware
from bot.notifications.wakeup import wake_after_commit
from bot.patches.sync_filters import run_sync_filters_inline
from bot.polling import ConfirmingDispatcher
from bot.services.eligibility import default_rules
from bot.services.runtime_settings import SettingsCache
from db.session import create_engine, create_session_factory
from scheduler.context import TaskContext, quiet_hours
from scheduler.outbox import OutboxSender
from scheduler.service import TaskScheduler

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything one bot process holds; `close()` releases it (tests build many)."""

    settings: Settings
    bot: Bot
    dispatcher: ConfirmingDispatcher
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    storage: BaseStorage
    outbox: OutboxSender
    extras: dict[str, Any] = field(default_factory=dict)
    scheduler: TaskScheduler | None = None  # started by the runner, not by tests
    redis: Redis | None = None  # per-chat locks and flood control across processes
    metrics: Metrics = field(default_factory=Metrics)

    async def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        await self.storage.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.bot.session.close()
        await self.engine.dispose()


def build_bot(settings: Settings) -> Bot:
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_url)
        if settings.telegram_api_url
        else None
    )
    session = AiohttpSession(api=api) if api else AiohttpSession()
    # Outermost first: a callback's answer waits for the update's end; an edit Telegram refuses
    # for an ordinary reason is an outcome; no call leaves while the update holds a write.
    session.middleware(HoldCallbackAnswers())
    session.middleware(EditOutcomes())
    session.middleware(NoWriteWhileSending())
    session.middleware(KeepResponseTypes())
    return Bot(
        token=settings.token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_storage(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], redis: Redis | None
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state always lives in the database, so it commits in the same transaction
    as the update's work and its "processed" mark (nothing half-done survives a crash). With
    several processes Redis holds the per-chat locks that keep one chat's updates in order."""
    storage = SQLAlchemyStorage(sessions)
    if redis is not None:
        from bot.chat_locks import ChatLocks

        return storage, ChatLocks(redis)
    return storage, SimpleEventIsolation()


#: Connections kept out of updates' reach: the outbox drainer, a scheduled job, /healthz.
RESERVED_CONNECTIONS = 2


def build_dispatcher(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    storage: BaseStorage,
    isolation: BaseEventIsolation,
    redis: Redis | None = None,
    metrics: Metrics | None = None,
    alerts: AdminAlerts | None = None,
) -> ConfirmingDispatcher:
    """The middleware chain, in the order an update meets it (after aiogram's own error and
    user-context middlewares): counted and timed → every callback answered once → a double
    tap dropped, then flood control (no database work for either) → the update's session
    (admission to match the pool) → FSM state (read through that session) → user row (its own
    small commit when it changes) and roles → handled once → run-time settings → language →
    errors turned into an apology."""
    dp = ConfirmingDispatcher(storage=storage, events_isolation=isolation)
    dp["settings"] = settings
    dp["sessions"] = sessions
    dp.update.outer_middleware.unregister(dp.fsm)
    if metrics is not None:
        dp.update.outer_middleware(UpdateMetrics(metrics, alerts.update_failed if alerts else None))
    dp.update.outer_middleware(AnswerEveryCallback())
    recent = RecentLocales()
    limiter = (
        RedisLimiter(redis, settings.throttle_rate, settings.throttle_window)
        if redis is not None
        else MemoryLimiter(settings.throttle_rate, settings.throttle_window)
    )
    # A double tap is one action of one person: dropped before it counts towards flood control.
    dp["double_tap"] = double_tap = DoubleTapGuard(redis, settings.double_tap_window)
    dp.update.outer_middleware(double_tap)
    dp["throttle"] = throttle = ThrottleMiddleware(limiter, i18n, recent)
    dp.update.outer_middleware(throttle)
    admit = max(1, settings.db_pool_size - RESERVED_CONNECTIONS)
    dp.update.outer_middleware(DbSessionMiddleware(sessions, admit))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(UserMiddleware(settings.admin_ids))
    dp.update.outer_middleware(UpdateOnce())
    dp["runtime_settings"] = runtime = SettingsCache(sessions, settings)
    dp.update.outer_middleware(RuntimeSettingsMiddleware(runtime))
    dp.update.outer_middleware(UserLocaleMiddleware(i18n, recent))
    dp.update.outer_middleware(ErrorMiddleware())
    dp.include_routers(*build_routers())
    dialog.setup(dp)
    run_sync_filters_inline(dp)
    dp.errors.register(_on_middleware_error)
    dp["i18n_core"] = i18n
    return dp


async def _on_middleware_error(
    event: ErrorEvent, i18n: I18n | None = None, i18n_core: I18n | None = None
) -> bool:
    """Errors outside handlers (e.g. the database is down): log, apologise in a guessed language."""
    if isinstance(event.exception, PoolTimeout):
        log.error(
            "update %s: no database connection free within DB_POOL_TIMEOUT (pool exhausted: "
            "something holds connections; raise DB_POOL_SIZE only if the database allows)",
            event.update.update_id,
        )
    else:
        log.error(
            "update %s failed before its handler",
            event.update.update_id,
            exc_info=event.exception,
        )
    message = event.update.message
    query = event.update.callback_query
    sender = message.from_user if message else query.from_user if query else None
    helper = i18n or i18n_core  # before the locale middleware ran, only the app's own is there
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
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
    )
    sessions = create_session_factory(engine)
    watch_writes(sessions.kw["sync_session_class"])  # for NoWriteWhileSending
    i18n = create_i18n(settings.default_locale)
    redis = _redis(settings)
    storage, isolation = build_storage(settings, sessions, redis)
    bot = build_bot(settings)
    metrics = Metrics()
    metrics.watch_pool(engine.sync_engine.pool.checkedout)  # type: ignore[attr-defined]
    alerts = AdminAlerts(sessions, settings.admin_ids, i18n, metrics)
    dp = build_dispatcher(settings, sessions, i18n, storage, isolation, redis, metrics, alerts)
    outbox = OutboxSender(
        bot, sessions, quiet=quiet_hours(settings), metrics=metrics, alerts=alerts
    )
    wake_after_commit(sessions, outbox.wake)  # every commit that queued a message wakes it
    dp["outbox"] = outbox
    dp.startup.register(_on_startup)
    dp["flows"] = flows = load_definitions()
    check_callback_sizes(flows)  # a definition whose buttons exceed 64 bytes stops start-up
    dp["rules"] = default_rules()
    scheduler = TaskScheduler(TaskContext(sessions, settings, i18n), metrics=metrics, alerts=alerts)
    app = App(settings, bot, dp, engine, sessions, i18n, storage, outbox, scheduler=scheduler)
    app.redis, app.metrics = redis, metrics
    return app


def _redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    from redis.asyncio import BlockingConnectionPool, Redis

    # A burst of updates waits for a free connection instead of failing: flood control runs
    # before admission, so every update in flight may ask Redis at once.
    pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=64, timeout=10)
    return Redis(connection_pool=pool)


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

"""Run the bot: migrate, then long polling (default) or webhooks.

Every process serves updates; only the elected leader (scheduler/leader.py) runs the scheduler
and the outbox drainer, so reminders and digests leave exactly once however many workers run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot import event_loop
from bot.app import App, build_app
from bot.bootstrap import prepare_database
from bot.config import ConfigError, Settings
from bot.logging_setup import setup_logging
from bot.metrics import serve_metrics
from scheduler.leader import lead_when_elected, lock_for

log = logging.getLogger(__name__)
# On SIGTERM, updates being handled get this long to finish before the process exits.
DRAIN_SECONDS = 10.0


def run(settings: Settings, webhook: bool = False) -> int:
    settings.token()  # fail early, with the BotFather hint, before touching anything
    if webhook and not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL is required with --webhook (the public https:// address)")
    if webhook and settings.webhook_secret is None:
        raise ConfigError(
            "WEBHOOK_SECRET is required with --webhook: without it anyone who finds the address "
            "can post forged updates (1-256 characters: letters, digits, _ and -)"
        )
    setup_logging(settings.log_level, settings.log_format, settings.log_sql)
    event_loop.run(_serve(settings, webhook), settings.event_loop)
    return 0


async def leader_duties(app: App) -> None:
    """What only one process does: the scheduler and the outbox drainer."""
    drainer = asyncio.create_task(app.outbox.run(), name="outbox")
    if app.scheduler is not None:
        app.scheduler.start()  # on the running loop; each run is claimed, so one run each
    app.extras["leader"] = True
    app.metrics.leader.set(1)
    try:
        await drainer
    finally:
        app.extras["leader"] = False
        app.metrics.leader.set(0)
        if app.scheduler is not None:
            app.scheduler.shutdown()
        drainer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drainer  # the message in flight is finished and recorded


async def _serve(settings: Settings, webhook: bool) -> None:
    await prepare_database(settings.database_url)
    app = build_app(settings)
    stop = asyncio.Event()
    metrics_server: web.AppRunner | None = None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    leader = asyncio.create_task(
        lead_when_elected(
            lock_for(settings.database_url),
            lambda: leader_duties(app),
            retry_every=settings.leader_retry_seconds,
            check_every=settings.leader_retry_seconds,
        ),
        name="leader",
    )
    try:
        if webhook:
            await _serve_webhook(app, stop)
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)
            if settings.metrics_port:
                metrics_server = await serve_metrics(
                    app.metrics, settings.metrics_host, settings.metrics_port
                )
                log.info(
                    "metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port
                )
            log.info(
                "bot started (long polling, %s event loop)", event_loop.name(settings.event_loop)
            )
            polling = asyncio.create_task(
                app.dispatcher.start_polling(
                    app.bot, handle_as_tasks=True, handle_signals=False, close_bot_session=False
                )
            )
            await _until(stop, polling)
            with contextlib.suppress(RuntimeError):
                await app.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await app.dispatcher.drain(within=DRAIN_SECONDS)
    finally:
        if metrics_server is not None:
            await metrics_server.cleanup()
        leader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await leader
        await app.close()
        log.info("bot stopped")


async def _until(stop: asyncio.Event, task: asyncio.Task[object]) -> None:
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def _serve_webhook(app: App, stop: asyncio.Event) -> None:
    from bot.webhook import build_web_app

    settings = app.settings
    assert settings.webhook_url is not None
    web_app = build_web_app(app, handle_in_background=settings.webhook_in_background)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    try:
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=(
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            ),
            allowed_updates=app.dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info(
            "bot started (webhook on %s:%s, %s event loop)",
            settings.webhook_host,
            settings.webhook_port,
            event_loop.name(settings.event_loop),
        )
        await stop.wait()
    finally:
        await runner.cleanup()

"""Run the bot: migrate, then long polling (default) or webhooks."""

from __future__ import annotations

import asyncio
import logging

from bot.app import build_app
from bot.bootstrap import prepare_database
from bot.config import ConfigError, Settings
from bot.logging_setup import setup_logging

log = logging.getLogger(__name__)


def run(settings: Settings, webhook: bool = False) -> int:
    settings.token()  # fail early, with the BotFather hint, before touching anything
    setup_logging(settings.log_level)
    if webhook:
        raise ConfigError("webhook mode is not available yet; run without --webhook")
    asyncio.run(_poll(settings))
    return 0


async def _poll(settings: Settings) -> None:
    await prepare_database(settings.database_url)
    app = build_app(settings)
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
        log.info("bot started (long polling)")
        drainer = asyncio.create_task(app.outbox.run(), name="outbox")
        try:
            await app.dispatcher.start_polling(app.bot, handle_as_tasks=True)
        finally:
            drainer.cancel()
    finally:
        await app.close()

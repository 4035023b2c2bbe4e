"""Webhook mode: aiogram's request handler on aiohttp, the secret-token check, a health check
and the Prometheus metrics (GET /metrics).

Several such workers can serve one bot behind a load balancer when they share PostgreSQL and
Redis (conversation state and per-user locks); only the elected leader runs scheduled work.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.config import ConfigError
from bot.metrics import add_metrics_route

HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

log = logging.getLogger(__name__)


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/webhook"


def _authentic_only(path: str, secret: str) -> Any:
    expected = secret.encode()

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == path:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("webhook request without the right secret token refused (401)")
                return web.Response(status=401, text="Unauthorized")
        return await handler(request)

    return check


def build_web_app(app: App, *, handle_in_background: bool = True) -> web.Application:
    """The aiohttp application: POST <path> for updates, GET /healthz for the load balancer,
    GET /metrics for Prometheus.

    A POST without Telegram's `X-Telegram-Bot-Api-Secret-Token` header equal to WEBHOOK_SECRET
    gets 401 and is not processed; the check is ours (it does not depend on a library
    skipping it when no secret is set), and there is no webhook without a secret.
    """
    settings = app.settings
    assert settings.webhook_url is not None
    if settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET is required in webhook mode")
    secret = settings.webhook_secret.get_secret_value()
    path = webhook_path(settings.webhook_url)
    web_app = web.Application(middlewares=[_authentic_only(path, secret)])
    SimpleRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=secret,
        handle_in_background=handle_in_background,
    ).register(web_app, path=path)
    setup_application(web_app, app.dispatcher, bot=app.bot)

    async def health(_request: web.Request) -> web.Response:
        try:
            async with app.sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # the database is what a worker cannot live without
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        return web.json_response({"ok": True, "leader": bool(app.extras.get("leader"))})

    web_app.router.add_get(HEALTH_PATH, health)
    add_metrics_route(web_app, app.metrics)
    return web_app

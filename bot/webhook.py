"""Webhook mode: aiogram's request handler on aiohttp, the secret-token check, a health check
and the Prometheus metrics (GET /metrics).

Several such workers can serve one bot behind a load balancer when they share PostgreSQL and
Redis (conversation state and per-user locks); only the elected leader runs scheduled work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.metrics import add_metrics_route

HEALTH_PATH = "/healthz"


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/webhook"


def build_web_app(app: App, *, handle_in_background: bool = True) -> web.Application:
    """The aiohttp application: POST <path> for updates, GET /healthz for the load balancer."""
    settings = app.settings
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    web_app = web.Application()
    SimpleRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=secret,
        handle_in_background=handle_in_background,
    ).register(web_app, path=webhook_path(settings.webhook_url))
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

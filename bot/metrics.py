"""Prometheus metrics of one bot process, served at GET /metrics.

Each `App` has its own registry (tests build many apps in one process). Components are handed
the `Metrics` object and count what they do; the update middleware below counts every update by
kind and outcome, and times it. An outcome other than "handled" is set from deeper in the chain
through `mark_update()` (a context variable), so those middlewares need no reference to this.

Outcomes: handled, unhandled (no handler matched), throttled, double_tap, duplicate (a
re-delivery), interrupted (the re-delivery of an update a crash cut off after its commit),
failed (an error the person was apologised for).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.middlewares.types import Handler

METRICS_PATH = "/metrics"

_outcome: ContextVar[list[str] | None] = ContextVar("update_outcome", default=None)


def mark_update(outcome: str) -> None:
    """Set the current update's outcome (a no-op outside an update)."""
    cell = _outcome.get()
    if cell is not None:
        cell[0] = outcome


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        # Each Metrics has its own registry (tests make several), so every metric names it.
        counter = partial(Counter, registry=registry)
        gauge = partial(Gauge, registry=registry)
        self.updates = counter("bot_updates", "Updates by kind and outcome", ["kind", "outcome"])
        self.latency = Histogram(
            "bot_update_seconds",
            "Time to handle one update",
            ["kind"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.throttled = counter("bot_throttled_updates", "Updates dropped by flood control")
        self.outbox = counter(
            "bot_outbox_messages",
            "Outbox deliveries by outcome (sent, failed, retry, 429, blocked)",
            ["outcome"],
        )
        self.outbox_waiting = gauge(
            "bot_outbox_due", "Outbox messages due now, as the drainer last saw"
        )
        self.task_runs = counter(
            "bot_scheduled_task_runs",
            "Scheduled task runs by task and outcome",
            ["task", "outcome"],
        )
        self.task_last_success = gauge(
            "bot_scheduled_task_last_success_timestamp_seconds",
            "When each scheduled task last succeeded (Unix time)",
            ["task"],
        )
        self.leader = gauge("bot_leader", "1 while this process runs the scheduler and the outbox")
        self.pool_in_use = gauge("bot_db_connections_in_use", "Database connections checked out")
        self.alerts = counter("bot_admin_alerts", "Alerts queued for the admins, by kind", ["kind"])

    def watch_pool(self, checked_out: Callable[[], int]) -> None:
        self.pool_in_use.set_function(lambda: float(checked_out()))

    def task_finished(self, task: str, ok: bool) -> None:
        self.task_runs.labels(task, "ok" if ok else "failed").inc()
        if ok:
            self.task_last_success.labels(task).set(time.time())

    def render(self) -> tuple[bytes, str]:
        """The text exposition format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def add_metrics_route(web_app: web.Application, metrics: Metrics) -> None:
    """GET /metrics on an aiohttp application (the webhook server, or the polling one)."""

    async def serve(_request: web.Request) -> web.Response:
        body, content_type = metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    web_app.router.add_get(METRICS_PATH, serve)


async def serve_metrics(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """A small server for /metrics alone (polling mode has no web server of its own)."""
    web_app = web.Application()
    add_metrics_route(web_app, metrics)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def update_kind(update: Update) -> str:
    return update.event_type if update.event_type else "other"


class UpdateMetrics(BaseMiddleware):
    """Outermost of our update middlewares: counts and times every update."""

    def __init__(
        self, metrics: Metrics, on_failed: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.metrics = metrics
        self._on_failed = on_failed

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind = update_kind(event)
        cell = ["handled"]
        token = _outcome.set(cell)
        started = time.perf_counter()
        try:
            result = await handler(event, data)
            if result is UNHANDLED and cell[0] == "handled":
                cell[0] = "unhandled"
            return result
        except Exception:
            cell[0] = "failed"
            raise
        finally:
            _outcome.reset(token)
            self.metrics.latency.labels(kind).observe(time.perf_counter() - started)
            self.metrics.updates.labels(kind, cell[0]).inc()
            if cell[0] == "throttled":
                self.metrics.throttled.inc()
            if cell[0] == "failed" and self._on_failed is not None:
                await self._on_failed()

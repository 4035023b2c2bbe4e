"""GET /metrics after a conversation (the counters moved), and alerts to the admins when
updates keep failing, a scheduled job fails or a message fails for good (one per kind per hour).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.metrics import serve_metrics
from bot.services import outbox
from db.models import OutboxMessage
from tests.support.flows import register
from tests.support.harness import ADMIN_ID, BotHarness, make_settings

UZ_UPDATES = "⚠️ Ogohlantirish: xabarlarni qayta ishlashda xatolar takrorlanmoqda"
UZ_JOB = "⚠️ Ogohlantirish: rejalashtirilgan nope vazifasi bajarilmadi"
UZ_OUTBOX = "⚠️ Ogohlantirish: xabarni yetkazib boʻlmadi"


@pytest.fixture
async def harness(fake: Any, db_url: str, redis_url: str | None) -> AsyncIterator[Any]:
    """The real webhook app, whose port also serves /metrics."""
    h = BotHarness(fake, make_settings(db_url, fake.base_url, redis_url), mode="webhook")
    await h.start()
    yield h
    await h.stop()


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_move_with_a_conversation(harness: Any) -> None:
    port = harness._web.addresses[0][1]
    url = f"http://127.0.0.1:{port}/metrics"
    before = await scrape(url)
    assert value(before, "bot_updates_total", kind="message", outcome="handled") == 0

    user = harness.user(6101, first_name="Ali", language_code="uz")
    await register(harness, user)
    async with harness.db() as session:
        await outbox.enqueue(session, chat_id=6101, text="hello", kind="t")
        await session.commit()
    await harness.drain()
    flood = harness.user(6102, first_name="Vali", language_code="uz")
    for _ in range(harness.settings.throttle_rate + 2):
        await flood.send("/start")

    after = await scrape(url)
    assert value(after, "bot_updates_total", kind="message", outcome="handled") >= 5
    assert value(after, "bot_updates_total", kind="callback_query", outcome="handled") >= 1
    assert value(after, "bot_updates_total", kind="message", outcome="throttled") >= 1
    assert value(after, "bot_throttled_updates_total") >= 1
    assert value(after, "bot_update_seconds_count", kind="message") >= 5
    assert value(after, "bot_outbox_messages_total", outcome="sent") >= 1
    assert ("bot_db_connections_in_use", ()) in after
    assert ("bot_leader", ()) in after


async def test_polling_mode_serves_metrics_on_its_own_port(harness: Any) -> None:
    runner = await serve_metrics(harness.app.metrics, "127.0.0.1", 0)
    try:
        port = runner.addresses[0][1]
        user = harness.user(6103, first_name="Ali", language_code="uz")
        await user.send("/start")
        samples = await scrape(f"http://127.0.0.1:{port}/metrics")
        assert value(samples, "bot_updates_total", kind="message", outcome="handled") >= 1
    finally:
        await runner.cleanup()


def admin_texts(harness: Any) -> list[str]:
    return [m.text or "" for m in harness.fake.user(ADMIN_ID).messages]


async def test_repeated_failures_alert_the_admins_once_an_hour(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await admin.send("/start")
    from bot.middlewares import user as user_middleware

    real = user_middleware.users.get_or_create

    async def broken(session: Any, telegram_id: int, *args: Any) -> Any:
        if telegram_id == 6104:
            raise RuntimeError("the database is having a bad day")
        return await real(session, telegram_id, *args)

    monkeypatch.setattr(user_middleware.users, "get_or_create", broken)
    victim = harness.user(6104, first_name="Ali", language_code="uz")
    for _ in range(4):
        await victim.send("salom")
    await harness.drain()
    assert not any(UZ_UPDATES in text for text in admin_texts(harness))  # 4 is not yet a pattern
    for _ in range(6):
        await victim.send("salom")
    await harness.drain()
    alerts = [text for text in admin_texts(harness) if UZ_UPDATES in text]
    assert len(alerts) == 1  # the tenth failure is within the same hour: no second alert
    assert "Kechirasiz" in victim.texts()[-1]  # the person got the apology each time


async def test_a_failed_job_and_a_message_failed_for_good_alert_the_admins(harness: Any) -> None:
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await admin.send("/start")
    scheduler = harness.app.scheduler
    await scheduler._fire("nope")  # no such job: it fails
    await scheduler._fire("nope")
    async with harness.db() as session:
        harness.user(424242, first_name="Ali", started=True)
        # Telegram refuses it for good (the markup is broken), whatever the retries.
        harness.allow_violations = True
        await outbox.enqueue(session, chat_id=424242, text="<b>broken", kind="t")
        await outbox.enqueue(session, chat_id=424243, text="to nobody", kind="t")  # no such chat
        await session.commit()
    await harness.drain()
    texts = admin_texts(harness)
    assert sum(UZ_JOB in text for text in texts) == 1
    assert sum(UZ_OUTBOX in text for text in texts) == 1
    async with harness.db() as session:
        failed = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 424242))
        assert failed is not None and failed.status == "failed"
        nobody = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 424243))
        assert nobody is not None and nobody.status == "failed"  # counted, but no alert for it
    samples = harness.app.metrics.render()[0].decode()
    assert 'bot_scheduled_task_runs_total{outcome="failed",task="nope"} 2.0' in samples
    assert 'bot_outbox_messages_total{outcome="failed"} 2.0' in samples

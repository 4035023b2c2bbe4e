"""Targets changed at run time (an admin's override) reach the next reminder and digest at once,
and the assistant's Today in a running bot within the settings cache time."""

from __future__ import annotations

from typing import Any

import time_machine
from aiogram.utils.i18n import gettext as _

from bot.i18n import in_locale
from bot.services import runtime_settings
from db.models import utcnow
from scheduler.tasks import run_task
from tests.scheduler.support import deliver_all, local, seed, start_all
from tests.support.factories import make_assistant

WEDNESDAY_9 = local(2026, 12, 9, 9, 0)
DIGEST_TIME = local(2026, 12, 9, 8, 30)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def _set(sessions: Any, key: str, value: str) -> None:
    """Change a setting as another process would (the command line, another worker)."""
    async with sessions() as session:
        await runtime_settings.set_value(session, key, value, "cli", utcnow())
        await session.commit()


async def test_changed_targets_reach_the_next_reminder_and_digest(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(WEDNESDAY_9, tick=True):
        async with harness.db() as session:
            await seed(session)
        start_all(harness.fake, 501, 502, 503, 601, 602)
        await _set(harness.app.sessions, "jobs_per_day_target", "3")
        await _set(harness.app.sessions, "jobs_per_month_target", "50")
        result = await run_task("morning_reminder", WEDNESDAY_9, app=harness.app)
        assert result.queued == 3
        await deliver_all(harness.app)
    text = _plain(harness.fake.user(501).last.text)
    assert "Bugungi reja: 3 ta yangi ish oʻrni." in text
    assert "shu oyda: 9 / 50." in text

    with time_machine.travel(DIGEST_TIME, tick=True):
        await _set(harness.app.sessions, "jobs_per_month_target", "40")
        result = await run_task("daily_digest", DIGEST_TIME, app=harness.app)
        assert result.status == "done" and result.queued > 0
        await deliver_all(harness.app)
    # The district supervisor (Russian): Chilonzor's two assistants, 3 a day, 40 a month.
    digest = _plain(next(m.text for m in harness.fake.user(601).messages if m.text))
    assert "За период: 5 из 12" in digest
    assert "За месяц: 12 из 80" in digest


async def test_a_change_elsewhere_reaches_today_within_the_cache_time(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_assistant(session, 521)
    cache = harness.app.dispatcher["runtime_settings"]
    clock = [1000.0]
    cache._clock = lambda: clock[0]  # controlled time instead of sleeping
    cache.invalidate()
    assistant = harness.user(521, first_name="Aziza", language_code="uz")
    await assistant.send("/start")

    def today_line(target: int) -> str:
        with in_locale(harness.app.i18n, "uz"):
            return _("Jobs today: {done} of {target}").format(done="0", target=target)

    with in_locale(harness.app.i18n, "uz"):
        today = _("📊 Today")
    await assistant.send(today)
    assert today_line(1) in assistant.last.text

    await _set(harness.app.sessions, "jobs_per_day_target", "4")
    clock[0] += cache.ttl - 0.5  # still cached: no query per update
    await assistant.send(today)
    assert today_line(1) in assistant.last.text
    clock[0] += 1.0  # the cache time has passed: the change is seen
    await assistant.send(today)
    assert today_line(4) in assistant.last.text


async def test_a_stored_value_out_of_range_is_ignored(sessions) -> None:  # type: ignore[no-untyped-def]
    from db.models import SettingOverride
    from tests.support.harness import make_settings

    base = make_settings("sqlite+aiosqlite:///unused.db", "http://127.0.0.1:1")
    async with sessions() as session:
        session.add(
            SettingOverride(
                key="accept_within_days", value="0", changed_by="x", changed_at=utcnow()
            )
        )
        await session.commit()
        effective = await runtime_settings.effective(session, base)
        described = await runtime_settings.describe(session, base)
    assert effective.accept_within_days == 1
    assert not described[2].overridden
    assert effective.limits().accept_days == 1

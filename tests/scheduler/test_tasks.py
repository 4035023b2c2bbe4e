"""Reminders, nudges and the overdue check: right figures, right language, working days only,
never twice (restart, two processes), nothing sent in quiet hours."""

from __future__ import annotations

import asyncio
import datetime as dt

import time_machine
from sqlalchemy import func, select

from bot.services import indicators
from db.models import Case, Job, TaskRun
from db.session import create_engine, create_session_factory
from scheduler.context import TaskContext
from scheduler.tasks import run_task
from tests.scheduler.support import (
    DISTRICT,
    M2,
    REGION,
    deliver_all,
    local,
    outbox_rows,
    seed,
    start_all,
)

WEDNESDAY_9 = local(2026, 12, 9, 9, 0)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_morning_reminder_figures_language_and_buttons(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(WEDNESDAY_9, tick=True):
        async with harness.db() as session:
            s = await seed(session)
        start_all(harness.fake, 501, 502, 503)
        result = await run_task("morning_reminder", WEDNESDAY_9, app=harness.app)
        assert (result.status, result.period, result.queued) == ("done", "2026-12-09", 3)
        await deliver_all(harness.app)

    a1 = harness.fake.user(501).last
    text = _plain(a1.text)
    assert "Xayrli tong, Aziza Karimova!" in text
    assert "Bugungi reja: 1 ta yangi ish oʻrni." in text
    assert "Kecha: 1 · shu oyda: 9 / 30." in text  # 8 Dec: one (a deleted one does not count)
    assert "3 ta ochiq · 1 ta muddati oʻtgan · kechadan beri 1 ta yangi" in text
    assert f"Muddati oʻtganlar: {s.c1.number}" in text
    assert a1.buttons == [
        ["➕ Ish oʻrni qayd etish", "📂 Murojaatlarim"],
        ["⏰ Muddati oʻtgan (1)"],
    ]
    data = [b["callback_data"] for row in a1.inline_keyboard for b in row]
    assert data[0].startswith("jb:start") and data[1].startswith("a:list")
    assert data[2].startswith("a:list") and ":over:" in data[2]

    a2 = _plain(harness.fake.user(502).last.text)
    assert "Доброе утро, Bobur Aliyev!" in a2
    assert "Вчера: 1 · за месяц: 3 из 30." in a2
    assert "открытых 0 · просроченных 0 · новых со вчерашнего дня 0" in a2
    assert len(harness.fake.user(502).last.buttons[0]) == 2  # no overdue button

    a3 = _plain(harness.fake.user(503).last.text)
    assert "Хайрли тонг" in a3 and "2 / 30" in a3

    # The figures are the assistant's "Today" figures.
    async with harness.db() as session:
        day = await indicators.assistant_day(
            session,
            s.a1.id,
            ["103-0104"],
            WEDNESDAY_9.date(),
            WEDNESDAY_9.astimezone(dt.UTC),
            target_day=1,
            target_month=30,
        )
    assert (day.jobs_yesterday, day.jobs_month, day.open_cases, day.overdue_cases) == (1, 9, 3, 1)


async def test_only_on_working_days(env) -> None:  # type: ignore[no-untyped-def]
    ctx = env.ctx()
    async with env.sessions() as session:
        await seed(session)
    for moment in (local(2026, 12, 12, 9), local(2026, 12, 13, 9), local(2026, 12, 8, 9)):
        for name in ("morning_reminder", "evening_nudge", "daily_digest"):
            result = await run_task(name, moment, ctx=ctx)
            assert result.status == "skipped" and result.detail == "not a working day"
    # Moving holidays come from configuration.
    holiday = env.ctx(holidays=[dt.date(2026, 12, 9)])
    assert (await run_task("morning_reminder", WEDNESDAY_9, ctx=holiday)).status == "skipped"
    async with env.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TaskRun)) == 0
        assert await outbox_rows(session) == []


async def test_evening_nudge_once_across_restart_and_two_processes(harness, db_url) -> None:  # type: ignore[no-untyped-def]
    evening = local(2026, 12, 9, 17)
    with time_machine.travel(evening, tick=True):
        async with harness.db() as session:
            s = await seed(session)
            session.add(
                Job(
                    assistant_id=s.a2.id,
                    mahalla_code=M2,
                    district_soato=DISTRICT,
                    region_soato=REGION,
                    kind="temporary",
                    work_date=evening.date(),
                )
            )
            await session.commit()
        start_all(harness.fake, 501, 502, 503)
        engine = create_engine(db_url)  # a second process: its own engine and context
        other = TaskContext(create_session_factory(engine), harness.settings, harness.app.i18n)
        try:
            first, second = await asyncio.gather(
                run_task("evening_nudge", evening, app=harness.app),
                run_task("evening_nudge", evening, ctx=other),
            )
        finally:
            await engine.dispose()
        assert sorted([first.status, second.status]) == ["already", "done"]
        assert max(first.queued, second.queued) == 2  # A2 recorded a job today
        await harness.restart()
        again = await run_task("evening_nudge", evening, app=harness.app)
        assert again.status == "already" and "--force" in str(again)
        async with harness.db() as session:
            rows = await outbox_rows(session, kind="evening_nudge")
        assert sorted(r.chat_id for r in rows) == [501, 503]
        await deliver_all(harness.app)
        forced = await run_task("evening_nudge", evening, app=harness.app, force=True)
        assert (forced.status, forced.period, forced.queued) == ("done", "2026-12-09#2", 2)
    nudge = _plain(harness.fake.user(501).messages[0].text)
    assert "Bugun hali birorta ish oʻrni qayd etilmagan." in nudge and "9 / 30" in nudge
    assert harness.fake.user(501).messages[0].buttons == [["➕ Ish oʻrni qayd etish"]]
    assert harness.fake.user(502).messages == []


async def test_overdue_check_tells_the_district_once(harness) -> None:  # type: ignore[no-untyped-def]
    ten = local(2026, 12, 9, 10)
    with time_machine.travel(ten, tick=True):
        async with harness.db() as session:
            s = await seed(session)
        start_all(harness.fake, 601, 602)
        result = await run_task("overdue_check", ten, app=harness.app)
        assert (result.status, result.period, result.queued) == ("done", "2026-12-09T10", 1)
        assert result.detail.startswith("1 overdue, 1 twice overdue")
        assert (await run_task("overdue_check", ten, app=harness.app)).status == "already"
        later = await run_task("overdue_check", ten + dt.timedelta(hours=1), app=harness.app)
        assert later.status == "done" and later.queued == 0
        await deliver_all(harness.app)
        async with harness.db() as session:
            c1 = await session.get(Case, s.c1.id)
            assert c1 is not None and c1.escalated_at is not None
            assert (
                await session.scalar(
                    select(func.count()).select_from(Case).where(Case.escalated_at.is_not(None))
                )
                == 1
            )
    told = harness.fake.user(601).messages
    assert len(told) == 1
    text = _plain(told[0].text)
    assert f"Обращение {s.c1.number} просрочено вдвое." in text
    assert "Aziza Karimova" in text and "Дилобод" in text
    assert harness.fake.user(602).messages == []  # the region supervisor is not told


async def test_a_late_run_in_quiet_hours_is_held_then_dropped(env) -> None:  # type: ignore[no-untyped-def]
    ctx = env.ctx(quiet_from=dt.time(21), quiet_to=dt.time(8))
    start_all(env.fake, 501, 502, 503)
    late = local(2026, 12, 9, 22)
    with time_machine.travel(late, tick=True) as traveller:
        async with env.sessions() as session:
            await seed(session)
        result = await run_task("morning_reminder", late, ctx=ctx)
        assert result.status == "done" and result.queued == 3
        sender = env.sender(quiet=ctx.quiet)
        assert await sender.drain_once() == 0
        async with env.sessions() as session:
            rows = await outbox_rows(session)
        assert {r.expires_at for r in rows} == {local(2026, 12, 10).astimezone(dt.UTC)}
        traveller.move_to(local(2026, 12, 10, 8, 0, 5))
        assert await sender.drain_once() == 0
    assert env.fake.calls_to("sendMessage") == []
    async with env.sessions() as session:
        assert {r.status for r in await outbox_rows(session)} == {"expired"}


async def test_reminder_expires_when_quiet_hours_begin(env) -> None:  # type: ignore[no-untyped-def]
    from scheduler.reminders import expires_at

    ctx = env.ctx(quiet_from=dt.time(21), quiet_to=dt.time(8))
    assert expires_at(ctx, WEDNESDAY_9) == local(2026, 12, 9, 21).astimezone(dt.UTC)
    none = env.ctx(quiet_from=dt.time(0), quiet_to=dt.time(0))
    assert expires_at(none, WEDNESDAY_9) == local(2026, 12, 10).astimezone(dt.UTC)

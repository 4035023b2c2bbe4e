"""The schedule: local times, working days only, the real AsyncIOScheduler firing under a
controlled clock, two schedulers at once, a short restart caught up once; the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from db.models import OutboxMessage, TaskRun
from db.session import create_engine, create_session_factory
from scheduler.context import TaskContext
from scheduler.service import TaskScheduler
from scheduler.tasks import TASK_NAMES, next_runs
from tests.scheduler.support import local, seed
from tests.support.harness import make_settings


def _settings(**extra):  # type: ignore[no-untyped-def]
    return make_settings("sqlite+aiosqlite:///unused.db", "http://127.0.0.1:1", **extra)


def _local(times: list[dt.datetime]) -> list[str]:
    return [f"{t:%a %d.%m %H:%M}" for t in times]


def test_fire_times_are_local_and_on_working_days_only() -> None:
    settings = _settings()
    start = local(2026, 12, 6, 12)  # Sunday; Tuesday the 8th is a holiday
    morning = next_runs("morning_reminder", settings, start, 5)
    assert _local(morning) == [
        "Mon 07.12 09:00",
        "Wed 09.12 09:00",
        "Thu 10.12 09:00",
        "Fri 11.12 09:00",
        "Mon 14.12 09:00",
    ]
    assert all(t.utcoffset() == dt.timedelta(hours=5) for t in morning)  # Asia/Tashkent
    assert morning[0].astimezone(dt.UTC).hour == 4
    assert _local(next_runs("evening_nudge", settings, start, 2)) == [
        "Mon 07.12 17:00",
        "Wed 09.12 17:00",
    ]
    assert _local(next_runs("daily_digest", settings, start, 2)) == [
        "Mon 07.12 08:30",
        "Wed 09.12 08:30",
    ]
    assert _local(next_runs("weekly_summary", settings, start, 2)) == [
        "Mon 07.12 08:30",
        "Mon 14.12 08:30",
    ]
    # 1 January is a holiday and the 2nd–3rd a weekend: the month's summary waits for the 4th.
    assert _local(next_runs("monthly_summary", settings, start, 2)) == [
        "Mon 04.01 08:30",
        "Mon 01.02 08:30",
    ]
    hourly = next_runs("overdue_check", settings, local(2026, 12, 12, 22, 10), 3)
    assert _local(hourly) == ["Sat 12.12 23:00", "Sun 13.12 00:00", "Sun 13.12 01:00"]
    # Configured times, a moving holiday on a Monday moves the weekly summary to Tuesday.
    custom = _settings(
        morning_reminder_at=dt.time(8, 15), holidays=[dt.date(2026, 12, 14)], digest_at="07:45"
    )
    assert _local(next_runs("morning_reminder", custom, local(2026, 12, 11, 9), 2)) == [
        "Tue 15.12 08:15",
        "Wed 16.12 08:15",
    ]
    assert _local(next_runs("weekly_summary", custom, local(2026, 12, 11, 9), 1)) == [
        "Tue 15.12 07:45"
    ]


def _count(model):  # type: ignore[no-untyped-def]
    return select(func.count()).select_from(model)


async def _seed_first(env, moment: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """Seed with the clock stopped just before the fire time: the scheduler then starts before
    it, however long seeding takes (on a busy machine the clock ran past it, and the run was
    planned for the next day)."""
    with time_machine.travel(moment, tick=False):
        async with env.sessions() as session:
            await seed(session)


async def test_the_scheduler_fires_at_nine_local(env) -> None:  # type: ignore[no-untyped-def]
    await _seed_first(env, local(2026, 12, 9, 8, 59, 59.6))
    with time_machine.travel(local(2026, 12, 9, 8, 59, 59.6), tick=True):
        scheduler = TaskScheduler(env.ctx())
        scheduler.start()
        try:
            # 08:30's digest was missed moments ago (within its grace): caught up at start.
            digest = await scheduler.wait_for_run("daily_digest", timeout=5)
            reminder = await scheduler.wait_for_run("morning_reminder", timeout=5)
            hourly = await scheduler.wait_for_run("overdue_check", timeout=5)
        finally:
            scheduler.shutdown()
        assert (reminder.status, reminder.period, reminder.queued) == ("done", "2026-12-09", 3)
        assert (digest.status, digest.period) == ("done", "2026-12-09")
        assert (hourly.status, hourly.period) == ("done", "2026-12-09T09")
        async with env.sessions() as session:
            runs = (
                await session.execute(select(TaskRun.job, TaskRun.period, TaskRun.claimed_at))
            ).all()
        claimed = {job: (period, at) for job, period, at in runs}
        assert claimed["morning_reminder"][1] >= local(2026, 12, 9, 9).astimezone(dt.UTC)
        # The hourly check ran at 09:00 itself; 08:00 was past its 30-minute grace.
        assert claimed["overdue_check"][0] == "2026-12-09T09" and len(runs) == 3


async def test_two_schedulers_send_once(env, db_url) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(db_url)
    other = TaskContext(create_session_factory(engine), env.settings, env.i18n)
    await _seed_first(env, local(2026, 12, 9, 16, 59, 59.6))
    with time_machine.travel(local(2026, 12, 9, 16, 59, 59.6), tick=True):
        first, second = TaskScheduler(env.ctx()), TaskScheduler(other)
        first.start()
        second.start()
        try:
            results = await asyncio.gather(
                first.wait_for_run("evening_nudge", timeout=5),
                second.wait_for_run("evening_nudge", timeout=5),
            )
            checks = await asyncio.gather(
                first.wait_for_run("overdue_check", timeout=5),
                second.wait_for_run("overdue_check", timeout=5),
            )
        finally:
            first.shutdown()
            second.shutdown()
            await engine.dispose()
    assert sorted(r.status for r in results) == ["already", "done"]
    assert sorted(r.status for r in checks) == ["already", "done"]
    async with env.sessions() as session:
        nudges = _count(OutboxMessage).where(OutboxMessage.kind == "evening_nudge")
        assert await session.scalar(nudges) == 3
        escalations = _count(OutboxMessage).where(OutboxMessage.kind == "escalation")
        assert await session.scalar(escalations) == 1  # 17:00's hourly check, also once
        runs = (await session.execute(select(TaskRun.job, TaskRun.period))).all()
        assert sorted(runs) == [("evening_nudge", "2026-12-09"), ("overdue_check", "2026-12-09T17")]


async def test_a_short_restart_is_caught_up_once(env) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(local(2026, 12, 9, 9, 20), tick=True) as traveller:
        async with env.sessions() as session:
            await seed(session)
        scheduler = TaskScheduler(env.ctx())
        scheduler.start()  # the process was down at 09:00
        try:
            late = await scheduler.wait_for_run("morning_reminder", timeout=5)
        finally:
            scheduler.shutdown()
        assert (late.status, late.queued) == ("done", 3)
        traveller.move_to(local(2026, 12, 9, 9, 25))
        again = TaskScheduler(env.ctx())  # restarted once more
        again.start()
        try:
            repeat = await again.wait_for_run("morning_reminder", timeout=5)
        finally:
            again.shutdown()
        assert repeat.status == "already"
        traveller.move_to(local(2026, 12, 9, 18, 30))  # 17:00 is past its grace: not sent
        third = TaskScheduler(env.ctx())
        third.start()
        try:
            with pytest.raises(TimeoutError):
                await third.wait_for_run("evening_nudge", timeout=0.5)
            next_run = third.next_run_times()["evening_nudge"]
        finally:
            third.shutdown()
        assert next_run == local(2026, 12, 10, 17)
    async with env.sessions() as session:
        reminders = _count(OutboxMessage).where(OutboxMessage.kind == "morning_reminder")
        assert await session.scalar(reminders) == 3


# --- the command line (in-process: each `python -m bot` start costs seconds) -------------


@pytest.fixture
def admin(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch, capsys):  # type: ignore[no-untyped-def]
    """`python -m bot admin …` on a copy of the test database: (exit code, stdout, stderr)."""
    from bot.__main__ import main

    database = tmp_path / "bot.db"
    database.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["admin", *args])
        except SystemExit as exc:  # argparse's own exit
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_admin_jobs_run_job_and_outbox(admin) -> None:  # type: ignore[no-untyped-def]
    code, out, err = admin("tasks", "--json")
    assert code == 0, err
    jobs = json.loads(out)
    assert [job["name"] for job in jobs] == list(TASK_NAMES)
    assert all(dt.datetime.fromisoformat(job["next_run"]).tzinfo for job in jobs)
    assert jobs[0]["schedule"].startswith("09:00 on working days")

    code, out, err = admin("run-task", "overdue_check")
    assert code == 0 and "queued 0 message(s)" in out, err
    code, out, _ = admin("run-job", "overdue_check")
    assert code == 0 and "already ran" in out
    code, out, _ = admin("run-job", "overdue_check", "--force", "--json")
    assert json.loads(out)["period"].endswith("#2")
    code, out, _ = admin("jobs")
    assert "overdue_check" in out and "last:" in out

    code, out, err = admin("run-job", "lunch_break")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "lunch_break" in err
    code, out, _ = admin("outbox", "--json")
    assert code == 0 and json.loads(out)["by_status"] == {}
    assert "queued 0" in admin("outbox")[1]

"""The scheduled jobs, and `run_task`: claim the (job, period), then queue its messages.

A run reads what it needs first, then in ONE transaction inserts its `job_runs` row (unique on
job + period) together with every outbox row it queues. So a period's messages exist exactly
once: a second process, a restart or an operator's repeat finds the claim and stops, and a
run that dies before committing leaves no claim behind, so the next attempt still sends.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import runtime_settings
from bot.services.workdays import WorkCalendar
from db.models import TaskRun, utcnow
from scheduler import digest_tasks, overdue, reminders, vacancy_tasks
from scheduler.context import Plan, TaskContext

log = logging.getLogger(__name__)


async def _write_nothing(session: AsyncSession, period: str) -> int:
    return 0


NOTHING = Plan(_write_nothing)


@dataclass(frozen=True)
class RunResult:
    job: str
    period: str | None
    status: str  # done | already | skipped
    queued: int = 0
    detail: str = ""

    def __str__(self) -> str:
        if self.status == "skipped":
            return f"{self.job}: skipped ({self.detail})"
        if self.status == "already":
            return (
                f"{self.job} {self.period}: already ran; nothing sent "
                "(use --force to send it again)"
            )
        extra = f"; {self.detail}" if self.detail else ""
        return f"{self.job} {self.period}: queued {self.queued} message(s){extra}"


def first_working_day_of_week(day: dt.date, calendar: WorkCalendar) -> bool:
    monday = day - dt.timedelta(days=day.weekday())
    return calendar.is_working_day(day) and not any(
        calendar.is_working_day(monday + dt.timedelta(days=i)) for i in range(day.weekday())
    )


def first_working_day_of_month(day: dt.date, calendar: WorkCalendar) -> bool:
    return calendar.is_working_day(day) and not any(
        calendar.is_working_day(day.replace(day=i)) for i in range(1, day.day)
    )


def _working(day: dt.date, calendar: WorkCalendar) -> bool:
    return calendar.is_working_day(day)


def _always(day: dt.date, calendar: WorkCalendar) -> bool:
    return True


def _daily_period(local: dt.datetime) -> str:
    return local.date().isoformat()


def _weekly_period(local: dt.datetime) -> str:
    year, week, _ = local.date().isocalendar()
    return f"{year}-W{week:02d}"


def _monthly_period(local: dt.datetime) -> str:
    return f"{local:%Y-%m}"


def _hourly_period(local: dt.datetime) -> str:
    return f"{local:%Y-%m-%dT%H}"


PlanFn = Callable[[TaskContext, dt.datetime], Awaitable[Plan]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    summary: str  # for operators (`admin jobs`)
    at: Callable[[Settings], dict[str, Any]]  # cron fields
    due: Callable[[dt.date, WorkCalendar], bool]
    not_due: str  # why a run on another day is skipped
    period: Callable[[dt.datetime], str]
    plan: PlanFn
    grace: int = 3600  # seconds a missed run may still start late (after a short restart)

    def trigger(self, settings: Settings) -> CronTrigger:
        return CronTrigger(timezone=settings.tz, **self.at(settings))

    def schedule(self, settings: Settings) -> str:
        fields = self.at(settings)
        if fields.get("hour") == "*":
            return f"every hour at :{int(fields['minute']):02d}, {self.summary}"
        return f"{int(fields['hour']):02d}:{int(fields['minute']):02d} {self.summary}"


def _at(attribute: str) -> Callable[[Settings], dict[str, Any]]:
    def fields(settings: Settings) -> dict[str, Any]:
        moment: dt.time = getattr(settings, attribute)
        return {"hour": moment.hour, "minute": moment.minute, "second": 0}

    return fields


def _fixed(hour: int, minute: int) -> Callable[[Settings], dict[str, Any]]:
    def fields(settings: Settings) -> dict[str, Any]:
        return {"hour": hour, "minute": minute, "second": 0}

    return fields


def _hourly(settings: Settings) -> dict[str, Any]:
    return {"hour": "*", "minute": 0, "second": 0}


def _registry() -> dict[str, TaskSpec]:
    specs = (
        TaskSpec(
            "morning_reminder",
            "on working days: each assistant's reminder",
            _at("morning_reminder_at"),
            _working,
            "not a working day",
            _daily_period,
            reminders.plan_morning,
        ),
        TaskSpec(
            "evening_nudge",
            "on working days: assistants with no job recorded today",
            _at("evening_nudge_at"),
            _working,
            "not a working day",
            _daily_period,
            reminders.plan_evening,
        ),
        TaskSpec(
            "daily_digest",
            "on working days: supervisors' digest",
            _at("digest_at"),
            _working,
            "not a working day",
            _daily_period,
            digest_tasks.plan_daily,
        ),
        TaskSpec(
            "weekly_summary",
            "on the first working day of the week: last week's summary",
            _at("digest_at"),
            first_working_day_of_week,
            "not the week's first working day",
            _weekly_period,
            digest_tasks.plan_weekly,
        ),
        TaskSpec(
            "monthly_summary",
            "on the first working day of the month: last month's summary and XLSX",
            _at("digest_at"),
            first_working_day_of_month,
            "not the month's first working day",
            _monthly_period,
            digest_tasks.plan_monthly,
        ),
        TaskSpec(
            "overdue_check",
            "cases past their time limits; twice overdue → district supervisors",
            _hourly,
            _always,
            "",
            _hourly_period,
            overdue.plan_overdue,
            grace=1800,
        ),
        TaskSpec(
            "vacancy_round",
            "every day: expired vacancies closed; open ones offered to seekers left out before",
            _fixed(10, 0),
            _always,
            "",
            _daily_period,
            vacancy_tasks.plan_vacancy_round,
        ),
    )
    return {spec.name: spec for spec in specs}


TASK_NAMES = (
    "morning_reminder",
    "evening_nudge",
    "daily_digest",
    "weekly_summary",
    "monthly_summary",
    "overdue_check",
    "vacancy_round",
)
_SPECS: dict[str, TaskSpec] | None = None


def specs() -> dict[str, TaskSpec]:
    global _SPECS
    if _SPECS is None:
        _SPECS = _registry()
    return _SPECS


def spec(name: str) -> TaskSpec:
    try:
        return specs()[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}; jobs: {', '.join(TASK_NAMES)}") from None


async def _claimed(session: AsyncSession, job: str, period: str) -> bool:
    found = await session.scalar(
        select(TaskRun.id).where(TaskRun.job == job, TaskRun.period == period)
    )
    return found is not None


async def _free_period(session: AsyncSession, job: str, period: str) -> str:
    """For a forced repeat: `period#2`, `#3`… (the claim of the first run stays as it was)."""
    taken = await session.scalar(
        select(func.count())
        .select_from(TaskRun)
        .where(TaskRun.job == job)
        .where((TaskRun.period == period) | TaskRun.period.like(f"{period}#%"))
    )
    return f"{period}#{int(taken or 0) + 1}" if taken else period


def context_of(app: Any) -> TaskContext:
    """The job context of a running bot (`bot.app.App`: sessions, settings, i18n, outbox)."""
    return TaskContext(app.sessions, app.settings, app.i18n)


async def run_task(
    name: str,
    now: dt.datetime | None = None,
    *,
    ctx: TaskContext | None = None,
    app: Any = None,
    force: bool = False,
) -> RunResult:
    """Run one job for the period `now` falls in (the scheduler, `admin run-job`, tests).

    Give `ctx`, or the bot's `app` to build it. Skipped on days the job is not due; a period
    already claimed is not sent again unless `force` (an operator re-sending), which claims a
    fresh `period#n`.
    """
    if ctx is None:
        if app is None:
            raise TypeError("run_task needs ctx= or app=")
        ctx = context_of(app)
    job = spec(name)
    now = now or utcnow()
    # Targets and time limits as an admin last set them (bot/services/runtime_settings.py).
    ctx = replace(ctx, settings=await runtime_settings.load_effective(ctx.sessions, ctx.settings))
    local = now.astimezone(ctx.tz)
    if not force and not job.due(local.date(), ctx.calendar):
        return RunResult(name, None, "skipped", detail=job.not_due)
    period = job.period(local)
    async with ctx.sessions() as session:
        if force:
            period = await _free_period(session, name, period)
        elif await _claimed(session, name, period):
            return RunResult(name, period, "already")
    plan = await job.plan(ctx, now)
    async with ctx.sessions() as session:
        run = TaskRun(job=name, period=period, claimed_at=utcnow())
        session.add(run)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return RunResult(name, period, "already")
        queued = await plan.write(session, period)
        run.finished_at = utcnow()
        run.result = f"queued {queued}" + (f"; {plan.detail}" if plan.detail else "")
        try:
            await session.commit()
        except IntegrityError:  # another process claimed it meanwhile (SQLite: at commit)
            await session.rollback()
            return RunResult(name, period, "already")
    log.info("job %s %s: queued %s %s", name, period, queued, plan.detail)
    return RunResult(name, period, "done", queued, plan.detail)


def next_runs(
    name: str, settings: Settings, after: dt.datetime, count: int = 1
) -> list[dt.datetime]:
    """The next `count` times the job will really run (days it is not due are skipped)."""
    job = spec(name)
    trigger = job.trigger(settings)
    calendar = WorkCalendar.from_dates(settings.holidays)
    found: list[dt.datetime] = []
    previous: dt.datetime | None = None
    moment = after.astimezone(settings.tz)
    for _ in range(24 * 400):
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        if job.due(fire.date(), calendar):
            found.append(fire)
            if len(found) >= count:
                break
        previous = fire
        moment = fire + dt.timedelta(seconds=1)
    return found


async def last_runs(session: AsyncSession) -> dict[str, TaskRun]:
    """The latest claimed run of each job."""
    latest = select(TaskRun.job, func.max(TaskRun.id).label("id")).group_by(TaskRun.job).subquery()
    rows = await session.scalars(select(TaskRun).join(latest, latest.c.id == TaskRun.id))
    return {run.job: run for run in rows}

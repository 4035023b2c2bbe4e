"""The scheduler inside the bot process: APScheduler 3's AsyncIOScheduler on the running loop.

Cron jobs are defined in code (`scheduler.tasks`) at local times of TIMEZONE. Jobs get the
job's name (an id, never an object) and run `run_task`, whose claim in `job_runs` makes a
repeat harmless. A run missed while the process was down is caught up once at start-up if
it is still within the job's grace time (coalesce: several missed runs make one).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.alerts import AdminAlerts
from bot.metrics import Metrics
from db.models import utcnow
from scheduler.context import TaskContext
from scheduler.tasks import RunResult, TaskSpec, next_runs, run_task, specs

log = logging.getLogger(__name__)


class TaskScheduler:
    def __init__(
        self, ctx: TaskContext, *, metrics: Metrics | None = None, alerts: AdminAlerts | None = None
    ) -> None:
        self.ctx = ctx
        self.metrics = metrics
        self.alerts = alerts
        self._scheduler: AsyncIOScheduler | None = None
        self.recent: collections.deque[RunResult] = collections.deque(maxlen=100)
        self._ran = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        """Start on the running event loop (call from async code)."""
        if self.running:
            return
        scheduler = AsyncIOScheduler(timezone=self.ctx.tz)
        now = dt.datetime.now(self.ctx.tz)
        for name, job in specs().items():
            trigger = job.trigger(self.ctx.settings)
            options = {}
            missed = _missed_run(trigger, job, now)
            if missed is not None:
                log.info("job %s missed its run at %s: running it now", name, missed)
                options["next_run_time"] = missed
            scheduler.add_job(
                self._fire,
                trigger,
                args=[name],
                id=name,
                name=name,
                misfire_grace_time=job.grace,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
                **options,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started (%s jobs, %s)", len(specs()), self.ctx.settings.timezone)

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def _fire(self, name: str) -> None:
        try:
            result = await run_task(name, utcnow(), ctx=self.ctx)
        except Exception:
            log.exception("scheduled job %s failed", name)
            if self.metrics is not None:
                self.metrics.task_finished(name, ok=False)
            if self.alerts is not None:
                await self.alerts.job_failed(name)
            return
        if self.metrics is not None:
            self.metrics.task_finished(name, ok=True)
        self.recent.append(result)
        self._ran.set()
        log.info("%s", result)

    async def run_task(
        self, name: str, now: dt.datetime | None = None, *, force: bool = False
    ) -> RunResult:
        return await run_task(name, now, ctx=self.ctx, force=force)

    async def wait_for_run(self, name: str, timeout: float = 5.0) -> RunResult:  # noqa: ASYNC109
        """The next (or latest) result of a scheduled run of `name` (tests, diagnostics)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for result in reversed(self.recent):
                if result.job == name:
                    return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"job {name} did not run within {timeout}s")
            self._ran.clear()
            try:
                await asyncio.wait_for(self._ran.wait(), remaining)
            except TimeoutError:
                continue

    def next_run_times(self, now: dt.datetime | None = None) -> dict[str, dt.datetime | None]:
        """When each job will next really run (days it is not due are skipped)."""
        moment = now or utcnow()
        out: dict[str, dt.datetime | None] = {}
        for name in specs():
            found = next_runs(name, self.ctx.settings, moment)
            out[name] = found[0] if found else None
        return out


def _missed_run(trigger: CronTrigger, job: TaskSpec, now: dt.datetime) -> dt.datetime | None:
    """The latest fire time within the grace time before `now`, if there was one."""
    since = now - dt.timedelta(seconds=job.grace)
    fire = trigger.get_next_fire_time(None, since)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return latest

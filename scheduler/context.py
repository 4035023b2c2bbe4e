"""What a scheduled job needs, built once per process (the bot, `admin run-job`, tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.services.digests import Targets
from bot.services.outbox import QuietHours
from bot.services.workdays import WorkCalendar

WriteFn = Callable[[AsyncSession, str], Awaitable[int]]


@dataclass
class Plan:
    """What a run will write once it holds its claim: `write(session, period)` → rows queued."""

    write: WriteFn
    detail: str = ""


@dataclass(frozen=True)
class TaskContext:
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    i18n: I18n

    @property
    def tz(self) -> dt.tzinfo:
        return self.settings.tz

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar.from_dates(self.settings.holidays)

    @property
    def quiet(self) -> QuietHours:
        return quiet_hours(self.settings)

    @property
    def targets(self) -> Targets:
        return Targets(self.settings.jobs_per_day_target, self.settings.jobs_per_month_target)


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.quiet_from, settings.quiet_to, settings.tz)

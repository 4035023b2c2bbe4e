"""Supervisor digests: the figures of a scope for a day, a week or a month.

Plain Python over SQL aggregates (the figures themselves live in `indicators`, shared with the
drill-down and the exports); it knows nothing of Telegram or languages, so the same Digest can
be rendered for every supervisor of a scope in their own language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import indicators
from bot.services.cases import KINDS
from bot.services.indicators import CaseFlow, Coverage, Standing
from bot.services.roles import Scope
from bot.services.workdays import WorkCalendar
from db.models import SupervisorScope, User

DIGEST_KINDS = ("daily", "weekly", "monthly")
CHART_DAYS = 30


@dataclass(frozen=True)
class Targets:
    day: int
    month: int


@dataclass(frozen=True)
class Digest:
    scope: Scope
    kind: str  # daily | weekly | monthly
    first: dt.date  # the period covered, local dates, inclusive
    last: dt.date
    assistants: int
    jobs: int  # in the period
    target: int  # assistants × daily target × days of the period
    month_first: dt.date
    jobs_month: int  # from the 1st of `last`'s month to `last`
    target_month: int  # assistants × monthly target
    expected_each: int  # jobs each assistant should have by `last` this month
    on_target: int  # assistants with at least `expected_each`
    cases: tuple[CaseFlow, ...]  # one per case kind, in KINDS order
    coverage: Coverage
    behind: tuple[Standing, ...]
    ahead: tuple[Standing, ...]
    per_day: tuple[tuple[dt.date, int], ...]  # the chart: CHART_DAYS days ending `last`
    target_per_day: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def share_on_target(self) -> float | None:
        return self.on_target / self.assistants if self.assistants else None

    @property
    def case_totals(self) -> CaseFlow:
        return CaseFlow(
            "all",
            sum(c.new for c in self.cases),
            sum(c.resolved for c in self.cases),
            sum(c.overdue for c in self.cases),
        )


def period_for(kind: str, today: dt.date, calendar: WorkCalendar) -> tuple[dt.date, dt.date]:
    """The days a digest sent on `today` covers.

    Daily: every day since the previous working day's digest, so Monday's covers Friday to
    Sunday and no day is left out. Weekly: last ISO week. Monthly: last calendar month.
    """
    yesterday = today - dt.timedelta(days=1)
    if kind == "daily":
        first = yesterday
        for _ in range(14):  # the previous working day; a fortnight of holidays stops the search
            if calendar.is_working_day(first):
                break
            first -= dt.timedelta(days=1)
        else:
            first = yesterday
        return first, yesterday
    if kind == "weekly":
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if kind == "monthly":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown digest kind {kind}")


async def compute_all(
    session: AsyncSession,
    scopes: Iterable[Scope],
    kind: str,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    tz: dt.tzinfo,
    targets: Targets,
) -> dict[Scope, Digest]:
    """The digests of many scopes: each figure is one grouped query per level (district,
    region, country), so the cost does not grow with the number of supervisors."""
    by_level: dict[str, set[str | None]] = {}
    for scope in scopes:
        by_level.setdefault(scope.level, set()).add(scope.code)
    month_first = last.replace(day=1)
    start, end = indicators.local_bounds(first, last, tz)
    expected = indicators.expected_jobs(last, targets.day, targets.month)
    chart_first = last - dt.timedelta(days=CHART_DAYS - 1)
    days = (last - first).days + 1
    out: dict[Scope, Digest] = {}
    for level, wanted in by_level.items():
        codes = None if level == "country" else sorted(c for c in wanted if c is not None)
        assistants = await indicators.assistants_by(session, level, codes, now)
        jobs = await indicators.jobs_by(session, level, codes, first, last)
        jobs_month = await indicators.jobs_by(session, level, codes, month_first, last)
        flows = await indicators.case_flow_by(session, level, codes, start, end, now)
        coverage = await indicators.coverage_by(session, level, codes, now)
        standings = await indicators.standings_by(
            session, level, codes, month_first, last, now, expected
        )
        per_day = await indicators.jobs_per_day_by(session, level, codes, chart_first, last)
        for code in wanted:
            key = indicators.COUNTRY if level == "country" else code or ""
            people = assistants.get(key, 0)
            flow = flows.get(key, {})
            standing = standings.get(key, indicators.Standings())
            out[Scope(level, code)] = Digest(
                scope=Scope(level, code),
                kind=kind,
                first=first,
                last=last,
                assistants=people,
                jobs=jobs.get(key, 0),
                target=people * targets.day * days,
                month_first=month_first,
                jobs_month=jobs_month.get(key, 0),
                target_month=people * targets.month,
                expected_each=expected,
                on_target=standing.on_target,
                cases=tuple(flow.get(k, CaseFlow(k)) for k in KINDS),
                coverage=coverage.get(key, Coverage()),
                behind=standing.behind,
                ahead=standing.ahead,
                per_day=tuple(sorted(per_day.get(key, {}).items())),
                target_per_day=people * targets.day,
            )
    return out


#: What `compute_all` takes after its scopes: kind, first and last day, now, time zone, targets.
Period = tuple[str, dt.date, dt.date, dt.datetime, dt.tzinfo, Targets]


async def compute(session: AsyncSession, scope: Scope, *period: *Period) -> Digest:
    """One scope's digest (see `compute_all`)."""
    found = await compute_all(session, [scope], *period)
    return found[scope]


@dataclass(frozen=True)
class Recipient:
    """A supervisor and one of their scopes (someone with two scopes gets two digests)."""

    user_id: int
    telegram_id: int
    locale: str
    scope: Scope


async def recipients(session: AsyncSession, now: dt.datetime) -> Sequence[Recipient]:
    """Every active supervisor scope of people the bot may write to, scope by scope."""
    rows = await session.execute(
        select(
            User.id,
            User.telegram_id,
            User.locale,
            SupervisorScope.level,
            SupervisorScope.place_code,
        )
        .join(SupervisorScope, SupervisorScope.user_id == User.id)
        .where(SupervisorScope.active_to.is_(None) | (SupervisorScope.active_to > now))
        .where(User.blocked_at.is_(None), User.deleted_at.is_(None))
        .order_by(SupervisorScope.level, SupervisorScope.place_code, User.id)
        .distinct()
    )
    return [Recipient(uid, tg, locale, Scope(level, code)) for uid, tg, locale, level, code in rows]

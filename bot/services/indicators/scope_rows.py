"""One row per mahalla and per assistant of a scope: the lines of the exports and of the
drill-down's lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.services.indicators import scopes
from bot.services.indicators.scopes import _month_start
from bot.services.roles import Scope
from db.models import AssistantAssignment, Case, District, Job, Mahalla, User


def _scope_assistants(scope: Scope, now: dt.datetime) -> Any:
    """One row per assistant serving a mahalla of the scope: uid, first mahalla, mahallas."""
    return (
        select(
            AssistantAssignment.user_id.label("uid"),
            func.min(AssistantAssignment.mahalla_code).label("mahalla"),
            func.count(AssistantAssignment.mahalla_code.distinct()).label("mahallas"),
        )
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .where(scopes.active_assignment(now), scopes.mahalla_area(scope))
        .group_by(AssistantAssignment.user_id)
        .subquery()
    )


@dataclass(frozen=True)
class MahallaFigures:
    """One mahalla's line of an export or a drill-down screen (jobs and cases)."""

    code: str
    name_uz: str
    name_uz_cyrl: str
    name_ru: str | None
    district_soato: str
    district_uz: str
    district_uz_cyrl: str
    district_ru: str
    assistants: str | None  # names, comma-separated; None when the mahalla has no assistant
    jobs_day: int
    jobs_month: int
    open_cases: int
    overdue_cases: int
    new_cases: int
    resolved_cases: int


async def mahalla_figures(
    session: AsyncSession, scope: Scope, day: dt.date, now: dt.datetime, tz: dt.tzinfo
) -> list[MahallaFigures]:
    """Per mahalla of the scope: jobs on `day` and this month to `day`, cases this month."""
    first = _month_start(day)
    start, end = scopes.local_bounds(first, day, tz)
    jobs = (
        select(
            Job.mahalla_code.label("code"),
            func.count().filter(Job.work_date == day).label("jobs_day"),
            func.count().label("jobs_month"),
        )
        .where(scopes.counted_job(), Job.work_date >= first, Job.work_date <= day)
        .where(scopes.area_clause(scope, Job.district_soato, Job.region_soato))
        .group_by(Job.mahalla_code)
        .subquery()
    )
    cases = (
        select(
            Case.mahalla_code.label("code"),
            func.count().filter(Case.status.in_(OPEN_STATUSES)).label("open"),
            func.count().filter(overdue_clause(now)).label("overdue"),
            func.count().filter(Case.created_at >= start, Case.created_at < end).label("new"),
            func.count()
            .filter(Case.status == "resolved", Case.resolved_at >= start, Case.resolved_at < end)
            .label("resolved"),
        )
        .where(scopes.area_clause(scope, Case.district_soato, Case.region_soato))
        .group_by(Case.mahalla_code)
        .subquery()
    )
    people = (
        select(
            AssistantAssignment.mahalla_code.label("code"),
            func.aggregate_strings(func.coalesce(User.name, "—"), ", ").label("names"),
        )
        .join(User, User.id == AssistantAssignment.user_id)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .where(scopes.active_assignment(now), scopes.mahalla_area(scope))
        .group_by(AssistantAssignment.mahalla_code)
        .subquery()
    )
    zero = 0
    rows = await session.execute(
        select(
            Mahalla.code,
            Mahalla.name_uz,
            Mahalla.name_uz_cyrl,
            Mahalla.name_ru,
            Mahalla.district_soato,
            District.name_uz,
            District.name_uz_cyrl,
            District.name_ru,
            people.c.names,
            func.coalesce(jobs.c.jobs_day, zero),
            func.coalesce(jobs.c.jobs_month, zero),
            func.coalesce(cases.c.open, zero),
            func.coalesce(cases.c.overdue, zero),
            func.coalesce(cases.c.new, zero),
            func.coalesce(cases.c.resolved, zero),
        )
        .join(District, District.soato == Mahalla.district_soato)
        .outerjoin(jobs, jobs.c.code == Mahalla.code)
        .outerjoin(cases, cases.c.code == Mahalla.code)
        .outerjoin(people, people.c.code == Mahalla.code)
        .where(Mahalla.active.is_(True), scopes.mahalla_area(scope))
        .order_by(District.name_uz, Mahalla.name_uz, Mahalla.code)
    )
    return [MahallaFigures(*row) for row in rows]


@dataclass(frozen=True)
class AssistantFigures:
    """One assistant's line of an export or a drill-down screen (jobs against target)."""

    user_id: int
    name: str | None
    phone: str | None
    mahalla_code: str  # the first of their mahallas in the scope
    mahalla_uz: str
    mahalla_uz_cyrl: str
    mahalla_ru: str | None
    mahallas: int
    jobs_day: int
    jobs_month: int
    confirmed_month: int
    expected: int
    target_month: int

    @property
    def on_target(self) -> bool:
        return self.jobs_month >= self.expected


async def assistant_figures(
    session: AsyncSession,
    scope: Scope,
    day: dt.date,
    now: dt.datetime,
    *,
    target_day: int,
    target_month: int,
) -> list[AssistantFigures]:
    """Per assistant of the scope: jobs on `day`, this month to `day`, confirmed, expected."""
    first = _month_start(day)
    people = _scope_assistants(scope, now)
    jobs = (
        select(
            Job.assistant_id.label("aid"),
            func.count().label("jobs"),
            func.count().filter(Job.status == "confirmed").label("confirmed"),
            func.count().filter(Job.work_date == day).label("jobs_day"),
        )
        .where(scopes.counted_job(), Job.work_date >= first, Job.work_date <= day)
        .where(Job.assistant_id.in_(select(people.c.uid)))
        .group_by(Job.assistant_id)
        .subquery()
    )
    expected = scopes.expected_jobs(day, target_day, target_month)
    rows = await session.execute(
        select(
            people.c.uid,
            User.name,
            User.phone,
            people.c.mahalla,
            Mahalla.name_uz,
            Mahalla.name_uz_cyrl,
            Mahalla.name_ru,
            people.c.mahallas,
            func.coalesce(jobs.c.jobs_day, 0),
            func.coalesce(jobs.c.jobs, 0),
            func.coalesce(jobs.c.confirmed, 0),
        )
        .join(User, User.id == people.c.uid)
        .join(Mahalla, Mahalla.code == people.c.mahalla)
        .outerjoin(jobs, jobs.c.aid == people.c.uid)
        .order_by(Mahalla.name_uz, people.c.uid)
    )
    return [AssistantFigures(*row, expected, target_month) for row in rows]

"""Every indicator of one place (country, region, district or mahalla): the drill-down's
screens and the lines of their children.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.services.indicators.scopes import (
    COUNTRY,
    _grouped,
    _month_start,
    _no_assistant,
    _only,
    active_assignment,
    assistant_jobs,
    counted_job,
    expected_jobs,
)
from db.models import AssistantAssignment, Case, District, Job, Mahalla

# --- one place's indicators: the drill-down's screens ------------------------------------
# `place_indicators_by` computes every figure of docs/PRODUCT.md's "Indicators" for the places of
# one level (country, region, district or mahalla) with one grouped query per table, so a
# screen and the lines of its children cost the same few queries whatever their number.

PLACE_LEVELS = ("country", "region", "district", "mahalla")
CASE_STATUSES = ("new", "accepted", "in_progress", "resolved", "rejected", "closed")
CATEGORIES = ("red", "yellow", "green")
ENTREPRENEUR_JOB_KINDS = ("new_business", "self_employment")


def _level_column(level: str, mahalla: Any, district: Any, region: Any) -> Any | None:
    """The column naming a row's place at `level` (None: the country, one group)."""
    return {"mahalla": mahalla, "district": district, "region": region}.get(level)


def _median_by(values: Any) -> Any:
    """Median of `values` (a subquery with columns place, v) per place, by window functions:
    the middle row, or the mean of the middle two. (On PostgreSQL `place_indicators_by` uses
    the ordered-set aggregate percentile_cont(0.5) instead: the same figure, much faster.)"""
    ranked = select(
        values.c.place,
        values.c.v,
        func.row_number().over(partition_by=values.c.place, order_by=values.c.v).label("rn"),
        func.count().over(partition_by=values.c.place).label("n"),
    ).subquery()
    middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    return select(ranked.c.place, func.avg(ranked.c.v)).where(middle).group_by(ranked.c.place)


def _hours_between(dialect: str, later: Any, earlier: Any) -> Any:
    """Hours from `earlier` to `later` as SQL (UTC timestamps on both backends)."""
    if dialect == "postgresql":
        return func.date_part("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


@dataclass(frozen=True)
class PlaceIndicators:
    """docs/PRODUCT.md's indicators for one place, `day` being today (local date).

    Jobs count as everywhere else (`counted_job`), in the place where they were created;
    entrepreneurs are this month's jobs of kind new business or self-employment. Cases are
    all of the place's cases, by status now; households are household-needs questionnaires
    (cases of kind "needs"), by their red / yellow / green category; medians are over those
    with a value (None when there is none). Times are in hours from creation to acceptance
    and to resolution (of cases that reached it). The rating is the mean of citizens' marks.
    """

    level: str
    code: str  # COUNTRY for the country
    mahallas: int = 0
    without_assistant: int = 0
    assistants: int = 0
    on_target: int = 0  # assistants whose own jobs this month reach `expected_each`
    expected_each: int = 0
    jobs_day: int = 0
    jobs_month: int = 0
    confirmed_month: int = 0
    entrepreneurs_month: int = 0
    target_month: int = 0  # assistants × monthly target
    statuses: tuple[tuple[str, int], ...] = ()  # (status, count) in CASE_STATUSES order
    overdue: int = 0
    open_job_requests: int = 0
    households: int = 0
    categories: tuple[tuple[str, int], ...] = ()  # (category, count) in CATEGORIES order
    median_income: float | None = None
    median_accept_hours: float | None = None
    median_resolve_hours: float | None = None
    rating: float | None = None
    rated: int = 0

    @property
    def open_cases(self) -> int:
        return sum(n for status, n in self.statuses if status in OPEN_STATUSES)

    @property
    def confirmed_share(self) -> float | None:
        return self.confirmed_month / self.jobs_month if self.jobs_month else None


async def place_indicators_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    day: dt.date,
    now: dt.datetime,
    *,
    target_day: int,
    target_month: int,
    summary: bool = False,
) -> dict[str, PlaceIndicators]:
    """Indicators of the places of `level` whose codes are given (None: all of them; the
    country's key is COUNTRY). Places with nothing to count still get a row of zeros.

    `summary`: only what a child's line of a drill-down screen shows (mahallas, jobs, cases
    by status, overdue); the assistants' standing and the medians are left at zero / None.
    """
    if level not in PLACE_LEVELS:
        raise ValueError(f"unknown level {level}")
    first = _month_start(day)
    expected = expected_jobs(day, target_day, target_month)
    dialect = session.get_bind().dialect.name

    def only(column: Any | None) -> ColumnElement[bool]:
        return _only(column, codes)

    # Mahallas and assistants (through the registry: a mahalla's district, its region).
    m_place = _level_column(level, Mahalla.code, Mahalla.district_soato, District.region_soato)
    columns, group = _grouped(
        [func.count(), func.count().filter(_no_assistant(Mahalla.code, now))], m_place
    )
    coverage = await session.execute(
        select(*columns)
        .select_from(Mahalla)
        .join(District, District.soato == Mahalla.district_soato)
        .where(Mahalla.active.is_(True), only(m_place))
        .group_by(*group)
    )
    columns, group = _grouped([AssistantAssignment.user_id.label("uid")], m_place)
    people = (
        select(*columns)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(active_assignment(now), only(m_place))
        .group_by(*group, AssistantAssignment.user_id)
        .subquery()
    )
    own_jobs = assistant_jobs(people, first, day)
    standing: Any = []
    if not summary:
        standing = await session.execute(
            select(
                people.c.place,
                func.count(),
                func.count().filter(func.coalesce(own_jobs.c.jobs, 0) >= expected),
            )
            .outerjoin(own_jobs, own_jobs.c.aid == people.c.uid)
            .group_by(people.c.place)
        )

    # Jobs created in the place this month.
    j_place = _level_column(level, Job.mahalla_code, Job.district_soato, Job.region_soato)
    columns, group = _grouped(
        [
            func.count().filter(Job.work_date == day),
            func.count(),
            func.count().filter(Job.status == "confirmed"),
            func.count().filter(Job.kind.in_(ENTREPRENEUR_JOB_KINDS)),
        ],
        j_place,
    )
    jobs = await session.execute(
        select(*columns)
        .select_from(Job)
        .where(counted_job(), Job.work_date >= first, Job.work_date <= day, only(j_place))
        .group_by(*group)
    )

    # Cases: by status, overdue, open job requests, households and their categories, rating;
    # then each median over the cases with a value (none in a summary).
    c_place = _level_column(level, Case.mahalla_code, Case.district_soato, Case.region_soato)
    needs = Case.kind == "needs"
    median_of = (
        () if summary else (
            ("median_income", Case.income_per_person, needs),
            ("median_accept_hours", _hours_between(dialect, Case.accepted_at, Case.created_at), true()),
            (
                "median_resolve_hours",
                _hours_between(dialect, Case.resolved_at, Case.created_at),
                Case.status == "resolved",
            ),
        )
    )  # fmt: skip
    columns, group = _grouped(
        [
            *(func.count().filter(Case.status == status) for status in CASE_STATUSES),
            func.count().filter(overdue_clause(now)),
            func.count().filter(Case.kind == "job", Case.status.in_(OPEN_STATUSES)),
            func.count().filter(needs),
            *(func.count().filter(needs, Case.category == c) for c in CATEGORIES),
            func.avg(Case.rating),
            func.count(Case.rating),
        ],
        c_place,
    )
    case_rows = (
        await session.execute(
            select(*columns).select_from(Case).where(only(c_place)).group_by(*group)
        )
    ).all()

    def values(value: Any, where: Any) -> Any:
        columns, _group = _grouped([value.label("v")], c_place)
        return select(*columns).where(only(c_place), value.is_not(None), where).subquery()

    medians: list[tuple[str, Any]] = []
    if dialect == "postgresql" and median_of:
        # PostgreSQL: its ordered-set aggregate percentile_cont(0.5) is the same median, all
        # three in one scan of the cases that have a value (a sort per place and median).
        columns, group = _grouped(
            [
                func.percentile_cont(0.5).within_group(value).filter(value.is_not(None), where)
                for _field, value, where in median_of
            ],
            c_place,
        )
        with_value = or_(*(value.is_not(None) & where for _field, value, where in median_of))
        found = (
            await session.execute(
                select(*columns).select_from(Case).where(only(c_place), with_value).group_by(*group)
            )
        ).all()
        for i, (field_, _value, _where) in enumerate(median_of):
            medians.append((field_, [(row_[0], row_[i + 1]) for row_ in found]))
    else:
        for field_, value, where in median_of:
            medians.append((field_, await session.execute(_median_by(values(value, where)))))

    out: dict[str, dict[str, Any]] = {}

    def row(key: str) -> dict[str, Any]:
        return out.setdefault(key, {"level": level, "code": key})

    if codes is not None and m_place is not None:
        for code in codes:
            row(code)
    elif m_place is None:
        row(COUNTRY)
    for key, total, missing in coverage:
        row(key).update(mahallas=int(total), without_assistant=int(missing))
    for key, count, on_target in standing:
        row(key).update(
            assistants=int(count),
            on_target=int(on_target),
            target_month=int(count) * target_month,
        )
    for key, jobs_day, jobs_month, confirmed, entrepreneurs in jobs:
        row(key).update(
            jobs_day=int(jobs_day),
            jobs_month=int(jobs_month),
            confirmed_month=int(confirmed),
            entrepreneurs_month=int(entrepreneurs),
        )
    n = len(CASE_STATUSES)
    for key, *figures in case_rows:
        by_status = figures[:n]
        overdue, open_jobs, households = figures[n : n + 3]
        by_category = figures[n + 3 : n + 3 + len(CATEGORIES)]
        rating, rated = figures[n + 3 + len(CATEGORIES) : n + 5 + len(CATEGORIES)]
        row(key).update(
            statuses=tuple(zip(CASE_STATUSES, map(int, by_status), strict=True)),
            overdue=int(overdue),
            open_job_requests=int(open_jobs),
            households=int(households),
            categories=tuple(zip(CATEGORIES, map(int, by_category), strict=True)),
            rating=float(rating) if rating is not None else None,
            rated=int(rated),
        )
    for field_, result in medians:
        for key, median in result:
            if median is not None:
                row(key)[field_] = float(median)
    defaults = {
        "expected_each": expected,
        "statuses": tuple((s, 0) for s in CASE_STATUSES),
        "categories": tuple((c, 0) for c in CATEGORIES),
    }
    return {key: PlaceIndicators(**{**defaults, **fields}) for key, fields in out.items()}

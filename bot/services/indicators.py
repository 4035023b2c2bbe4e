"""Indicators: one definition of each figure, computed by SQL aggregates.

Today's screen, reminders, digests, drill-down and exports all call these functions, so an
assistant and their supervisor always see the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.services.roles import Scope
from db.models import AssistantAssignment, Case, District, Job, Mahalla, User

COUNTED_JOB_STATUSES = ("recorded", "pending", "confirmed")  # a disputed job does not count


@dataclass(frozen=True)
class AssistantDay:
    jobs_today: int
    jobs_month: int
    jobs_yesterday: int
    target_day: int
    target_month: int
    open_cases: int
    overdue_cases: int
    new_since_yesterday: int


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


async def jobs_count(
    session: AsyncSession, assistant_id: int, first: dt.date, last: dt.date
) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.assistant_id == assistant_id, Job.deleted_at.is_(None))
            .where(Job.status.in_(COUNTED_JOB_STATUSES))
            .where(Job.work_date >= first, Job.work_date <= last)
        )
        or 0
    )


async def assistant_day(
    session: AsyncSession,
    assistant_id: int,
    mahallas: Sequence[str],
    today: dt.date,
    now: dt.datetime,
    *,
    target_day: int,
    target_month: int,
) -> AssistantDay:
    """The figures of an assistant's "Today" screen and morning reminder."""
    yesterday = today - dt.timedelta(days=1)
    jobs_today = await jobs_count(session, assistant_id, today, today)
    jobs_month = await jobs_count(session, assistant_id, _month_start(today), today)
    jobs_yesterday = await jobs_count(session, assistant_id, yesterday, yesterday)
    in_scope = Case.mahalla_code.in_(list(mahallas)) & (
        Case.assignee_id.is_(None) | (Case.assignee_id == assistant_id)
    ) | (Case.assignee_id == assistant_id)
    counts = (
        await session.execute(
            select(
                func.count().filter(Case.status.in_(OPEN_STATUSES)),
                func.count().filter(overdue_clause(now)),
                func.count().filter(Case.created_at >= now - dt.timedelta(days=1)),
            ).where(in_scope)
        )
    ).one()
    return AssistantDay(
        jobs_today=jobs_today,
        jobs_month=jobs_month,
        jobs_yesterday=jobs_yesterday,
        target_day=target_day,
        target_month=target_month,
        open_cases=counts[0] or 0,
        overdue_cases=counts[1] or 0,
        new_since_yesterday=counts[2] or 0,
    )


# --- figures per place and per assistant: digests, drill-down and exports ----------------
# A scope is a district, a region or the whole country (roles.Scope). The `*_by` functions
# compute a figure for every place of one level at once (GROUP BY the district or region
# code, or one row for the country), so all the digests of a morning cost a few dozen
# queries, whatever the number of supervisors.

COUNTRY = "*"  # the key of the whole country in the `*_by` results


def expected_jobs(day: dt.date, target_day: int, target_month: int) -> int:
    """Jobs an assistant should have this month by the end of `day`: one a day, up to 30."""
    return min(target_month, target_day * day.day)


def counted_job() -> ColumnElement[bool]:
    """The jobs that count towards targets (the rule `jobs_count` applies)."""
    return Job.deleted_at.is_(None) & Job.status.in_(COUNTED_JOB_STATUSES)


def local_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`, start of the day after `last`) in local time, as UTC instants."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end.astimezone(dt.UTC)


def area_clause(scope: Scope, district: Any, region: Any) -> ColumnElement[bool]:
    """Rows of a table that carries district and region codes and lie in the scope."""
    if scope.level == "country":
        return true()
    if scope.level == "region":
        return region == scope.code
    return district == scope.code


def mahalla_area(scope: Scope) -> ColumnElement[bool]:
    """Mahallas in the scope (a region's through its districts)."""
    if scope.level == "country":
        return true()
    if scope.level == "region":
        return Mahalla.district_soato.in_(
            select(District.soato).where(District.region_soato == scope.code)
        )
    return Mahalla.district_soato == scope.code


def active_assignment(now: dt.datetime) -> ColumnElement[bool]:
    return AssistantAssignment.active_to.is_(None) | (AssistantAssignment.active_to > now)


def _place(level: str, district: Any, region: Any) -> Any | None:
    """The column that names a row's place at `level` (None: the country, one group)."""
    if level == "district":
        return district
    if level == "region":
        return region
    return None


def _only(place: Any | None, codes: Sequence[str] | None) -> ColumnElement[bool]:
    return place.in_(list(codes)) if place is not None and codes is not None else true()


def _grouped(columns: Sequence[Any], place: Any | None) -> tuple[list[Any], list[Any]]:
    """(select columns, group-by columns): the place first when there is one."""
    if place is None:
        return [literal_column(f"'{COUNTRY}'").label("place"), *columns], []
    return [place.label("place"), *columns], [place]


async def assistants_by(
    session: AsyncSession, level: str, codes: Sequence[str] | None, now: dt.datetime
) -> dict[str, int]:
    """Assistants serving a mahalla of each place."""
    place = _place(level, Mahalla.district_soato, District.region_soato)
    columns, group = _grouped([func.count(AssistantAssignment.user_id.distinct())], place)
    rows = await session.execute(
        select(*columns)
        .select_from(AssistantAssignment)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(active_assignment(now), _only(place, codes))
        .group_by(*group)
    )
    return {key: int(n) for key, n in rows}


async def jobs_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    first: dt.date,
    last: dt.date,
) -> dict[str, int]:
    """Jobs created in each place's mahallas between two local dates (inclusive)."""
    place = _place(level, Job.district_soato, Job.region_soato)
    columns, group = _grouped([func.count()], place)
    rows = await session.execute(
        select(*columns)
        .select_from(Job)
        .where(counted_job(), Job.work_date >= first, Job.work_date <= last, _only(place, codes))
        .group_by(*group)
    )
    return {key: int(n) for key, n in rows}


async def jobs_per_day_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    first: dt.date,
    last: dt.date,
) -> dict[str, dict[dt.date, int]]:
    """Jobs per local day and place; every day of the range present (0 when none)."""
    place = _place(level, Job.district_soato, Job.region_soato)
    columns, group = _grouped([Job.work_date, func.count()], place)
    rows = await session.execute(
        select(*columns)
        .where(counted_job(), Job.work_date >= first, Job.work_date <= last, _only(place, codes))
        .group_by(*group, Job.work_date)
    )
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    keys = list(codes) if codes is not None and place is not None else [COUNTRY]
    out = {key: dict.fromkeys(days, 0) for key in keys}
    for key, day, n in rows:
        out.setdefault(key, dict.fromkeys(days, 0))[day] = int(n)
    return out


@dataclass(frozen=True)
class CaseFlow:
    """Cases of one kind: opened and resolved in a period, overdue now."""

    kind: str
    new: int = 0
    resolved: int = 0
    overdue: int = 0


async def case_flow_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> dict[str, dict[str, CaseFlow]]:
    """Per place and kind: cases opened and resolved in [start, end), overdue at `now`."""
    place = _place(level, Case.district_soato, Case.region_soato)
    columns, group = _grouped(
        [
            Case.kind,
            func.count().filter(Case.created_at >= start, Case.created_at < end),
            func.count().filter(
                Case.status == "resolved", Case.resolved_at >= start, Case.resolved_at < end
            ),
            func.count().filter(overdue_clause(now)),
        ],
        place,
    )
    rows = await session.execute(
        select(*columns)
        .where(_only(place, codes))
        .where(
            (Case.created_at >= start)
            | (Case.resolved_at >= start)
            | Case.status.in_(OPEN_STATUSES)
        )
        .group_by(*group, Case.kind)
    )
    out: dict[str, dict[str, CaseFlow]] = {}
    for key, kind, new, resolved, overdue in rows:
        out.setdefault(key, {})[kind] = CaseFlow(kind, int(new), int(resolved), int(overdue))
    return out


@dataclass(frozen=True)
class PlaceName:
    """A mahalla's code and names (what `registry.place_name` needs)."""

    code: str
    name_uz: str
    name_uz_cyrl: str
    name_ru: str | None


@dataclass(frozen=True)
class Coverage:
    """How many of a place's mahallas have no assistant, a few of them, cases waiting."""

    mahallas: int = 0
    without_assistant: int = 0
    sample: tuple[PlaceName, ...] = ()
    queued_cases: int = 0


def _no_assistant(code: Any, now: dt.datetime) -> ColumnElement[bool]:
    return ~exists().where(AssistantAssignment.mahalla_code == code, active_assignment(now))


async def coverage_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    now: dt.datetime,
    sample: int = 5,
) -> dict[str, Coverage]:
    """Per place: mahallas, those without an assistant (and `sample` of them by name), and
    open cases waiting in them with nobody to work them."""
    place = _place(level, Mahalla.district_soato, District.region_soato)
    no_assistant = _no_assistant(Mahalla.code, now)
    columns, group = _grouped([func.count(), func.count().filter(no_assistant)], place)
    totals = await session.execute(
        select(*columns)
        .select_from(Mahalla)
        .join(District, District.soato == Mahalla.district_soato)
        .where(Mahalla.active.is_(True), _only(place, codes))
        .group_by(*group)
    )
    columns, _group = _grouped([], place)
    ranked = (
        select(
            columns[0].label("place"),
            Mahalla.code,
            Mahalla.name_uz,
            Mahalla.name_uz_cyrl,
            Mahalla.name_ru,
            func.row_number()
            .over(partition_by=place, order_by=(Mahalla.name_uz, Mahalla.code))
            .label("n"),
        )
        .join(District, District.soato == Mahalla.district_soato)
        .where(Mahalla.active.is_(True), no_assistant, _only(place, codes))
        .subquery()
    )
    names = await session.execute(
        select(
            ranked.c.place, ranked.c.code, ranked.c.name_uz, ranked.c.name_uz_cyrl, ranked.c.name_ru
        )
        .where(ranked.c.n <= sample)
        .order_by(ranked.c.place, ranked.c.n)
    )
    case_place = _place(level, Case.district_soato, Case.region_soato)
    columns, group = _grouped([func.count()], case_place)
    queued = await session.execute(
        select(*columns)
        .select_from(Case)
        .where(Case.status.in_(OPEN_STATUSES), Case.assignee_id.is_(None))
        .where(_no_assistant(Case.mahalla_code, now), _only(case_place, codes))
        .group_by(*group)
    )
    samples: dict[str, list[PlaceName]] = {}
    for key, *row in names:
        samples.setdefault(key, []).append(PlaceName(*row))
    waiting = {key: int(n) for key, n in queued}
    return {
        key: Coverage(int(total), int(missing), tuple(samples.get(key, ())), waiting.get(key, 0))
        for key, total, missing in totals
    }


@dataclass(frozen=True)
class Standing:
    """An assistant's jobs this month, for the "furthest behind / ahead" lists."""

    user_id: int
    name: str | None
    mahalla_code: str
    name_uz: str  # the mahalla's names, so registry.place_name() names it
    name_uz_cyrl: str
    name_ru: str | None
    jobs: int


@dataclass(frozen=True)
class Standings:
    on_target: int = 0  # assistants with at least the expected jobs
    behind: tuple[Standing, ...] = ()
    ahead: tuple[Standing, ...] = ()


async def standings_by(
    session: AsyncSession,
    level: str,
    codes: Sequence[str] | None,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    expected: int,
    limit: int = 5,
) -> dict[str, Standings]:
    """Per place: assistants on target, and the `limit` furthest behind and furthest ahead.

    An assistant's jobs are all theirs (`Job.assistant_id`, as on their "Today" screen);
    they belong to every place where they serve a mahalla.
    """
    place = _place(level, Mahalla.district_soato, District.region_soato)
    columns, group = _grouped(
        [
            AssistantAssignment.user_id.label("uid"),
            func.min(AssistantAssignment.mahalla_code).label("mahalla"),
        ],
        place,
    )
    people = (
        select(*columns)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(active_assignment(now), _only(place, codes))
        .group_by(*group, AssistantAssignment.user_id)
        .cte("people")
    )
    key = people.c[0]
    jobs = (
        select(Job.assistant_id.label("aid"), func.count().label("jobs"))
        .where(counted_job(), Job.work_date >= first, Job.work_date <= last)
        .where(Job.assistant_id.in_(select(people.c.uid)))
        .group_by(Job.assistant_id)
        .subquery()
    )
    count = func.coalesce(jobs.c.jobs, 0)
    partition = key if place is not None else None
    ranked = (
        select(
            key.label("place"),
            people.c.uid,
            people.c.mahalla,
            count.label("jobs"),
            func.row_number()
            .over(partition_by=partition, order_by=(count, people.c.uid))
            .label("low"),
            func.row_number()
            .over(partition_by=partition, order_by=(count.desc(), people.c.uid))
            .label("high"),
        )
        .outerjoin(jobs, jobs.c.aid == people.c.uid)
        .subquery()
    )
    on_target = await session.execute(
        select(ranked.c.place, func.count().filter(ranked.c.jobs >= expected)).group_by(
            ranked.c.place
        )
    )
    listed = await session.execute(
        select(
            ranked.c.place,
            ranked.c.uid,
            User.name,
            ranked.c.mahalla,
            Mahalla.name_uz,
            Mahalla.name_uz_cyrl,
            Mahalla.name_ru,
            ranked.c.jobs,
            ranked.c.jobs < expected,
        )
        .join(User, User.id == ranked.c.uid)
        .join(Mahalla, Mahalla.code == ranked.c.mahalla)
        .where(
            ((ranked.c.low <= limit) & (ranked.c.jobs < expected))
            | ((ranked.c.high <= limit) & (ranked.c.jobs >= expected) & (ranked.c.jobs > 0))
        )
        .order_by(ranked.c.place, ranked.c.low)
    )
    behind: dict[str, list[Standing]] = {}
    ahead: dict[str, list[Standing]] = {}
    for key_, *row, is_behind in listed:
        (behind if is_behind else ahead).setdefault(key_, []).append(Standing(*row))
    best_first = {
        key_: sorted(rows, key=lambda s: (-s.jobs, s.user_id)) for key_, rows in ahead.items()
    }
    return {
        key_: Standings(int(n), tuple(behind.get(key_, ())), tuple(best_first.get(key_, ())))
        for key_, n in on_target
    }


def _scope_assistants(scope: Scope, now: dt.datetime) -> Any:
    """One row per assistant serving a mahalla of the scope: uid, first mahalla, mahallas."""
    return (
        select(
            AssistantAssignment.user_id.label("uid"),
            func.min(AssistantAssignment.mahalla_code).label("mahalla"),
            func.count(AssistantAssignment.mahalla_code.distinct()).label("mahallas"),
        )
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .where(active_assignment(now), mahalla_area(scope))
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
    start, end = local_bounds(first, day, tz)
    jobs = (
        select(
            Job.mahalla_code.label("code"),
            func.count().filter(Job.work_date == day).label("jobs_day"),
            func.count().label("jobs_month"),
        )
        .where(counted_job(), Job.work_date >= first, Job.work_date <= day)
        .where(area_clause(scope, Job.district_soato, Job.region_soato))
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
        .where(area_clause(scope, Case.district_soato, Case.region_soato))
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
        .where(active_assignment(now), mahalla_area(scope))
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
        .where(Mahalla.active.is_(True), mahalla_area(scope))
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
        .where(counted_job(), Job.work_date >= first, Job.work_date <= day)
        .where(Job.assistant_id.in_(select(people.c.uid)))
        .group_by(Job.assistant_id)
        .subquery()
    )
    expected = expected_jobs(day, target_day, target_month)
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


async def overdue_case_numbers(
    session: AsyncSession,
    assistant_id: int,
    mahallas: Sequence[str],
    now: dt.datetime,
    limit: int = 5,
) -> list[str]:
    """Numbers of the assistant's overdue cases, oldest first (the cases `assistant_day` counts)."""
    mine = Case.assignee_id == assistant_id
    in_scope = (Case.mahalla_code.in_(list(mahallas)) & Case.assignee_id.is_(None)) | mine
    rows = await session.scalars(
        select(Case.number)
        .where(in_scope, overdue_clause(now))
        .order_by(Case.created_at, Case.id)
        .limit(limit)
    )
    return [number for number in rows if number]


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
    own_jobs = (
        select(Job.assistant_id.label("aid"), func.count().label("jobs"))
        .where(counted_job(), Job.work_date >= first, Job.work_date <= day)
        .where(Job.assistant_id.in_(select(people.c.uid)))
        .group_by(Job.assistant_id)
        .subquery()
    )
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

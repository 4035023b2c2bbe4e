"""Figures per place for the digests: assistants, jobs (in total and per day), case flow and
coverage, each computed for every place of one level at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.services.indicators.scopes import (
    COUNTRY,
    _grouped,
    _no_assistant,
    _only,
    _place,
    active_assignment,
    counted_job,
)
from db.models import AssistantAssignment, Case, District, Job, Mahalla

# --- figures per place and per assistant: digests, drill-down and exports ----------------
# A scope is a district, a region or the whole country (roles.Scope). The `*_by` functions
# compute a figure for every place of one level at once (GROUP BY the district or region
# code, or one row for the country), so all the digests of a morning cost a few dozen
# queries, whatever the number of supervisors.


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

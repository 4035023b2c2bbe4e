"""One assistant's own figures: their "Today" screen, the morning reminder and the overdue
cases it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.services.indicators.scopes import COUNTED_JOB_STATUSES, _month_start
from db.models import Case, Job


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


async def _by_key(session: AsyncSession, query: Select[Any]) -> dict[Any, tuple[Any, ...]]:
    """A grouped query's figures (every column but the first) by its first column."""
    return {row[0]: row[1:] for row in await session.execute(query)}


async def assistant_days(
    session: AsyncSession,
    people: Mapping[int, Sequence[str]],
    today: dt.date,
    now: dt.datetime,
    *,
    target_day: int,
    target_month: int,
) -> dict[int, AssistantDay]:
    """`assistant_day` for many assistants (id -> their mahallas) in three grouped queries,
    whatever their number: the morning reminder and the evening nudge for the whole country.

    The cases an assistant counts are their mahallas' cases nobody was assigned, plus the cases
    assigned to them anywhere; the two sets never overlap, so their counts add up.
    """
    yesterday = today - dt.timedelta(days=1)
    first = min(_month_start(today), yesterday)
    jobs = await _by_key(
        session,
        select(
            Job.assistant_id,
            func.count().filter(Job.work_date == today),
            func.count().filter(Job.work_date >= _month_start(today)),
            func.count().filter(Job.work_date == yesterday),
        )
        .where(Job.deleted_at.is_(None), Job.status.in_(COUNTED_JOB_STATUSES))
        .where(Job.work_date >= first, Job.work_date <= today)
        .group_by(Job.assistant_id),
    )
    figures = (
        func.count().filter(Case.status.in_(OPEN_STATUSES)),
        func.count().filter(overdue_clause(now)),
        func.count().filter(Case.created_at >= now - dt.timedelta(days=1)),
    )
    relevant = Case.status.in_(OPEN_STATUSES) | (Case.created_at >= now - dt.timedelta(days=1))
    unassigned = await _by_key(
        session,
        select(Case.mahalla_code, *figures)
        .where(relevant, Case.assignee_id.is_(None))
        .group_by(Case.mahalla_code),
    )
    assigned = await _by_key(
        session,
        select(Case.assignee_id, *figures)
        .where(relevant, Case.assignee_id.is_not(None))
        .group_by(Case.assignee_id),
    )
    days: dict[int, AssistantDay] = {}
    for person, mahallas in people.items():
        counts = [0, 0, 0]
        for found in [unassigned.get(code) for code in dict.fromkeys(mahallas)] + [
            assigned.get(person)
        ]:
            for index, value in enumerate(found or ()):
                counts[index] += value or 0
        done = jobs.get(person, (0, 0, 0))
        days[person] = AssistantDay(
            jobs_today=done[0] or 0,
            jobs_month=done[1] or 0,
            jobs_yesterday=done[2] or 0,
            target_day=target_day,
            target_month=target_month,
            open_cases=counts[0],
            overdue_cases=counts[1],
            new_since_yesterday=counts[2],
        )
    return days


async def overdue_numbers(
    session: AsyncSession, people: Mapping[int, Sequence[str]], now: dt.datetime, limit: int = 5
) -> dict[int, list[str]]:
    """`overdue_case_numbers` for many assistants in two queries: the oldest `limit` overdue
    cases of each mahalla (unassigned) and of each assignee, merged per assistant."""
    order = (Case.created_at, Case.id)
    ranked = []
    for key, where in (
        (Case.mahalla_code, Case.assignee_id.is_(None)),
        (Case.assignee_id, Case.assignee_id.is_not(None)),
    ):
        rank = func.row_number().over(partition_by=key, order_by=order).label("rank")
        inner = (
            select(key.label("key"), Case.number, Case.created_at, Case.id, rank)
            .where(where, overdue_clause(now))
            .subquery()
        )
        rows = await session.execute(
            select(inner.c.key, inner.c.number, inner.c.created_at, inner.c.id).where(
                inner.c.rank <= limit
            )
        )
        ranked.append({})
        for key_value, number, created, case_id in rows:
            ranked[-1].setdefault(key_value, []).append((created, case_id, number))
    by_mahalla, by_assignee = ranked
    out: dict[int, list[str]] = {}
    for person, mahallas in people.items():
        cases = [c for code in dict.fromkeys(mahallas) for c in by_mahalla.get(code, [])]
        cases += by_assignee.get(person, [])
        cases.sort(key=lambda c: (c[0], c[1]))
        out[person] = [number for _created, _id, number in cases[:limit] if number]
    return out

"""One assistant's own figures: their "Today" screen, the morning reminder and the overdue
cases it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
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

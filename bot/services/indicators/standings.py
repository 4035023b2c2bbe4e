"""Rankings: per place, the assistants on target and those furthest behind and ahead
(the digests' "furthest behind / ahead" lists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.indicators.scopes import (
    _grouped,
    _only,
    _place,
    active_assignment,
    assistant_jobs,
)
from db.models import AssistantAssignment, District, Mahalla, User


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
    jobs = assistant_jobs(people, first, last)
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

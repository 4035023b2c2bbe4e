"""A twice-overdue case of a district without a supervisor goes to the region's supervisors,
and with none there either, to the country's (scheduler/overdue.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select, update

from bot.services import roles
from db.models import OutboxMessage, SupervisorScope
from scheduler.tasks import run_task
from tests.scheduler.support import local, seed
from tests.support.factories import make_user


async def _escalated_to(env: Any) -> list[int | None]:
    async with env.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.user_id).where(OutboxMessage.kind == "escalation")
        )
        return sorted(rows)


async def _end_scopes(env: Any, level: str, now: dt.datetime) -> None:
    async with env.sessions() as session:
        await session.execute(
            update(SupervisorScope)
            .where(SupervisorScope.level == level)
            .values(active_to=now - dt.timedelta(days=1))
        )
        await session.commit()


async def test_no_district_supervisor_the_region_is_told(env: Any) -> None:
    ten = local(2026, 12, 9, 10)
    with time_machine.travel(ten, tick=True):
        async with env.sessions() as session:
            s = await seed(session)
            region_id = s.region_supervisor.id
        await _end_scopes(env, "district", ten)
        result = await run_task("overdue_check", ten, ctx=env.ctx())
        assert (result.status, result.queued) == ("done", 1)
        assert await _escalated_to(env) == [region_id]
        async with env.sessions() as session:
            (text,) = await session.scalars(
                select(OutboxMessage.payload["text"].as_string()).where(
                    OutboxMessage.kind == "escalation"
                )
            )
        kind_line = text.splitlines()[1]  # "Family needs · mahalla: …", in the reader's language
        assert kind_line[:1].isupper(), kind_line


async def test_no_district_or_region_supervisor_the_country_is_told(env: Any) -> None:
    ten = local(2026, 12, 9, 10)
    with time_machine.travel(ten, tick=True):
        async with env.sessions() as session:
            await seed(session)
            country = await make_user(session, 699, locale="ru", name="Bosh Nazoratchi")
            await roles.grant_supervisor(session, country, "country", None, local(2026, 11, 1))
            await session.commit()
            country_id = country.id
        await _end_scopes(env, "district", ten)
        await _end_scopes(env, "region", ten)
        result = await run_task("overdue_check", ten, ctx=env.ctx())
        assert (result.status, result.queued) == ("done", 1)
        assert await _escalated_to(env) == [country_id]

"""The daily vacancy round: close the vacancies whose last day has passed, then offer each open
vacancy to the seekers it fits who have not had it yet — mostly those the 3-offers-a-day limit
left out on an earlier day. Offers and their messages are written in the run's claiming
transaction, so a round is sent once even with two processes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notifications import requests as notify_requests
from bot.services import vacancies
from db.models import Vacancy
from scheduler.context import Plan, TaskContext


async def plan_vacancy_round(ctx: TaskContext, now: dt.datetime) -> Plan:
    today = now.astimezone(ctx.tz).date()

    async def write(session: AsyncSession, period: str) -> int:
        await vacancies.close_expired(session, today, now)
        open_ones = await session.scalars(
            select(Vacancy).where(Vacancy.status == "open").order_by(Vacancy.id)
        )
        queued = 0
        for vacancy in list(open_ones):
            result = await vacancies.match_and_offer(session, vacancy, today, now)
            for new in result.offers:
                queued += await notify_requests.vacancy_offer(session, ctx.i18n, new)
        return queued

    return Plan(write, detail="")

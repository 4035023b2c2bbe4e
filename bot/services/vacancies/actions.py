"""What assistants and citizens do with vacancies in the bot, each one unit of work: the
writes, the word to the other side (queued in the outbox by the caller's `notify`, rendered in
`bot/notifications`), one commit before the person is answered. The scheduler's rounds use the
parts (`match_and_offer`, `close_expired`) inside their own transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.vacancies.hiring import Hired, HireError, hire
from bot.services.vacancies.offers import (
    Interest,
    MatchResult,
    NewOffer,
    OfferAnswer,
    answer_offer,
    express_interest,
    match_and_offer,
)
from bot.services.vacancies.posting import create
from bot.services.vacancies.rules import close, refresh
from db.models import User, Vacancy, VacancyOffer


async def post(
    session: AsyncSession,
    *,
    today: dt.date,
    now: dt.datetime,
    notify: Callable[[NewOffer], Awaitable[bool]],
    **fields: Any,
) -> tuple[Vacancy, MatchResult, int]:
    """An assistant posts a vacancy (`create`'s checks; `VacancyError` writes nothing) and it is
    offered to the matching seekers, in one commit; returns it, the match and how many offers
    reached someone."""
    vacancy = await create(session, today=today, now=now, **fields)
    try:
        result = await match_and_offer(session, vacancy, today, now)
        sent = 0
        for new in result.offers:
            sent += await notify(new)
    except Exception:
        await session.rollback()  # a vacancy is posted with its offers or not at all
        raise
    await session.commit()
    return vacancy, result, sent


async def withdraw(session: AsyncSession, vacancy: Vacancy, now: dt.datetime) -> None:
    """The assistant closes the vacancy, committed before the card is redrawn."""
    close(vacancy, "withdrawn", now)
    await session.commit()


async def take_on(
    session: AsyncSession,
    offer: VacancyOffer,
    *,
    assistant: User,
    today: dt.date,
    now: dt.datetime,
    notify: Callable[[Hired], Awaitable[object]],
) -> Hired:
    """The assistant marks the citizen hired (`hire`; `HireError` when it cannot be) and the
    citizen is told and asked to confirm the job, in one commit. A refusal ends the unit too,
    keeping what it found (a vacancy found expired is closed; a place taken for a request that
    closed meanwhile is given back), before the assistant is told."""
    try:
        hired = await hire(session, offer, assistant=assistant, today=today, now=now)
    except HireError:
        await session.commit()
        raise
    await notify(hired)
    await session.commit()
    return hired


async def still_open(
    session: AsyncSession, vacancy: Vacancy, today: dt.date, now: dt.datetime
) -> bool:
    """Whether a vacancy a citizen opened is still open; one found closed just now is kept
    closed (committed) before they are told."""
    if refresh(vacancy, today, now):
        return True
    await session.commit()
    return False


async def show_interest(
    session: AsyncSession,
    vacancy: Vacancy,
    citizen: User,
    today: dt.date,
    now: dt.datetime,
    notify: Callable[[VacancyOffer, Vacancy], Awaitable[object]],
) -> tuple[Interest, VacancyOffer | None]:
    """A browsing citizen says "interested": recorded and their assistant told, one commit
    (nothing is committed here when it is not recorded)."""
    result, offer = await express_interest(session, vacancy, citizen, today, now)
    if result is Interest.RECORDED and offer is not None:
        await notify(offer, vacancy)
        await session.commit()
    return result, offer


async def reply(
    session: AsyncSession,
    offer: VacancyOffer,
    yes: bool,
    today: dt.date,
    now: dt.datetime,
    notify: Callable[[VacancyOffer, Vacancy], Awaitable[object]],
) -> OfferAnswer:
    """The citizen answers an offer: the answer (or the vacancy found closed) committed, and
    on "interested" their assistant told in the same unit."""
    result = await answer_offer(session, offer, yes, today, now)
    if result in (OfferAnswer.HIRED, OfferAnswer.ALREADY):
        return result
    if result is not OfferAnswer.CLOSED:
        vacancy = await session.get(Vacancy, offer.vacancy_id)
        if yes and vacancy is not None:
            await notify(offer, vacancy)
    await session.commit()
    return result

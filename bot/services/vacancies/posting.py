"""Posting a vacancy and the pages that list them (the assistant's, and citizens' browsing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import matching, occupations, paging, registry
from bot.services.paging import Page
from bot.services.vacancies import rules
from bot.services.vacancies.rules import VacancyError, assistant_districts
from db.models import User, Vacancy

# ---------------------------------------------------------------------- posting


async def create(
    session: AsyncSession,
    *,
    assistant: User,
    mahallas: Sequence[str],
    title: str,
    employer: str,
    occupation: str,
    district: str,
    mahalla: str | None,
    pay: int | None,
    kind: str,
    places: int,
    closes_on: dt.date,
    today: dt.date,
    now: dt.datetime,
) -> Vacancy:
    """Add the vacancy (flushed, not committed) after checking every field and the place:
    one of the assistant's mahallas, or the whole district of one of them."""
    title, employer = rules.clean(title), rules.clean(employer)
    if not title or len(title) > rules.TITLE_MAX:
        raise VacancyError("title")
    if not employer or len(employer) > rules.EMPLOYER_MAX:
        raise VacancyError("employer")
    if occupation not in occupations.occupation_ids():
        raise VacancyError("occupation")
    if kind not in rules.KINDS:
        raise VacancyError("kind")
    if pay is not None and not rules.check_pay(pay):
        raise VacancyError("pay")
    if not 1 <= places <= rules.PLACES_MAX:
        raise VacancyError("places")
    if not rules.check_closes(closes_on, today):
        raise VacancyError("closes_on")
    if mahalla is not None:
        if mahalla not in mahallas:
            raise VacancyError("place")
        place = await registry.get_mahalla(session, mahalla)
        if place is None or place.district_soato != district:
            raise VacancyError("place")
    elif district not in await assistant_districts(session, mahallas):
        raise VacancyError("place")
    found = await registry.get_district(session, district)
    vacancy = Vacancy(
        assistant_id=assistant.id,
        district_soato=district,
        region_soato=found.region_soato if found else matching.region_of(district),
        mahalla_code=mahalla,
        title=title,
        employer=employer,
        occupation=occupation,
        kind=kind,
        pay=pay,
        places=places,
        filled=0,
        closes_on=closes_on,
        status="open",
        created_at=now,
    )
    session.add(vacancy)
    await session.flush()
    return vacancy


async def manageable(
    session: AsyncSession, vacancy_id: int, mahallas: Sequence[str]
) -> Vacancy | None:
    """The vacancy only if it lies in a district of the assistant's mahallas (forged ids)."""
    vacancy = await session.get(Vacancy, vacancy_id) if vacancy_id > 0 else None
    if vacancy is None or vacancy.district_soato not in await assistant_districts(
        session, mahallas
    ):
        return None
    return vacancy


async def _close_expired_first(session: AsyncSession, today: dt.date) -> None:
    """Close what expired since the scheduler's last round before a list is shown, in a commit
    of its own; only when there is something to close (a list is read far more often)."""
    expired = select(Vacancy.id).where(Vacancy.status == "open", Vacancy.closes_on < today)
    if await session.scalar(expired.limit(1)) is not None:
        await rules.close_expired(session, today)
        await session.commit()


async def assistant_page(
    session: AsyncSession, mahallas: Sequence[str], today: dt.date, page: int, per_page: int
) -> Page[Vacancy]:
    """The vacancies of the assistant's districts: open ones first, newest first."""
    districts = await assistant_districts(session, mahallas)
    await _close_expired_first(session, today)
    query = (
        select(Vacancy)
        .where(Vacancy.district_soato.in_(tuple(districts) or ("",)))
        .order_by((Vacancy.status == "open").desc(), Vacancy.id.desc())
    )
    return await paging.fetch(session, query, page, per_page)


async def browse_page(
    session: AsyncSession, district: str, today: dt.date, page: int, per_page: int
) -> Page[Vacancy]:
    """The open vacancies of a district, soonest closing first (for citizens)."""
    await _close_expired_first(session, today)
    query = (
        select(Vacancy)
        .where(Vacancy.district_soato == district, Vacancy.status == "open")
        .where(Vacancy.closes_on >= today, Vacancy.filled < Vacancy.places)
        .order_by(Vacancy.closes_on, Vacancy.id)
    )
    return await paging.fetch(session, query, page, per_page)

"""Offers: matching a vacancy to open job and internship requests (and a new request to open
vacancies) within the daily limit, and citizens' answers and interest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Select, func, select
from sqlalchemy import case as sa_case
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, matching
from bot.services.vacancies.rules import close_expired, refresh
from db.models import Case, User, Vacancy, VacancyOffer

#: Request kinds vacancies are offered to.
SEEKER_KINDS: tuple[str, ...] = ("job", "internship")


class OfferAnswer(Enum):
    INTERESTED = "interested"
    DECLINED = "declined"
    ALREADY = "already"  # the same answer was given before
    CLOSED = "closed"  # the vacancy is closed: nothing changes
    HIRED = "hired"  # already hired through this offer: nothing changes


class Interest(Enum):
    RECORDED = "recorded"
    ALREADY = "already"
    NO_REQUEST = "no_request"  # the citizen has no open job or internship request
    CLOSED = "closed"


@dataclass(frozen=True)
class NewOffer:
    """An offer recorded now, with what its message needs."""

    offer: VacancyOffer
    vacancy: Vacancy
    citizen: User
    case: Case


@dataclass(frozen=True)
class MatchResult:
    matched: int  # requests the vacancy fits (one per citizen)
    offers: list[NewOffer]
    limited: int  # matching citizens left out today by the daily limit


# ---------------------------------------------------------------------- matching and offers


def as_match(vacancy: Vacancy) -> matching.Vacancy:
    return matching.Vacancy(
        occupation=vacancy.occupation,
        kind=vacancy.kind,
        district=vacancy.district_soato,
        mahalla=vacancy.mahalla_code,
        places=max(0, vacancy.places - vacancy.filled),
        region=vacancy.region_soato,
    )


def as_request(case: Case) -> matching.SeekerRequest:
    return matching.request_from_answers(
        case.id,
        case.user_id,
        case.answers or {},
        district=case.district_soato,
        mahalla=case.mahalla_code,
        region=case.region_soato,
    )


async def offers_today(
    session: AsyncSession, citizen_ids: Sequence[int], today: dt.date
) -> dict[int, int]:
    """Offers sent to each citizen on ``today`` (citizens without any are missing)."""
    if not citizen_ids:
        return {}
    rows = await session.execute(
        select(VacancyOffer.citizen_id, func.count())
        .where(VacancyOffer.citizen_id.in_(tuple(set(citizen_ids))))
        .where(VacancyOffer.offered_on == today, VacancyOffer.source == "offer")
        .group_by(VacancyOffer.citizen_id)
    )
    return {citizen_id: int(count) for citizen_id, count in rows}


def _reachable_seekers(query: Select[tuple[Case, User]]) -> Select[tuple[Case, User]]:
    """Open job and internship requests of citizens the bot can still write to."""
    return (
        query.join(User, User.id == Case.user_id)
        .where(Case.kind.in_(SEEKER_KINDS), Case.status.in_(cases.OPEN_STATUSES))
        .where(User.deleted_at.is_(None), User.blocked_at.is_(None))
    )


async def match_and_offer(
    session: AsyncSession, vacancy: Vacancy, today: dt.date, now: dt.datetime
) -> MatchResult:
    """Offer an open vacancy to the open requests of its region it fits, closest first, one
    offer per citizen, nobody twice and nobody above the daily limit. Rows are flushed; the
    caller queues the messages."""
    if not refresh(vacancy, today, now):
        return MatchResult(matched=0, offers=[], limited=0)
    already = select(VacancyOffer.citizen_id).where(VacancyOffer.vacancy_id == vacancy.id)
    query = _reachable_seekers(select(Case, User)).where(
        Case.region_soato == vacancy.region_soato,
        Case.user_id != vacancy.assistant_id,
        Case.user_id.not_in(already),
    )
    rows = [(case, citizen) for case, citizen in await session.execute(query)]
    by_case = {case.id: (case, citizen) for case, citizen in rows}
    found = matching.match_requests(as_match(vacancy), [as_request(case) for case, _ in rows])
    counts = await offers_today(session, [r.citizen_id for r in found], today)
    chosen = matching.select_offers(found, counts)
    offers: list[NewOffer] = []
    for request in chosen:
        case, citizen = by_case[request.case_id]
        offers.append(_offer(session, vacancy, citizen, case, today, now))
    await session.flush()
    matched = len({r.citizen_id for r in found})
    return MatchResult(matched=matched, offers=offers, limited=matched - len(chosen))


def _offer(
    session: AsyncSession,
    vacancy: Vacancy,
    citizen: User,
    case: Case,
    today: dt.date,
    now: dt.datetime,
    source: str = "offer",
) -> NewOffer:
    """One vacancy offered to one citizen's request today (added to the session); `source`
    "browse" when the citizen found it themselves."""
    offer = VacancyOffer(
        vacancy_id=vacancy.id,
        citizen_id=citizen.id,
        case_id=case.id,
        source=source,
        offered_on=today,
        created_at=now,
    )
    session.add(offer)
    return NewOffer(offer, vacancy, citizen, case)


async def offer_open_vacancies(
    session: AsyncSession, case: Case, citizen: User, today: dt.date, now: dt.datetime
) -> list[NewOffer]:
    """A new or updated job/internship request gets the open vacancies it fits, within what
    is left of the citizen's daily limit (vacancies offered before are not offered again)."""
    if case.kind not in SEEKER_KINDS or case.status not in cases.OPEN_STATUSES:
        return []
    left = matching.DAILY_OFFER_LIMIT - (await offers_today(session, [citizen.id], today)).get(
        citizen.id, 0
    )
    if left <= 0:
        return []
    await close_expired(session, today, now)
    already = select(VacancyOffer.vacancy_id).where(VacancyOffer.citizen_id == citizen.id)
    open_ones = await session.scalars(
        select(Vacancy)
        .where(Vacancy.region_soato == case.region_soato, Vacancy.status == "open")
        .where(Vacancy.closes_on >= today, Vacancy.filled < Vacancy.places)
        .where(Vacancy.id.not_in(already), Vacancy.assistant_id != citizen.id)
        .order_by(Vacancy.id)
    )
    request = as_request(case)
    fitting = [v for v in open_ones if matching.match_requests(as_match(v), [request])]
    offers: list[NewOffer] = []
    for vacancy in fitting[:left]:
        offers.append(_offer(session, vacancy, citizen, case, today, now))
    await session.flush()
    return offers


# ---------------------------------------------------------------------- citizens' answers


async def own_offer(session: AsyncSession, offer_id: int, citizen: User) -> VacancyOffer | None:
    """The offer only if it was made to this citizen (forged ids get None)."""
    offer = await session.get(VacancyOffer, offer_id) if offer_id > 0 else None
    return offer if offer is not None and offer.citizen_id == citizen.id else None


async def answer_offer(
    session: AsyncSession, offer: VacancyOffer, yes: bool, today: dt.date, now: dt.datetime
) -> OfferAnswer:
    """Interested or not; the answer can change while the vacancy is open and nobody hired."""
    vacancy = await session.get(Vacancy, offer.vacancy_id)
    if offer.hired_at is not None:
        return OfferAnswer.HIRED
    if vacancy is None or not refresh(vacancy, today, now):
        return OfferAnswer.CLOSED
    wanted = "interested" if yes else "declined"
    if offer.answer == wanted:
        return OfferAnswer.ALREADY
    offer.answer, offer.answered_at = wanted, now
    return OfferAnswer.INTERESTED if yes else OfferAnswer.DECLINED


async def citizen_offer(
    session: AsyncSession, vacancy_id: int, citizen_id: int
) -> VacancyOffer | None:
    """The citizen's offer row for a vacancy (offered, or answered while browsing), if any."""
    return await session.scalar(
        select(VacancyOffer).where(
            VacancyOffer.vacancy_id == vacancy_id, VacancyOffer.citizen_id == citizen_id
        )
    )


async def seeker_case(session: AsyncSession, citizen: User) -> Case | None:
    """The citizen's open job request, else their open internship request."""
    for kind in SEEKER_KINDS:
        case = await cases.open_case_of_kind(session, citizen, kind)
        if case is not None:
            return case
    return None


async def express_interest(
    session: AsyncSession, vacancy: Vacancy, citizen: User, today: dt.date, now: dt.datetime
) -> tuple[Interest, VacancyOffer | None]:
    """A citizen browsing answers "interested" themselves: recorded like an offer's answer,
    tied to their open job (or internship) request, which the hire will resolve."""
    if not refresh(vacancy, today, now):
        return Interest.CLOSED, None
    case = await seeker_case(session, citizen)
    if case is None:
        return Interest.NO_REQUEST, None
    offer = await citizen_offer(session, vacancy.id, citizen.id)
    if offer is not None and (offer.answer == "interested" or offer.hired_at is not None):
        return Interest.ALREADY, offer
    if offer is None:
        offer = _offer(session, vacancy, citizen, case, today, now, source="browse").offer
    offer.answer, offer.answered_at = "interested", now
    await session.flush()
    return Interest.RECORDED, offer


async def interested(
    session: AsyncSession, vacancy_id: int
) -> list[tuple[VacancyOffer, User, Case]]:
    """Who answered "interested" (or was hired), first answers first."""
    rows = await session.execute(
        select(VacancyOffer, User, Case)
        .join(User, User.id == VacancyOffer.citizen_id)
        .join(Case, Case.id == VacancyOffer.case_id)
        .where(VacancyOffer.vacancy_id == vacancy_id)
        .where((VacancyOffer.answer == "interested") | VacancyOffer.hired_at.is_not(None))
        .order_by(VacancyOffer.answered_at, VacancyOffer.id)
    )
    return [(offer, citizen, case) for offer, citizen, case in rows]


async def counts(session: AsyncSession, vacancy_id: int) -> tuple[int, int]:
    """(offers sent, people interested) for the assistant's view."""
    interested_one = sa_case((VacancyOffer.answer == "interested", 1), else_=0)
    row = (
        await session.execute(
            select(func.count(VacancyOffer.id), func.coalesce(func.sum(interested_one), 0)).where(
                VacancyOffer.vacancy_id == vacancy_id
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)

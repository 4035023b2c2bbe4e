"""Vacancies: posting, matching them to open job and internship requests, offers and answers,
hiring, and closing (no aiogram here).

The matching rules and the daily limit live in :mod:`bot.services.matching` (pure); this module
loads the candidates, records every offer in ``vacancy_offers`` (the daily limit counts them)
and leaves the messages to the caller, who queues them in the same transaction and commits.
A vacancy closes when its places are filled or its closing date has passed; every action checks
that, and :func:`close_expired` lets the scheduler close them all at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Select, func, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, jobs, matching, occupations, registry
from db.models import Case, CaseEvent, Job, Mahalla, User, Vacancy, VacancyOffer

#: Kinds of work a vacancy can be (the request flows' work_kind choices without "any").
KINDS: tuple[str, ...] = ("full_time", "part_time", "seasonal", "remote")
#: Request kinds vacancies are offered to.
SEEKER_KINDS: tuple[str, ...] = ("job", "internship")
TITLE_MAX = 100
EMPLOYER_MAX = 120
PAY_MIN = 100_000
PAY_MAX = 1_000_000_000
PLACES_MAX = 500
CLOSES_WITHIN_DAYS = 180
#: The job-ledger kind a hire through a vacancy counts as.
LEDGER_KINDS = {
    "full_time": "permanent",
    "part_time": "permanent",
    "remote": "permanent",
    "seasonal": "temporary",
}


class VacancyError(ValueError):
    """A vacancy that cannot be posted as asked (the message names why)."""


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


class HireError(ValueError):
    """Hiring refused; ``reason``: closed | not_interested | already | request_closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


@dataclass(frozen=True)
class Hired:
    job: Job
    case: Case
    event: CaseEvent
    vacancy: Vacancy
    closed: bool  # the hire filled the last place


# ---------------------------------------------------------------------- checks and places


def clean(text: str) -> str:
    return " ".join(text.split())


def check_pay(value: int) -> bool:
    return PAY_MIN <= value <= PAY_MAX


def check_closes(closes_on: dt.date, today: dt.date) -> bool:
    return today <= closes_on <= today + dt.timedelta(days=CLOSES_WITHIN_DAYS)


async def assistant_districts(session: AsyncSession, mahallas: Sequence[str]) -> list[str]:
    """The districts of an assistant's mahallas, in a stable order."""
    if not mahallas:
        return []
    rows = await session.scalars(
        select(Mahalla.district_soato)
        .where(Mahalla.code.in_(tuple(mahallas)))
        .distinct()
        .order_by(Mahalla.district_soato)
    )
    return list(rows)


async def citizen_district(session: AsyncSession, citizen: User) -> str | None:
    if citizen.mahalla_code is None:
        return None
    mahalla = await registry.get_mahalla(session, citizen.mahalla_code)
    return mahalla.district_soato if mahalla else None


def is_open(vacancy: Vacancy, today: dt.date) -> bool:
    return (
        vacancy.status == "open" and vacancy.closes_on >= today and vacancy.filled < vacancy.places
    )


def close(vacancy: Vacancy, reason: str, now: dt.datetime) -> None:
    """Close an open vacancy (filled | expired | withdrawn); a closed one stays as it was."""
    if vacancy.status != "open":
        return
    vacancy.status, vacancy.closed_reason, vacancy.closed_at = "closed", reason, now


def refresh(vacancy: Vacancy, today: dt.date, now: dt.datetime) -> bool:
    """Close the vacancy if its date has passed or it is full; whether it is still open."""
    if vacancy.status == "open" and vacancy.closes_on < today:
        close(vacancy, "expired", now)
    elif vacancy.status == "open" and vacancy.filled >= vacancy.places:
        close(vacancy, "filled", now)
    return vacancy.status == "open"


async def close_expired(
    session: AsyncSession, today: dt.date, now: dt.datetime | None = None
) -> int:
    """Close every open vacancy whose closing date is before ``today`` (for the scheduler)."""
    moment = now or dt.datetime.now(dt.UTC)
    result = await session.execute(
        update(Vacancy)
        .where(Vacancy.status == "open", Vacancy.closes_on < today)
        .values(status="closed", closed_reason="expired", closed_at=moment)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
    title, employer = clean(title), clean(employer)
    if not title or len(title) > TITLE_MAX:
        raise VacancyError("title")
    if not employer or len(employer) > EMPLOYER_MAX:
        raise VacancyError("employer")
    if occupation not in occupations.occupation_ids():
        raise VacancyError("occupation")
    if kind not in KINDS:
        raise VacancyError("kind")
    if pay is not None and not check_pay(pay):
        raise VacancyError("pay")
    if not 1 <= places <= PLACES_MAX:
        raise VacancyError("places")
    if not check_closes(closes_on, today):
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


@dataclass(frozen=True)
class Page:
    items: list[Vacancy]
    total: int
    page: int


async def _page(
    session: AsyncSession, query: Select[tuple[Vacancy]], page: int, per_page: int
) -> Page:
    total = int(
        await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    page = max(0, min(page, max(0, (total - 1) // per_page)))
    rows = (await session.scalars(query.offset(page * per_page).limit(per_page))).all()
    return Page(items=list(rows), total=total, page=page)


async def assistant_page(
    session: AsyncSession, mahallas: Sequence[str], today: dt.date, page: int, per_page: int
) -> Page:
    """The vacancies of the assistant's districts: open ones first, newest first."""
    districts = await assistant_districts(session, mahallas)
    await close_expired(session, today)
    query = (
        select(Vacancy)
        .where(Vacancy.district_soato.in_(tuple(districts) or ("",)))
        .order_by((Vacancy.status == "open").desc(), Vacancy.id.desc())
    )
    return await _page(session, query, page, per_page)


async def browse_page(
    session: AsyncSession, district: str, today: dt.date, page: int, per_page: int
) -> Page:
    """The open vacancies of a district, soonest closing first (for citizens)."""
    await close_expired(session, today)
    query = (
        select(Vacancy)
        .where(Vacancy.district_soato == district, Vacancy.status == "open")
        .where(Vacancy.closes_on >= today, Vacancy.filled < Vacancy.places)
        .order_by(Vacancy.closes_on, Vacancy.id)
    )
    return await _page(session, query, page, per_page)


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
        offer = VacancyOffer(
            vacancy_id=vacancy.id,
            citizen_id=citizen.id,
            case_id=case.id,
            source="offer",
            offered_on=today,
            created_at=now,
        )
        session.add(offer)
        offers.append(NewOffer(offer, vacancy, citizen, case))
    await session.flush()
    matched = len({r.citizen_id for r in found})
    return MatchResult(matched=matched, offers=offers, limited=matched - len(chosen))


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
        offer = VacancyOffer(
            vacancy_id=vacancy.id,
            citizen_id=citizen.id,
            case_id=case.id,
            source="offer",
            offered_on=today,
            created_at=now,
        )
        session.add(offer)
        offers.append(NewOffer(offer, vacancy, citizen, case))
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
        offer = VacancyOffer(
            vacancy_id=vacancy.id,
            citizen_id=citizen.id,
            case_id=case.id,
            source="browse",
            offered_on=today,
            created_at=now,
        )
        session.add(offer)
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


# ---------------------------------------------------------------------- hiring


async def hire(
    session: AsyncSession,
    offer: VacancyOffer,
    *,
    assistant: User,
    today: dt.date,
    now: dt.datetime,
) -> Hired:
    """The citizen got the job: take a place (atomically, so two taps never overfill it),
    resolve their request (job or internship placed) and record the job in the ledger, linked
    to the request so the citizen is asked to confirm it. The caller notifies and commits."""
    vacancy = await session.get(Vacancy, offer.vacancy_id)
    case = await session.get(Case, offer.case_id)
    if vacancy is None or case is None:
        raise HireError("closed")
    if offer.hired_at is not None:
        raise HireError("already")
    if offer.answer != "interested":
        raise HireError("not_interested")
    if case.status not in cases.OPEN_STATUSES:
        raise HireError("request_closed")
    if not refresh(vacancy, today, now):
        raise HireError("closed")
    taken = await session.execute(
        update(Vacancy)
        .where(Vacancy.id == vacancy.id, Vacancy.status == "open")
        .where(Vacancy.filled < Vacancy.places)
        .values(filled=Vacancy.filled + 1)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        raise HireError("closed")
    await session.refresh(vacancy)
    outcome = "internship_placed" if case.kind == "internship" else "job_placed"
    try:
        event = await cases.change_status(
            session, case, actor=assistant, to_status="resolved", now=now, outcome=outcome
        )
    except cases.CaseError:  # the request changed meanwhile: give the place back
        await session.execute(
            update(Vacancy)
            .where(Vacancy.id == vacancy.id)
            .values(filled=Vacancy.filled - 1)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(vacancy)
        raise HireError("request_closed") from None
    kind = (
        "internship" if case.kind == "internship" else LEDGER_KINDS.get(vacancy.kind, "permanent")
    )
    job = await jobs.record(
        session,
        assistant=assistant,
        kind=kind,
        employer=vacancy.employer[: jobs.EMPLOYER_MAX_CHARS],
        mahalla_code=case.mahalla_code,
        case=case,
        work_date=today,
        now=now,
    )
    offer.hired_at, offer.job_id = now, job.id
    closed = not refresh(vacancy, today, now)
    return Hired(job=job, case=case, event=event, vacancy=vacancy, closed=closed)

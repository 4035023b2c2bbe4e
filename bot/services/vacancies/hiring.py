"""Hiring through a vacancy: a place taken atomically, the request resolved and the job
recorded in the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, jobs
from bot.services.vacancies.rules import refresh
from db.models import Case, CaseEvent, Job, User, Vacancy, VacancyOffer

#: The job-ledger kind a hire through a vacancy counts as.
LEDGER_KINDS = {
    "full_time": "permanent",
    "part_time": "permanent",
    "remote": "permanent",
    "seasonal": "temporary",
}


class HireError(ValueError):
    """Hiring refused; ``reason``: closed | not_interested | already | request_closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Hired:
    job: Job
    case: Case
    event: CaseEvent
    vacancy: Vacancy
    closed: bool  # the hire filled the last place


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
    to the request so the citizen is asked to confirm it. `take_on` notifies and commits."""
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

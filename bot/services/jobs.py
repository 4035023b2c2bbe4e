"""The job ledger: recording a job, same-day corrections, and the citizen's confirmation.

A job counts for the local date it was recorded on (`work_date`), so corrections are allowed
only on that day: afterwards the figures the supervisors saw would silently change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, registry
from db.models import Case, Job, User

KINDS = ("permanent", "temporary", "self_employment", "new_business", "internship", "public_works")
NO_EMPLOYER_KINDS = ("self_employment", "new_business")  # "no employer" is offered for these
EMPLOYER_MAX_CHARS = 120
LINKABLE_CASES = 5


class JobError(ValueError):
    """A job that cannot be recorded as asked (the message names why)."""


class Access(Enum):
    OK = "ok"
    FORGED = "forged"  # not this assistant's job, deleted, or no such job
    OTHER_DAY = "other_day"


class Answer(Enum):
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    ALREADY = "already"  # answered before: the first answer stands
    FORGED = "forged"  # not this citizen's job
    WITHDRAWN = "withdrawn"  # the assistant deleted the job


def clean_employer(text: str) -> str:
    return " ".join(text.split())


async def last_employer(session: AsyncSession, assistant_id: int) -> str | None:
    """The employer of the assistant's latest job that had one (for "same as last")."""
    return await session.scalar(
        select(Job.employer)
        .where(Job.assistant_id == assistant_id, Job.employer.is_not(None))
        .where(Job.deleted_at.is_(None))
        .order_by(Job.id.desc())
        .limit(1)
    )


async def linkable_cases(
    session: AsyncSession, assistant_id: int, mahallas: Sequence[str], limit: int = LINKABLE_CASES
) -> Sequence[tuple[Case, User]]:
    """The assistant's most recent open cases with their citizens, for the link buttons."""
    rows = await session.execute(
        select(Case, User)
        .join(User, User.id == Case.user_id)
        .where(cases.assistant_scope(assistant_id, mahallas), Case.status.in_(cases.OPEN_STATUSES))
        .order_by(Case.id.desc())
        .limit(limit)
    )
    return [(case, citizen) for case, citizen in rows]


def job_mahalla(mahallas: Sequence[str], case: Case | None) -> str | None:
    """Where the job counts: the case's mahalla, the only mahalla, or None (ask the assistant)."""
    if case is not None:
        return case.mahalla_code
    if len(mahallas) == 1:
        return mahallas[0]
    return None


class NewJob(TypedDict):
    """What an assistant records of a job: the keywords of `record`, which `add` hands on."""

    assistant: User
    kind: str
    employer: str | None
    mahalla_code: str
    case: Case | None
    work_date: dt.date
    now: dt.datetime


async def record(
    session: AsyncSession,
    *,
    assistant: User,
    kind: str,
    employer: str | None,
    mahalla_code: str,
    case: Case | None,
    work_date: dt.date,
    now: dt.datetime,
) -> Job:
    """Add the job (flushed for its id, not committed). Linked to a case it awaits its citizen."""
    if kind not in KINDS:
        raise JobError(f"unknown job kind {kind}")
    mahalla = await registry.get_mahalla(session, mahalla_code)
    if mahalla is None:
        raise JobError("unknown mahalla")
    district = await registry.get_district(session, mahalla.district_soato)
    job = Job(
        assistant_id=assistant.id,
        mahalla_code=mahalla.code,
        district_soato=mahalla.district_soato,
        region_soato=district.region_soato if district else mahalla.district_soato[:4],
        kind=kind,
        employer=employer or None,
        case_id=case.id if case else None,
        citizen_id=case.user_id if case else None,
        work_date=work_date,
        status="pending" if case else "recorded",
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def add(
    session: AsyncSession,
    *,
    notify: Callable[[Job, Case], Awaitable[object]],
    **new: Unpack[NewJob],
) -> Job:
    """An assistant records a job: kept, its citizen asked to confirm (when linked to a case),
    committed before the assistant sees it counted."""
    job = await record(session, **new)
    case = new["case"]
    if case is not None:
        await notify(job, case)
    await session.commit()
    return job


async def own_job(session: AsyncSession, job_id: int, assistant_id: int) -> Job | None:
    job = await session.get(Job, job_id) if job_id > 0 else None
    if job is None or job.assistant_id != assistant_id or job.deleted_at is not None:
        return None
    return job


def edit_access(job: Job | None, today: dt.date) -> Access:
    """Edit and delete only the same (local) day the job counts for."""
    if job is None:
        return Access.FORGED
    return Access.OK if job.work_date == today else Access.OTHER_DAY


async def update(session: AsyncSession, job: Job, *, kind: str, employer: str | None) -> None:
    """A same-day correction, committed before the corrected job is shown."""
    if kind not in KINDS:
        raise JobError(f"unknown job kind {kind}")
    job.kind, job.employer = kind, employer or None
    await session.commit()


async def delete(session: AsyncSession, job: Job, now: dt.datetime) -> None:
    """Soft delete, committed before the day's count is shown: the row stays for the audit,
    the figures stop counting it."""
    job.deleted_at = now
    await session.commit()


async def answer(
    session: AsyncSession, job_id: int, citizen: User, yes: bool, now: dt.datetime
) -> tuple[Answer, Job | None]:
    """The citizen's "did you start this job?": pending → confirmed | disputed, once."""
    job = await session.get(Job, job_id) if job_id > 0 else None
    if job is None or job.citizen_id != citizen.id:
        return Answer.FORGED, None
    if job.deleted_at is not None:
        return Answer.WITHDRAWN, job
    if job.status != "pending":
        return Answer.ALREADY, job
    job.status = "confirmed" if yes else "disputed"
    job.confirmed_at = now
    return (Answer.CONFIRMED if yes else Answer.DISPUTED), job


async def confirm(
    session: AsyncSession,
    job_id: int,
    citizen: User,
    yes: bool,
    now: dt.datetime,
    notify: Callable[[Job], Awaitable[object]],
) -> tuple[Answer, Job | None]:
    """The citizen answers once: the answer and the word to the assistant, one commit (nothing
    is written for a forged, withdrawn or repeated answer)."""
    result, job = await answer(session, job_id, citizen, yes, now)
    if result in (Answer.CONFIRMED, Answer.DISPUTED) and job is not None:
        await notify(job)
        await session.commit()
    return result, job


def linked_case_ok(case: Case, assistant_id: int, mahallas: Sequence[str]) -> bool:
    """A case offered as a link must still be open and this assistant's when the tap arrives."""
    return case.status in cases.OPEN_STATUSES and cases.may_work(case, assistant_id, mahallas)

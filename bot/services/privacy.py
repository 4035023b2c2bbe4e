"""A citizen's personal data: what is kept about them, and erasing it on request.

Erasing keeps the figures (cases, jobs) that indicators count, but without the person: the
user row stays (its id ties the figures together) with every personal field emptied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import case_files, cases, registry
from db.models import Case, CaseFile, District, Draft, Job, Mahalla, Region, User

PERSONAL_FIELDS = (
    "name",
    "phone",
    "birth_year",
    "gender",
    "mahalla_code",
    "consent_version",
    "consent_at",
    "registered_at",
)
ERASED_NOTE = "withdrawn by the citizen (they erased their data)"
MAX_CASES_LISTED = 20


@dataclass(frozen=True)
class CaseSummary:
    number: str
    kind: str
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class KeptData:
    """Everything the service keeps about one person, for "My data"."""

    telegram_id: int
    locale: str
    name: str | None
    phone: str | None
    birth_year: int | None
    gender: str | None
    mahalla: Mahalla | None
    district: District | None
    region: Region | None
    consent_version: int | None
    consent_at: dt.datetime | None
    registered_at: dt.datetime | None
    first_seen: dt.datetime
    cases_total: int = 0
    cases: list[CaseSummary] = field(default_factory=list)  # newest first, at most 20
    drafts: int = 0  # questionnaires in progress
    jobs: int = 0  # jobs an assistant recorded with this person
    files: int = 0  # voice notes, photos and documents kept on their cases


async def collect(session: AsyncSession, user: User) -> KeptData:
    mahalla = await registry.get_mahalla(session, user.mahalla_code) if user.mahalla_code else None
    district = await registry.get_district(session, mahalla.district_soato) if mahalla else None
    region = await registry.get_region(session, district.region_soato) if district else None
    total = await session.scalar(
        select(func.count()).select_from(Case).where(Case.user_id == user.id)
    )
    rows = await session.scalars(
        select(Case).where(Case.user_id == user.id).order_by(Case.id.desc()).limit(MAX_CASES_LISTED)
    )
    drafts = await session.scalar(
        select(func.count()).select_from(Draft).where(Draft.user_id == user.id)
    )
    jobs = await session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.citizen_id == user.id, Job.deleted_at.is_(None))
    )
    files = await session.scalar(
        select(func.count())
        .select_from(CaseFile)
        .join(Case, Case.id == CaseFile.case_id)
        .where(Case.user_id == user.id)
    )
    return KeptData(
        telegram_id=user.telegram_id,
        locale=user.locale,
        name=user.name,
        phone=user.phone,
        birth_year=user.birth_year,
        gender=user.gender,
        mahalla=mahalla,
        district=district,
        region=region,
        consent_version=user.consent_version,
        consent_at=user.consent_at,
        registered_at=user.registered_at,
        first_seen=user.first_seen,
        cases_total=total or 0,
        cases=[CaseSummary(c.number or str(c.id), c.kind, c.status, c.created_at) for c in rows],
        drafts=drafts or 0,
        jobs=jobs or 0,
        files=files or 0,
    )


def clear_personal_fields(user: User) -> None:
    """Empty every personal field and the consent (used on decline and on erase)."""
    for name in PERSONAL_FIELDS:
        setattr(user, name, None)


def has_personal_data(user: User) -> bool:
    return any(getattr(user, name) is not None for name in PERSONAL_FIELDS)


@dataclass(frozen=True)
class Erased:
    closed: list[Case]  # the open cases closed as withdrawn (their assistants are told)
    drafts_deleted: int
    files_removed_from: list[int] = field(default_factory=list)  # case ids that had files

    @property
    def cases_closed(self) -> int:
        return len(self.closed)


async def forget(
    session: AsyncSession,
    user: User,
    now: dt.datetime,
    notify: Callable[[Erased], Awaitable[object]],
) -> Erased:
    """Erase the person and queue word to whoever works their cases, committed as one unit."""
    result = await erase(session, user, now)
    await notify(result)
    await session.commit()
    return result


async def decline_consent(session: AsyncSession, user: User) -> None:
    """Keep nothing of someone who declined consent before registering, committed at once."""
    clear_personal_fields(user)
    await session.commit()


async def erase(session: AsyncSession, user: User, now: dt.datetime) -> Erased:
    """Forget the person, keep the figures. Not committed: `forget` commits once.

    Open cases are closed (no one can be contacted any more) but stay counted, with their
    mahalla; questionnaires in progress are deleted, and so are the records of the voice
    notes, photos and documents on their cases. Coming back starts again with consent.
    """
    closed = await cases.close_open_cases_of(session, user, now, ERASED_NOTE)
    result = await session.execute(delete(Draft).where(Draft.user_id == user.id))
    files_from = await case_files.erase_for_citizen(session, user)
    clear_personal_fields(user)
    user.deleted_at = now
    return Erased(
        closed=closed,
        drafts_deleted=int(getattr(result, "rowcount", 0) or 0),
        files_removed_from=files_from,
    )

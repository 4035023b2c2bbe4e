"""What a vacancy may hold and whether it is still open: the limits of its fields and their
checks, the districts an assistant may post in, and closing (one, or all expired at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import registry
from db.models import Mahalla, User, Vacancy

#: Kinds of work a vacancy can be (the request flows' work_kind choices without "any").
KINDS: tuple[str, ...] = ("full_time", "part_time", "seasonal", "remote")
TITLE_MAX = 100
EMPLOYER_MAX = 120
PAY_MIN = 100_000
PAY_MAX = 1_000_000_000
PLACES_MAX = 500
CLOSES_WITHIN_DAYS = 180


class VacancyError(ValueError):
    """A vacancy that cannot be posted as asked (the message names why)."""


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

"""Database rows for tests that need people and cases without walking every conversation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, roles
from db.models import Case, Job, Mahalla, User, utcnow


async def make_user(
    session: AsyncSession,
    telegram_id: int,
    *,
    locale: str = "uz",
    name: str = "Ali Valiyev",
    phone: str | None = None,
    mahalla: str | None = "103-0104",
    registered: bool = True,
) -> User:
    """A user who chose a language and (by default) completed registration."""
    now = utcnow()
    user = User(telegram_id=telegram_id, locale=locale, locale_confirmed=True)
    if registered:
        user.name = name
        user.phone = phone or f"+99890{telegram_id % 10_000_000:07d}"
        user.birth_year, user.gender, user.mahalla_code = 1980, "m", mahalla
        user.consent_version, user.consent_at, user.registered_at = 1, now, now
    session.add(user)
    await session.commit()
    return user


async def make_assistant(
    session: AsyncSession, telegram_id: int, mahalla: str = "103-0104", **kwargs: Any
) -> User:
    user = await make_user(session, telegram_id, mahalla=mahalla, **kwargs)
    await roles.grant_assistant(session, user, mahalla, utcnow() - dt.timedelta(minutes=1))
    await session.commit()
    return user


async def make_case(
    session: AsyncSession,
    citizen: User,
    *,
    kind: str = "needs",
    answers: dict[str, Any] | None = None,
    assessment: dict[str, Any] | None = None,
) -> Case:
    case = await cases.create_case(
        session,
        citizen=citizen,
        kind=kind,
        flow_id="household",
        flow_version=1,
        answers=answers or {"members": 5, "children": 2},
        assessment=assessment or {"category": "yellow", "income_per_person": 400_000},
        now=utcnow(),
    )
    await session.commit()
    return case


async def settle_outbox(harness: Any, within: float = 20.0) -> None:
    """Wait until the outbox has delivered everything due (see BotHarness.drain)."""
    await harness.drain(within)


async def make_mahalla(
    session: AsyncSession, code: str, district: str, name_uz: str, name_uz_cyrl: str = ""
) -> Mahalla:
    """A mahalla outside the demo set (the demo mahallas are all in Tashkent city)."""
    from bot.services.translit import search_key

    mahalla = Mahalla(
        code=code,
        district_soato=district,
        name_uz=name_uz,
        name_uz_cyrl=name_uz_cyrl or name_uz,
        search_key=search_key(name_uz),
    )
    session.add(mahalla)
    await session.commit()
    return mahalla


async def make_supervisor(
    session: AsyncSession,
    telegram_id: int,
    level: str,
    place: str | None,
    **kwargs: Any,
) -> User:
    """A user holding a supervisor scope (district or region SOATO, or None for the country)."""
    user = await make_user(session, telegram_id, **kwargs)
    await roles.grant_supervisor(session, user, level, place, utcnow() - dt.timedelta(minutes=1))
    await session.commit()
    return user


async def make_job(
    session: AsyncSession,
    assistant: User,
    mahalla: str,
    day: dt.date,
    *,
    kind: str = "permanent",
    status: str = "recorded",
) -> Job:
    """A job in the ledger of `assistant`, created in `mahalla` on the local date `day`."""
    from bot.services import registry

    place = await registry.get_mahalla(session, mahalla)
    assert place is not None
    district = await registry.get_district(session, place.district_soato)
    assert district is not None
    job = Job(
        assistant_id=assistant.id,
        mahalla_code=mahalla,
        district_soato=district.soato,
        region_soato=district.region_soato,
        kind=kind,
        employer="Test LLC",
        work_date=day,
        status=status,
    )
    session.add(job)
    await session.commit()
    return job

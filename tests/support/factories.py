"""Database rows for tests that need people and cases without walking every conversation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, roles
from db.models import Case, User, utcnow


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

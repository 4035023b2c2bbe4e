"""Users: created on first contact, seen on every update."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User

LAST_SEEN_EVERY = dt.timedelta(minutes=5)

# Built once: this runs on every update, and building a statement costs more than running it.
_BY_TELEGRAM_ID = select(User).where(User.telegram_id == bindparam("telegram_id"))


async def get_or_create(
    session: AsyncSession, telegram_id: int, guessed_locale: str, now: dt.datetime
) -> tuple[User, bool]:
    """Return the user row, creating it on first contact (safe against two racing updates)."""
    user = await session.scalar(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
    if user is not None:
        touched = False
        if now - user.last_seen > LAST_SEEN_EVERY:
            user.last_seen = now
            touched = True
        if user.blocked_at is not None:  # writing to us again means they unblocked the bot
            user.blocked_at = None
            touched = True
        if touched:
            await session.commit()
        return user, False
    user = User(telegram_id=telegram_id, locale=guessed_locale, first_seen=now, last_seen=now)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return user, False
    return user, True


async def by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def set_locale(session: AsyncSession, user: User, locale: str) -> None:
    user.locale = locale
    user.locale_confirmed = True
    await session.commit()


REGISTRATION_FIELDS = ("consent_version", "name", "phone", "birth_year", "gender", "mahalla_code")


def missing_registration(user: User) -> list[str]:
    """The registration fields still empty, in the order they are asked."""
    return [name for name in REGISTRATION_FIELDS if getattr(user, name) is None]


def is_registered(user: User) -> bool:
    return user.deleted_at is None and not missing_registration(user)

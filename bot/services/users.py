"""Users: created on first contact, seen on every update."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User

LAST_SEEN_EVERY = dt.timedelta(minutes=5)

# Built once: this runs on every update, and building a statement costs more than running it.
_BY_TELEGRAM_ID = select(User).where(User.telegram_id == bindparam("telegram_id"))


async def get_or_create(
    session: AsyncSession, telegram_id: int, guessed_locale: str, now: dt.datetime
) -> tuple[User, bool]:
    """Return the user row, creating it on first contact.

    What changes here (a newcomer's row, the `last_seen` touch, a block lifted) is committed at
    once, as a unit of its own before the update's work: the person exists whatever the update
    then does, and no write waits while the bot answers. Two first updates of one person racing
    in two workers are safe: the insert does nothing on a conflict and the row the other one
    made is read back.
    """
    user = await session.scalar(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
    if user is not None:
        touched = False
        if now - user.last_seen > LAST_SEEN_EVERY:
            user.last_seen, touched = now, True
        if user.blocked_at is not None:  # writing to us again means they unblocked the bot
            user.blocked_at, touched = None, True
        if touched:
            await session.commit()
        return user, False
    values = {
        "telegram_id": telegram_id,
        "locale": guessed_locale,
        "locale_confirmed": False,
        "first_seen": now,
        "last_seen": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(User).values(**values).on_conflict_do_nothing(index_elements=["telegram_id"])
    )
    await session.commit()
    user = await session.scalar(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
    assert user is not None
    return user, bool(result.rowcount)  # type: ignore[attr-defined]


async def by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def set_locale(session: AsyncSession, user: User, locale: str) -> None:
    user.locale = locale
    user.locale_confirmed = True
    await session.commit()


async def save_profile(session: AsyncSession, user: User, now: dt.datetime, **fields: Any) -> None:
    """Set profile fields, mark the registration complete once all are there, and commit, so an
    answer is kept before the next question is asked."""
    for name, value in fields.items():
        setattr(user, name, value)
    if user.registered_at is None and user.deleted_at is None and is_registered(user):
        user.registered_at = now
    await session.commit()


REGISTRATION_FIELDS = ("consent_version", "name", "phone", "birth_year", "gender", "mahalla_code")


#: What staff (assistants, supervisors, admins) are asked when they join: who they are and how
#: to reach them. The citizen's year of birth, gender and address are asked only if they use
#: the bot for their own household.
STAFF_FIELDS = ("consent_version", "name", "phone")


def missing_profile(user: User, *, staff: bool) -> list[str]:
    """The fields still empty of a staff profile (staff) or of a citizen's registration, in
    the order they are asked."""
    fields = STAFF_FIELDS if staff else REGISTRATION_FIELDS
    return [name for name in fields if getattr(user, name) is None]


def is_registered(user: User) -> bool:
    return user.deleted_at is None and not missing_profile(user, staff=False)

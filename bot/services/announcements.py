"""Announcements to the assistants of a place: who may announce where, whom it reaches.

One set of rules for the bot (supervisors within their scopes, admins anywhere) and for
`python -m bot admin announce`. Knows nothing of Telegram: the caller renders and queues the
messages (`bot.notifications.cases.announcement`, through the outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import supervision
from bot.services.roles import Roles, Scope
from db.models import User

TEXT_MAX = 2000
LEVELS = ("country", "region", "district")


class AnnouncementError(ValueError):
    """A text or a place that cannot be announced to."""


def clean_text(text: str | None) -> str:
    """The text to send, stripped; AnnouncementError when empty or longer than TEXT_MAX."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise AnnouncementError("the announcement text is empty")
    if len(cleaned) > TEXT_MAX:
        raise AnnouncementError(
            f"the announcement is {len(cleaned)} characters; at most {TEXT_MAX}"
        )
    return cleaned


def own_areas(roles: Roles) -> tuple[Scope, ...]:
    """The areas offered first: the whole country for an admin, else the person's scopes."""
    return (Scope("country", None),) if roles.is_admin else tuple(dict.fromkeys(roles.scopes))


async def allowed_place(
    session: AsyncSession, roles: Roles, level: str, code: str | None
) -> supervision.Place | None:
    """The place if it exists and the person may announce to all of it: an admin anywhere, a
    supervisor within their scopes. None for anything else (forged or stale data)."""
    if level not in LEVELS:
        return None
    scopes: Sequence[Scope] = (Scope("country", None),) if roles.is_admin else roles.scopes
    return await supervision.place_in_scope(session, scopes, level, code)


async def audience(session: AsyncSession, scope: Scope, now: dt.datetime) -> list[User]:
    """The active assistants serving a mahalla of the place, each once."""
    return [
        person for person, _code in await supervision.assistants_in_scope(session, [scope], now)
    ]


async def send(
    session: AsyncSession,
    scope: Scope,
    now: dt.datetime,
    notify: Callable[[list[User]], Awaitable[int]],
) -> int:
    """Queue an announcement to the place's assistants and commit, before the sender is told;
    returns how many were queued (as `notify` counts them)."""
    queued = await notify(await audience(session, scope, now))
    await session.commit()
    return queued

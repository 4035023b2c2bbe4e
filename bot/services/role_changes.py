"""An admin grants or ends someone's role in the bot: the writes and the word to the people
concerned (queued in the outbox by the caller's `notify`, rendered in `bot/notifications`), one
commit, before the admin is answered. The command line uses `roles` directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import roles, supervision
from db.models import User


async def grant(
    session: AsyncSession,
    person: User,
    level: str,
    code: str | None,
    now: dt.datetime,
    *,
    tell_granted: Callable[[], Awaitable[object]],
    tell_replaced: Callable[[User], Awaitable[object]],
) -> bool:
    """Grant the assistant (level "mahalla") or a supervisor role, tell the person and the
    assistants it replaces, commit; False (nobody told) when they held it already."""
    if level == "mahalla":
        assert code is not None
        before = await supervision.mahalla_assistants(session, code, now)
        granted = await roles.grant_assistant(session, person, code, now)
        for predecessor in before if granted else ():  # their term ended: tell them too
            await tell_replaced(predecessor)
    else:
        granted = await roles.grant_supervisor(session, person, level, code, now)
    if granted:
        await tell_granted()
    await session.commit()
    return granted


async def end(
    session: AsyncSession,
    person: User,
    *,
    assistant: bool,
    now: dt.datetime,
    notify: Callable[[], Awaitable[object]],
) -> int:
    """End the assistant or supervisor role and tell the person, in one commit; returns how many
    terms ended (0: there was none, nobody told)."""
    if assistant:
        ended = await roles.revoke_assistant(session, person, now)
    else:
        ended = await roles.revoke_supervisor(session, person, now)
    if ended:
        await notify()
    await session.commit()
    return ended

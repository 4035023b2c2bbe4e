"""What people do to a case, each one unit of work: the writes, the word to the other side
(queued in the outbox by the caller's `notify`), one commit. The caller answers the person after
it returns, so what they are told is already kept; the commit wakes the outbox
(`bot/notifications/wakeup.py`).

`notify` is passed in because the notices are rendered in `bot/notifications/`, which depends on
the services and on aiogram.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import TypedDict, TypeVar, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, supervision
from bot.services.roles import Scope
from db.models import Case, CaseEvent, User

T = TypeVar("T")


async def change_status(
    session: AsyncSession,
    case: Case,
    *,
    actor: User,
    to_status: str,
    now: dt.datetime,
    notify: Callable[[CaseEvent], Awaitable[object]],
    outcome: str | None = None,
    reason: str | None = None,
) -> bool:
    """Move the case on and tell the citizen, committed before the assistant is answered; False
    when the lifecycle no longer allows it (someone was faster) and nothing was written."""
    try:
        event = await cases.change_status(
            session, case, actor=actor, to_status=to_status, now=now, outcome=outcome, reason=reason
        )
    except cases.CaseError:
        # Nothing was written (the guarded UPDATE matched no row), but the statement opened a
        # write transaction: end the unit so the refusal is not answered while it holds the
        # database's write lock. A commit keeps the reloaded case usable; a rollback would not.
        await session.commit()
        return False
    await notify(event)
    await session.commit()
    return True


async def add_note(
    session: AsyncSession, case: Case, *, actor: User, text: str, now: dt.datetime
) -> None:
    """An assistant's note on the case, committed before the card is shown again."""
    await cases.add_note(session, case, actor=actor, text=text, now=now)
    await session.commit()


async def send_message(
    session: AsyncSession,
    case: Case,
    *,
    actor: User,
    text: str,
    now: dt.datetime,
    notify: Callable[[CaseEvent], Awaitable[T]],
) -> T:
    """A typed message between citizen and assistant: kept on the case, queued for the other
    side, committed; returns what `notify` says (delivered or only saved)."""
    event = await cases.add_message(session, case, actor=actor, text=text, now=now)
    outcome = await notify(event)
    await session.commit()
    return outcome


class Reassignment(TypedDict):
    """The keywords of `supervision.reassign`, which `reassign` hands on."""

    case: Case
    scopes: Sequence[Scope]
    new_assignee_id: int
    actor: User
    reason: str
    now: dt.datetime


async def reassign(
    session: AsyncSession,
    *,
    notify: Callable[[CaseEvent, User | None, User], Awaitable[object]],
    **change: Unpack[Reassignment],
) -> User:
    """A supervisor gives the case to another assistant; both assistants and the citizen are
    told in the same commit. Returns the new assistant; raises `SupervisionError` (nothing
    written: every check comes before the first write) when it can no longer be done."""
    event, old, new = await supervision.reassign(session, **change)
    await notify(event, old, new)
    await session.commit()
    return new

"""What a supervisor may see and do: everything is limited to their scopes (district, region or
country), and every id coming from a button is checked again here, since callbacks can be forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases
from bot.services.roles import Scope
from db.models import AssistantAssignment, Case, CaseEvent, District, Mahalla, User

REASON_MAX = 500


class SupervisionError(ValueError):
    """A change a supervisor may not make (the message names it, for logs and tests)."""


def _active(column: Any, now: dt.datetime) -> Any:
    return or_(column.is_(None), column > now)


def place_clause(scopes: Sequence[Scope], district_col: Any, region_col: Any) -> Any:
    """SQL for "this place lies in one of the scopes" on a district and a region column."""
    parts: list[Any] = []
    for scope in scopes:
        if scope.level == "country":
            return true()
        if scope.level == "region":
            parts.append(region_col == scope.code)
        elif scope.level == "district":
            parts.append(district_col == scope.code)
    return or_(*parts) if parts else false()


def covers(scopes: Sequence[Scope], district_soato: str, region_soato: str) -> bool:
    return any(scope.covers_district(district_soato, region_soato) for scope in scopes)


def cases_in_scope(scopes: Sequence[Scope]) -> Any:
    """A select of the cases in the scopes (callers add their own filters and order)."""
    return select(Case).where(place_clause(scopes, Case.district_soato, Case.region_soato))


async def case_in_scope(
    session: AsyncSession, scopes: Sequence[Scope], case_id: int
) -> Case | None:
    """The case only if it lies in one of the scopes; None for anything else (forged ids)."""
    case = await session.get(Case, case_id)
    if case is None or not covers(scopes, case.district_soato, case.region_soato):
        return None
    return case


async def overdue_page(
    session: AsyncSession, scopes: Sequence[Scope], now: dt.datetime, page: int, per_page: int
) -> tuple[Sequence[Case], int]:
    """Overdue cases in scope, the longest overdue first."""
    where = and_(
        place_clause(scopes, Case.district_soato, Case.region_soato), cases.overdue_clause(now)
    )
    total = await session.scalar(select(func.count()).select_from(Case).where(where)) or 0
    rows = await session.scalars(
        select(Case)
        .where(where)
        .order_by(func.coalesce(Case.accept_due, Case.resolve_due), Case.id)
        .offset(page * per_page)
        .limit(per_page)
    )
    return rows.all(), int(total)


def _staffed(now: dt.datetime) -> Any:
    return select(AssistantAssignment.mahalla_code).where(
        _active(AssistantAssignment.active_to, now)
    )


async def mahallas_without_assistant(
    session: AsyncSession, scopes: Sequence[Scope], now: dt.datetime
) -> Sequence[Mahalla]:
    """Active mahallas in scope that nobody serves now."""
    rows = await session.scalars(
        select(Mahalla)
        .join(District, District.soato == Mahalla.district_soato)
        .where(Mahalla.active.is_(True))
        .where(place_clause(scopes, District.soato, District.region_soato))
        .where(Mahalla.code.not_in(_staffed(now)))
        .order_by(Mahalla.district_soato, Mahalla.name_uz)
    )
    return rows.all()


async def queue_cases(
    session: AsyncSession, scopes: Sequence[Scope], now: dt.datetime, limit: int = 50
) -> Sequence[Case]:
    """The district queue: open, unassigned cases of mahallas in scope with no assistant."""
    rows = await session.scalars(
        cases_in_scope(scopes)
        .where(Case.status.in_(cases.OPEN_STATUSES), Case.assignee_id.is_(None))
        .where(Case.mahalla_code.not_in(_staffed(now)))
        .order_by(Case.created_at, Case.id)
        .limit(limit)
    )
    return rows.all()


async def assistants_in_scope(
    session: AsyncSession, scopes: Sequence[Scope], now: dt.datetime
) -> list[tuple[User, str]]:
    """Active assistants serving a mahalla in scope, each once, with one of their mahallas."""
    rows = await session.execute(
        select(User, AssistantAssignment.mahalla_code)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(_active(AssistantAssignment.active_to, now))
        .where(place_clause(scopes, District.soato, District.region_soato))
        .order_by(User.name, User.id, AssistantAssignment.mahalla_code)
    )
    seen: dict[int, tuple[User, str]] = {}
    for user, code in rows:
        seen.setdefault(user.id, (user, code))
    return list(seen.values())


async def assistant_in_scope(
    session: AsyncSession, scopes: Sequence[Scope], user_id: int, now: dt.datetime
) -> User | None:
    for user, _code in await assistants_in_scope(session, scopes, now):
        if user.id == user_id:
            return user
    return None


async def reassign(
    session: AsyncSession,
    *,
    case: Case,
    scopes: Sequence[Scope],
    new_assignee_id: int,
    actor: User,
    reason: str,
    now: dt.datetime,
) -> tuple[CaseEvent, User | None, User]:
    """Give the case to another assistant in scope; returns (event, old worker, new worker).

    The old worker is whoever worked the case (the assignee, else the mahalla's assistant).
    """
    reason = reason.strip()
    if not reason:
        raise SupervisionError("a reassignment needs a reason")
    if not covers(scopes, case.district_soato, case.region_soato):
        raise SupervisionError("the case is outside the scope")
    if case.status not in cases.OPEN_STATUSES:
        raise SupervisionError("only an open case can be reassigned")
    new = await assistant_in_scope(session, scopes, new_assignee_id, now)
    if new is None:
        raise SupervisionError("the new assistant is not an assistant in the scope")
    old = await cases.responsible(session, case, now)
    if old is not None and old.id == new.id:
        raise SupervisionError("the case is already theirs")
    case.assignee_id = new.id
    case.updated_at = now
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id,
        at=now,
        kind="reassign",
        from_status=case.status,
        to_status=case.status,
        note=reason[:REASON_MAX],
    )
    session.add(event)
    await session.flush()
    return event, old, new


async def deactivate_assistant(
    session: AsyncSession, scopes: Sequence[Scope], user_id: int, now: dt.datetime
) -> int:
    """End the assistant's terms in the scope's mahallas only; their cases stay with the mahalla."""
    from bot.services import roles

    user = await assistant_in_scope(session, scopes, user_id, now)
    if user is None:
        return 0
    codes = await session.scalars(
        select(AssistantAssignment.mahalla_code)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(AssistantAssignment.user_id == user.id)
        .where(_active(AssistantAssignment.active_to, now))
        .where(place_clause(scopes, District.soato, District.region_soato))
    )
    ended = 0
    for code in set(codes):
        ended += await roles.revoke_assistant(session, user, now, mahalla_code=code)
    return ended

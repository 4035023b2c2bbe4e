"""What a supervisor may see and do: everything is limited to their scopes (district, region or
country), and every id coming from a button is checked again here, since callbacks can be forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy import case as sa_case
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, paging, registry
from bot.services.paging import Page, page_holding
from bot.services.roles import Scope
from db.models import AssistantAssignment, Case, CaseEvent, District, Mahalla, Region, User

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
) -> Page[Case]:
    """Overdue cases in scope, the longest overdue first."""
    query = (
        select(Case)
        .where(place_clause(scopes, Case.district_soato, Case.region_soato))
        .where(cases.overdue_clause(now))
        .order_by(cases.missed_deadline(now), Case.id)
    )
    return await paging.fetch(session, query, page, per_page)


async def assistant_open_cases(
    session: AsyncSession, user_id: int, mahallas: Sequence[str], now: dt.datetime, limit: int
) -> Sequence[Case]:
    """The open cases an assistant works now (the drill-down's last step), overdue first, the
    longest waiting next."""
    overdue_first = sa_case((cases.overdue_clause(now), 0), else_=1)
    rows = await session.scalars(
        select(Case)
        .where(cases.assistant_scope(user_id, mahallas), Case.status.in_(cases.OPEN_STATUSES))
        .order_by(overdue_first, Case.created_at, Case.id)
        .limit(limit)
    )
    return rows.all()


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
) -> list[tuple[User, Mahalla]]:
    """Active assistants serving a mahalla in scope, each once, with one of their mahallas."""
    rows = await session.execute(
        select(User, Mahalla)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(_active(AssistantAssignment.active_to, now))
        .where(place_clause(scopes, District.soato, District.region_soato))
        .order_by(User.name, User.id, AssistantAssignment.mahalla_code)
    )
    seen: dict[int, tuple[User, Mahalla]] = {}
    for user, mahalla in rows:
        seen.setdefault(user.id, (user, mahalla))
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
    The new one may be any active assistant in the scopes, of another mahalla or district too:
    the case keeps its mahalla (and so its place in every figure) and `assignee_id` names who
    works it now.
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
    # The case stays in its mahalla (its figures count there); only who works it changes.
    # Given back to the mahalla's own assistant it follows the mahalla again (no assignee),
    # so a later successor of that assistant inherits it like the mahalla's other cases.
    own = await cases.mahalla_assistant(session, case.mahalla_code, now)
    case.assignee_id = None if own is not None and own.id == new.id else new.id
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


async def end_assistant(
    session: AsyncSession,
    scopes: Sequence[Scope],
    user_id: int,
    now: dt.datetime,
    notify: Callable[[User], Awaitable[object]],
) -> User | None:
    """A supervisor ends an assistant's terms in scope and they are told, in one commit; None
    (nothing kept) when the person is not an active assistant of the scope."""
    person = await assistant_in_scope(session, scopes, user_id, now)
    ended = await deactivate_assistant(session, scopes, user_id, now)
    if not ended or person is None:
        return None
    await notify(person)
    await session.commit()
    return person


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


# --- places within the scopes: the drill-down and the reassignment picker ------------------


@dataclass(frozen=True)
class Place:
    """A place a supervisor may look at: the country, a region, a district or a mahalla."""

    level: str  # country | region | district | mahalla
    code: str | None  # None for the country
    name_uz: str = ""
    name_uz_cyrl: str = ""
    name_ru: str | None = None
    district_soato: str | None = None  # a district's own code, a mahalla's district
    region_soato: str | None = None  # a region's own code, a district's or mahalla's region

    @property
    def scope(self) -> Scope:
        """The place as a Scope (a mahalla has none: use its district's)."""
        if self.level == "mahalla":
            raise ValueError("a mahalla is not a supervisor scope")
        return Scope(self.level, self.code)

    @property
    def parent(self) -> tuple[str, str | None] | None:
        """(level, code) one level up; None for the country."""
        if self.level == "mahalla":
            return "district", self.district_soato
        if self.level == "district":
            return "region", self.region_soato
        if self.level == "region":
            return "country", None
        return None


def covers_place(scopes: Sequence[Scope], level: str, code: str | None, region: str | None) -> bool:
    """Whether a whole place (not only part of it) lies in one of the scopes. `region` is the
    place's region (a region's own code); `code` a district's SOATO for districts."""
    if any(scope.level == "country" for scope in scopes):
        return True
    if level == "country":
        return False
    if level == "region":
        return any(s.level == "region" and s.code == code for s in scopes)
    return covers(scopes, code or "", region or "")


async def place_in_scope(
    session: AsyncSession, scopes: Sequence[Scope], level: str, code: str | None
) -> Place | None:
    """The place if it exists and lies wholly within one of the scopes; None for anything else
    (unknown codes, places outside the scopes: forged callbacks)."""
    if level == "country":
        return Place("country", None) if covers_place(scopes, "country", None, None) else None
    if not code:
        return None
    if level == "region":
        region = await session.get(Region, code)
        if region is None or not covers_place(scopes, "region", code, code):
            return None
        return Place(
            "region", code, region.name_uz, region.name_uz_cyrl, region.name_ru, None, code
        )
    if level == "district":
        district = await session.get(District, code)
        if district is None or not covers(scopes, code, district.region_soato):
            return None
        return Place(
            "district",
            code,
            district.name_uz,
            district.name_uz_cyrl,
            district.name_ru,
            code,
            district.region_soato,
        )
    if level == "mahalla":
        row = (
            await session.execute(
                select(Mahalla, District.region_soato)
                .join(District, District.soato == Mahalla.district_soato)
                .where(Mahalla.code == code)
            )
        ).first()
        if row is None or not covers(scopes, row[0].district_soato, row[1]):
            return None
        mahalla = row[0]
        return Place(
            "mahalla",
            code,
            mahalla.name_uz,
            mahalla.name_uz_cyrl,
            mahalla.name_ru,
            mahalla.district_soato,
            row[1],
        )
    return None


async def scope_places(session: AsyncSession, scopes: Sequence[Scope]) -> list[Place]:
    """The person's own scopes as places (the top of their drill-down), each once."""
    out: list[Place] = []
    for scope in dict.fromkeys(scopes):
        place = await place_in_scope(session, [scope], scope.level, scope.code)
        if place is not None:
            out.append(place)
    return out


async def child_places(
    session: AsyncSession, place: Place, page: int, per_page: int
) -> Page[Place]:
    """One page of the places one level below (regions, districts, mahallas)."""
    if place.level == "country":
        rows: Sequence[Any] = (
            await session.scalars(select(Region).order_by(Region.name_uz, Region.soato))
        ).all()
        children = [
            Place("region", r.soato, r.name_uz, r.name_uz_cyrl, r.name_ru, None, r.soato)
            for r in rows
        ]
    elif place.level == "region":
        rows = (
            await session.scalars(
                select(District)
                .where(District.region_soato == place.code)
                .order_by(District.name_uz, District.soato)
            )
        ).all()
        children = [
            Place("district", d.soato, d.name_uz, d.name_uz_cyrl, d.name_ru, d.soato, place.code)
            for d in rows
        ]
    elif place.level == "district":
        found = await registry.mahallas_page(session, place.code or "", page, per_page)
        mahallas = [
            Place(
                "mahalla",
                m.code,
                m.name_uz,
                m.name_uz_cyrl,
                m.name_ru,
                place.code,
                place.region_soato,
            )
            for m in found.items
        ]
        return Page(items=mahallas, window=found.window)
    else:
        children = []
    return Page.of(children, page, per_page)


async def page_in_parent(session: AsyncSession, place: Place, per_page: int) -> int:
    """The page of its parent's list (`child_places`' order) that shows the place: where Back
    returns to, the page the supervisor came from."""
    if place.level == "region":
        table: Any = Region
        name, key, where = Region.name_uz, Region.soato, true()
    elif place.level == "district":
        table = District
        name, key = District.name_uz, District.soato
        where = District.region_soato == place.region_soato
    elif place.level == "mahalla":
        table = Mahalla
        name, key = Mahalla.name_uz, Mahalla.code
        where = and_(Mahalla.district_soato == place.district_soato, Mahalla.active.is_(True))
    else:
        return 0
    before = await session.scalar(
        select(func.count())
        .select_from(table)
        .where(where)
        .where((name < place.name_uz) | ((name == place.name_uz) & (key < place.code)))
    )
    return page_holding(int(before or 0), per_page)


async def mahalla_assistants(
    session: AsyncSession, mahalla_code: str, now: dt.datetime
) -> Sequence[User]:
    """The mahalla's active assistants (usually one), the most recently appointed first."""
    rows = await session.scalars(
        select(User)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .where(AssistantAssignment.mahalla_code == mahalla_code)
        .where(_active(AssistantAssignment.active_to, now))
        .order_by(AssistantAssignment.active_from.desc(), User.id)
    )
    return list(dict.fromkeys(rows.all()))


async def assistant_of_mahalla(
    session: AsyncSession,
    scopes: Sequence[Scope],
    mahalla_code: str,
    user_id: int,
    now: dt.datetime,
) -> tuple[Place, User] | None:
    """The mahalla (in scope) and its active assistant `user_id`; None otherwise."""
    place = await place_in_scope(session, scopes, "mahalla", mahalla_code)
    if place is None:
        return None
    for person in await mahalla_assistants(session, mahalla_code, now):
        if person.id == user_id:
            return place, person
    return None


async def assistant_places(
    session: AsyncSession, scopes: Sequence[Scope], place: Place, now: dt.datetime
) -> list[tuple[Place, int]]:
    """For the reassignment picker: the regions (of the country) or districts (of a region) in
    the scopes where at least one assistant serves, with how many."""
    if place.level not in ("country", "region"):
        return []
    child = "region" if place.level == "country" else "district"
    key = District.region_soato if child == "region" else District.soato
    query = (
        select(key, func.count(AssistantAssignment.user_id.distinct()))
        .select_from(AssistantAssignment)
        .join(Mahalla, Mahalla.code == AssistantAssignment.mahalla_code)
        .join(District, District.soato == Mahalla.district_soato)
        .where(_active(AssistantAssignment.active_to, now))
        .where(place_clause(scopes, District.soato, District.region_soato))
        .group_by(key)
    )
    if place.level == "region":
        query = query.where(District.region_soato == place.code)
    counts = dict((await session.execute(query)).all())
    out: list[tuple[Place, int]] = []
    for code, count in counts.items():
        found = await place_in_scope(session, scopes, child, code)
        if found is not None:
            out.append((found, int(count)))
    return sorted(out, key=lambda item: (item[0].name_uz, item[0].code or ""))

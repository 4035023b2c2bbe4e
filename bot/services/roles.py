"""Who holds which role. Checked on every handler and callback, so kept cheap to load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import String, bindparam, literal_column, null, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import paging
from bot.services.paging import Page
from db.models import AssistantAssignment, SupervisorScope, User, UTCDateTime

SCOPE_LEVELS = ("district", "region", "country")


@dataclass(frozen=True)
class Scope:
    level: str  # district | region | country
    code: str | None  # SOATO, None for the country

    def covers_district(self, district_soato: str, region_soato: str) -> bool:
        if self.level == "country":
            return True
        if self.level == "region":
            return self.code == region_soato
        return self.code == district_soato


@dataclass(frozen=True)
class Roles:
    is_admin: bool = False
    mahallas: tuple[str, ...] = ()  # mahallas the user serves as assistant
    scopes: tuple[Scope, ...] = field(default_factory=tuple)

    @property
    def is_assistant(self) -> bool:
        return bool(self.mahallas)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.scopes)

    @property
    def is_staff(self) -> bool:
        """Works in the bot (assistant, supervisor or admin), not only a resident."""
        return self.is_admin or self.is_assistant or self.is_supervisor

    def names(self) -> list[str]:
        out = ["citizen"]
        if self.is_assistant:
            out.append("assistant")
        if self.is_supervisor:
            out.append("supervisor")
        if self.is_admin:
            out.append("admin")
        return out


def _active(column_to, now: dt.datetime):  # type: ignore[no-untyped-def]
    return or_(column_to.is_(None), column_to > now)


def _roles_statement():  # type: ignore[no-untyped-def]
    """Both role tables in one round trip; built once (this runs on every update)."""
    user_id = bindparam("user_id")
    now = bindparam("now", type_=UTCDateTime())
    assistant = select(
        literal_column("'a'", String).label("kind"),
        AssistantAssignment.mahalla_code.label("code"),
        null().cast(String).label("place"),
        AssistantAssignment.id.label("id"),
    ).where(AssistantAssignment.user_id == user_id, _active(AssistantAssignment.active_to, now))
    supervisor = select(
        literal_column("'s'", String),
        SupervisorScope.level,
        SupervisorScope.place_code,
        SupervisorScope.id,
    ).where(SupervisorScope.user_id == user_id, _active(SupervisorScope.active_to, now))
    return union_all(assistant, supervisor)


_ROLES = _roles_statement()


async def load_roles(
    session: AsyncSession, user: User, admin_ids: list[int], now: dt.datetime
) -> Roles:
    """The user's current roles, read from the database on every call (no cache: a revoked role
    stops working with the next update, in every process)."""
    rows = (await session.execute(_ROLES, {"user_id": user.id, "now": now})).all()
    mahallas = sorted({code for kind, code, _place, _id in rows if kind == "a"})
    scopes = sorted((row_id, code, place) for kind, code, place, row_id in rows if kind == "s")
    return Roles(
        is_admin=user.telegram_id in admin_ids,
        mahallas=tuple(mahallas),
        scopes=tuple(Scope(level, place) for _id, level, place in scopes),
    )


async def grant_assistant(
    session: AsyncSession, user: User, mahalla_code: str, now: dt.datetime
) -> bool:
    """Make `user` the assistant of the mahalla; the previous assistant's term ends now.

    Cases belong to the mahalla, not to the person, so the successor sees them at once.
    Returns False when the user already serves that mahalla.
    """
    current = await session.scalars(
        select(AssistantAssignment)
        .where(AssistantAssignment.mahalla_code == mahalla_code)
        .where(_active(AssistantAssignment.active_to, now))
    )
    for assignment in current:
        if assignment.user_id == user.id:
            return False
        assignment.active_to = now
    session.add(AssistantAssignment(user_id=user.id, mahalla_code=mahalla_code, active_from=now))
    return True


async def grant_supervisor(
    session: AsyncSession, user: User, level: str, code: str | None, now: dt.datetime
) -> bool:
    exists = await session.scalar(
        select(SupervisorScope.id)
        .where(SupervisorScope.user_id == user.id, SupervisorScope.level == level)
        .where(
            SupervisorScope.place_code.is_(None)
            if code is None
            else SupervisorScope.place_code == code
        )
        .where(_active(SupervisorScope.active_to, now))
    )
    if exists is not None:
        return False
    session.add(SupervisorScope(user_id=user.id, level=level, place_code=code, active_from=now))
    return True


async def revoke_assistant(
    session: AsyncSession, user: User, now: dt.datetime, mahalla_code: str | None = None
) -> int:
    """End the user's assistant terms (one mahalla or all); returns how many ended."""
    query = (
        update(AssistantAssignment)
        .where(AssistantAssignment.user_id == user.id)
        .where(_active(AssistantAssignment.active_to, now))
    )
    if mahalla_code is not None:
        query = query.where(AssistantAssignment.mahalla_code == mahalla_code)
    result = await session.execute(query.values(active_to=now))
    return result.rowcount or 0  # type: ignore[attr-defined]


async def revoke_supervisor(session: AsyncSession, user: User, now: dt.datetime) -> int:
    result = await session.execute(
        update(SupervisorScope)
        .where(SupervisorScope.user_id == user.id)
        .where(_active(SupervisorScope.active_to, now))
        .values(active_to=now)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


# --- finding people (admins) ---------------------------------------------------------------

FIND_ROLES = ("assistant", "supervisor", "citizen")


async def find_users(
    session: AsyncSession,
    role: str,
    place: str | None,
    now: dt.datetime,
    page: int = 0,
    per_page: int = 8,
) -> Page[User]:
    """A page of the users holding `role` (assistant | supervisor | citizen) in `place` (a
    region or district SOATO, or a mahalla code; None: anywhere), by name.

    Assistants serve a mahalla of the place; supervisors hold a scope of the place (or of a
    district of a region given); citizens are registered in a mahalla of the place.
    """
    from db.models import District, Mahalla

    if role not in FIND_ROLES:
        raise ValueError(f"unknown role {role!r}")
    mahallas_of_place = select(Mahalla.code).where(
        or_(
            Mahalla.code == place,
            Mahalla.district_soato == place,
            Mahalla.district_soato.in_(
                select(District.soato).where(District.region_soato == place)
            ),
        )
    )
    query = select(User).where(User.deleted_at.is_(None))
    if role == "assistant":
        served = select(AssistantAssignment.user_id).where(
            _active(AssistantAssignment.active_to, now)
        )
        if place:
            served = served.where(AssistantAssignment.mahalla_code.in_(mahallas_of_place))
        query = query.where(User.id.in_(served))
    elif role == "supervisor":
        scoped = select(SupervisorScope.user_id).where(_active(SupervisorScope.active_to, now))
        if place:
            scoped = scoped.where(
                or_(
                    SupervisorScope.place_code == place,
                    SupervisorScope.place_code.in_(
                        select(District.soato).where(District.region_soato == place)
                    ),
                )
            )
        query = query.where(User.id.in_(scoped))
    else:
        query = query.where(User.registered_at.is_not(None))
        if place:
            query = query.where(User.mahalla_code.in_(mahallas_of_place))
    return await paging.fetch(session, query.order_by(User.name, User.id), page, per_page)

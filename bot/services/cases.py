"""Cases: creation and routing, the status lifecycle with its audit trail, and who may see what.

A case belongs to its mahalla; whoever is the mahalla's assistant now works it, so nothing is
orphaned when an assistant leaves. `assignee_id` is set only by an explicit reassignment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.services import paging, registry
from bot.services.roles import Roles
from bot.services.workdays import WorkCalendar
from db.models import AssistantAssignment, Case, CaseEvent, RoadmapStep, SupervisorScope, User

KINDS = ("needs", "job", "internship", "business")
KIND_PREFIX = {"needs": "N", "job": "J", "internship": "I", "business": "B"}
OPEN_STATUSES = ("new", "accepted", "in_progress")
FINAL_STATUSES = ("resolved", "rejected", "closed")
OUTCOMES = (
    "job_placed",
    "internship_placed",
    "loan_granted",
    "subsidy_granted",
    "referred",
    "other",
)
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"accepted", "in_progress", "resolved", "rejected", "closed"}),
    "accepted": frozenset({"in_progress", "resolved", "rejected", "closed"}),
    "in_progress": frozenset({"resolved", "rejected", "closed"}),
    "resolved": frozenset({"in_progress"}),  # reopened
    "rejected": frozenset({"in_progress"}),
    "closed": frozenset({"in_progress"}),
}
REOPEN_WITHIN = dt.timedelta(days=30)
TASHKENT = ZoneInfo("Asia/Tashkent")


@dataclass(frozen=True)
class Limits:
    """Time limits in working days (configurable), and the calendar that counts them."""

    accept_days: int = 1
    resolve_days: int = 10
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    tz: dt.tzinfo = TASHKENT


def is_overdue(case: Case, now: dt.datetime) -> bool:
    return deadline_missed(case, now) is not None


def overdue_clause(now: dt.datetime) -> Any:
    """The same rule as `is_overdue`, as SQL (for lists and counts)."""
    return or_(
        (Case.status == "new") & (Case.accept_due < now),
        Case.status.in_(OPEN_STATUSES) & (Case.resolve_due < now),
    )


def deadline_missed(case: Case, now: dt.datetime) -> dt.datetime | None:
    """The deadline an overdue case missed (None: not overdue); `missed_deadline` in SQL."""
    if case.status == "new" and case.accept_due is not None and now > case.accept_due:
        return case.accept_due
    late = case.status in OPEN_STATUSES and case.resolve_due is not None and now > case.resolve_due
    return case.resolve_due if late else None


def missed_deadline(now: dt.datetime) -> Any:
    """The deadline an overdue case missed (accepting a new case, else resolving it), as SQL:
    ordering by it puts the longest overdue first."""
    return sa_case(
        ((Case.status == "new") & (Case.accept_due < now), Case.accept_due),
        else_=Case.resolve_due,
    )


class CaseError(ValueError):
    """A change the lifecycle does not allow (the message names it)."""


class CaseChanged(CaseError):
    """Someone else changed the case between reading it and changing it; the case object now
    holds its current state (show that)."""


def _active(column: Any, now: dt.datetime) -> Any:
    return or_(column.is_(None), column > now)


async def mahalla_assistant(
    session: AsyncSession, mahalla_code: str, now: dt.datetime
) -> User | None:
    """The mahalla's current assistant (the most recently appointed if several)."""
    return await session.scalar(
        select(User)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .where(AssistantAssignment.mahalla_code == mahalla_code)
        .where(_active(AssistantAssignment.active_to, now))
        .order_by(AssistantAssignment.active_from.desc())
        .limit(1)
    )


async def responsible(session: AsyncSession, case: Case, now: dt.datetime) -> User | None:
    if case.assignee_id is not None:
        return await session.get(User, case.assignee_id)
    return await mahalla_assistant(session, case.mahalla_code, now)


async def district_supervisors(
    session: AsyncSession, district_soato: str, now: dt.datetime
) -> Sequence[User]:
    return await _supervisors(session, "district", district_soato, now)


async def _supervisors(
    session: AsyncSession, level: str, code: str | None, now: dt.datetime
) -> Sequence[User]:
    place = (
        SupervisorScope.place_code.is_(None)
        if code is None
        else (SupervisorScope.place_code == code)
    )
    return (
        await session.scalars(
            select(User)
            .join(SupervisorScope, SupervisorScope.user_id == User.id)
            .where(SupervisorScope.level == level, place)
            .where(_active(SupervisorScope.active_to, now))
            .distinct()
        )
    ).all()


async def nearest_supervisors(
    session: AsyncSession, case: Case, now: dt.datetime
) -> Sequence[User]:
    """Who oversees the case's place: the district's supervisors; if the district has none,
    the region's; if the region has none either, the country's."""
    for level, code in (
        ("district", case.district_soato),
        ("region", case.region_soato),
        ("country", None),
    ):
        found = await _supervisors(session, level, code, now)
        if found:
            return found
    return []


async def create_case(
    session: AsyncSession,
    *,
    citizen: User,
    kind: str,
    flow_id: str,
    flow_version: int,
    answers: Mapping[str, Any],
    now: dt.datetime,
    assessment: Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> Case:
    """Add the case (not committed: the caller adds notifications and commits once)."""
    if kind not in KINDS:
        raise CaseError(f"unknown case kind {kind}")
    if citizen.mahalla_code is None:
        raise CaseError("the citizen has no mahalla")
    mahalla = await registry.get_mahalla(session, citizen.mahalla_code)
    if mahalla is None:
        raise CaseError("unknown mahalla")
    district = await registry.get_district(session, mahalla.district_soato)
    assessment = dict(assessment or {})
    case = Case(
        user_id=citizen.id,
        kind=kind,
        mahalla_code=mahalla.code,
        district_soato=mahalla.district_soato,
        region_soato=district.region_soato if district else mahalla.district_soato[:4],
        status="new",
        flow_id=flow_id,
        flow_version=flow_version,
        answers=dict(answers),
        assessment=assessment,
        category=assessment.get("category"),
        income_per_person=assessment.get("income_per_person"),
        created_at=now,
        updated_at=now,
    )
    limits = limits or Limits()
    case.accept_due = limits.calendar.deadline(now, limits.accept_days, limits.tz)
    case.resolve_due = limits.calendar.deadline(now, limits.resolve_days, limits.tz)
    case.escalate_due = limits.calendar.deadline(now, 2 * limits.resolve_days, limits.tz)
    session.add(case)
    await session.flush()
    case.number = f"{KIND_PREFIX[kind]}-{case.id:05d}"
    session.add(
        CaseEvent(case_id=case.id, actor_id=citizen.id, at=now, kind="status", to_status="new")
    )
    return case


async def add_roadmap(
    session: AsyncSession, case: Case, steps: Sequence[tuple[str, str | None, dict[str, str]]]
) -> None:
    """Add suggested steps: (institution, channel, action per locale)."""
    for position, (institution, channel, action) in enumerate(steps):
        session.add(
            RoadmapStep(
                case_id=case.id,
                position=position,
                institution=institution,
                channel=channel,
                action=dict(action),
            )
        )


async def change_status(
    session: AsyncSession,
    case: Case,
    *,
    actor: User | None,
    to_status: str,
    now: dt.datetime,
    outcome: str | None = None,
    reason: str | None = None,
) -> CaseEvent:
    """Move a case along its lifecycle; resolved needs an outcome, rejected a reason.

    Atomic: one conditional UPDATE (`WHERE status = <the status read>`). When two actors change
    the case at once (an assistant and a supervisor, two workers, a double tap), exactly one
    wins; the other gets `CaseChanged` and writes nothing (no event, so no notification).
    """
    previous = case.status
    if to_status not in TRANSITIONS.get(previous, frozenset()):
        raise CaseError(f"cannot go from {previous} to {to_status}")
    if to_status == "resolved" and outcome not in OUTCOMES:
        raise CaseError("a resolved case needs an outcome")
    if to_status == "rejected" and not (reason or "").strip():
        raise CaseError("a rejected case needs a reason")
    values: dict[str, Any] = {"status": to_status, "updated_at": now}
    if to_status == "accepted" and case.accepted_at is None:
        values["accepted_at"] = now
    if to_status == "resolved":
        values["resolved_at"], values["outcome"] = now, outcome
    if to_status == "rejected":
        values["reason"] = reason
    if to_status in ("rejected", "closed"):
        values["closed_at"] = now
    if to_status == "in_progress" and previous in FINAL_STATUSES:
        values["resolved_at"] = values["closed_at"] = None
    won = await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(case)
        raise CaseChanged(f"case {case.id} changed meanwhile: now {case.status}")
    for name, value in values.items():
        set_committed_value(case, name, value)  # the object as the row now is (no 2nd UPDATE)
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor else None,
        at=now,
        kind="status",
        from_status=previous,
        to_status=to_status,
        note=reason or outcome,
    )
    session.add(event)
    return event


def can_reopen(case: Case, now: dt.datetime) -> bool:
    finished = case.resolved_at or case.closed_at
    return (
        case.status in FINAL_STATUSES and finished is not None and now - finished <= REOPEN_WITHIN
    )


async def citizen_cases(session: AsyncSession, citizen: User) -> Sequence[Case]:
    return (
        await session.scalars(
            select(Case).where(Case.user_id == citizen.id).order_by(Case.id.desc())
        )
    ).all()


async def citizen_case(session: AsyncSession, citizen: User, case_id: int) -> Case | None:
    """The case only if it is this citizen's own; anything else is None (forged ids)."""
    case = await session.get(Case, case_id)
    return case if case is not None and case.user_id == citizen.id else None


async def open_case_of_kind(session: AsyncSession, citizen: User, kind: str) -> Case | None:
    return await session.scalar(
        select(Case)
        .where(Case.user_id == citizen.id, Case.kind == kind, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id.desc())
        .limit(1)
    )


async def history(session: AsyncSession, case_id: int) -> Sequence[CaseEvent]:
    return (
        await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    ).all()


async def roadmap(session: AsyncSession, case_id: int) -> Sequence[RoadmapStep]:
    return (
        await session.scalars(
            select(RoadmapStep)
            .where(RoadmapStep.case_id == case_id, RoadmapStep.status != "dropped")
            .order_by(RoadmapStep.position, RoadmapStep.id)
        )
    ).all()


async def close_open_cases_of(
    session: AsyncSession, citizen: User, now: dt.datetime, note: str
) -> list[Case]:
    """Used when a citizen erases their data: open cases are closed with `note` as the reason
    (figures are kept); returns them, so their assistants can be told."""
    closed = list(
        await session.scalars(
            select(Case).where(Case.user_id == citizen.id, Case.status.in_(OPEN_STATUSES))
        )
    )
    done = []
    for case in closed:
        try:
            await change_status(session, case, actor=citizen, to_status="closed", now=now)
        except CaseChanged:
            if case.status in OPEN_STATUSES:  # still open (e.g. just accepted): close it now
                await change_status(session, case, actor=citizen, to_status="closed", now=now)
            else:
                continue  # finished meanwhile: nothing to close
        case.reason = note
        done.append(case)
    return done


# --- assistants' work on cases -----------------------------------------------------------

#: The assistant's list filters (short codes, they travel in callback data) and the case kinds.
ASSISTANT_FILTERS = ("open", "new", "prog", "over", "done", *KINDS)
NOTE_MAX = 2000
MESSAGE_MAX = 3000
REASON_MAX = 1000


def assistant_scope(user_id: int, mahallas: Sequence[str]) -> Any:
    """SQL for "this assistant works the case": an unassigned case of one of their mahallas, or
    one explicitly assigned to them. A case reassigned to someone else is not theirs any more.

    Cases are tied to the mahalla, not to the person: a successor sees the open cases at once
    and the assistant who left (no active term, so no mahallas) sees none.
    """
    assigned = Case.assignee_id == user_id
    if not mahallas:
        return assigned
    return or_(assigned, Case.mahalla_code.in_(tuple(mahallas)) & Case.assignee_id.is_(None))


def may_work(case: Case, user_id: int, mahallas: Sequence[str]) -> bool:
    """The same rule as `assistant_scope`, for one loaded case."""
    if case.assignee_id is not None:
        return case.assignee_id == user_id
    return case.mahalla_code in mahallas


async def assistant_case(
    session: AsyncSession, user: User, roles: Roles, case_id: int
) -> Case | None:
    """The case only if this assistant may act on it now; None for anything else (forged ids)."""
    case = await session.get(Case, case_id)
    if case is None or not may_work(case, user.id, roles.mahallas):
        return None
    return case


def _filter_clause(filter_: str, now: dt.datetime) -> Any:
    if filter_ == "new":
        return Case.status == "new"
    if filter_ == "prog":
        return Case.status.in_(("accepted", "in_progress"))
    if filter_ == "over":
        return overdue_clause(now)
    if filter_ == "done":
        return Case.status.in_(FINAL_STATUSES)
    if filter_ in KINDS:
        return Case.status.in_(OPEN_STATUSES) & (Case.kind == filter_)
    return Case.status.in_(OPEN_STATUSES)


def assistant_cases_query(
    user: User, roles: Roles, *, filter_: str, now: dt.datetime
) -> Select[tuple[Case]]:
    """The assistant's cases under one filter: open ones oldest first, finished newest first."""
    query = select(Case).where(assistant_scope(user.id, roles.mahallas))
    query = query.where(_filter_clause(filter_, now))
    if filter_ == "done":
        return query.order_by(Case.updated_at.desc(), Case.id.desc())
    if filter_ == "over":  # the longest overdue first
        return query.order_by(missed_deadline(now), Case.id)
    return query.order_by(Case.created_at, Case.id)


async def assistant_cases_page(
    session: AsyncSession,
    user: User,
    roles: Roles,
    *,
    filter_: str,
    page: int,
    per_page: int,
    now: dt.datetime,
) -> paging.Page[Case]:
    query = assistant_cases_query(user, roles, filter_=filter_, now=now)
    return await paging.fetch(session, query, page, per_page)


async def assistant_counts(
    session: AsyncSession, user: User, roles: Roles, now: dt.datetime
) -> dict[str, int]:
    """How many cases each list filter holds (one aggregate query, for the filter buttons)."""
    filters = [f for f in ASSISTANT_FILTERS if f != "done"]
    columns = [
        func.coalesce(func.sum(sa_case((_filter_clause(f, now), 1), else_=0)), 0).label(f)
        for f in filters
    ]
    row = (
        await session.execute(
            select(*columns)
            .where(assistant_scope(user.id, roles.mahallas))
            .where(Case.status.in_(OPEN_STATUSES))
        )
    ).one()
    return {f: int(value or 0) for f, value in zip(filters, row, strict=True)}


async def add_note(
    session: AsyncSession, case: Case, *, actor: User, text: str, now: dt.datetime
) -> CaseEvent:
    """An assistant's note on the case: kept in the audit trail, never shown to the citizen."""
    event = CaseEvent(case_id=case.id, actor_id=actor.id, at=now, kind="note", note=text)
    session.add(event)
    case.updated_at = now
    await session.flush()
    return event


async def add_message(
    session: AsyncSession, case: Case, *, actor: User, text: str, now: dt.datetime
) -> CaseEvent:
    """A message between the assistant and the citizen, relayed by the bot and kept on the case.

    The direction is the actor: the case's citizen wrote it, or someone working the case did.
    """
    event = CaseEvent(case_id=case.id, actor_id=actor.id, at=now, kind="message", note=text)
    session.add(event)
    case.updated_at = now
    await session.flush()
    return event


async def user_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str | None]:
    """Names of the people in a case's history, in one query."""
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(tuple(set(ids)))))
    return {user_id: name for user_id, name in rows}

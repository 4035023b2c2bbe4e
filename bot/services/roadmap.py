"""The roadmap editor: who may change a case's steps, the changes themselves, due-date parsing.

Every change is also a `CaseEvent` of kind "roadmap" (the audit trail), whose id is the dedupe
key of the message that tells the citizen. Nothing here commits: the caller adds the
notification and commits once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases
from bot.services.eligibility import INSTITUTIONS
from db.models import Case, CaseEvent, RoadmapStep, User

ACTION_MAX_CHARS = 500
DUE_PRESETS = (7, 14, 30)  # the "+N days" buttons
MAX_DUE_AHEAD = dt.timedelta(days=2 * 366)
LOCALE_KEYS = ("uz", "uz_Cyrl", "ru")


class DueDateError(ValueError):
    """A typed due date that cannot be used; `reason` is format | no_such_date | past | far.

    ``no_such_date``: written as a date, but the calendar has no such day (31.02, 12.13).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def workable_case(
    session: AsyncSession, case_id: int, user_id: int, mahallas: Sequence[str]
) -> Case | None:
    """The case only if this assistant may work it (`cases.may_work`, the one rule); None for
    anything else (forged ids)."""
    case = await session.get(Case, case_id) if case_id > 0 else None
    if case is None or not cases.may_work(case, user_id, mahallas):
        return None
    return case


async def live_step(session: AsyncSession, case: Case, step_id: int) -> RoadmapStep | None:
    """A step of this case that is not removed (a step id from another case is refused)."""
    step = await session.get(RoadmapStep, step_id) if step_id > 0 else None
    if step is None or step.case_id != case.id or step.status == "dropped":
        return None
    return step


def clean_action(text: str) -> str:
    """Collapse whitespace; the caller checks for empty and too long."""
    return " ".join(text.split())


def typed_action(text: str) -> dict[str, str]:
    """A typed action is the same text in every locale, so every reader finds it."""
    return {key: text for key in LOCALE_KEYS}


def action_text(step: RoadmapStep, locale: str) -> str:
    """The action in the reader's language (the same fallback as the citizen's card)."""
    return step.action.get(locale) or step.action.get("uz") or next(iter(step.action.values()), "")


async def _record(
    session: AsyncSession, case: Case, actor: User, now: dt.datetime, note: str
) -> CaseEvent:
    """The change's audit event, added and flushed (its id is the citizen's message's key)."""
    case.updated_at = now
    event = CaseEvent(case_id=case.id, actor_id=actor.id, at=now, kind="roadmap", note=note)
    session.add(event)
    await session.flush()
    return event


async def apply(
    session: AsyncSession,
    change: Awaitable[CaseEvent | None],
    notify: Callable[[CaseEvent], Awaitable[object]],
) -> CaseEvent | None:
    """Run one of the assistant's roadmap changes (`mark_done`, `set_due`, …), tell the citizen
    when it changed something and commit: one unit, before the assistant sees the roadmap."""
    event = await change
    if event is not None:
        await notify(event)
        await session.commit()
    return event


async def add(
    session: AsyncSession,
    case: Case,
    *,
    institution: str,
    text: str,
    actor: User,
    now: dt.datetime,
    notify: Callable[[RoadmapStep, CaseEvent], Awaitable[object]],
) -> RoadmapStep:
    """The assistant adds a step typed by them (after the existing ones): kept, the citizen
    told, committed as one unit."""
    if institution not in INSTITUTIONS:
        raise ValueError(f"unknown institution {institution}")
    last = await session.scalar(
        select(func.max(RoadmapStep.position)).where(RoadmapStep.case_id == case.id)
    )
    step = RoadmapStep(
        case_id=case.id,
        position=(last + 1) if last is not None else 0,
        institution=institution,
        channel=None,
        action=typed_action(text),
        status="planned",
        created_at=now,
    )
    session.add(step)
    await session.flush()
    event = await _record(session, case, actor, now, f"step {step.id}: added")
    await notify(step, event)
    await session.commit()
    return step


async def set_action(
    session: AsyncSession, case: Case, step: RoadmapStep, text: str, actor: User, now: dt.datetime
) -> CaseEvent:
    step.action = typed_action(text)
    return await _record(session, case, actor, now, f"step {step.id}: action changed")


async def mark_done(
    session: AsyncSession, case: Case, step: RoadmapStep, actor: User, now: dt.datetime
) -> CaseEvent | None:
    """None when it already was done (a double tap tells nobody twice)."""
    if step.status == "done":
        return None
    step.status, step.done_at = "done", now
    return await _record(session, case, actor, now, f"step {step.id}: done")


async def drop(
    session: AsyncSession, case: Case, step: RoadmapStep, actor: User, now: dt.datetime
) -> CaseEvent:
    """Removed steps are kept (status "dropped") for the audit trail, hidden everywhere else."""
    step.status = "dropped"
    return await _record(session, case, actor, now, f"step {step.id}: removed")


async def set_due(
    session: AsyncSession,
    case: Case,
    step: RoadmapStep,
    due: dt.date | None,
    actor: User,
    now: dt.datetime,
) -> CaseEvent | None:
    """None when the date did not change."""
    if step.due_date == due:
        return None
    step.due_date = due
    note = f"step {step.id}: due {due.isoformat()}" if due else f"step {step.id}: no due date"
    return await _record(session, case, actor, now, note)


_DMY = re.compile(r"^\s*(\d{1,2})\s*[./\-\s]\s*(\d{1,2})\s*[./\-\s]\s*(\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_due(text: str, today: dt.date) -> dt.date:
    """dd.mm.yyyy as people type it (also d.m.yy, / or - or spaces, and ISO yyyy-mm-dd).

    The date must be today or later and within about two years: a due date in the past or far
    ahead is nearly always a typo, so it is refused with the reason rather than stored.
    """
    iso = _ISO.match(text)
    dmy = _DMY.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dmy:
        day, month, year = (int(part) for part in dmy.groups())
        if year < 100:
            year += 2000
    else:
        raise DueDateError("format")
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise DueDateError("no_such_date") from None
    if value < today:
        raise DueDateError("past")
    if value > today + MAX_DUE_AHEAD:
        raise DueDateError("far")
    return value

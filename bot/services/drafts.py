"""Questionnaire drafts: the saved state of a questionnaire in progress, one per (user, flow).

The draft row, not the FSM state, is the source of truth: it is written after every answer, so
a restart or a week's pause resumes at the same question. A draft keeps the definition version
it started on (``flows.get(flow_id, version)``), so changing the YAML never breaks it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session
from sqlalchemy.orm.attributes import set_committed_value

from bot.flows.engine import Engine, FlowState
from bot.flows.loader import FlowRegistry, UnknownFlowError
from db.models import Draft

log = logging.getLogger(__name__)


@dataclass
class Run:
    """A draft with the engine of its version and its (repaired) state."""

    draft: Draft
    engine: Engine
    state: FlowState


async def open_draft(session: AsyncSession, user_id: int, flow_id: str) -> Draft | None:
    """The user's unfinished draft of this flow (the newest, should there ever be two)."""
    return await session.scalar(
        select(Draft)
        .where(Draft.user_id == user_id, Draft.flow_id == flow_id)
        .order_by(Draft.id.desc())
        .limit(1)
    )


async def get_own(session: AsyncSession, user_id: int, draft_id: int) -> Draft | None:
    """The draft only if it is this user's: ids in callback data can be forged."""
    draft = await session.get(Draft, draft_id)
    return draft if draft is not None and draft.user_id == user_id else None


async def latest_draft(session: AsyncSession, user_id: int) -> Draft | None:
    """The user's most recently touched draft of any flow (when the FSM data named none)."""
    return await session.scalar(
        select(Draft)
        .where(Draft.user_id == user_id)
        .order_by(Draft.updated_at.desc(), Draft.id.desc())
        .limit(1)
    )


async def unfinished(session: AsyncSession, flows: FlowRegistry, user_id: int) -> Run | None:
    """The user's latest draft with answers in it, if its questionnaire still loads."""
    draft = await latest_draft(session, user_id)
    run = load(flows, draft) if draft is not None else None
    return run if run is not None and run.state.answers else None


async def start(
    session: AsyncSession,
    user_id: int,
    flows: FlowRegistry,
    flow_id: str,
    now: dt.datetime,
    answers: Mapping[str, Any] | None = None,
) -> Run:
    """A new draft on the latest version; any older draft of the same flow is dropped.

    ``answers`` pre-fills it (updating a sent request): answers that no longer fit the latest
    version are dropped by the engine, and the draft opens at the first question still
    unanswered, or at the summary when every question has an answer.
    """
    await session.execute(delete(Draft).where(Draft.user_id == user_id, Draft.flow_id == flow_id))
    engine = Engine.of(flows.latest(flow_id))
    state = engine.start()
    if answers:
        state = engine.resume(state.model_copy(update={"answers": dict(answers), "current": None}))
    draft = Draft(
        user_id=user_id,
        flow_id=flow_id,
        version=engine.definition.version,
        state=state.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.commit()
    return Run(draft, engine, state)


def load(flows: FlowRegistry, draft: Draft) -> Run | None:
    """Engine and state of a draft, on the version it started on; None if that is unusable."""
    try:
        engine = Engine.of(flows.get(draft.flow_id, draft.version))
        state = FlowState.model_validate(draft.state)
        return Run(draft, engine, engine.resume(state))
    except (UnknownFlowError, ValidationError, ValueError):
        log.warning("draft %s (%s v%s) cannot be resumed", draft.id, draft.flow_id, draft.version)
        return None


async def save(run: Run, state: FlowState, now: dt.datetime) -> None:
    """Remember the new state, committed before the person sees the next step.

    Written with one prebuilt UPDATE rather than through the ORM's flush: it runs on every
    answer. The draft object is told the new values, so it stays true and nothing is flushed.
    """
    run.state = state
    dumped = state.model_dump(mode="json")
    await _session_of(run.draft).execute(
        _SAVE_STATE, {"p_id": run.draft.id, "p_state": dumped, "p_now": now}
    )
    set_committed_value(run.draft, "state", dumped)
    set_committed_value(run.draft, "updated_at", now)
    await _session_of(run.draft).commit()


async def remember_message(run: Run, message_id: int) -> None:
    """The message on screen now (its keyboard is taken off when the person moves on); it is
    committed with the update's end."""
    await _session_of(run.draft).execute(
        _SAVE_MESSAGE, {"p_id": run.draft.id, "p_message": message_id}
    )
    set_committed_value(run.draft, "message_id", message_id)


def _session_of(draft: Draft) -> AsyncSession:
    session = async_object_session(draft)
    if session is None:  # pragma: no cover - drafts are always loaded in a session
        raise RuntimeError("the draft is not in a session")
    return session


_DRAFTS = Draft.__table__
_SAVE_STATE = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("p_id"))
    .values(
        state=bindparam("p_state", type_=_DRAFTS.c.state.type),
        updated_at=bindparam("p_now", type_=_DRAFTS.c.updated_at.type),
    )
)
_SAVE_MESSAGE = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("p_id"))
    .values(message_id=bindparam("p_message"))
)


async def discard(session: AsyncSession, draft_id: int) -> None:
    """The person cancelled the questionnaire: its answers are deleted at once."""
    await remove(session, draft_id)
    await session.commit()


async def remove(session: AsyncSession, draft_id: int) -> bool:
    """Delete a draft; False if it was already gone (a second Send, a concurrent update).

    A conditional DELETE takes the row lock, so of two racing submissions only one sees True.
    """
    result = await session.execute(delete(Draft).where(Draft.id == draft_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]

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
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    await session.flush()
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


def save(run: Run, state: FlowState, now: dt.datetime) -> None:
    """Remember the new state (committed with the update, before the user sees the next step)."""
    run.state = state
    run.draft.state = state.model_dump(mode="json")
    run.draft.updated_at = now


async def remove(session: AsyncSession, draft_id: int) -> bool:
    """Delete a draft; False if it was already gone (a second Send, a concurrent update).

    A conditional DELETE takes the row lock, so of two racing submissions only one sees True.
    """
    result = await session.execute(delete(Draft).where(Draft.id == draft_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]

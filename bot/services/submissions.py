"""Turning a finished household questionnaire into a case (no aiogram here).

The caller notifies the assistant (``bot.notify.case_created``) in the same transaction, commits,
wakes the outbox and only then tells the citizen: what the citizen is told is already stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.engine import FlowNotFinishedError
from bot.services import cases, drafts, eligibility, registry, users
from bot.services.drafts import Run
from bot.services.eligibility import Assessment, EligibilityRules
from db.models import Case, User


class SubmitError(Exception):
    """The draft cannot become a case now; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # already_sent | not_finished | not_registered


@dataclass(frozen=True)
class Submitted:
    case: Case
    assessment: Assessment


def assessment_dict(
    assessment: Assessment, on: dt.date, computed: dict[str, Any]
) -> dict[str, Any]:
    """What the case keeps of the assessment (JSON): the figures the citizen was shown."""
    return {
        "category": assessment.category,
        "income_per_person": assessment.income_per_person,
        "mcs": assessment.mcs,
        "channels": list(assessment.channels),
        "assessed_on": on.isoformat(),
        "computed": computed,
    }


async def submit_needs(
    session: AsyncSession,
    *,
    user: User,
    run: Run,
    rules: EligibilityRules,
    now: dt.datetime,
    today: dt.date,
) -> Submitted:
    """Assess the answers, create the needs case with its suggested roadmap, drop the draft.

    Nothing is committed here, and nothing is changed when it raises :class:`SubmitError`
    (every check comes before the draft is deleted). Raises :class:`SubmitError` when the citizen is not registered
    (or lost their mahalla), the questionnaire is not at its summary, or the draft was already
    submitted (deleted by an earlier press of Send).
    """
    if not users.is_registered(user) or user.mahalla_code is None:
        raise SubmitError("not_registered")
    if await registry.get_mahalla(session, user.mahalla_code) is None:
        raise SubmitError("not_registered")
    try:
        result = run.engine.result(run.state)
    except FlowNotFinishedError:
        raise SubmitError("not_finished") from None
    computed_ids = {item.id for item in run.engine.definition.computed}
    answers = {key: value for key, value in result.items() if key not in computed_ids}
    computed = {key: value for key, value in result.items() if key in computed_ids}
    assessment = eligibility.assess(answers, on=today, rules=rules)
    if not await drafts.remove(session, run.draft.id):
        raise SubmitError("already_sent")
    case = await cases.create_case(
        session,
        citizen=user,
        kind="needs",
        flow_id=run.engine.definition.id,
        flow_version=run.engine.definition.version,
        answers=answers,
        now=now,
        assessment=assessment_dict(assessment, today, computed),
    )
    await cases.add_roadmap(
        session,
        case,
        [(step.institution, step.channel, step.action) for step in assessment.roadmap],
    )
    return Submitted(case=case, assessment=assessment)

"""Turning a finished questionnaire into a case (no aiogram here): household needs, and the
job, internship and business support requests.

A citizen has at most one open request of each request kind: sending the questionnaire of a
kind that already has an open case replaces that case's answers (an update, recorded as a
"note" event) instead of opening a second one. The caller notifies the assistant in the same
transaction, commits, wakes the outbox and only then tells the citizen: what the citizen is
told is already stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.engine import FlowNotFinishedError
from bot.services import (
    business_hints,
    case_files,
    cases,
    drafts,
    eligibility,
    registry,
    users,
    vacancies,
)
from bot.services.business_hints import BusinessRules, Hint
from bot.services.drafts import Run
from bot.services.eligibility import Assessment, EligibilityRules
from db.models import Case, CaseEvent, User

#: The case kind each flow becomes.
FLOW_KINDS: dict[str, str] = {
    "household": "needs",
    "job": "job",
    "internship": "internship",
    "business": "business",
}
#: Kinds with at most one open case per citizen: a second questionnaire updates the open one.
REQUEST_KINDS: tuple[str, ...] = ("job", "internship", "business")
#: The flow of each request kind (to pre-fill an update).
KIND_FLOWS: dict[str, str] = {kind: flow for flow, kind in FLOW_KINDS.items()}


class SubmitError(Exception):
    """The draft cannot become a case now; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # already_sent | not_finished | not_registered | unknown_flow


@dataclass(frozen=True)
class Submitted:
    """The case made (or updated); ``assessment`` only for household needs, ``hints`` only
    for business support; ``event`` and ``changed`` (question ids) only for an update."""

    case: Case
    assessment: Assessment | None = None
    hints: tuple[Hint, ...] = ()
    event: CaseEvent | None = None
    changed: tuple[str, ...] = ()

    @property
    def updated(self) -> bool:
        return self.event is not None


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


async def _finished_answers(
    session: AsyncSession, user: User, run: Run
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers and the computed values of a finished draft of a registered citizen: the
    checks every submission makes before it changes anything (raises :class:`SubmitError`)."""
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
    return answers, computed


async def _new_case(
    session: AsyncSession,
    user: User,
    run: Run,
    kind: str,
    answers: dict[str, Any],
    assessment: dict[str, Any],
    *,
    now: dt.datetime,
    limits: cases.Limits | None,
) -> Case:
    """Add the case a finished draft makes, stamped with the draft's flow and its version."""
    definition = run.engine.definition
    return await cases.create_case(
        session,
        citizen=user,
        kind=kind,
        flow_id=definition.id,
        flow_version=definition.version,
        answers=answers,
        now=now,
        assessment=assessment,
        limits=limits,
    )


async def _submit_needs(
    session: AsyncSession,
    user: User,
    run: Run,
    finished: tuple[dict[str, Any], dict[str, Any]],
    rules: EligibilityRules,
    *,
    now: dt.datetime,
    today: dt.date,
    limits: cases.Limits | None,
) -> Submitted:
    """Assess the finished answers, create the needs case with its suggested roadmap, drop the
    draft (see `submit`)."""
    answers, computed = finished
    assessment = eligibility.assess(answers, on=today, rules=rules)
    if not await drafts.remove(session, run.draft.id):
        raise SubmitError("already_sent")
    needs = assessment_dict(assessment, today, computed)
    case = await _new_case(session, user, run, "needs", answers, needs, now=now, limits=limits)
    await cases.add_roadmap(
        session,
        case,
        [(step.institution, step.channel, step.action) for step in assessment.roadmap],
    )
    papers = run.engine.attachments(run.state)
    await case_files.record_questionnaire(session, case, answers, papers, sender=user, now=now)
    return Submitted(case=case, assessment=assessment)


def hints_dict(found: list[Hint] | tuple[Hint, ...], on: dt.date) -> dict[str, Any]:
    """What a business case keeps of its hints: labels and reasons in every language, so the
    card explains them as they were even after the dated rules change."""
    return {
        "hints": [
            {
                "channel": hint.channel,
                "institution": hint.institution,
                "label": dict(hint.label),
                "reason": dict(hint.reason),
                "rule": hint.rule,
            }
            for hint in found
        ],
        "assessed_on": on.isoformat(),
    }


def changed_questions(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    """Question ids whose answer differs between two answer sets (added or removed too)."""
    keys = list(new) + [key for key in old if key not in new]
    return tuple(key for key in keys if old.get(key) != new.get(key))


async def submit(
    session: AsyncSession,
    *,
    user: User,
    run: Run,
    rules: EligibilityRules,
    now: dt.datetime,
    today: dt.date,
    business_rules: BusinessRules | None = None,
    limits: cases.Limits | None = None,
) -> Submitted:
    """Whatever the draft's flow is: a needs case (assessed, with its suggested roadmap), or a
    request case created or updated; the draft is dropped.

    Nothing is committed here, and nothing is changed when it raises :class:`SubmitError`
    (every check comes before the draft is deleted): when the flow is unknown, the citizen is
    not registered (or lost their mahalla), the questionnaire is not at its summary, or the
    draft was already submitted (deleted by an earlier press of Send).
    """
    flow_id = run.engine.definition.id
    kind = FLOW_KINDS.get(flow_id)
    if kind is None:
        raise SubmitError("unknown_flow")
    finished = await _finished_answers(session, user, run)
    if kind == "needs":
        return await _submit_needs(
            session, user, run, finished, rules, now=now, today=today, limits=limits
        )
    answers = finished[0]
    found: tuple[Hint, ...] = ()
    assessment: dict[str, Any] = {}
    if kind == "business":
        found = tuple(
            business_hints.hints(
                answers,
                birth_year=user.birth_year,
                gender=user.gender,
                on=today,
                rules=business_rules,
            )
        )
        assessment = hints_dict(found, today)
    papers = run.engine.attachments(run.state)
    existing = await cases.open_case_of_kind(session, user, kind)
    if not await drafts.remove(session, run.draft.id):
        raise SubmitError("already_sent")
    definition = run.engine.definition
    if existing is not None:
        changed = changed_questions(dict(existing.answers or {}), answers)
        existing.answers = answers
        existing.flow_id, existing.flow_version = definition.id, definition.version
        existing.assessment = assessment
        existing.updated_at = now
        event = CaseEvent(case_id=existing.id, actor_id=user.id, at=now, kind="note")
        session.add(event)
        await session.flush()
        await case_files.record_questionnaire(
            session, existing, answers, papers, sender=user, now=now
        )
        return Submitted(case=existing, hints=found, event=event, changed=changed)
    case = await _new_case(session, user, run, kind, answers, assessment, now=now, limits=limits)
    await case_files.record_questionnaire(session, case, answers, papers, sender=user, now=now)
    return Submitted(case=case, hints=found)


@dataclass(frozen=True)
class Sent:
    """A sent questionnaire: the case, where word of it went (what `tell_case` said: assistant,
    district or nobody) and how many vacancies were offered to the seeker."""

    submitted: Submitted
    routed: str
    offered: int


class Submission(TypedDict):
    """The keywords of `submit` that `send` hands on (its business rules are the defaults)."""

    user: User
    run: Run
    rules: EligibilityRules
    now: dt.datetime
    today: dt.date
    limits: cases.Limits | None


async def send(
    session: AsyncSession,
    *,
    tell_case: Callable[[Submitted], Awaitable[str]],
    tell_offer: Callable[[vacancies.NewOffer], Awaitable[bool]],
    **submission: Unpack[Submission],
) -> Sent:
    """The citizen sends a questionnaire: the case made or updated, whoever works it told, a job
    seeker offered the open vacancies that fit, all in one commit before the citizen is answered.
    Raises `SubmitError` (nothing written) as `submit` does."""
    submitted = await submit(session, **submission)
    routed = await tell_case(submitted)
    offered = 0
    case = submitted.case
    if case.kind in vacancies.SEEKER_KINDS:
        user, today, now = submission["user"], submission["today"], submission["now"]
        for new in await vacancies.offer_open_vacancies(session, case, user, today, now):
            offered += await tell_offer(new)
    await session.commit()
    return Sent(submitted, routed, offered)

"""Messages to other people about an assistant's work: roadmap changes and job confirmations.

Like `bot.notifications.cases` (the case lifecycle's messages): rendered in the RECIPIENT's language and
queued in the outbox inside the caller's transaction; the caller commits, and the commit wakes the drainer.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CaseAction, CaseCB
from bot.i18n import fmt_date, in_locale
from bot.notifications.cases import to_citizen
from bot.notifications.send import send
from bot.services.eligibility import EligibilityRules
from bot.services.roadmap import action_text
from bot.views.texts import esc
from db.models import Case, CaseEvent, Job, RoadmapStep, User

ROADMAP_CHANGES = ("added", "edited", "done", "due", "dropped")


def job_kind_label(kind: str) -> str:
    return {
        "permanent": _("permanent job"),
        "temporary": _("temporary or seasonal job"),
        "self_employment": _("self-employment"),
        "new_business": _("new business"),
        "internship": _("internship"),
        "public_works": _("public works"),
    }.get(kind, kind)


def institution_name(rules: EligibilityRules, institution: str, locale: str) -> str:
    """The institution's name from the eligibility rules (the one list of them)."""
    try:
        labels = rules.institution_label(institution)
    except (KeyError, TypeError):
        return institution
    return labels.get(locale) or labels.get("uz") or institution


async def roadmap_changed(
    session: AsyncSession,
    i18n: I18n,
    rules: EligibilityRules,
    case: Case,
    step: RoadmapStep,
    change: str,
    event: CaseEvent,
) -> None:
    """Tell the citizen that a step of their roadmap was added, changed, done or removed."""
    citizen = await session.get(User, case.user_id)
    if citizen is None:
        return
    with in_locale(i18n, citizen.locale):
        what = f"{esc(institution_name(rules, step.institution, citizen.locale))}: {esc(action_text(step, citizen.locale))}"
        if change == "added":
            text = _("Your request <b>{number}</b>: a new step in your roadmap.")
        elif change == "edited":
            text = _("Your request <b>{number}</b>: a step of your roadmap was changed.")
        elif change == "done":
            text = _("Your request <b>{number}</b>: a step of your roadmap is done ✅")
        elif change == "dropped":
            text = _("Your request <b>{number}</b>: a step was removed from your roadmap.")
        elif step.due_date is not None:
            text = _("Your request <b>{number}</b>: a step of your roadmap is due by {date}.")
        else:
            text = _("Your request <b>{number}</b>: a step of your roadmap has no due date now.")
        text = text.format(
            number=case.number,
            date=fmt_date(step.due_date, citizen.locale) if step.due_date else "",
        )
        await to_citizen(
            session,
            citizen,
            case,
            f"{text}\n{what}",
            kind="roadmap",
            dedupe_key=f"roadmap:{event.id}",
        )


async def job_confirmation(
    session: AsyncSession, i18n: I18n, job: Job, case: Case, assistant: User
) -> None:
    """Ask the case's citizen whether they started the job the assistant recorded."""
    citizen = await session.get(User, job.citizen_id) if job.citizen_id else None
    if citizen is None:
        return
    with in_locale(i18n, citizen.locale):
        lines = [
            _("Your assistant {name} recorded a job for you (request <b>{number}</b>):").format(
                name=esc(assistant.name or "—"), number=case.number
            ),
            f"• {job_kind_label(job.kind)}" + (f" — {esc(job.employer)}" if job.employer else ""),
            "",
            _("Did you start this job?"),
        ]
        buttons = [
            (_("✅ Yes"), CaseCB(action=CaseAction.CONFIRM_JOB, id=job.id, v="y")),
            (_("❌ No"), CaseCB(action=CaseAction.CONFIRM_JOB, id=job.id, v="n")),
        ]
        await send(
            session,
            citizen,
            "\n".join(lines),
            kind="job_confirm",
            dedupe_key=f"job_confirm:{job.id}",
            buttons=buttons,
        )


async def job_answered(session: AsyncSession, i18n: I18n, job: Job, citizen: User) -> None:
    """Tell the assistant what the citizen answered (a "no" means the job no longer counts)."""
    assistant = await session.get(User, job.assistant_id)
    if assistant is None:
        return
    with in_locale(i18n, assistant.locale):
        what = job_kind_label(job.kind) + (f" — {esc(job.employer)}" if job.employer else "")
        if job.status == "confirmed":
            text = _("{name} confirmed starting the job: {job}.")
        else:
            text = _("{name} says they did not start the job: {job}. It is no longer counted.")
        text = text.format(name=esc(citizen.name or "—"), job=what)
        await send(session, assistant, text, kind="job_answer", dedupe_key=f"job_answer:{job.id}")

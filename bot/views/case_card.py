"""The case card's text: who asked, the assessment, the roadmap, the history, the answers
and the files, in the reader's language. Shared by the assistant's and the supervisor's views;
the buttons belong to each handler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.flows.loader import FlowRegistry
from bot.i18n import fmt_date, fmt_datetime, fmt_money
from bot.services import case_files, cases, registry
from bot.services.eligibility import EligibilityRules
from bot.views.case_files import file_label, files_section
from bot.views.case_history import excerpt as _excerpt
from bot.views.case_history import first_name, history_section
from bot.views.render import answer_lines
from bot.views.texts import case_kind_label, category_label, esc, outcome_label, status_label
from db.models import Case, CaseFile, User

__all__ = ["age_text", "business_hint_section", "card_sections", "row_label"]

STATUS_ICONS = {
    "new": "🆕",
    "accepted": "☑️",
    "in_progress": "🔄",
    "resolved": "✅",
    "rejected": "❌",
    "closed": "📵",
}


def age_text(since: dt.datetime, now: dt.datetime) -> str:
    """'12 min', '5 h', '3 d': how long the case has waited, short enough for a button."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    if minutes < 24 * 60:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} d").format(n=minutes // (24 * 60))


def _label(labels: dict[str, str], locale: str, fallback: str) -> str:
    return labels.get(locale) or labels.get("uz") or fallback


def row_label(case: Case, name: str | None, now: dt.datetime, *, late: bool = False) -> str:
    """A case in a list: number, kind, how long it has waited, the citizen's first name; in an
    overdue list (`late`) how late it is instead, so the order (the longest overdue first)
    shows."""
    icon = "⏰" if cases.is_overdue(case, now) else STATUS_ICONS.get(case.status, "▫️")
    missed = cases.deadline_missed(case, now) if late else None
    waited = (
        _("{age} late").format(age=age_text(missed, now))
        if missed is not None
        else age_text(case.created_at, now)
    )
    return " · ".join(
        (f"{icon} {case.number}", case_kind_label(case.kind), waited, first_name(name))
    )


def assessment_lines(case: Case, locale: str) -> list[str]:
    """The category and income per person, once assessed: the citizen's card, the assistant's
    and the new-case message show them alike."""
    lines = []
    if case.category:
        lines.append(_("Category: {category}").format(category=category_label(case.category)))
    if case.income_per_person is not None:
        lines.append(
            _("Income per person: {amount} a month").format(
                amount=fmt_money(case.income_per_person, locale)
            )
        )
    return lines


async def card_sections(
    session: AsyncSession,
    case: Case,
    locale: str,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
    now: dt.datetime,
    files: Sequence[CaseFile] | None = None,
) -> list[str]:
    """The case as the assistant works it: essentials, roadmap, history, then the answers;
    `files` when the caller has loaded the case's files already (else they are read here)."""
    tz = settings.tz
    citizen = await session.get(User, case.user_id)
    mahalla = await registry.get_mahalla(session, case.mahalla_code)
    status = status_label(case.status)
    if cases.is_overdue(case, now):
        status += " · " + _("⏰ overdue")
    head = [
        _("📂 Request <b>{number}</b>: {kind}").format(
            number=case.number, kind=case_kind_label(case.kind)
        ),
        _("Status: {status}").format(status=status),
        _("Received: {when} ({age} ago)").format(
            when=fmt_datetime(case.created_at, tz), age=age_text(case.created_at, now)
        ),
    ]
    if case.status == "new" and case.accept_due is not None:
        head.append(_("Accept by: {when}").format(when=fmt_datetime(case.accept_due, tz)))
    if case.status in cases.OPEN_STATUSES and case.resolve_due is not None:
        head.append(_("Resolve by: {when}").format(when=fmt_datetime(case.resolve_due, tz)))
    head.append(
        _("Mahalla: {mahalla}").format(
            mahalla=esc(registry.place_name(mahalla, locale)) if mahalla else case.mahalla_code
        )
    )
    head.append(_("Citizen: {name}").format(name=esc((citizen.name if citizen else None) or "—")))
    head.append(_("Phone: {phone}").format(phone=esc((citizen.phone if citizen else None) or "—")))
    head += assessment_lines(case, locale)
    channels = []
    for channel in (case.assessment or {}).get("channels") or []:
        try:
            channels.append(esc(_label(rules.channel_label(channel), locale, channel)))
        except KeyError:
            channels.append(esc(str(channel)))
    if channels:
        head.append(_("May be eligible for: {channels}").format(channels="; ".join(channels)))
    if case.outcome and case.status == "resolved":
        head.append(_("Outcome: {outcome}").format(outcome=outcome_label(case.outcome)))
    if case.reason and case.status in ("rejected", "closed"):
        head.append(_("Reason: {reason}").format(reason=_excerpt(case.reason)))
    sections = ["\n".join(head)]
    hints = business_hint_section(case, locale)
    if hints:
        sections.append(hints)

    steps = await cases.roadmap(session, case.id)
    lines = [_("<b>Roadmap</b>")]
    for step in steps:
        mark = "✅" if step.status == "done" else "▫️"
        try:
            institution = _label(rules.institution_label(step.institution), locale, "")
        except KeyError:
            institution = step.institution
        action = _label(step.action, locale, next(iter(step.action.values()), ""))
        due = (
            " — " + _("until {date}").format(date=fmt_date(step.due_date)) if step.due_date else ""
        )
        lines.append(f"{mark} {esc(institution)}: {esc(action)}{due}")
    if not steps:
        lines.append(_("No steps yet: add them with 🗺 Roadmap."))
    sections.append("\n".join(lines))

    if files is None:
        files = await case_files.of_case(session, case.id)
    sections.append(await _history_section(session, case, tz, files))

    definition = flows.find(case.flow_id, case.flow_version)
    if definition is not None:
        answers = answer_lines(definition, case.answers, locale)
    else:
        answers = [f"• {esc(str(k))}: <b>{_excerpt(str(v))}</b>" for k, v in case.answers.items()]
    if answers:
        sections.append(_("<b>Answers</b>") + "\n" + "\n".join(answers))
    questions = {q.id: q.text.get(locale) for q in definition.questions} if definition else {}
    listed = files_section(files, questions)
    if listed:
        sections.insert(1, listed)  # near the top: a long card is cut from the end
    return sections


def business_hint_section(case: Case, locale: str) -> str | None:
    """A business request's eligibility hints (bot/services/business_hints), as stored when it
    was sent: prompts for the assistant to check with the institution, never decisions."""
    stored = (case.assessment or {}).get("hints") or []
    lines = []
    for hint in stored:
        if not isinstance(hint, dict):
            continue
        name = _label(hint.get("label") or {}, locale, str(hint.get("channel", "")))
        reason = _label(hint.get("reason") or {}, locale, "")
        lines.append(f"• <b>{esc(name)}</b>" + (f" — {esc(reason)}" if reason else ""))
    if not lines:
        return None
    return "\n".join([_("💡 <b>May be eligible (hints to check)</b>"), *lines])


async def _history_section(
    session: AsyncSession, case: Case, tz: dt.tzinfo, files: Sequence[CaseFile]
) -> str:
    events = list(await cases.history(session, case.id))
    names = await cases.user_names(session, [e.actor_id for e in events if e.actor_id])
    steps = await cases.roadmap(session, case.id)
    numbers = {step.id: index for index, step in enumerate(steps, 1)}  # as the roadmap shows
    attached: dict[int, list[str]] = {}
    for file in files:
        if file.event_id is not None:
            attached.setdefault(file.event_id, []).append(file_label(file))
    return history_section(events, case, names, numbers, tz, attached)


def message_sent_lead(number: str, delivered: bool) -> str:
    """Above the card after the assistant wrote to the citizen: sent, or only saved."""
    return (
        _("Message sent to the citizen about request {number}.")
        if delivered
        else _("Saved on request {number}, but the citizen cannot be reached through the bot.")
    ).format(number=number)

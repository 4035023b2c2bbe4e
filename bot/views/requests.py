"""What a citizen reads about their requests: the result of sending one (number, income per
person, category, support they may qualify for) and the open request of a kind."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    QCB,
    CaseAction,
    CaseCB,
    QuestionAction,
    RequestAction,
    RequestCB,
    VacancyAction,
    VacCB,
)
from bot.config import Settings
from bot.i18n import fmt_date, fmt_money
from bot.services import vacancies
from bot.services.drafts import Run
from bot.services.eligibility import EligibilityRules
from bot.services.submissions import Submitted
from bot.views.texts import case_kind_label, esc, status_label
from db.models import Case


def open_request_view(
    case: Case, run: Run | None, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """The citizen's open request of a kind: its number and status, Open, Update (and, for a
    job, the district's vacancies; with a draft of the update under way, Continue)."""
    sent = case.created_at.astimezone(settings.tz).date()
    lines = [
        _("You already have an open request <b>{number}</b> ({kind}).").format(
            kind=case_kind_label(case.kind), number=case.number
        ),
        _("Status: {status}. Sent on {date}.").format(
            status=status_label(case.status), date=fmt_date(sent)
        ),
        "",
        _(
            "You can open it, or update your answers: the same request is changed and your "
            "assistant is told."
        ),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📂 Open the request"), callback_data=CaseCB(action=CaseAction.OPEN, id=case.id)
    )
    if run is not None and run.state.answers:
        builder.button(
            text=_("▶️ Continue where you stopped"),
            callback_data=QCB(draft=run.draft.id, action=QuestionAction.RESUME),
        )
    builder.button(
        text=_("✏️ Update my answers"),
        callback_data=RequestCB(action=RequestAction.UPDATE, id=case.id),
    )
    if case.kind in vacancies.SEEKER_KINDS:
        builder.button(
            text=_("🔎 Open vacancies"), callback_data=VacCB(action=VacancyAction.BROWSE)
        )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def result_text(submitted: Submitted, routed: str, rules: EligibilityRules, locale: str) -> str:
    """The short result: number, income per person, category, channels, what happens next."""
    case, assessment = submitted.case, submitted.assessment
    assert assessment is not None  # household needs always have one
    lines = [
        _("✅ Thank you! Your request <b>{number}</b> has been sent.").format(number=case.number),
        "",
    ]
    if assessment.income_per_person is not None:
        lines.append(
            _("Income per person: <b>{amount}</b> a month.").format(
                amount=fmt_money(assessment.income_per_person, locale)
            )
        )
    if assessment.category is not None:
        emoji = {"red": "🔴", "yellow": "🟡", "green": "🟢"}.get(assessment.category, "")
        label = _label(rules.category_label(assessment.category), locale)
        lines.append(_("Category: {category}").format(category=f"{emoji} {esc(label)}".strip()))
    elif assessment.income_per_person is not None:
        lines.append(
            _("Your family's income is above the level for low-income support categories.")
        )
    lines.append("")
    if assessment.channels:
        lines.append(_("Support your family may qualify for:"))
        for channel in assessment.channels:
            lines.append(f"• {esc(_label(rules.channel_label(channel), locale))}")
    else:
        lines.append(
            _(
                "Your answers do not point to a particular support programme yet; the assistant will look at your situation."
            )
        )
    lines.append("")
    if routed == "assistant":
        lines.append(
            _(
                "What happens next: the assistant of your mahalla has received your request and "
                "will contact you soon."
            )
        )
    else:
        lines.append(
            _(
                "What happens next: your mahalla has no assistant yet, so your request went to "
                "the district. They will assign someone who will contact you."
            )
        )
    lines.append(_("You can follow it under “📂 My requests”."))
    return "\n".join(lines)


def request_result_text(submitted: Submitted, routed: str, offered: int) -> str:
    """A job, internship or business request sent or updated: number and what happens next."""
    case = submitted.case
    if submitted.updated:
        lines = [
            _("✅ Your request <b>{number}</b> has been updated.").format(number=case.number),
            "",
            _("Your assistant has been told about the new answers.")
            if routed == "assistant"
            else _("The new answers are saved with the request."),
        ]
    else:
        lines = [
            _("✅ Thank you! Your request <b>{number}</b> has been sent.").format(
                number=case.number
            ),
            "",
        ]
        if routed == "assistant":
            lines.append(
                _(
                    "What happens next: the assistant of your mahalla has received your request "
                    "and will contact you soon."
                )
            )
        else:
            lines.append(
                _(
                    "What happens next: your mahalla has no assistant yet, so your request went "
                    "to the district. They will assign someone who will contact you."
                )
            )
    if case.kind in vacancies.SEEKER_KINDS:
        lines.append("")
        lines.append(
            _(
                "When a vacancy in your area fits your request, we will send it to you here "
                "(at most 3 a day). You can also look through the open vacancies yourself."
            )
        )
        if offered:
            lines.append(
                _("Vacancies sent to you now: {count}. See the messages below.").format(
                    count=offered
                )
            )
    lines.append(_("You can follow it under “📂 My requests”."))
    return "\n".join(lines)


def _label(labels: dict[str, Any], locale: str) -> str:
    return str(labels.get(locale) or labels.get("uz") or "")

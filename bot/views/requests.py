"""A citizen's open request, shown when they ask for another of the same kind."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import QCB, CaseCB, RequestCB, VacCB
from bot.config import Settings
from bot.i18n import fmt_date
from bot.services import vacancies
from bot.services.drafts import Run
from bot.views.texts import case_kind_label, status_label
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
    builder.button(text=_("📂 Open the request"), callback_data=CaseCB(action="open", id=case.id))
    if run is not None and run.state.answers:
        builder.button(
            text=_("▶️ Continue where you stopped"),
            callback_data=QCB(draft=run.draft.id, action="go"),
        )
    builder.button(text=_("✏️ Update my answers"), callback_data=RequestCB(action="upd", id=case.id))
    if case.kind in vacancies.SEEKER_KINDS:
        builder.button(text=_("🔎 Open vacancies"), callback_data=VacCB(action="browse"))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()

"""Hiring from a vacancy: the assistant marks an interested person hired (asked first), which
resolves their request, records the job and asks them to confirm it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import VacancyAction, VacCB
from bot.handlers.dialog_turn import Turn
from bot.handlers.vacancy_common import refuse
from bot.handlers.vacancy_list import vacancy_for, who_view
from bot.notifications import cases as notify
from bot.notifications.work import job_confirmation
from bot.services import vacancies
from bot.services.vacancies import Hired
from bot.views.screens import show_in_place
from bot.views.texts import esc, outcome_label
from db.models import Case, User, Vacancy, VacancyOffer, utcnow


async def _offer_for(
    query: CallbackQuery, turn: Turn, offer_id: int
) -> tuple[VacancyOffer, Vacancy, User, Case] | None:
    """An offer of a vacancy this assistant may manage, with its vacancy, citizen and case."""
    session, user = turn.session, turn.user
    offer = await session.get(VacancyOffer, offer_id) if offer_id > 0 else None
    vacancy = await vacancy_for(query, turn, offer.vacancy_id) if offer is not None else None
    if offer is None or vacancy is None:
        if offer is None:
            await refuse(query, user, f"offer {offer_id}")
        return None
    citizen = await session.get(User, offer.citizen_id)
    case = await session.get(Case, offer.case_id)
    if citizen is None or case is None:
        await refuse(query, user, f"offer {offer_id} without its citizen or case")
        return None
    return offer, vacancy, citizen, case


async def on_hire(query: CallbackQuery, callback_data: VacCB, **data: Any) -> None:
    """Ask before marking someone hired: it resolves their request and records a job."""
    found = await _offer_for(query, Turn.of(data), callback_data.id)
    if found is None:
        return
    offer, vacancy, citizen, case = found
    if offer.hired_at is not None:
        await query.answer(_("Already marked as hired."), show_alert=True)
        return
    outcome = "internship_placed" if case.kind == "internship" else "job_placed"
    text = _(
        "Mark {name} as hired for “{title}”?\nRequest {number} is resolved as “{outcome}”, the "
        "job is recorded in your ledger for today, and {name} is asked to confirm it."
    ).format(
        name=esc(citizen.name or "—"),
        title=esc(vacancy.title),
        number=case.number,
        outcome=outcome_label(outcome),
    )
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes, hired"),
        callback_data=VacCB(action=VacancyAction.HIRE_YES, id=offer.id, page=callback_data.page),
    )
    builder.button(
        text=_("⬅️ Back"),
        callback_data=VacCB(action=VacancyAction.PEOPLE, id=vacancy.id, page=callback_data.page),
    )
    builder.adjust(1)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=builder.as_markup())


async def on_hire_yes(query: CallbackQuery, callback_data: VacCB, i18n: I18n, **data: Any) -> None:
    """Mark someone hired (after on_hire asked): their request resolved, a job recorded."""
    turn = Turn.of(data)
    session, user, settings = turn.session, turn.user, turn.settings
    found = await _offer_for(query, turn, callback_data.id)
    if found is None:
        return
    offer, vacancy, citizen, case = found
    now, tell = utcnow(), partial(_tell_hired, session, i18n, user)
    try:
        hired = await vacancies.take_on(
            session, offer, assistant=user, today=settings.today(), now=now, notify=tell
        )
    except vacancies.HireError as error:
        reasons = {
            "already": _("Already marked as hired."),
            "not_interested": _("This person is no longer interested in the vacancy."),
            "request_closed": _(
                "Request {number} is no longer open, so it cannot be resolved by this hire."
            ).format(number=case.number),
        }
        await query.answer(
            reasons.get(error.reason, _("The vacancy is closed: no places left.")),
            show_alert=True,
        )
        text, markup = await who_view(session, vacancy, callback_data.page)
        await show_in_place(query, text, markup)
        return
    lead = _(
        "✅ {name} is hired. Request {number} is resolved, the job is in your ledger, and "
        "{name} is asked to confirm it."
    ).format(name=esc(citizen.name or "—"), number=case.number)
    if hired.closed:
        lead += "\n" + _("All places are filled: the vacancy is closed.")
    text, markup = await who_view(session, vacancy, callback_data.page, lead=lead)
    await query.answer()
    await show_in_place(query, text, markup)


async def _tell_hired(session: AsyncSession, i18n: I18n, user: User, hired: Hired) -> None:
    await notify.status_changed(session, i18n, hired.case, hired.event)
    await job_confirmation(session, i18n, hired.job, hired.case, user)

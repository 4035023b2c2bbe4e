"""The citizen's side of vacancies: browsing the open vacancies of their district, saying
“I'm interested”, and answering an offer (Interested · Not for me).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import VacancyAction, VacCB
from bot.config import Settings
from bot.handlers import registration
from bot.handlers.dialog_turn import Turn
from bot.handlers.vacancy_common import drop_markup, refuse, short
from bot.i18n import fmt_money
from bot.notifications import requests as notify_requests
from bot.services import users, vacancies
from bot.views.keyboards.common import paged_buttons
from bot.views.screens import answer_below, show_in_place
from db.models import User, Vacancy, utcnow

BROWSE_PER_PAGE = 5


def _pay_text(vacancy: Vacancy, locale: str) -> str:
    return fmt_money(vacancy.pay, locale) if vacancy.pay is not None else _("by agreement")


def _told_interested() -> str:
    """The citizen's answer once their assistant is told they are interested."""
    return _("✅ Your assistant has been told that you are interested and will contact you.")


# ---------------------------------------------------------------------- citizens: browsing


async def _browse_view(
    session: AsyncSession, user: User, district: str, today: dt.date, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    result = await vacancies.browse_page(session, district, today, page, BROWSE_PER_PAGE)
    if not result.total:
        return (
            _(
                "There are no open vacancies in your district right now. Send a job request "
                "(“💼 I need a job”): vacancies that fit it are sent to you as they appear."
            ),
            None,
        )
    items = [
        (
            f"{short(vacancy.title, 26)} · {_pay_text(vacancy, user.locale)}",
            VacCB(action=VacancyAction.SEE, id=vacancy.id, page=result.page),
        )
        for vacancy in result.items
    ]
    markup = paged_buttons(
        items,
        result.window,
        lambda p: VacCB(action=VacancyAction.BROWSE, page=p, v="e"),
    )
    text = "\n".join(
        [
            _("🔎 <b>Open vacancies in your district</b>: {n}").format(n=result.total),
            _("Choose one to see the details."),
        ]
    )
    return text, markup


async def on_browse_menu(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    district = (
        await vacancies.citizen_district(session, user) if users.is_registered(user) else None
    )
    if district is None:
        await registration.begin(message, state, session, user)
        return
    text, markup = await _browse_view(session, user, district, settings.today(), 0)
    await message.answer(text, reply_markup=markup)


async def _citizen_district(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> str | None:
    district = (
        await vacancies.citizen_district(session, user) if users.is_registered(user) else None
    )
    if district is None:
        await registration.begin_from_button(query, state, session, user)
    return district


async def on_browse(
    query: CallbackQuery,
    callback_data: VacCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    district = await _citizen_district(query, state, session, user)
    if district is None:
        return
    text, markup = await _browse_view(session, user, district, settings.today(), callback_data.page)
    await query.answer()
    if callback_data.v == "e":  # our own list (paging, back): redrawn in place
        await show_in_place(query, text, markup)
    elif isinstance(query.message, Message):  # from a result or a request: a new message
        await query.message.answer(text, reply_markup=markup)


async def _visible_vacancy(query: CallbackQuery, turn: Turn, vacancy_id: int) -> Vacancy | None:
    """A vacancy of the citizen's district that is still open (closed ones are explained).

    A citizen with no district yet is sent to registration first, as from the list."""
    session, user = turn.session, turn.user
    district = await _citizen_district(query, turn.state, session, user)
    if district is None:
        return None
    vacancy = await session.get(Vacancy, vacancy_id) if vacancy_id > 0 else None
    if vacancy is None or vacancy.district_soato != district:
        await refuse(query, user, f"vacancy {vacancy_id} outside the district")
        return None
    if not await vacancies.still_open(session, vacancy, turn.settings.today(), utcnow()):
        await query.answer(_("This vacancy is closed."), show_alert=True)
        return None
    return vacancy


async def on_see(query: CallbackQuery, callback_data: VacCB, **data: Any) -> None:
    """A vacancy's details, and whether the citizen said they are interested."""
    turn = Turn.of(data)
    session, user = turn.session, turn.user
    vacancy = await _visible_vacancy(query, turn, callback_data.id)
    if vacancy is None:
        return
    offer = await vacancies.citizen_offer(session, vacancy.id, user.id)
    note = None
    if offer is not None and offer.answer == "interested":
        note = _("✅ You said you are interested: your assistant has your contact.")
    await _show_details(query, session, vacancy, user, callback_data.page, note)


async def _show_details(
    query: CallbackQuery,
    session: AsyncSession,
    vacancy: Vacancy,
    user: User,
    page: int,
    note: str | None,
) -> None:
    """A vacancy's details drawn in place: `note` under them, or else the “I'm interested”
    button; then Back to the list."""
    lines = await notify_requests.vacancy_lines(session, vacancy, user.locale)
    builder = InlineKeyboardBuilder()
    if note:
        lines += ["", note]
    else:
        builder.button(
            text=_("👍 I'm interested"),
            callback_data=VacCB(action=VacancyAction.INTERESTED, id=vacancy.id, page=page),
        )
    builder.button(
        text=_("⬅️ Back to the list"),
        callback_data=VacCB(action=VacancyAction.BROWSE, page=page, v="e"),
    )
    builder.adjust(1)
    await query.answer()
    await show_in_place(query, "\n".join(lines), builder.as_markup())


async def on_interest(query: CallbackQuery, callback_data: VacCB, i18n: I18n, **data: Any) -> None:
    """A browsing citizen's "interested": needs an open job or internship request."""
    turn = Turn.of(data)
    session, user, settings = turn.session, turn.user, turn.settings
    vacancy = await _visible_vacancy(query, turn, callback_data.id)
    if vacancy is None:
        return
    tell = partial(notify_requests.vacancy_interest, session, i18n, citizen=user)
    result, offer = await vacancies.show_interest(
        session, vacancy, user, settings.today(), utcnow(), tell
    )
    if result is vacancies.Interest.NO_REQUEST:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _(
                    "To answer a vacancy, first send a job request: press “💼 I need a job”. "
                    "Your assistant then knows what you are looking for."
                )
            )
        return
    if result is vacancies.Interest.ALREADY:
        await query.answer(_("You have already said you are interested."), show_alert=True)
        return
    if result is vacancies.Interest.CLOSED or offer is None:
        await query.answer(_("This vacancy is closed."), show_alert=True)
        return
    await _show_details(query, session, vacancy, user, callback_data.page, _told_interested())


# ---------------------------------------------------------------------- citizens: offers


async def on_offer_answer(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    settings: Settings,
    i18n: I18n,
) -> None:
    """Interested · Not for me under an offer: only the citizen it was made to may answer."""
    offer = await vacancies.own_offer(session, callback_data.id, user)
    if offer is None:
        await refuse(query, user, f"offer {callback_data.id}")
        return
    yes = callback_data.action == VacancyAction.OFFER_YES
    tell = partial(notify_requests.vacancy_interest, session, i18n, citizen=user)
    result = await vacancies.reply(session, offer, yes, settings.today(), utcnow(), tell)
    if result is vacancies.OfferAnswer.CLOSED:
        await query.answer(_("This vacancy is closed."), show_alert=True)
        await _drop_keyboard(query)
        return
    if result is vacancies.OfferAnswer.HIRED:
        await query.answer(_("You were hired for this vacancy. Good luck!"), show_alert=True)
        return
    if result is vacancies.OfferAnswer.ALREADY:
        await query.answer(_("You have already answered. Thank you!"), show_alert=True)
        return
    reply = _told_interested() if yes else _("Thank you. We will not offer you this vacancy again.")
    builder = InlineKeyboardBuilder()
    if not yes:
        builder.button(
            text=_("👍 I'm interested after all"),
            callback_data=VacCB(action=VacancyAction.OFFER_YES, id=offer.id),
        )
    await query.answer()
    await answer_below(query, reply, builder.as_markup() if not yes else None)


async def _drop_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await drop_markup(query.message)

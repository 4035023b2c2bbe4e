"""The assistant's vacancies: the list of their district's vacancies, a vacancy's card, who is
interested, and closing a vacancy. The card and the interested list are redrawn by hiring
and posting too, so they live here, apart from those dialogs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import VacancyAction, VacCB
from bot.config import Settings
from bot.handlers.dialog_turn import Turn
from bot.handlers.vacancy_common import ALL_STATES, refuse, short
from bot.i18n import fmt_date, fmt_number
from bot.notifications import requests as notify_requests
from bot.services import vacancies
from bot.services.roles import Roles
from bot.views.keyboards.common import paged_buttons
from bot.views.screens import show_in_place
from bot.views.texts import esc
from db.models import User, Vacancy, utcnow

PER_PAGE = 6


# ---------------------------------------------------------------------- assistants: lists


async def _list_view(
    session: AsyncSession, roles: Roles, today: dt.date, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    result = await vacancies.assistant_page(session, roles.mahallas, today, page, PER_PAGE)
    items = []
    for vacancy in result.items:
        mark = "🟢" if vacancy.status == "open" else "⚪️"
        label = " · ".join(
            (
                f"{mark} {short(vacancy.title, 24)}",
                f"{vacancy.filled}/{vacancy.places}",
                fmt_date(vacancy.closes_on),
            )
        )
        items.append((label, VacCB(action=VacancyAction.OPEN, id=vacancy.id, page=result.page)))
    markup = paged_buttons(
        items,
        result.window,
        lambda p: VacCB(action=VacancyAction.LIST, page=p),
        extra=[
            InlineKeyboardButton(
                text=_("➕ Post a vacancy"), callback_data=VacCB(action=VacancyAction.NEW).pack()
            )
        ],
    )
    lines = [_("📢 <b>Vacancies of your district</b>: {n}").format(n=result.total)]
    if result.total:
        lines.append(_("Choose one to see who is interested, or post a new one."))
    else:
        lines.append(
            _(
                "None yet. Post a vacancy: it is offered at once to the job seekers whose "
                "requests match."
            )
        )
    return "\n".join(lines), markup


async def on_menu(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    roles: Roles,
    settings: Settings,
) -> None:
    if await state.get_state() in {s.state for s in ALL_STATES}:
        await state.clear()
    text, markup = await _list_view(session, roles, settings.today(), 0)
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    roles: Roles,
    settings: Settings,
) -> None:
    text, markup = await _list_view(session, roles, settings.today(), callback_data.page)
    await query.answer()
    await show_in_place(query, text, markup)


async def card_view(
    session: AsyncSession, vacancy: Vacancy, user: User, page: int, lead: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    sent, keen = await vacancies.counts(session, vacancy.id)
    lines = [lead, ""] if lead else []
    lines += await notify_requests.vacancy_lines(session, vacancy, user.locale, for_assistant=True)
    if vacancy.status == "open":
        lines.append(_("Status: open"))
    else:
        reasons = {
            "filled": _("all places filled"),
            "expired": _("the closing date has passed"),
            "withdrawn": _("closed by an assistant"),
        }
        lines.append(
            _("Status: closed ({reason})").format(
                reason=reasons.get(vacancy.closed_reason or "", vacancy.closed_reason or "—")
            )
        )
    lines.append(
        _("Offers sent: {sent}. Interested: {keen}.").format(
            sent=fmt_number(sent), keen=fmt_number(keen)
        )
    )
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("👥 Interested ({n})").format(n=keen),
        callback_data=VacCB(action=VacancyAction.PEOPLE, id=vacancy.id, page=page),
    )
    if vacancy.status == "open":
        builder.button(
            text=_("🔒 Close the vacancy"),
            callback_data=VacCB(action=VacancyAction.CLOSE, id=vacancy.id, page=page),
        )
    builder.button(
        text=_("⬅️ Back to the list"), callback_data=VacCB(action=VacancyAction.LIST, page=page)
    )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def vacancy_for(query: CallbackQuery, turn: Turn, vacancy_id: int) -> Vacancy | None:
    """The vacancy a button names, if this assistant may manage it (else refused: None)."""
    vacancy = await vacancies.manageable(turn.session, vacancy_id, turn.roles.mahallas)
    if vacancy is None:
        await refuse(query, turn.user, f"vacancy {vacancy_id}")
        return None
    vacancies.refresh(vacancy, turn.settings.today(), utcnow())
    return vacancy


async def who_view(
    session: AsyncSession, vacancy: Vacancy, page: int, lead: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    people = await vacancies.interested(session, vacancy.id)
    lines = [lead, ""] if lead else []
    lines.append(_("👥 <b>Interested in “{title}”</b>").format(title=esc(vacancy.title)))
    builder = InlineKeyboardBuilder()
    if not people:
        lines.append(_("Nobody yet. You are told here as soon as someone is interested."))
    for offer, citizen, case in people:
        mark = " ✅ " + _("hired") if offer.hired_at is not None else ""
        lines.append(
            f"• {esc(citizen.name or '—')}, {esc(citizen.phone or '—')} — {case.number}{mark}"
        )
        if offer.hired_at is None and vacancy.status == "open":
            builder.button(
                text=_("✅ Hired: {name}").format(name=short(citizen.name or "—", 28)),
                callback_data=VacCB(action=VacancyAction.HIRE, id=offer.id, page=page),
            )
    builder.button(
        text=_("⬅️ Back to the vacancy"),
        callback_data=VacCB(action=VacancyAction.OPEN, id=vacancy.id, page=page),
    )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def on_open(query: CallbackQuery, callback_data: VacCB, **data: Any) -> None:
    """A vacancy's card ("open") or who is interested in it ("who"), drawn in place."""
    turn = Turn.of(data)
    vacancy = await vacancy_for(query, turn, callback_data.id)
    if vacancy is None:
        return
    if callback_data.action == VacancyAction.PEOPLE:
        text, markup = await who_view(turn.session, vacancy, callback_data.page)
    else:
        text, markup = await card_view(turn.session, vacancy, turn.user, callback_data.page)
    await query.answer()
    await show_in_place(query, text, markup)


async def on_close(query: CallbackQuery, callback_data: VacCB, **data: Any) -> None:
    """Close a vacancy: asked first ("close"), then done ("closey")."""
    turn = Turn.of(data)
    vacancy = await vacancy_for(query, turn, callback_data.id)
    if vacancy is None:
        return
    ctx: dict[str, Any] = {"id": vacancy.id, "page": callback_data.page}
    if callback_data.action == VacancyAction.CLOSE:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("🔒 Yes, close it"), callback_data=VacCB(action=VacancyAction.CLOSE_YES, **ctx)
        )
        builder.button(text=_("⬅️ Back"), callback_data=VacCB(action=VacancyAction.OPEN, **ctx))
        builder.adjust(1)
        await query.answer()
        await show_in_place(
            query,
            _("Close the vacancy “{title}”? It will no longer be offered or shown.").format(
                title=esc(vacancy.title)
            ),
            builder.as_markup(),
        )
        return
    await vacancies.withdraw(turn.session, vacancy, utcnow())
    text, markup = await card_view(turn.session, vacancy, turn.user, callback_data.page)
    await query.answer(_("The vacancy is closed."))
    await show_in_place(query, text, markup)

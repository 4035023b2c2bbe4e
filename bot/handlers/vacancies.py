"""Vacancies: assistants post them (a short flow) and see who is interested and mark them hired;
citizens get offers (Interested · Not for me) and browse the open vacancies of their district.

Every id in callback data is re-checked: an assistant acts only on the vacancies of their
mahallas' districts, a citizen answers only offers made to them and sees only their district's
vacancies. Refusals are logged with ids only. Notifications are queued in the same transaction
as the change and committed (the commit wakes the outbox); only then is the sender answered.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MenuCB, VacCB
from bot.config import Settings
from bot.filters import AnyMenuButton, MenuButton
from bot.handlers import registration
from bot.i18n import fmt_date, fmt_money, fmt_number
from bot.notifications import cases as notify
from bot.notifications import requests as notify_requests
from bot.notifications.work import job_confirmation
from bot.services import matching, occupations, registry, roadmap, users, vacancies
from bot.services.numbers import parse_number
from bot.services.roles import Roles
from bot.services.vacancies import Hired
from bot.states import VacancyPost
from bot.views import counted
from bot.views.keyboards.common import main_menu, paged_buttons
from bot.views.screens import show_in_place
from bot.views.texts import esc, no_such_date, outcome_label
from db.models import Case, User, Vacancy, VacancyOffer, utcnow

log = logging.getLogger(__name__)

PER_PAGE = 6
BROWSE_PER_PAGE = 5
BUTTON_CHARS = 40
PLACES_BUTTONS = ("1", "2", "3", "5", "10")
CLOSES_BUTTONS = (7, 14, 30)
STEPS = (
    VacancyPost.title,
    VacancyPost.employer,
    VacancyPost.occupation,
    VacancyPost.place,
    VacancyPost.pay,
    VacancyPost.kind,
    VacancyPost.places,
    VacancyPost.closes,
)
ALL_STATES = (*STEPS, VacancyPost.confirm)
TEXT_STATES = (
    VacancyPost.title,
    VacancyPost.employer,
    VacancyPost.pay,
    VacancyPost.places,
    VacancyPost.closes,
)
#: The state each posting button belongs to: pressed in any other state, it is stale.
BUTTON_STATES = {
    "occ": VacancyPost.occupation.state,
    "pl": VacancyPost.place.state,
    "pay": VacancyPost.pay.state,
    "kind": VacancyPost.kind.state,
    "n": VacancyPost.places.state,
    "d": VacancyPost.closes.state,
    "post": VacancyPost.confirm.state,
}


# ---------------------------------------------------------------------- helpers


def _today(settings: Settings) -> dt.date:
    return utcnow().astimezone(settings.tz).date()


def _short(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_whole(text: str) -> int | None:
    """A whole number as people type it ("3 000 000", "3 mln soʻm", "besh"); None if not one."""
    value = parse_number(text)
    return value if isinstance(value, int) and value >= 0 else None


async def _refuse(query: CallbackQuery, user: User, what: str) -> None:
    log.warning("vacancies: refused user=%s %s", user.id, what)
    await query.answer(_("This button is out of date."), show_alert=True)


def _cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=MenuCB(action="cancel").pack())


def _pay_text(vacancy: Vacancy, locale: str) -> str:
    return fmt_money(vacancy.pay, locale) if vacancy.pay is not None else _("by agreement")


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
                f"{mark} {_short(vacancy.title, 24)}",
                f"{vacancy.filled}/{vacancy.places}",
                fmt_date(vacancy.closes_on),
            )
        )
        items.append((label, VacCB(action="open", id=vacancy.id, page=result.page)))
    markup = paged_buttons(
        items,
        page=result.page,
        per_page=PER_PAGE,
        total=result.total,
        page_cb=lambda p: VacCB(action="list", page=p),
        extra=[
            InlineKeyboardButton(
                text=_("➕ Post a vacancy"), callback_data=VacCB(action="new").pack()
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
    text, markup = await _list_view(session, roles, _today(settings), 0)
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    roles: Roles,
    settings: Settings,
) -> None:
    text, markup = await _list_view(session, roles, _today(settings), callback_data.page)
    await query.answer()
    await show_in_place(query, text, markup)


async def _card_view(
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
        callback_data=VacCB(action="who", id=vacancy.id, page=page),
    )
    if vacancy.status == "open":
        builder.button(
            text=_("🔒 Close the vacancy"),
            callback_data=VacCB(action="close", id=vacancy.id, page=page),
        )
    builder.button(text=_("⬅️ Back to the list"), callback_data=VacCB(action="list", page=page))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def _vacancy_for(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    roles: Roles,
    vacancy_id: int,
    settings: Settings,
) -> Vacancy | None:
    vacancy = await vacancies.manageable(session, vacancy_id, roles.mahallas)
    if vacancy is None:
        await _refuse(query, user, f"vacancy {vacancy_id}")
        return None
    vacancies.refresh(vacancy, _today(settings), utcnow())
    return vacancy


async def on_open(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    vacancy = await _vacancy_for(query, session, user, roles, callback_data.id, settings)
    if vacancy is None:
        return
    text, markup = await _card_view(session, vacancy, user, callback_data.page)
    await query.answer()
    await show_in_place(query, text, markup)


async def _who_view(
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
                text=_("✅ Hired: {name}").format(name=_short(citizen.name or "—", 28)),
                callback_data=VacCB(action="hire", id=offer.id, page=page),
            )
    builder.button(
        text=_("⬅️ Back to the vacancy"),
        callback_data=VacCB(action="open", id=vacancy.id, page=page),
    )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def on_who(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    vacancy = await _vacancy_for(query, session, user, roles, callback_data.id, settings)
    if vacancy is None:
        return
    text, markup = await _who_view(session, vacancy, callback_data.page)
    await query.answer()
    await show_in_place(query, text, markup)


async def _offer_for(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    roles: Roles,
    offer_id: int,
    settings: Settings,
) -> tuple[VacancyOffer, Vacancy, User, Case] | None:
    """An offer of a vacancy this assistant may manage, with its vacancy, citizen and case."""
    offer = await session.get(VacancyOffer, offer_id) if offer_id > 0 else None
    vacancy = (
        await _vacancy_for(query, session, user, roles, offer.vacancy_id, settings)
        if offer is not None
        else None
    )
    if offer is None or vacancy is None:
        if offer is None:
            await _refuse(query, user, f"offer {offer_id}")
        return None
    citizen = await session.get(User, offer.citizen_id)
    case = await session.get(Case, offer.case_id)
    if citizen is None or case is None:
        await _refuse(query, user, f"offer {offer_id} without its citizen or case")
        return None
    return offer, vacancy, citizen, case


async def on_hire(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    """Ask before marking someone hired: it resolves their request and records a job."""
    found = await _offer_for(query, session, user, roles, callback_data.id, settings)
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
        callback_data=VacCB(action="hirey", id=offer.id, page=callback_data.page),
    )
    builder.button(
        text=_("⬅️ Back"), callback_data=VacCB(action="who", id=vacancy.id, page=callback_data.page)
    )
    builder.adjust(1)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=builder.as_markup())


async def on_hire_yes(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    i18n: I18n,
) -> None:
    found = await _offer_for(query, session, user, roles, callback_data.id, settings)
    if found is None:
        return
    offer, vacancy, citizen, case = found
    now, tell = utcnow(), partial(_tell_hired, session, i18n, user)
    try:
        hired = await vacancies.take_on(
            session, offer, assistant=user, today=_today(settings), now=now, notify=tell
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
        text, markup = await _who_view(session, vacancy, callback_data.page)
        await show_in_place(query, text, markup)
        return
    lead = _(
        "✅ {name} is hired. Request {number} is resolved, the job is in your ledger, and "
        "{name} is asked to confirm it."
    ).format(name=esc(citizen.name or "—"), number=case.number)
    if hired.closed:
        lead += "\n" + _("All places are filled: the vacancy is closed.")
    text, markup = await _who_view(session, vacancy, callback_data.page, lead=lead)
    await query.answer()
    await show_in_place(query, text, markup)


async def _tell_hired(session: AsyncSession, i18n: I18n, user: User, hired: Hired) -> None:
    await notify.status_changed(session, i18n, hired.case, hired.event)
    await job_confirmation(session, i18n, hired.job, hired.case, user)


async def on_close(
    query: CallbackQuery,
    callback_data: VacCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    vacancy = await _vacancy_for(query, session, user, roles, callback_data.id, settings)
    if vacancy is None:
        return
    ctx: dict[str, Any] = {"id": vacancy.id, "page": callback_data.page}
    if callback_data.action == "close":
        builder = InlineKeyboardBuilder()
        builder.button(text=_("🔒 Yes, close it"), callback_data=VacCB(action="closey", **ctx))
        builder.button(text=_("⬅️ Back"), callback_data=VacCB(action="open", **ctx))
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
    await vacancies.withdraw(session, vacancy, utcnow())
    text, markup = await _card_view(session, vacancy, user, callback_data.page)
    await query.answer(_("The vacancy is closed."))
    await show_in_place(query, text, markup)


# ---------------------------------------------------------------------- assistants: posting


async def _place_buttons(session: AsyncSession, roles: Roles, locale: str) -> list[tuple[str, str]]:
    """(label, value) for each of the assistant's mahallas, then each district as a whole."""
    options: list[tuple[str, str]] = []
    for code in roles.mahallas:
        mahalla = await registry.get_mahalla(session, code)
        if mahalla is not None:
            options.append(("📍 " + registry.place_name(mahalla, locale), code))
    for soato in await vacancies.assistant_districts(session, roles.mahallas):
        district = await registry.get_district(session, soato)
        name = registry.place_name(district, locale) if district else soato
        options.append(("🏙 " + _("{district} (whole district)").format(district=name), "d" + soato))
    return options


async def _step_view(
    current: str | None,
    data: dict[str, Any],
    session: AsyncSession,
    user: User,
    roles: Roles,
    today: dt.date,
) -> tuple[str, InlineKeyboardMarkup]:
    """The prompt of a posting step and its buttons (always with Cancel)."""
    locale = user.locale
    builder = InlineKeyboardBuilder()
    columns = 1
    if current == VacancyPost.employer.state:
        text = _("Step 2 of 8. Who is the employer? Type the name of the company or person.")
    elif current == VacancyPost.occupation.state:
        text = _(
            "Step 3 of 8. Which occupation is it? The vacancy is offered to people looking for "
            "this kind of work."
        )
        for item in occupations.load_occupations():
            builder.button(
                text=item.label.get(locale), callback_data=VacCB(action="occ", v=item.id)
            )
        columns = 2
    elif current == VacancyPost.place.state:
        text = _("Step 4 of 8. Where is the work?")
        for label, value in await _place_buttons(session, roles, locale):
            builder.button(text=_short(label), callback_data=VacCB(action="pl", v=value))
    elif current == VacancyPost.pay.state:
        text = _(
            "Step 5 of 8. What is the pay in soʻm a month? Type the amount, for example "
            "3000000, or press “By agreement”."
        )
        builder.button(text=_("🤝 By agreement"), callback_data=VacCB(action="pay", v="none"))
    elif current == VacancyPost.kind.state:
        text = _("Step 6 of 8. What kind of work is it?")
        for kind in vacancies.KINDS:
            builder.button(
                text=notify_requests.kind_label(kind), callback_data=VacCB(action="kind", v=kind)
            )
        columns = 2
    elif current == VacancyPost.places.state:
        text = _(
            "Step 7 of 8. How many people are needed? Choose below or type a number from 1 to "
            "{max}."
        ).format(max=vacancies.PLACES_MAX)
        for number in PLACES_BUTTONS:
            builder.button(text=number, callback_data=VacCB(action="n", v=number))
        columns = len(PLACES_BUTTONS)
    elif current == VacancyPost.closes.state:
        example = fmt_date_typed(today + dt.timedelta(days=14))
        text = _(
            "Step 8 of 8. Until when is the vacancy open? Choose below or type the last day "
            "as dd.mm.yyyy (for example {example})."
        ).format(example=example)
        for days in CLOSES_BUTTONS:
            builder.button(
                text=_("In {days} day ({date})", "In {days} days ({date})", days).format(
                    days=days, date=fmt_date(today + dt.timedelta(days=days))
                ),
                callback_data=VacCB(action="d", v=str(days)),
            )
    elif current == VacancyPost.confirm.state:
        draft = _draft_vacancy(data, user)
        text = "\n".join(
            [
                _(
                    "Check the vacancy. Post it? It is offered at once to the job seekers whose "
                    "requests match."
                ),
                "",
                *await notify_requests.vacancy_lines(session, draft, locale, for_assistant=True),
            ]
        )
        builder.button(text=_("📢 Post"), callback_data=VacCB(action="post"))
    else:
        text = _(
            "📢 New vacancy, step 1 of 8. What is the job called? For example: Sewing machine "
            "operator."
        )
    builder.adjust(columns)
    builder.row(_cancel_button())
    return text, builder.as_markup()


def fmt_date_typed(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def _draft_vacancy(data: dict[str, Any], user: User) -> Vacancy:
    """An unsaved Vacancy from the FSM data, to show the summary the same way as the card."""
    place = str(data.get("place") or "")
    return Vacancy(
        assistant_id=user.id,
        district_soato=str(data.get("district") or ""),
        region_soato="",
        mahalla_code=None if place.startswith("d") else place,
        title=str(data.get("title") or ""),
        employer=str(data.get("employer") or ""),
        occupation=str(data.get("occupation") or ""),
        kind=str(data.get("kind") or ""),
        pay=data.get("pay"),
        places=int(data.get("places") or 1),
        filled=0,
        closes_on=dt.date.fromisoformat(str(data.get("closes"))),
        status="open",
    )


async def _ask(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    notice: str | None = None,
) -> None:
    current = await state.get_state()
    text, markup = await _step_view(
        current, await state.get_data(), session, user, roles, _today(settings)
    )
    if notice:
        text = f"⚠️ {notice}\n\n{text}"
    await message.answer(text, reply_markup=markup)


async def _next(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    **values: Any,
) -> None:
    """Store this step's answer and ask the next step (the summary after the last)."""
    await state.update_data(**values)
    current = await state.get_state()
    order = [s.state for s in ALL_STATES]
    index = order.index(current) if current in order else -1
    await state.set_state(ALL_STATES[min(index + 1, len(ALL_STATES) - 1)])
    await _ask(message, state, session, user, roles, settings)


async def on_new(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    await state.set_state(VacancyPost.title)
    await state.set_data({})
    await query.answer()
    if isinstance(query.message, Message):
        await _ask(query.message, state, session, user, roles, settings)


async def on_step_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    """Typed answers of the text steps, checked; anything wrong is said and the step asked again."""
    current = await state.get_state()
    text = vacancies.clean(message.text or "")
    today = _today(settings)
    ask = (message, state, session, user, roles, settings)
    if current == VacancyPost.title.state:
        if not text or len(text) > vacancies.TITLE_MAX:
            await _ask(*ask, notice=counted.job_title_prompt(vacancies.TITLE_MAX))
            return
        await _next(*ask, title=text)
    elif current == VacancyPost.employer.state:
        if not text or len(text) > vacancies.EMPLOYER_MAX:
            await _ask(*ask, notice=counted.employer_name_prompt(vacancies.EMPLOYER_MAX))
            return
        await _next(*ask, employer=text)
    elif current == VacancyPost.pay.state:
        pay = parse_whole(text)
        if pay is None or not vacancies.check_pay(pay):
            notice = _(
                "Please type the pay as a whole number of soʻm from {min} to {max}, or press "
                "“By agreement”."
            ).format(min=fmt_number(vacancies.PAY_MIN), max=fmt_number(vacancies.PAY_MAX))
            await _ask(*ask, notice=notice)
            return
        await _next(*ask, pay=pay)
    elif current == VacancyPost.places.state:
        places = parse_whole(text)
        if places is None or not 1 <= places <= vacancies.PLACES_MAX:
            notice = _("Please type a whole number from 1 to {max}.")
            await _ask(*ask, notice=notice.format(max=vacancies.PLACES_MAX))
            return
        await _next(*ask, places=places)
    elif current == VacancyPost.closes.state:
        try:
            closes = roadmap.parse_due(text, today)
        except roadmap.DueDateError as error:
            await _ask(*ask, notice=_date_problem(error.reason, today))
            return
        if not vacancies.check_closes(closes, today):
            await _ask(*ask, notice=_date_problem("far", today))
            return
        await _next(*ask, closes=closes.isoformat())
    else:
        await _ask(*ask, notice=_("Please choose with the buttons below, or /cancel."))


def _date_problem(reason: str, today: dt.date) -> str:
    if reason == "past":
        return _("That day has already passed. Choose today or a later day.")
    if reason == "far":
        return counted.too_far_ahead(vacancies.CLOSES_WITHIN_DAYS)
    if reason == "no_such_date":
        return no_such_date(today + dt.timedelta(days=14))
    return _("Please type the date as dd.mm.yyyy, for example {example}.").format(
        example=fmt_date_typed(today + dt.timedelta(days=14))
    )


async def on_step_button(
    query: CallbackQuery,
    callback_data: VacCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    i18n: I18n,
) -> None:
    """A choice on a posting step: only the step on screen counts, older buttons are stale."""
    current = await state.get_state()
    message = query.message
    if BUTTON_STATES.get(callback_data.action) != current or not isinstance(message, Message):
        log.info("vacancies: stale posting button %r from user %s", query.data, user.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    action, value = callback_data.action, callback_data.v
    ask = (message, state, session, user, roles, settings)
    if action == "post":
        await _post(query, message, state, session, user, roles, settings, i18n)
        return
    values: dict[str, Any] = {}
    if action == "occ" and value in occupations.occupation_ids():
        values = {"occupation": value}
    elif action == "pl":
        options = {v for _label, v in await _place_buttons(session, roles, user.locale)}
        if value in options:
            district = value[1:] if value.startswith("d") else None
            if district is None:
                mahalla = await registry.get_mahalla(session, value)
                district = mahalla.district_soato if mahalla else ""
            values = {"place": value, "district": district}
    elif action == "pay" and value == "none":
        values = {"pay": None}
    elif action == "kind" and value in vacancies.KINDS:
        values = {"kind": value}
    elif action == "n" and value in PLACES_BUTTONS:
        values = {"places": int(value)}
    elif action == "d" and value.isdigit() and int(value) in CLOSES_BUTTONS:
        values = {"closes": (_today(settings) + dt.timedelta(days=int(value))).isoformat()}
    if not values:
        await _refuse(query, user, f"posting value {action}={value!r}")
        return
    await query.answer()
    await _drop_markup(message)
    await _next(*ask, **values)


async def _post(
    query: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    i18n: I18n,
) -> None:
    """Save the vacancy (its place re-checked), offer it to the matching seekers, report."""
    data = await state.get_data()
    await state.clear()
    today, now = _today(settings), utcnow()
    place = str(data.get("place") or "")
    try:
        vacancy, result, sent = await vacancies.post(
            session,
            notify=partial(notify_requests.vacancy_offer, session, i18n),
            assistant=user,
            mahallas=roles.mahallas,
            title=str(data.get("title") or ""),
            employer=str(data.get("employer") or ""),
            occupation=str(data.get("occupation") or ""),
            district=str(data.get("district") or ""),
            mahalla=None if place.startswith("d") else place,
            pay=data.get("pay"),
            kind=str(data.get("kind") or ""),
            places=int(data.get("places") or 0),
            closes_on=dt.date.fromisoformat(str(data.get("closes") or "")),
            today=today,
            now=now,
        )
    except (vacancies.VacancyError, ValueError) as error:
        log.info("vacancies: not posted for user %s: %s", user.id, error)
        await query.answer()
        await message.answer(
            _("The vacancy could not be posted: some details are out of date. Please start again."),
            reply_markup=main_menu(roles),
        )
        return
    lead = counted.vacancy_posted(sent, result.limited, matching.DAILY_OFFER_LIMIT)
    await query.answer()
    await _drop_markup(message)
    text, markup = await _card_view(session, vacancy, user, 0, lead=lead)
    await message.answer(text, reply_markup=markup)


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The state guard's re-ask (bot/handlers/state_guard.py): the notice, then the step."""
    await _ask(
        message,
        data["state"],
        data["session"],
        data["user"],
        data["roles"],
        data["settings"],
        notice=notice,
    )


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
            f"{_short(vacancy.title, 26)} · {_pay_text(vacancy, user.locale)}",
            VacCB(action="see", id=vacancy.id, page=result.page),
        )
        for vacancy in result.items
    ]
    markup = paged_buttons(
        items,
        page=result.page,
        per_page=BROWSE_PER_PAGE,
        total=result.total,
        page_cb=lambda p: VacCB(action="browse", page=p, v="e"),
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
    text, markup = await _browse_view(session, user, district, _today(settings), 0)
    await message.answer(text, reply_markup=markup)


async def _citizen_district(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> str | None:
    district = (
        await vacancies.citizen_district(session, user) if users.is_registered(user) else None
    )
    if district is None:
        await query.answer()
        if isinstance(query.message, Message):
            await registration.begin(query.message, state, session, user)
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
    text, markup = await _browse_view(session, user, district, _today(settings), callback_data.page)
    await query.answer()
    if callback_data.v == "e":  # our own list (paging, back): redrawn in place
        await show_in_place(query, text, markup)
    elif isinstance(query.message, Message):  # from a result or a request: a new message
        await query.message.answer(text, reply_markup=markup)


async def _visible_vacancy(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    vacancy_id: int,
    settings: Settings,
) -> Vacancy | None:
    """A vacancy of the citizen's district that is still open (closed ones are explained).

    A citizen with no district yet is sent to registration first, as from the list."""
    district = await _citizen_district(query, state, session, user)
    if district is None:
        return None
    vacancy = await session.get(Vacancy, vacancy_id) if vacancy_id > 0 else None
    if vacancy is None or vacancy.district_soato != district:
        await _refuse(query, user, f"vacancy {vacancy_id} outside the district")
        return None
    if not await vacancies.still_open(session, vacancy, _today(settings), utcnow()):
        await query.answer(_("This vacancy is closed."), show_alert=True)
        return None
    return vacancy


async def on_see(
    query: CallbackQuery,
    callback_data: VacCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
) -> None:
    vacancy = await _visible_vacancy(query, state, session, user, callback_data.id, settings)
    if vacancy is None:
        return
    lines = await notify_requests.vacancy_lines(session, vacancy, user.locale)
    offer = await vacancies.citizen_offer(session, vacancy.id, user.id)
    builder = InlineKeyboardBuilder()
    if offer is not None and offer.answer == "interested":
        lines += ["", _("✅ You said you are interested: your assistant has your contact.")]
    else:
        builder.button(
            text=_("👍 I'm interested"),
            callback_data=VacCB(action="int", id=vacancy.id, page=callback_data.page),
        )
    builder.button(
        text=_("⬅️ Back to the list"),
        callback_data=VacCB(action="browse", page=callback_data.page, v="e"),
    )
    builder.adjust(1)
    await query.answer()
    await show_in_place(query, "\n".join(lines), builder.as_markup())


async def on_interest(
    query: CallbackQuery,
    callback_data: VacCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    i18n: I18n,
) -> None:
    """A browsing citizen's "interested": needs an open job or internship request."""
    vacancy = await _visible_vacancy(query, state, session, user, callback_data.id, settings)
    if vacancy is None:
        return
    tell = partial(notify_requests.vacancy_interest, session, i18n, citizen=user)
    result, offer = await vacancies.show_interest(
        session, vacancy, user, _today(settings), utcnow(), tell
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
    await query.answer()
    lines = await notify_requests.vacancy_lines(session, vacancy, user.locale)
    lines += [
        "",
        _("✅ Your assistant has been told that you are interested and will contact you."),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬅️ Back to the list"),
        callback_data=VacCB(action="browse", page=callback_data.page, v="e"),
    )
    await show_in_place(query, "\n".join(lines), builder.as_markup())


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
        await _refuse(query, user, f"offer {callback_data.id}")
        return
    yes = callback_data.action == "yes"
    tell = partial(notify_requests.vacancy_interest, session, i18n, citizen=user)
    result = await vacancies.reply(session, offer, yes, _today(settings), utcnow(), tell)
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
    reply = (
        _("✅ Your assistant has been told that you are interested and will contact you.")
        if yes
        else _("Thank you. We will not offer you this vacancy again.")
    )
    await query.answer()
    if isinstance(query.message, Message):
        original = query.message.html_text if query.message.text else ""
        builder = InlineKeyboardBuilder()
        if not yes:
            builder.button(
                text=_("👍 I'm interested after all"),
                callback_data=VacCB(action="yes", id=offer.id),
            )
        try:
            await query.message.edit_text(
                (original + "\n\n" if original else "") + reply,
                reply_markup=builder.as_markup() if not yes else None,
            )
        except TelegramBadRequest:
            await query.message.answer(reply)


async def _drop_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await _drop_markup(query.message)


async def _drop_markup(message: Message) -> None:
    """Take the buttons off a message (an old message without any is left alone)."""
    if message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest:
        pass


# ---------------------------------------------------------------------- wiring


def assistant_router() -> Router:
    """Posting and managing vacancies; inside the assistant audience's router, which checks
    the role."""
    r = Router(name="vacancies")
    for st in TEXT_STATES:
        r.message.register(on_step_text, st, F.text, ~F.text.startswith("/"), ~AnyMenuButton())
    r.message.register(on_menu, MenuButton("a_vac"))
    r.callback_query.register(on_list, VacCB.filter(F.action == "list"))
    r.callback_query.register(on_open, VacCB.filter(F.action == "open"))
    r.callback_query.register(on_who, VacCB.filter(F.action == "who"))
    r.callback_query.register(on_hire, VacCB.filter(F.action == "hire"))
    r.callback_query.register(on_hire_yes, VacCB.filter(F.action == "hirey"))
    r.callback_query.register(on_close, VacCB.filter(F.action.in_({"close", "closey"})))
    r.callback_query.register(on_new, VacCB.filter(F.action == "new"))
    r.callback_query.register(on_step_button, VacCB.filter(F.action.in_(set(BUTTON_STATES))))
    return r


def citizen_router() -> Router:
    """Browsing vacancies, saying "I'm interested" and answering an offer."""
    r = Router(name="vacancies_citizen")
    r.message.register(on_browse_menu, MenuButton("vacancies"))
    r.callback_query.register(on_browse, VacCB.filter(F.action == "browse"))
    r.callback_query.register(on_see, VacCB.filter(F.action == "see"))
    r.callback_query.register(on_interest, VacCB.filter(F.action == "int"))
    r.callback_query.register(on_offer_answer, VacCB.filter(F.action.in_({"yes", "no"})))
    return r

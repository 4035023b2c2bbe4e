"""Posting a vacancy: the assistant's eight-step wizard (typed answers and buttons, each
re-checked), the summary, and posting, which offers the vacancy to the matching seekers.

Here: each step's question (`ask`), moving on (`next_step`), the wizard's buttons and posting.
Each step's typed answer is its input and lives in its Step (``vacancy_steps``). The buttons
stay on the module router with no state filter: each checks itself that it belongs to the step
on screen, so an older one is answered as out of date in any state.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import VacancyAction, VacCB
from bot.handlers.dialog_turn import Turn
from bot.handlers.vacancy_common import (
    ALL_STATES,
    BUTTON_STATES,
    drop_markup,
    refuse,
    short,
)
from bot.handlers.vacancy_list import card_view
from bot.i18n import fmt_date
from bot.notifications import requests as notify_requests
from bot.services import matching, occupations, registry, vacancies
from bot.services.numbers import parse_number
from bot.services.roles import Roles
from bot.states import VacancyPost
from bot.views import counted
from bot.views.keyboards.common import main_menu
from bot.views.keyboards.places import cancel_button
from db.models import User, Vacancy, utcnow

log = logging.getLogger("bot.handlers.vacancies")  # the name the logs have always had

#: The steps with a step before them (⬅️ Back), the summary included.
LATER_STEPS = tuple(step.state for step in ALL_STATES[1:])
PLACES_BUTTONS = ("1", "2", "3", "5", "10")
CLOSES_BUTTONS = (7, 14, 30)


def parse_whole(text: str) -> int | None:
    """A whole number as people type it ("3 000 000", "3 mln soʻm", "besh"); None if not one."""
    value = parse_number(text)
    return value if isinstance(value, int) and value >= 0 else None


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
                text=item.label.get(locale),
                callback_data=VacCB(action=VacancyAction.OCCUPATION, v=item.id),
            )
        columns = 2
    elif current == VacancyPost.place.state:
        text = _("Step 4 of 8. Where is the work?")
        for label, value in await _place_buttons(session, roles, locale):
            builder.button(
                text=short(label), callback_data=VacCB(action=VacancyAction.PLACE, v=value)
            )
    elif current == VacancyPost.pay.state:
        text = _(
            "Step 5 of 8. What is the pay in soʻm a month? Type the amount, for example "
            "3000000, or press “By agreement”."
        )
        builder.button(
            text=_("🤝 By agreement"), callback_data=VacCB(action=VacancyAction.PAY, v="none")
        )
    elif current == VacancyPost.kind.state:
        text = _("Step 6 of 8. What kind of work is it?")
        for kind in vacancies.KINDS:
            builder.button(
                text=notify_requests.kind_label(kind),
                callback_data=VacCB(action=VacancyAction.KIND, v=kind),
            )
        columns = 2
    elif current == VacancyPost.places.state:
        text = _(
            "Step 7 of 8. How many people are needed? Choose below or type a number from 1 to "
            "{max}."
        ).format(max=vacancies.PLACES_MAX)
        for number in PLACES_BUTTONS:
            builder.button(text=number, callback_data=VacCB(action=VacancyAction.PLACES, v=number))
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
                callback_data=VacCB(action=VacancyAction.CLOSES, v=str(days)),
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
        builder.button(text=_("📢 Post"), callback_data=VacCB(action=VacancyAction.POST))
    else:
        text = _(
            "📢 New vacancy, step 1 of 8. What is the job called? For example: Sewing machine "
            "operator."
        )
    builder.adjust(columns)
    if current in LATER_STEPS:
        step = str(LATER_STEPS.index(current))  # a Back of an earlier step is out of date
        back = VacCB(action=VacancyAction.BACK, v=step).pack()
        back = InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back)
        builder.row(back, cancel_button())
    else:
        builder.row(cancel_button())
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


async def ask(message: Message, turn: Turn, notice: str | None = None) -> None:
    """The question of the step the wizard is at, after `notice` if given."""
    state = turn.state
    current = await state.get_state()
    text, markup = await _step_view(
        current, await state.get_data(), turn.session, turn.user, turn.roles, turn.settings.today()
    )
    if notice:
        text = f"⚠️ {notice}\n\n{text}"
    await message.answer(text, reply_markup=markup)


async def next_step(message: Message, turn: Turn, **values: Any) -> None:
    """Store this step's answer and ask the next step (the summary after the last)."""
    state = turn.state
    await state.update_data(**values)
    current = await state.get_state()
    order = [s.state for s in ALL_STATES]
    index = order.index(current) if current in order else -1
    await state.set_state(ALL_STATES[min(index + 1, len(ALL_STATES) - 1)])
    await ask(message, turn)


async def on_new(query: CallbackQuery, **data: Any) -> None:
    turn = Turn.of(data)
    await turn.state.set_state(VacancyPost.title)
    await turn.state.set_data({})
    await query.answer()
    if isinstance(query.message, Message):
        await ask(query.message, turn)


async def _on_screen(
    query: CallbackQuery, on_screen: bool, user: User, what: str
) -> Message | None:
    """The message of a wizard button that belongs to the step on screen; an older button is
    answered as out of date (None)."""
    message = query.message
    if on_screen and isinstance(message, Message):
        return message
    log.info("vacancies: stale posting %s from user %s", what, user.id)
    await query.answer(_("This button is out of date."), show_alert=True)
    return None


async def on_step_button(
    query: CallbackQuery, callback_data: VacCB, i18n: I18n, **data: Any
) -> None:
    """A choice on a posting step: only the step on screen counts, older buttons are stale."""
    turn = Turn.of(data)
    session, user, roles, settings = turn.session, turn.user, turn.roles, turn.settings
    on_screen = BUTTON_STATES.get(callback_data.action) == await turn.state.get_state()
    message = await _on_screen(query, on_screen, user, f"button {query.data!r}")
    if message is None:
        return
    action, value = callback_data.action, callback_data.v
    if action == VacancyAction.POST:
        await _post(query, message, turn, i18n)
        return
    values: dict[str, Any] = {}
    if action == VacancyAction.OCCUPATION and value in occupations.occupation_ids():
        values = {"occupation": value}
    elif action == VacancyAction.PLACE:
        options = {v for _label, v in await _place_buttons(session, roles, user.locale)}
        if value in options:
            district = value[1:] if value.startswith("d") else None
            if district is None:
                mahalla = await registry.get_mahalla(session, value)
                district = mahalla.district_soato if mahalla else ""
            values = {"place": value, "district": district}
    elif action == VacancyAction.PAY and value == "none":
        values = {"pay": None}
    elif action == VacancyAction.KIND and value in vacancies.KINDS:
        values = {"kind": value}
    elif action == VacancyAction.PLACES and value in PLACES_BUTTONS:
        values = {"places": int(value)}
    elif action == VacancyAction.CLOSES and value.isdigit() and int(value) in CLOSES_BUTTONS:
        values = {"closes": (settings.today() + dt.timedelta(days=int(value))).isoformat()}
    if not values:
        await refuse(query, user, f"posting value {action}={value!r}")
        return
    await query.answer()
    await drop_markup(message)
    await next_step(message, turn, **values)


async def on_back(query: CallbackQuery, callback_data: VacCB, **data: Any) -> None:
    """⬅️ Back: the step before is asked again; the answers given so far are kept."""
    turn = Turn.of(data)
    current = await turn.state.get_state()
    on_screen = current in LATER_STEPS and callback_data.v == str(LATER_STEPS.index(current))
    message = await _on_screen(query, on_screen, turn.user, "Back")
    if message is None:
        return
    await query.answer()
    await drop_markup(message)
    await turn.state.set_state(ALL_STATES[LATER_STEPS.index(current)])
    await ask(message, turn)


async def _post(query: CallbackQuery, message: Message, turn: Turn, i18n: I18n) -> None:
    """Save the vacancy (its place re-checked), offer it to the matching seekers, report."""
    state, session, user, roles = turn.state, turn.session, turn.user, turn.roles
    data = await state.get_data()
    await state.clear()
    today, now = turn.settings.today(), utcnow()
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
    await drop_markup(message)
    text, markup = await card_view(session, vacancy, user, 0, lead=lead)
    await message.answer(text, reply_markup=markup)

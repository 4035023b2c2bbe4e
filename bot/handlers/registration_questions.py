"""Registration's questions: the steps, their checks, asking each and moving on after an answer.

Shared by the handlers of registration.py, registration_consent.py and registration_place.py,
and by Settings (one field changed) and the steps' re-ask after a wrong kind of input.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import RegAction, RegCB
from bot.handlers.dialog import Step
from bot.handlers.dialog_turn import Turn
from bot.services import registry, users
from bot.states import PlacePick, Registration
from bot.views.keyboards.common import main_menu
from bot.views.keyboards.places import MAHALLAS_PER_PAGE, mahallas_keyboard
from bot.views.keyboards.registration import (
    back_only_keyboard,
    consent_keyboard,
    gender_keyboard,
    my_data_keyboard,
    name_keyboard,
    phone_keyboard,
    regions_keyboard,
)
from bot.views.my_data import my_data_text
from bot.views.texts import esc, opening
from db.models import User

log = logging.getLogger("bot.handlers.registration")  # the name it was logged under

PURPOSE = "r"
STEP_STATES: dict[str, State] = {
    "consent_version": Registration.consent,
    "name": Registration.name,
    "phone": Registration.phone,
    "birth_year": Registration.birth_year,
    "gender": Registration.gender,
    "mahalla_code": Registration.place,
}
STATE_STEPS: dict[str | None, str] = {s.state: step for step, s in STEP_STATES.items()}
ORDER: tuple[str, ...] = users.REGISTRATION_FIELDS
# FSM data: whose questions these are (a staff profile asks fewer).
PROFILE, STAFF, CITIZEN = "profile", "staff", "citizen"
MIN_BIRTH_YEAR = 1920
MIN_AGE = 14
NAME_LENGTH = (2, 100)


# --- pure checks -----------------------------------------------------------------------------


def clean_name(text: str) -> str | None:
    """Whitespace collapsed; 2..100 characters with at least one letter (so no digits-only)."""
    name = " ".join(text.split())
    if not NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1] or name.startswith("/"):
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name


def birth_year_range(today: dt.date) -> tuple[int, int]:
    return MIN_BIRTH_YEAR, today.year - MIN_AGE


def parse_birth_year(text: str, today: dt.date) -> int | None:
    value = text.strip()
    if not (len(value) == 4 and value.isdigit()):
        return None
    low, high = birth_year_range(today)
    year = int(value)
    return year if low <= year <= high else None


async def is_editing(state: FSMContext) -> bool:
    return bool((await state.get_data()).get("edit"))


# --- asking ------------------------------------------------------------------------------------


def consent_text(staff: bool = False) -> str:
    if staff:
        return _(
            "🔒 For your work in the bot we keep your name and phone: the citizens you help and "
            "your supervisors see them. You can view or delete them at any time in ⚙️ Settings."
            "\n\n<b>Do you agree?</b>"
        )
    return _(
        "🔒 To pass your requests to the assistant of your mahalla, we keep your name, phone, "
        "year of birth, gender and mahalla. Only the assistant and supervisors of your area see "
        "them. You can view or delete them at any time in ⚙️ Settings.\n\n<b>Do you agree?</b>"
    )


def _suggested_name(message: Message) -> str | None:
    """In a private chat the chat carries the user's Telegram name (also on the bot's messages)."""
    parts = [message.chat.first_name or "", message.chat.last_name or ""]
    return clean_name(" ".join(p for p in parts if p))


async def ask(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    step: str,
    *,
    prefix: str = "",
) -> None:
    """Send the question of `step` (a field of users.REGISTRATION_FIELDS) and wait for it."""
    if step == "mahalla_code":
        await ask_place(message, state, session, user, prefix=prefix)
        return
    await state.set_state(STEP_STATES[step])
    lead = prefix + "\n\n" if prefix else ""
    if step == "consent_version":
        staff = (await state.get_data()).get(PROFILE) == STAFF
        await message.answer(lead + consent_text(staff), reply_markup=consent_keyboard())
    elif step == "name":
        await message.answer(
            lead + _("✍️ Please write your first and last name."),
            reply_markup=name_keyboard(_suggested_name(message)),
        )
    elif step == "phone":
        await message.answer(
            lead
            + _(
                "📱 Press the button below to send your phone number. "
                "Or type it, for example: 90 123 45 67"
            ),
            reply_markup=phone_keyboard(),
        )
    elif step == "birth_year":
        await message.answer(
            lead + _("🎂 In which year were you born? For example: 1980"),
            reply_markup=back_only_keyboard(),
        )
    elif step == "gender":
        await message.answer(lead + _("Please choose your gender:"), reply_markup=gender_keyboard())


async def ask_place(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    *,
    prefix: str = "",
    edit: bool = False,
) -> None:
    """The region list with Back to the gender question (the picker's own list has none)."""
    await state.set_state(Registration.place)
    markup = regions_keyboard(
        PURPOSE,
        await registry.regions(session),
        user.locale,
        back=RegCB(action=RegAction.BACK, value="place"),
    )
    if edit:
        await message.edit_text(_("Choose your region:"), reply_markup=markup)
        return
    # The reply keyboard of the gender question must go: one message cannot carry both kinds.
    lead = prefix + "\n\n" if prefix else ""
    await message.answer(
        lead + _("📍 Now your address: region, district and mahalla."),
        reply_markup=ReplyKeyboardRemove(),
    )
    await message.answer(_("Choose your region:"), reply_markup=markup)


async def ask_current(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    hint: str,
) -> None:
    """Repeat the question of the current state after a hint about what went wrong."""
    raw = await state.get_state()
    if raw == PlacePick.choosing.state:
        await resend_mahallas(message, state, session, user, hint)
        return
    step = STATE_STEPS.get(raw)
    if step is None:
        await message.answer(hint)
        return
    if step == "mahalla_code":
        await state.set_state(Registration.place)
        await message.answer(
            hint + "\n\n" + _("Choose your region:"),
            reply_markup=regions_keyboard(
                PURPOSE,
                await registry.regions(session),
                user.locale,
                back=RegCB(action=RegAction.BACK, value="place"),
            ),
        )
        return
    await ask(message, state, session, user, step, prefix=hint)


async def resend_mahallas(
    message: Message, state: FSMContext, session: AsyncSession, user: User, hint: str
) -> None:
    """Repeat the mahalla list (first page) of the district being picked, after a hint."""
    data = await state.get_data()
    district = await registry.get_district(session, data.get("district", ""))
    if district is None:
        await message.answer(hint)
        return
    shown = await registry.mahallas_page(session, district.soato, 0, MAHALLAS_PER_PAGE)
    text = opening(
        _("{district}: choose your mahalla, or type a part of its name to search.").format(
            district=esc(registry.place_name(district, user.locale))
        )
    )
    await message.answer(
        hint + "\n\n" + text,
        reply_markup=mahallas_keyboard(data.get("purpose", PURPOSE), district, shown, user.locale),
    )


# --- saving and moving on --------------------------------------------------------------------


async def finish_edit(message: Message, turn: Turn, *, saved: bool) -> None:
    """End of a field change started here: the main menu keyboard back, then "My data"."""
    await turn.state.clear()
    await message.answer(
        _("✅ Saved.") if saved else _("Nothing was changed."), reply_markup=main_menu(turn.roles)
    )
    await message.answer(
        await my_data_text(turn.session, turn.user, turn.settings), reply_markup=my_data_keyboard()
    )


async def advance(message: Message, turn: Turn) -> None:
    """After an answer: back to "My data" when editing, else the next missing field or done."""
    state, session, user = turn.state, turn.session, turn.user
    if await is_editing(state):
        await finish_edit(message, turn, saved=True)
        return
    staff = (await state.get_data()).get(PROFILE) == STAFF
    missing = users.missing_profile(user, staff=staff)
    if missing:
        await ask(message, state, session, user, missing[0])
        return
    await state.clear()
    await message.answer(
        _("✅ Thank you, the registration is complete.")
        + "\n"
        + _("Main menu. Choose what you need with the buttons below."),
        reply_markup=main_menu(turn.roles),
    )


async def go_back(message: Message, turn: Turn, step: str) -> None:
    """Back from `step`: the previous question (its answer is kept until a new one is given)."""
    if await is_editing(turn.state):
        await finish_edit(message, turn, saved=False)
        return
    index = ORDER.index(step)
    await ask(message, turn.state, turn.session, turn.user, ORDER[max(0, index - 1)])


# --- re-asking --------------------------------------------------------------------------------


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The step's re-ask (`Step.reshow`, bot/handlers/dialog.py): the notice, then the
    question."""
    await ask_current(message, data["state"], data["session"], data["user"], notice)


async def reshow_mahallas(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The step's re-ask (`Step.reshow`) while a mahalla list (of any purpose) is open."""
    await resend_mahallas(message, data["state"], data["session"], data["user"], notice)


async def stale_callback(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """A button of an old message: say so, and repeat the question if one is open."""
    log.info("stale callback in registration from user %s: %r", user.id, (query.data or "")[:64])
    raw = await state.get_state()
    open_question = raw in STATE_STEPS or raw == PlacePick.choosing.state
    if open_question and isinstance(query.message, Message):
        await query.answer(_("This button is out of date."))
        await ask_current(query.message, state, session, user, _("This button is out of date."))
        return
    await query.answer(
        _("This button is out of date. Please use the menu or /start."), show_alert=True
    )


class QuestionStep(Step):
    """A registration question (consent, name, phone, year of birth, gender): a button that
    the step's own handlers did not take belongs to an older message. Any other input gets
    the question again (`reshow`)."""

    reshow = reshow

    @on.callback_query()
    async def on_old_button(
        self, query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
    ) -> None:
        await stale_callback(query, state, session, user)

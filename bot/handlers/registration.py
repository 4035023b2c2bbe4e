"""Registration: consent → name → phone → year of birth → gender → region → district → mahalla.

Each answer is saved on the user row as soon as it is given and committed before the next
question (and before any FSM write: on SQLite an uncommitted write would block it), so after a
restart or /cancel registration resumes at the first missing field. The same question handlers
change a single field from Settings: FSM data `edit` is then set, and the answer leads back to
"My data" instead of the next question.

Every registration state answers every kind of input with a hint and the question again.
Names and phone numbers are never logged.

This module holds the entry points, the typed answers (the input of the steps `NameStep`,
`PhoneStep`, `BirthYearStep` and `GenderStep`) and the router; the questions themselves are in
registration_questions.py, consent and erasure (`ConsentStep`) in registration_consent.py and
the place step (`PlaceStep`) in registration_place.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PlaceBackCB, PlaceCB, RegCB
from bot.handlers.dialog import include
from bot.handlers.dialog_turn import Turn
from bot.handlers.registration_consent import ConsentStep
from bot.handlers.registration_place import PickingFor, PlaceStep, on_mahalla, on_picker_back
from bot.handlers.registration_questions import (
    CITIZEN,
    ORDER,
    PROFILE,
    PURPOSE,
    STAFF,
    QuestionStep,
    advance,
    ask,
    ask_current,
    birth_year_range,
    clean_name,
    go_back,
    parse_birth_year,
    stale_callback,
)
from bot.i18n import N_
from bot.services import phones, users
from bot.services.roles import Roles
from bot.states import PlacePick, Registration
from bot.views.keyboards.common import matches_button, menu_action_for
from bot.views.keyboards.registration import BACK, GENDER_BUTTONS
from bot.views.texts import send_main_menu
from db.models import User, utcnow


def _is_button(i18n: I18n, text: str | None, msgid: str) -> bool:
    return matches_button(i18n, text, msgid)


# --- entry points ------------------------------------------------------------------------------


async def begin(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    """Start or resume registration at the first missing field.

    For handlers whose action needs a registered citizen (check users.is_registered first).
    `message` may be the bot's own message (from a callback): only its chat is used.
    """
    await _start(
        message,
        state,
        session,
        user,
        _("First, a short registration: a few questions, about a minute."),
    )


async def begin_from_button(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """A button whose action needs a registered citizen: answered, then `begin` under its
    message (nothing more when Telegram no longer gives the message)."""
    await query.answer()
    if isinstance(query.message, Message):
        await begin(query.message, state, session, user)


async def begin_staff(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """A new assistant, supervisor or admin: consent for staff, name and phone, nothing more."""
    await _start(
        message, state, session, user, _("Two short questions before you start."), staff=True
    )


async def _start(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    prefix: str,
    *,
    staff: bool = False,
) -> None:
    fields = users.STAFF_FIELDS if staff else ORDER
    missing = users.missing_profile(user, staff=staff) if user.deleted_at is None else list(fields)
    if not missing:
        await message.answer(_("You are already registered."))
        return
    await state.set_data({PROFILE: STAFF if staff else CITIZEN})  # drops a leftover `edit` flag
    await ask(message, state, session, user, missing[0], prefix=prefix)


def staff_profile_missing(user: User, roles: Roles) -> bool:
    """Staff whose name, phone or consent is still to be asked (the citizen's fields are not)."""
    return roles.is_staff and bool(users.missing_profile(user, staff=True))


async def after_language(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    *,
    first_time: bool,
) -> None:
    """Called once the language is chosen (and no conversation is in progress)."""
    if staff_profile_missing(user, roles):
        await begin_staff(message, state, session, user)
        return
    if users.is_registered(user) or roles.is_staff:
        await send_main_menu(message, roles, greeting=first_time)
        return
    if first_time:
        await _start(message, state, session, user, _("Welcome to Mahalla Yordamchi!"))
    else:
        await begin(message, state, session, user)


# --- typed answers -----------------------------------------------------------------------------


class TypedQuestion(QuestionStep):
    """A question answered by typing (name, phone, year of birth, gender): Back, or the value
    `parse` makes of the text saved as `field` and the next question, or `retry` and the
    question again. The typed questions differ only in `field`, `parse` and `retry`."""

    field: ClassVar[str]

    @on.message(F.text & ~F.text.startswith("/"))
    async def on_typed(self, message: Message, i18n: I18n, **data: Any) -> None:
        turn = Turn.of(data)
        text = message.text or ""
        if _is_button(i18n, text, BACK):
            await go_back(message, turn, self.field)
            return
        today = turn.settings.today()
        value = self.parse(text, i18n, today)
        if value is None:
            await ask_current(message, turn.state, turn.session, turn.user, self.retry(today))
            return
        await users.save_profile(turn.session, turn.user, utcnow(), **{self.field: value})
        await advance(message, turn)

    @staticmethod
    def parse(text: str, i18n: I18n, today: dt.date) -> object | None:
        raise NotImplementedError

    @classmethod
    def retry(cls, today: dt.date) -> str:
        """Said before the question is asked again after an answer `parse` could not use."""
        return _(cls.hint) if cls.hint else ""


class NameStep(TypedQuestion, state=Registration.name.state):
    hint = N_("Please write your name in letters: from 2 to 100 characters.")
    field = "name"

    @staticmethod
    def parse(text: str, i18n: I18n, today: dt.date) -> str | None:
        """A menu button pressed instead of an answer is not a name."""
        return None if menu_action_for(i18n, text) else clean_name(text)


class PhoneStep(TypedQuestion, state=Registration.phone.state):
    hint = N_("Please share your contact with the button below, or type your number.")
    field = "phone"

    @on.message(F.contact)
    async def on_phone_contact(self, message: Message, **data: Any) -> None:
        turn = Turn.of(data)
        contact = message.contact
        sender = message.from_user
        if contact is None or sender is None or contact.user_id != sender.id:
            await ask_current(
                message,
                turn.state,
                turn.session,
                turn.user,
                _(
                    "This is someone else's contact. Please send your own number with the button below."
                ),
            )
            return
        phone = phones.from_contact(contact.phone_number)
        if phone is None:
            await ask_current(
                message,
                turn.state,
                turn.session,
                turn.user,
                _("This contact has no phone number I can use. Please type your number."),
            )
            return
        await users.save_profile(turn.session, turn.user, utcnow(), phone=phone)
        await advance(message, turn)

    @staticmethod
    def parse(text: str, i18n: I18n, today: dt.date) -> str | None:
        return phones.parse_typed(text)

    @classmethod
    def retry(cls, today: dt.date) -> str:
        return _(
            "This is not an Uzbek phone number. Type it like 90 123 45 67, or press the button below."
        )


class BirthYearStep(TypedQuestion, state=Registration.birth_year.state):
    hint = N_("Please send your year of birth as a number, for example 1980.")
    field = "birth_year"

    @staticmethod
    def parse(text: str, i18n: I18n, today: dt.date) -> int | None:
        return parse_birth_year(text, today=today)

    @classmethod
    def retry(cls, today: dt.date) -> str:
        low, high = birth_year_range(today)
        return _("Please write the year as 4 digits, from {first} to {last}.").format(
            first=low, last=high
        )


class GenderStep(TypedQuestion, state=Registration.gender.state):
    hint = N_("Please choose with the buttons below.")
    field = "gender"

    @staticmethod
    def parse(text: str, i18n: I18n, today: dt.date) -> str | None:
        return next(
            (code for code, msgid in GENDER_BUTTONS.items() if _is_button(i18n, text, msgid)), None
        )


def router() -> Router:
    r = Router(name="registration")
    include(r, ConsentStep, NameStep, PhoneStep, BirthYearStep, GenderStep, PlaceStep)

    # After the steps, in the order of before (a router's own handlers run before its steps'):
    # the chosen mahalla and the picker's Back, by purpose and StateFilter (PlacePick.choosing
    # is shared by every purpose, so not in a step); then old buttons of registration outside
    # its place steps, or of anything during a question.
    rest = Router(name="registration-rest")
    in_place = StateFilter(Registration.place, PlacePick.choosing)
    rest.callback_query.register(
        on_mahalla, PickingFor(PURPOSE), PlaceCB.filter((F.purpose == PURPOSE) & (F.level == "m"))
    )
    rest.callback_query.register(on_picker_back, in_place, PlaceBackCB.filter(F.purpose == PURPOSE))
    rest.callback_query.register(stale_callback, ~in_place, PlaceCB.filter(F.purpose == PURPOSE))
    rest.callback_query.register(
        stale_callback, ~in_place, PlaceBackCB.filter(F.purpose == PURPOSE)
    )
    rest.callback_query.register(stale_callback, RegCB.filter())
    r.include_router(rest)
    return r

"""Registration: consent → name → phone → year of birth → gender → region → district → mahalla.

Each answer is saved on the user row as soon as it is given and committed before the next
question (and before any FSM write: on SQLite an uncommitted write would block it), so after a
restart or /cancel registration resumes at the first missing field. The same question handlers
change a single field from Settings: FSM data `edit` is then set, and the answer leads back to
"My data" instead of the next question.

Every registration state answers every kind of input with a hint and the question again.
Names and phone numbers are never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PlaceBackCB, PlaceCB, RegCB
from bot.config import Settings
from bot.handlers.places import show_districts
from bot.notifications import cases as notify
from bot.services import phones, privacy, registry, users
from bot.services.roles import Roles
from bot.states import PlacePick, Registration
from bot.views.keyboards.common import language_keyboard, main_menu, matches_button, menu_action_for
from bot.views.keyboards.places import MAHALLAS_PER_PAGE, mahallas_keyboard
from bot.views.keyboards.registration import (
    BACK,
    GENDER_BUTTONS,
    back_only_keyboard,
    consent_keyboard,
    gender_keyboard,
    my_data_keyboard,
    name_keyboard,
    phone_keyboard,
    regions_keyboard,
)
from bot.views.my_data import my_data_text
from bot.views.screens import pressed_message
from bot.views.texts import esc, send_main_menu
from db.models import User, utcnow

log = logging.getLogger(__name__)

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
QUESTION_STATES = (
    Registration.consent,
    Registration.name,
    Registration.phone,
    Registration.birth_year,
    Registration.gender,
)
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


def _is_button(i18n: I18n, text: str | None, msgid: str) -> bool:
    return matches_button(i18n, text, msgid)


async def _is_editing(state: FSMContext) -> bool:
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
        back=RegCB(action="back", value="place"),
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
                back=RegCB(action="back", value="place"),
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
    mahallas, total = await registry.mahallas_page(session, district.soato, 0, MAHALLAS_PER_PAGE)
    text = _("{district}: choose your mahalla, or type a part of its name to search.").format(
        district=esc(registry.place_name(district, user.locale))
    )
    await message.answer(
        hint + "\n\n" + text,
        reply_markup=mahallas_keyboard(
            data.get("purpose", PURPOSE), district, mahallas, user.locale, 0, total
        ),
    )


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


# --- saving and moving on --------------------------------------------------------------------


async def finish_edit(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    *,
    saved: bool,
) -> None:
    """End of a field change started here: the main menu keyboard back, then "My data"."""
    await state.clear()
    await message.answer(
        _("✅ Saved.") if saved else _("Nothing was changed."), reply_markup=main_menu(roles)
    )
    await message.answer(
        await my_data_text(session, user, settings), reply_markup=my_data_keyboard()
    )


async def advance(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    """After an answer: back to "My data" when editing, else the next missing field or done."""
    if await _is_editing(state):
        await finish_edit(message, state, session, user, roles, settings, saved=True)
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
        reply_markup=main_menu(roles),
    )


async def go_back(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    step: str,
) -> None:
    """Back from `step`: the previous question (its answer is kept until a new one is given)."""
    if await _is_editing(state):
        await finish_edit(message, state, session, user, roles, settings, saved=False)
        return
    index = ORDER.index(step)
    await ask(message, state, session, user, ORDER[max(0, index - 1)])


async def forget(session: AsyncSession, i18n: I18n, user: User) -> privacy.Erased:
    """Erase the person (Settings → Delete my data, or declining a new consent): their open
    cases are closed as withdrawn and whoever works each is told through the outbox."""
    now = utcnow()

    async def tell(result: privacy.Erased) -> None:
        await notify.citizen_erased(session, i18n, result.closed, result.files_removed_from, now)

    return await privacy.forget(session, user, now, tell)


# --- consent (inline) --------------------------------------------------------------------------


async def on_consent(
    query: CallbackQuery,
    callback_data: RegCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    i18n: I18n,
) -> None:
    message = await pressed_message(query)
    if message is None:
        return
    await query.answer()
    registered = user.registered_at is not None and user.deleted_at is None
    if callback_data.value == "y":
        await users.save_profile(
            session,
            user,
            utcnow(),
            consent_version=settings.consent_version,
            consent_at=utcnow(),
            deleted_at=None,
        )
        await message.edit_text(message.html_text + "\n\n" + _("✅ You agreed."))
        if registered and not await _is_editing(state):  # a new consent text, accepted
            await state.clear()
            await send_main_menu(message, roles)
            return
        await advance(message, state, session, user, roles, settings)
        return
    # Declined: keep nothing (answers given before going Back to this question included;
    # a registered person declining a new consent text is erased, as from Settings).
    if registered:
        await forget(session, i18n, user)
    else:
        await privacy.decline_consent(session, user)
    await state.clear()
    await message.edit_text(message.html_text + "\n\n" + _("❌ You did not agree."))
    await message.answer(
        _(
            "All right. Nothing about you has been kept. Without registration you can't send "
            "requests; if you change your mind, press any button of the menu."
        ),
        reply_markup=main_menu(roles),
    )


async def on_consent_back(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """Back from the first question is the language choice."""
    message = query.message
    await query.answer()
    await state.clear()
    if isinstance(message, Message):
        await message.edit_text(
            _("Choose your language:"), reply_markup=language_keyboard(user.locale)
        )


async def on_consent_back_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    i18n: I18n,
) -> None:
    """The reply keyboard of the name question may still show Back while consent is asked."""
    if not _is_button(i18n, message.text, BACK):
        raise SkipHandler  # the state guard answers

    await state.clear()
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard(user.locale))


# --- typed answers -----------------------------------------------------------------------------


async def _typed_answer(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
    step: str,
    parse: Callable[[str], object | None],
    hint: str,
) -> None:
    """A typed answer to the question of `step`: Back, or the parsed value saved and the next
    question, or `hint` and the question again. The typed questions differ only in `parse`."""
    text = message.text or ""
    if _is_button(i18n, text, BACK):
        await go_back(message, state, session, user, roles, settings, step)
        return
    value = parse(text)
    if value is None:
        await ask_current(message, state, session, user, hint)
        return
    await users.save_profile(session, user, utcnow(), **{step: value})
    await advance(message, state, session, user, roles, settings)


def _typed_name(i18n: I18n, text: str) -> str | None:
    """A menu button pressed instead of an answer is not a name."""
    return None if menu_action_for(i18n, text) else clean_name(text)


def _typed_gender(i18n: I18n, text: str) -> str | None:
    return next(
        (code for code, msgid in GENDER_BUTTONS.items() if _is_button(i18n, text, msgid)), None
    )


async def on_name(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
) -> None:
    hint = _("Please write your name in letters: from 2 to 100 characters.")
    parse = partial(_typed_name, i18n)
    await _typed_answer(message, state, session, user, roles, i18n, settings, "name", parse, hint)


async def on_phone_contact(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    contact = message.contact
    sender = message.from_user
    if contact is None or sender is None or contact.user_id != sender.id:
        await ask_current(
            message,
            state,
            session,
            user,
            _("This is someone else's contact. Please send your own number with the button below."),
        )
        return
    phone = phones.from_contact(contact.phone_number)
    if phone is None:
        await ask_current(
            message,
            state,
            session,
            user,
            _("This contact has no phone number I can use. Please type your number."),
        )
        return
    await users.save_profile(session, user, utcnow(), phone=phone)
    await advance(message, state, session, user, roles, settings)


async def on_phone_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
) -> None:
    hint = _(
        "This is not an Uzbek phone number. Type it like 90 123 45 67, or press the button below."
    )
    parse = phones.parse_typed
    await _typed_answer(message, state, session, user, roles, i18n, settings, "phone", parse, hint)


async def on_birth_year(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
) -> None:
    today = utcnow().date()
    low, high = birth_year_range(today)
    hint = _("Please write the year as 4 digits, from {first} to {last}.").format(
        first=low, last=high
    )
    parse = partial(parse_birth_year, today=today)
    await _typed_answer(
        message, state, session, user, roles, i18n, settings, "birth_year", parse, hint
    )


async def on_gender(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
) -> None:
    hint = _("Please choose with the buttons below.")
    parse = partial(_typed_gender, i18n)
    await _typed_answer(message, state, session, user, roles, i18n, settings, "gender", parse, hint)


# --- the place -----------------------------------------------------------------------------------


async def on_place_back_to_gender(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    message = query.message
    await query.answer()
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    await go_back(message, state, session, user, roles, settings, "mahalla_code")


async def on_picker_back(
    query: CallbackQuery,
    callback_data: PlaceBackCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    """The picker's Back, taken over so the region list keeps its Back to the gender question."""
    message = await pressed_message(query)
    if message is None:
        return
    await query.answer()
    if callback_data.level == "d" and callback_data.code:
        await state.set_state(Registration.place)
        await show_districts(message, session, PURPOSE, callback_data.code, user.locale)
        return
    await ask_place(message, state, session, user, edit=True)


async def on_mahalla(
    query: CallbackQuery,
    callback_data: PlaceCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    message = query.message
    mahalla = await registry.get_mahalla(session, callback_data.code)
    if (
        not isinstance(message, Message)
        or mahalla is None
        or not mahalla.active
        or user.consent_version is None
        or user.deleted_at is not None
    ):
        await stale_callback(query, state, session, user)
        return
    await query.answer()
    await users.save_profile(session, user, utcnow(), mahalla_code=mahalla.code)
    await message.edit_text(
        _("📍 Mahalla: <b>{mahalla}</b>").format(
            mahalla=esc(registry.place_name(mahalla, user.locale))
        )
    )
    await state.set_state(None)
    await advance(message, state, session, user, roles, settings)


# --- anything else -------------------------------------------------------------------------------


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The state guard's re-ask (bot/handlers/state_guard.py): the notice, then the question."""
    await ask_current(message, data["state"], data["session"], data["user"], notice)


async def reshow_mahallas(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The state guard's re-ask while a mahalla list (of any purpose) is open."""
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


class PickingFor(Filter):
    """The mahalla list of the place picker is open for this purpose (FSM data `purpose`)."""

    def __init__(self, purpose: str) -> None:
        self.purpose = purpose

    async def __call__(
        self, event: TelegramObject, state: FSMContext, raw_state: str | None = None
    ) -> bool:
        if raw_state != PlacePick.choosing.state:
            return False
        return bool((await state.get_data()).get("purpose") == self.purpose)


def router() -> Router:
    r = Router(name="registration")
    in_place = StateFilter(Registration.place, PlacePick.choosing)

    # Buttons.
    r.callback_query.register(on_consent, Registration.consent, RegCB.filter(F.action == "consent"))
    r.callback_query.register(
        on_consent_back,
        Registration.consent,
        RegCB.filter((F.action == "back") & (F.value == "consent")),
    )
    r.callback_query.register(
        on_place_back_to_gender,
        Registration.place,
        RegCB.filter((F.action == "back") & (F.value == "place")),
    )
    r.callback_query.register(
        on_mahalla, PickingFor(PURPOSE), PlaceCB.filter((F.purpose == PURPOSE) & (F.level == "m"))
    )
    r.callback_query.register(on_picker_back, in_place, PlaceBackCB.filter(F.purpose == PURPOSE))
    # Old buttons: of registration outside its place steps, or of anything during a question.
    r.callback_query.register(stale_callback, ~in_place, PlaceCB.filter(F.purpose == PURPOSE))
    r.callback_query.register(stale_callback, ~in_place, PlaceBackCB.filter(F.purpose == PURPOSE))
    r.callback_query.register(stale_callback, RegCB.filter())
    r.callback_query.register(stale_callback, StateFilter(*QUESTION_STATES))

    # Typed answers.
    r.message.register(on_name, Registration.name, F.text & ~F.text.startswith("/"))
    r.message.register(on_phone_contact, Registration.phone, F.contact)
    r.message.register(on_phone_text, Registration.phone, F.text & ~F.text.startswith("/"))
    r.message.register(on_birth_year, Registration.birth_year, F.text & ~F.text.startswith("/"))
    r.message.register(on_gender, Registration.gender, F.text & ~F.text.startswith("/"))
    r.message.register(on_consent_back_text, Registration.consent, F.text)
    return r

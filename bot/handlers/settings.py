"""Settings: language, mahalla, "My data" (with a change button per field) and erasing it.

Fields are changed through the registration questions (FSM data `edit`), which come back here.
Erasing needs a confirmation given in its own state, so an old "Yes, delete" does nothing:
"Yes" is the input of that state's Step, `ConfirmDeleteStep`. The new mahalla's region and
district lists (`PlaceStep`) take only the picker's buttons, registered in `router()`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PlaceBackCB, PlaceCB, SetCB, SettingsAction
from bot.config import Settings
from bot.filters import MenuButton
from bot.handlers import (
    registration,
    registration_consent,
    registration_place,
    registration_questions,
)
from bot.handlers.dialog import ANSWER_BUTTONS, Step, include, register_buttons
from bot.handlers.places import picker_back
from bot.services import registry, users
from bot.services.roles import Roles
from bot.states import PlacePick, SettingsFlow
from bot.views.keyboards.common import language_keyboard, main_menu
from bot.views.keyboards.registration import (
    delete_confirm_keyboard,
    my_data_keyboard,
    regions_keyboard,
    settings_menu,
)
from bot.views.my_data import my_data_text
from bot.views.screens import pressed_message
from bot.views.texts import esc
from db.models import Region, User, utcnow

log = logging.getLogger(__name__)

PURPOSE = "s"
FIELD_ACTIONS = {
    SettingsAction.NAME: "name",
    SettingsAction.PHONE: "phone",
    SettingsAction.BIRTH_YEAR: "birth_year",
    SettingsAction.GENDER: "gender",
}
SETTINGS_STATES = (SettingsFlow.place, SettingsFlow.confirm_delete)


def menu_text() -> str:
    return _("⚙️ Settings: what do you want to change?")


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer the button and replace its message; None when the message is gone."""
    message = await pressed_message(query)
    if message is None:
        return None
    await query.answer()
    await message.edit_text(text, reply_markup=markup)
    return message


async def _leave_settings_state(state: FSMContext) -> None:
    raw = await state.get_state()
    if raw in {s.state for s in SETTINGS_STATES} or (
        raw == PlacePick.choosing.state and (await state.get_data()).get("purpose") == PURPOSE
    ):
        await state.clear()


# --- the menu ----------------------------------------------------------------------------------


async def on_settings(message: Message, state: FSMContext) -> None:
    await _leave_settings_state(state)
    await message.answer(menu_text(), reply_markup=settings_menu())


async def on_open(query: CallbackQuery, state: FSMContext) -> None:
    await _leave_settings_state(state)
    await _edit(query, menu_text(), settings_menu())


async def on_close(query: CallbackQuery, state: FSMContext, roles: Roles) -> None:
    await _leave_settings_state(state)
    message = await _edit(query, menu_text())
    if message is not None:
        await message.answer(
            _("Main menu. Choose what you need with the buttons below."),
            reply_markup=main_menu(roles),
        )


async def on_language(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await _leave_settings_state(state)
    await _edit(query, _("Choose your language:"), language_keyboard(user.locale))


async def on_my_data(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User, settings: Settings
) -> None:
    await _leave_settings_state(state)
    await _edit(query, await my_data_text(session, user, settings), my_data_keyboard())


async def _needs_consent(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> bool:
    """Changing personal data needs consent first: that is registration's first question."""
    if user.consent_version is not None and user.deleted_at is None:
        return False
    await registration.begin_from_button(query, state, session, user)
    return True


async def on_field(
    query: CallbackQuery,
    callback_data: SetCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    if await _needs_consent(query, state, session, user):
        return
    message = await pressed_message(query)
    if message is None:
        return
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await state.set_data({"edit": True})
    await registration_questions.ask(
        message, state, session, user, FIELD_ACTIONS[callback_data.action]
    )


# --- the mahalla -------------------------------------------------------------------------------


def _regions_markup(regions: Sequence[Region], locale: str) -> InlineKeyboardMarkup:
    return regions_keyboard(PURPOSE, regions, locale, back=SetCB(action=SettingsAction.OPEN))


async def _regions_view(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    """The region list: where a mahalla change starts and where Back leads to."""
    regions = await registry.regions(session)
    return _("Choose your region:"), _regions_markup(regions, user.locale)


async def on_place(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if await _needs_consent(query, state, session, user):
        return
    await state.set_state(SettingsFlow.place)
    await _edit(query, *await _regions_view(session, user))


async def _regions_again(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """Back from the district list: the region list again, in the place step."""
    await state.set_state(SettingsFlow.place)
    text, markup = await _regions_view(session, user)
    await message.edit_text(text, reply_markup=markup)


on_picker_back = picker_back(SettingsFlow.place, _regions_again)


async def on_mahalla(
    query: CallbackQuery,
    callback_data: PlaceCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    mahalla = await registry.get_mahalla(session, callback_data.code)
    if mahalla is None or not mahalla.active or user.consent_version is None:
        await on_stale(query, state)
        return
    await users.save_profile(session, user, utcnow(), mahalla_code=mahalla.code)
    await state.clear()
    await _edit(
        query,
        _("✅ Your mahalla is now: <b>{mahalla}</b>").format(
            mahalla=esc(registry.place_name(mahalla, user.locale))
        )
        + "\n\n"
        + menu_text(),
        settings_menu(),
    )


async def reshow_regions(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The step's re-ask (`Step.reshow`) while the region list of a new mahalla is open."""
    regions = await registry.regions(data["session"])
    await message.answer(
        notice + "\n\n" + _("Choose your region:"),
        reply_markup=_regions_markup(regions, data["user"].locale),
    )


# --- erasing -----------------------------------------------------------------------------------


def delete_question() -> str:
    return _(
        "🗑 Delete your data? Your name, phone, year of birth, gender and mahalla will be "
        "erased, and your open requests closed. This cannot be undone."
    )


async def on_delete(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(SettingsFlow.confirm_delete)
    await _edit(query, delete_question(), delete_confirm_keyboard())


async def on_delete_no(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await _edit(query, _("Nothing was deleted.") + "\n\n" + menu_text(), settings_menu())


async def reshow_delete_question(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The step's re-ask (`Step.reshow`) while "Delete your data?" waits for an answer."""
    await message.answer(
        notice + "\n\n" + delete_question(), reply_markup=delete_confirm_keyboard()
    )


async def on_stale(query: CallbackQuery, state: FSMContext) -> None:
    log.info("stale settings button: %r", (query.data or "")[:64])
    await query.answer(_("This button is out of date."), show_alert=False)
    if isinstance(query.message, Message):
        await query.message.answer(menu_text(), reply_markup=settings_menu())


class PlaceStep(Step, state=SettingsFlow.place.state):
    hint = ANSWER_BUTTONS
    reshow = reshow_regions
    menu_leaves = True


class ConfirmDeleteStep(Step, state=SettingsFlow.confirm_delete.state):
    hint = ANSWER_BUTTONS
    reshow = reshow_delete_question
    menu_leaves = True

    @on.callback_query(SetCB.filter(F.action == SettingsAction.DELETE_YES))
    async def on_delete_yes(
        self,
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        i18n: I18n,
    ) -> None:
        result = await registration_consent.forget(session, i18n, user)
        await state.clear()
        log.info("user %s erased their data (%s cases closed)", user.id, result.cases_closed)
        message = await _edit(
            query,
            _(
                "🗑 Your data has been deleted. If you come back, the bot will ask for your consent "
                "again."
            ),
        )
        if message is not None:
            await message.answer(
                _("Main menu. Choose what you need with the buttons below."),
                reply_markup=main_menu(roles),
            )


def router() -> Router:
    r = Router(name="settings")
    r.message.register(on_settings, MenuButton("settings"))
    buttons = {
        SettingsAction.OPEN: on_open,
        SettingsAction.CLOSE: on_close,
        SettingsAction.LANGUAGE: on_language,
        SettingsAction.MY_DATA: on_my_data,
        **dict.fromkeys(FIELD_ACTIONS, on_field),
        SettingsAction.PLACE: on_place,
        SettingsAction.DELETE: on_delete,
    }
    register_buttons(r, SetCB, buttons)
    include(r, PlaceStep, ConfirmDeleteStep)

    # After the steps, in the order of before (a router's own handlers run before its steps'):
    # "No"; any other Settings button is stale ("Yes, delete" outside its step too); the chosen
    # mahalla and the picker's Back, by purpose and StateFilter (PlacePick.choosing is shared
    # by every purpose, so not in a step); old place buttons of Settings.
    rest = Router(name="settings-rest")
    register_buttons(rest, SetCB, {SettingsAction.DELETE_NO: on_delete_no})
    rest.callback_query.register(on_stale, SetCB.filter())

    in_place = StateFilter(SettingsFlow.place, PlacePick.choosing)
    picking = registration_place.PickingFor(PURPOSE)
    rest.callback_query.register(
        on_mahalla, picking, PlaceCB.filter((F.purpose == PURPOSE) & (F.level == "m"))
    )
    rest.callback_query.register(on_picker_back, in_place, PlaceBackCB.filter(F.purpose == PURPOSE))
    rest.callback_query.register(on_stale, ~in_place, PlaceCB.filter(F.purpose == PURPOSE))
    rest.callback_query.register(on_stale, ~in_place, PlaceBackCB.filter(F.purpose == PURPOSE))
    r.include_router(rest)
    return r

"""Keyboards of registration and settings.

Questions people answer by typing or tapping get big reply keyboards (resized, kept open);
the consent and settings menus are inline, attached to the text they answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RegAction, RegCB, SetCB, SettingsAction
from bot.i18n import N_
from bot.views.keyboards import places
from bot.views.keyboards.common import action_keyboard
from db.models import Region

# Reply-button msgids; handlers compare typed text with them in every language.
BACK = N_("⬅️ Back")
SHARE_PHONE = N_("📱 Send my phone number")
MALE = N_("👨 Male")
FEMALE = N_("👩 Female")
GENDER_BUTTONS = {"m": MALE, "f": FEMALE}


def _reply(rows: Sequence[Sequence[KeyboardButton]]) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[list(row) for row in rows],
        resize_keyboard=True,
        one_time_keyboard=False,
        is_persistent=True,
    )


def consent_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ I agree"), callback_data=RegCB(action=RegAction.CONSENT, value="y"))
    builder.button(
        text=_("❌ I do not agree"), callback_data=RegCB(action=RegAction.CONSENT, value="n")
    )
    builder.button(text=_(BACK), callback_data=RegCB(action=RegAction.BACK, value="consent"))
    builder.adjust(1)
    return builder.as_markup()


def name_keyboard(suggestion: str | None) -> ReplyKeyboardMarkup:
    """The name Telegram knows, as a one-tap answer when it looks like a real name."""
    rows: list[list[KeyboardButton]] = []
    if suggestion:
        rows.append([KeyboardButton(text=suggestion)])
    rows.append([KeyboardButton(text=_(BACK))])
    return _reply(rows)


def phone_keyboard() -> ReplyKeyboardMarkup:
    return _reply(
        [
            [KeyboardButton(text=_(SHARE_PHONE), request_contact=True)],
            [KeyboardButton(text=_(BACK))],
        ]
    )


def back_only_keyboard() -> ReplyKeyboardMarkup:
    return _reply([[KeyboardButton(text=_(BACK))]])


def gender_keyboard() -> ReplyKeyboardMarkup:
    return _reply(
        [
            [KeyboardButton(text=_(MALE)), KeyboardButton(text=_(FEMALE))],
            [KeyboardButton(text=_(BACK))],
        ]
    )


def regions_keyboard(
    purpose: str, regions: Sequence[Region], locale: str, back: CallbackData
) -> InlineKeyboardMarkup:
    """The place picker's region list, with Back to the previous question (not just Cancel)."""
    button = InlineKeyboardButton(text=_(BACK), callback_data=back.pack())
    return places.regions_keyboard(purpose, regions, locale, back=button)


# --- settings ------------------------------------------------------------------------------

# Each settings screen's buttons: (action, msgid), in the order shown.
SETTINGS_MENU: tuple[tuple[SettingsAction, str], ...] = (
    (SettingsAction.LANGUAGE, N_("🌐 Language")),
    (SettingsAction.PLACE, N_("📍 Mahalla")),
    (SettingsAction.MY_DATA, N_("👤 My data")),
    (SettingsAction.DELETE, N_("🗑 Delete my data")),
    (SettingsAction.CLOSE, BACK),
)
MY_DATA_MENU: tuple[tuple[SettingsAction, str], ...] = (
    (SettingsAction.NAME, N_("✏️ Name")),
    (SettingsAction.PHONE, N_("✏️ Phone")),
    (SettingsAction.BIRTH_YEAR, N_("✏️ Year of birth")),
    (SettingsAction.GENDER, N_("✏️ Gender")),
    (SettingsAction.PLACE, N_("📍 Mahalla")),
    (SettingsAction.OPEN, BACK),
)
DELETE_CONFIRM: tuple[tuple[SettingsAction, str], ...] = (
    (SettingsAction.DELETE_YES, N_("🗑 Yes, delete")),
    (SettingsAction.DELETE_NO, N_("No, keep my data")),
)


def settings_menu() -> InlineKeyboardMarkup:
    return action_keyboard(SetCB, SETTINGS_MENU, 2, 1, 1, 1)


def my_data_keyboard() -> InlineKeyboardMarkup:
    """Each field can be changed from here; Back returns to the settings menu."""
    return action_keyboard(SetCB, MY_DATA_MENU, 2, 2, 1, 1)


def delete_confirm_keyboard() -> InlineKeyboardMarkup:
    return action_keyboard(SetCB, DELETE_CONFIRM, 1)


def back_to_settings_keyboard() -> InlineKeyboardMarkup:
    return action_keyboard(SetCB, ((SettingsAction.OPEN, BACK),))

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


def settings_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🌐 Language"), callback_data=SetCB(action=SettingsAction.LANGUAGE))
    builder.button(text=_("📍 Mahalla"), callback_data=SetCB(action=SettingsAction.PLACE))
    builder.button(text=_("👤 My data"), callback_data=SetCB(action=SettingsAction.MY_DATA))
    builder.button(text=_("🗑 Delete my data"), callback_data=SetCB(action=SettingsAction.DELETE))
    builder.button(text=_(BACK), callback_data=SetCB(action=SettingsAction.CLOSE))
    builder.adjust(2, 1, 1, 1)
    return builder.as_markup()


def my_data_keyboard() -> InlineKeyboardMarkup:
    """Each field can be changed from here; Back returns to the settings menu."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Name"), callback_data=SetCB(action=SettingsAction.NAME))
    builder.button(text=_("✏️ Phone"), callback_data=SetCB(action=SettingsAction.PHONE))
    builder.button(text=_("✏️ Year of birth"), callback_data=SetCB(action=SettingsAction.BIRTH_YEAR))
    builder.button(text=_("✏️ Gender"), callback_data=SetCB(action=SettingsAction.GENDER))
    builder.button(text=_("📍 Mahalla"), callback_data=SetCB(action=SettingsAction.PLACE))
    builder.button(text=_(BACK), callback_data=SetCB(action=SettingsAction.OPEN))
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


def delete_confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, delete"), callback_data=SetCB(action=SettingsAction.DELETE_YES))
    builder.button(text=_("No, keep my data"), callback_data=SetCB(action=SettingsAction.DELETE_NO))
    builder.adjust(1)
    return builder.as_markup()


def back_to_settings_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_(BACK), callback_data=SetCB(action=SettingsAction.OPEN))
    return builder.as_markup()

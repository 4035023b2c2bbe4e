"""Small pieces every admin screen shares: the Back button, the refusal of a bad id or code and
the filters of a typed answer."""

from __future__ import annotations

import logging
from typing import TypedDict

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmCB, AdminAction
from bot.config import Settings
from db.models import User

log = logging.getLogger("bot.handlers.admin_panel")


class AdminData(TypedDict):
    """The handler data (by aiogram's names) the admin dialogs use: their handlers take it as
    `**data: Unpack[AdminData]` instead of writing the same parameters out each time."""

    session: AsyncSession
    user: User
    state: FSMContext
    i18n: I18n
    settings: Settings
    bot: Bot


def back_button(action: AdminAction = AdminAction.HOME, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("⬅️ Back"),
        callback_data=AdmCB(action=action, **values).pack(),  # type: ignore[arg-type]
    )


async def refuse(query: CallbackQuery, user: User, action: str) -> None:
    """An admin's press naming a person, place or code that is not (or no longer) valid —
    callback data can be forged: logged by id, refused. Non-admins never get here: the admin
    audience's router refuses them (`bot.handlers.audiences`)."""
    log.warning("admin action refused: user=%s action=%s", user.id, action)
    await query.answer(_("This button is out of date."), show_alert=True)

"""The last router: whatever nobody else understood gets a clear answer, never silence."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.roles import Roles
from bot.views.keyboards.common import main_menu
from db.models import User

log = logging.getLogger(__name__)


async def on_unknown_message(message: Message, state: FSMContext, roles: Roles, user: User) -> None:
    current = await state.get_state()
    if current is not None:
        # A state no router claims (e.g. left over from an older version): start afresh.
        log.info("clearing orphan state %s for user %s", current, user.id)
        await state.clear()
    if message.text and message.text.startswith("/"):
        text = _("I don't know this command. Use the menu below or /help.")
    elif message.text:
        text = _("I didn't understand that. Please use the menu buttons below.")
    else:
        text = _("I can't use this kind of message here. Please use the menu buttons below.")
    await message.answer(text, reply_markup=main_menu(roles))


async def on_unknown_callback(query: CallbackQuery, user: User) -> None:
    log.info("stale or refused callback from user %s: %r", user.id, (query.data or "")[:64])
    await query.answer(
        _("This button is out of date. Please use the menu or /start."), show_alert=True
    )


def router() -> Router:
    r = Router(name="fallback")
    r.message.register(on_unknown_message)
    r.callback_query.register(on_unknown_callback)
    return r

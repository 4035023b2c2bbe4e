"""What the supervisor's screens share: their handler data, the page size, the refusal of a
stale or forged press, the factory of a paged list's handlers and the area codes of the place
buttons (reassigning and announcing both use them). Apart so the screen modules need not import
each other.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypedDict

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import SvCB
from bot.config import Settings
from bot.services.roles import Roles
from bot.views.screens import show_in_place
from db.models import User

log = logging.getLogger("bot.handlers.supervisor")  # one logger for the supervisor's work


class SupervisorData(TypedDict):
    """The handler data (by aiogram's names) the supervisor's and the announcement's handlers
    use: they take it as `**data: Unpack[SupervisorData]` instead of writing the same
    parameters out each time."""

    session: AsyncSession
    user: User
    roles: Roles
    state: FSMContext
    i18n: I18n
    settings: Settings


PER_PAGE = 8
PICK_LEVELS = {"c": "country", "r": "region", "d": "district"}
PICK_CODES = {level: code for code, level in PICK_LEVELS.items()}


async def refuse(query: CallbackQuery, user: User, data: SvCB) -> None:
    log.warning("supervisor refused: user=%s id=%s action=%s", user.id, data.id, data.action)
    await query.answer(_("This button is out of date."), show_alert=True)


PagedView = Callable[[AsyncSession, Roles, int], Awaitable[tuple[str, InlineKeyboardMarkup]]]
Handler = Callable[..., Awaitable[None]]


def paged_list(view: PagedView) -> tuple[Handler, Handler]:
    """The handlers of a paged list: its menu button (page 1, a new message) and its page
    buttons (redrawn in place). The overdue cases and the assistants are listed alike."""

    async def on_menu(
        message: Message, session: AsyncSession, roles: Roles, state: FSMContext
    ) -> None:
        await state.clear()
        text, markup = await view(session, roles, 0)
        await message.answer(text, reply_markup=markup)

    async def on_page(
        query: CallbackQuery, callback_data: SvCB, session: AsyncSession, roles: Roles
    ) -> None:
        text, markup = await view(session, roles, callback_data.page)
        await query.answer()
        await show_in_place(query, text, markup)

    return on_menu, on_page

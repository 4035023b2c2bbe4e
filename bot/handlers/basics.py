"""/help, /cancel and /language: they work in every state."""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import LangCB, MenuAction, MenuCB
from bot.config import LOCALES
from bot.filters import MenuButton
from bot.flows.loader import FlowRegistry
from bot.handlers import dialog, questionnaire_menu, registration
from bot.handlers.dialog import register_buttons
from bot.i18n import LANGUAGE_NAMES
from bot.services import users
from bot.services.roles import Roles
from bot.states import Questionnaire
from bot.views.keyboards.common import language_keyboard, main_menu
from bot.views.texts import help_text
from db.models import User


async def ask_again(message: Message, state: FSMContext, notice: str, data: dict[str, Any]) -> None:
    """The question open in this state asked again (in the current language) after a side
    command such as /help or /language, or `notice` alone when no question is open."""
    step = dialog.expected(await state.get_state())
    if step is None or step.reshow is None:
        await message.answer(notice)
        return
    await step.reshow(message, notice, {**data, "state": state, "redraw": True})


async def on_help(message: Message, state: FSMContext, roles: Roles, **data: Any) -> None:
    """Help, then the open question again: help in the middle of a flow is not a dead end."""
    await message.answer(help_text(roles))
    if await state.get_state() is not None:
        await ask_again(
            message, state, _("Let's continue where you stopped."), {**data, "roles": roles}
        )


async def on_cancel(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    flows: FlowRegistry,
) -> None:
    current = await state.get_state()
    if current == Questionnaire.active.state:
        button = await questionnaire_menu.put_aside(message, bot, state, session, user, flows)
        if button is not None:
            text = _(
                "Cancelled. Your answers so far are kept: to continue, press “{button}” again."
            )
            await message.answer(text.format(button=button), reply_markup=main_menu(roles))
            return
    await state.clear()
    text = _("Cancelled.") if current is not None else _("There is nothing to cancel.")
    await message.answer(text, reply_markup=main_menu(roles))


async def on_cancel_button(query: CallbackQuery, state: FSMContext, roles: Roles) -> None:
    await state.clear()
    await query.answer(_("Cancelled."))
    if query.message is not None and hasattr(query.message, "edit_reply_markup"):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(_("Cancelled."), reply_markup=main_menu(roles))


async def on_language_command(message: Message, user: User) -> None:
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard(user.locale))


async def on_language_chosen(
    query: CallbackQuery,
    callback_data: LangCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    state: FSMContext,
    **data: Any,
) -> None:
    if callback_data.code not in LOCALES:
        await query.answer(_("This button is out of date."), show_alert=False)
        return
    first_time = not user.locale_confirmed
    await users.set_locale(session, user, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer()
        chosen = _("Language: {language}").format(language=LANGUAGE_NAMES[callback_data.code])
        mid_flow = await state.get_state() is not None and users.is_registered(user)
        if isinstance(query.message, Message) and mid_flow:
            # Only a new message can change the keyboard at the bottom: the choice is said
            # there, with the main menu in the new language, and the picker goes.
            with contextlib.suppress(TelegramBadRequest):  # too old to delete: it stays
                await query.message.delete()
            await query.message.answer(chosen, reply_markup=main_menu(roles))
        elif query.message is not None and hasattr(query.message, "edit_text"):
            await query.message.edit_text(chosen)
        if isinstance(query.message, Message) and await state.get_state() is None:
            await registration.after_language(
                query.message, state, session, user, roles, first_time=first_time
            )
        elif isinstance(query.message, Message):
            # The question on screen is asked again in the new language, where one is open.
            context = {**data, "session": session, "user": user, "roles": roles, "i18n": i18n}
            await ask_again(query.message, state, _("Let's continue where you stopped."), context)


async def on_noop(query: CallbackQuery) -> None:
    await query.answer()


async def on_menu_help(message: Message, state: FSMContext, roles: Roles, **data: Any) -> None:
    await on_help(message, state, roles, **data)


def router() -> Router:
    r = Router(name="basics")
    r.message.register(on_help, Command("help"))
    r.message.register(on_cancel, Command("cancel"))
    r.message.register(on_language_command, Command("language"))
    r.callback_query.register(on_language_chosen, LangCB.filter())
    register_buttons(r, MenuCB, {MenuAction.CANCEL: on_cancel_button, MenuAction.NOOP: on_noop})
    r.message.register(on_menu_help, MenuButton("help"))
    return r

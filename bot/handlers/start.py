"""/start: first contact (language), invite links, and the main menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.handlers import registration
from bot.services import invites, users
from bot.services.roles import Roles, load_roles
from bot.views.keyboards.common import language_keyboard
from bot.views.texts import invite_outcome_text, queue_invite_notices, send_main_menu
from db.models import User, utcnow


async def on_start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    i18n: I18n,
) -> None:
    await state.clear()
    payload = (command.args or "").strip()
    if payload:
        now = utcnow()

        async def tell(result: invites.RedeemResult) -> None:
            await queue_invite_notices(session, i18n, result, user, settings.admin_ids, now)

        result = await invites.accept(session, payload, user, now, tell)
        roles = await load_roles(session, user, settings.admin_ids, now)
        await message.answer(await invite_outcome_text(session, result, user.locale))
        if not user.locale_confirmed:
            await ask_language(message, user)
            return
        if registration.staff_profile_missing(user, roles):
            await registration.begin_staff(message, state, session, user)
            return
        await send_main_menu(message, roles)
        return
    if not user.locale_confirmed:
        await ask_language(message, user)
        return
    if registration.staff_profile_missing(user, roles) and user.consent_version is not None:
        await registration.begin_staff(message, state, session, user)  # goes on where it stopped
        return
    if _registration_interrupted(user, roles):
        await registration.begin(
            message, state, session, user
        )  # goes on at the first missing answer
        return
    await send_main_menu(message, roles, greeting=True)


def _registration_interrupted(user: User, roles: Roles) -> bool:
    """A citizen who agreed and began registering, then stopped (or the bot restarted)."""
    return (
        not roles.is_staff
        and user.consent_version is not None
        and user.deleted_at is None
        and not users.is_registered(user)
    )


async def ask_language(message: Message, user: User) -> None:
    await message.answer(
        _("Assalomu alaykum! Please choose your language."),
        reply_markup=language_keyboard(user.locale),
    )


def router() -> Router:
    r = Router(name="start")
    r.message.register(on_start, CommandStart())
    return r

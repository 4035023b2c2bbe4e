"""The admin menu in the bot: the menu itself, outbox health and the admin help; and the
router of every admin screen. The screens live beside it: finding people (`admin_people`),
granting and ending roles (`admin_roles`), importing mahallas (`admin_import`), targets and
time limits (`admin_settings`). People are told when their role is granted or ended.
Announcements are the one flow of the 📣 button (`bot.handlers.announce`), shared with
supervisors.

The same services as `python -m bot admin …`. The admin audience's router checks the role
(`bot.handlers.audiences`, which also refuses a non-admin's press); every id and code in a
button is checked again in the screens, and a refused one is logged with the internal user
id only.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, AdmCB, AdminAction, PlaceCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.handlers import admin_settings
from bot.handlers.admin_common import back_button
from bot.handlers.admin_import import ImportStep, on_import
from bot.handlers.admin_people import (
    FindPlaceStep,
    on_card,
    on_find,
    on_find_role,
    on_people_page,
)
from bot.handlers.admin_roles import GRANT_PURPOSES, on_grant_place, on_grant_start, on_revoke
from bot.handlers.dialog import include, register_buttons
from bot.i18n import fmt_datetime, fmt_number
from bot.services import outbox as outbox_service
from bot.views.keyboards.common import ADMIN_PANEL, action_keyboard
from bot.views.screens import show_in_place
from bot.views.texts import admin_help_lines
from db.models import utcnow

# --- the menu --------------------------------------------------------------------------------


def _menu() -> tuple[str, InlineKeyboardMarkup]:
    return _("🛠 <b>Admin</b>: choose what to do."), action_keyboard(AdmCB, ADMIN_PANEL, 1)


async def on_menu(message: Message, state: FSMContext) -> None:
    await state.clear()
    text, markup = _menu()
    await message.answer(text, reply_markup=markup)


async def on_home(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await show_in_place(query, *_menu())


async def on_help(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.row(back_button())
    await show_in_place(query, "\n".join(admin_help_lines()), builder.as_markup())


# --- outbox health ---------------------------------------------------------------------------


async def on_outbox(query: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    found = await outbox_service.health(session)
    now = utcnow()
    lines = [
        _("📮 <b>Outbox</b>"),
        _("Waiting to be sent: {count}").format(
            count=fmt_number(found.count("queued") + found.count("sending"))
        ),
        _("Failed: {count}").format(count=fmt_number(found.count("failed"))),
        _("Not delivered, the person blocked the bot: {count}").format(
            count=fmt_number(found.count("blocked"))
        ),
        _("People who blocked the bot: {count}").format(count=fmt_number(found.blocked_users)),
        _("Sent: {count}").format(count=fmt_number(found.count("sent"))),
    ]
    age = found.oldest_age(now)
    if found.oldest_queued is not None and age is not None:
        lines.append(
            _("Oldest waiting since {time} ({minutes} min)").format(
                time=fmt_datetime(found.oldest_queued, settings.tz),
                minutes=fmt_number(max(0, int(age.total_seconds() // 60))),
            )
        )
    else:
        lines.append(_("Nothing is waiting."))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔄 Refresh"), callback_data=AdmCB(action=AdminAction.OUTBOX))
    builder.row(back_button())
    await query.answer()
    await show_in_place(
        query, "\n".join(lines), builder.as_markup()
    )  # a refresh may change nothing


# --- wiring ----------------------------------------------------------------------------------


def router() -> Router:
    """Inside the admin audience's router, which checks the role (`bot.handlers.audiences`).

    /admin and the menu button come first, before the typing steps (`FindPlaceStep`,
    `ImportStep`, included after the buttons), as they always did; the settings screens
    (`admin_settings`, with their own step) come last."""
    r = Router(name="admin_panel")
    r.message.register(on_menu, Command("admin"))
    r.message.register(on_menu, MenuButton("admin"))
    buttons = {
        AdminAction.HOME: on_home,
        AdminAction.HELP: on_help,
        AdminAction.OUTBOX: on_outbox,
        AdminAction.FIND_PEOPLE: on_find,
        AdminAction.FIND_ROLE: on_find_role,
        AdminAction.PEOPLE: on_people_page,
        AdminAction.CARD: on_card,
        AdminAction.GRANT_ASSISTANT: on_grant_start,
        AdminAction.GRANT_SUPERVISOR: on_grant_start,
        AdminAction.GRANT_LEVEL: on_grant_start,
        AdminAction.REVOKE_ASSISTANT: on_revoke,
        AdminAction.REVOKE_SUPERVISOR: on_revoke,
        AdminAction.REVOKE_ASSISTANT_YES: on_revoke,
        AdminAction.REVOKE_SUPERVISOR_YES: on_revoke,
        AdminAction.IMPORT: on_import,
    }
    register_buttons(r, AdmCB, buttons)
    grant_pick = F.purpose.in_(set(GRANT_PURPOSES)) & (
        ((F.purpose == "gm") & F.level.in_({"m", CONFIRMED}))
        | ((F.purpose == "gd") & (F.level == "d"))
        | ((F.purpose == "gr") & (F.level == "r"))
    )
    r.callback_query.register(on_grant_place, PlaceCB.filter(grant_pick))
    include(r, FindPlaceStep, ImportStep)
    r.include_router(admin_settings.router())
    return r

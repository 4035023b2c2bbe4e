"""A supervisor's XLSX export of a place's indicators: the digest's and the drill-down's
"📥 Excel file" button, and the menu's "📥 Export XLSX" (one file per area; a choice when the
person has several). The place in a button is re-checked against the person's scopes, since
callback data can be forged. The drill-down itself is `bot.handlers.drilldown`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Unpack

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import DigestAction, SupCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.handlers.dialog import register_buttons
from bot.handlers.supervisor_common import SupervisorData
from bot.i18n import current_locale, fmt_date
from bot.services import exports, supervision
from bot.services.roles import Roles, Scope
from bot.views import digest as render
from bot.views.texts import place_label
from db.models import User, utcnow

log = logging.getLogger(__name__)


async def allowed_scope(session: AsyncSession, roles: Roles, level: str, code: str) -> Scope | None:
    """The place as a Scope if it lies within one of the person's scopes, else None."""
    if level not in ("country", "region", "district"):
        return None
    place = await supervision.place_in_scope(session, roles.scopes, level, code or None)
    return place.scope if place is not None else None


async def send_export(
    bot: Bot, chat_id: int, session: AsyncSession, scope: Scope, settings: Settings
) -> None:
    """The XLSX of a scope's indicators (the month to today), as a document."""
    now = utcnow()
    today = now.astimezone(settings.tz).date()
    locale = current_locale()
    data = await exports.collect(
        session,
        scope,
        today,
        now,
        settings.tz,
        target_day=settings.jobs_per_day_target,
        target_month=settings.jobs_per_month_target,
    )
    place = await place_label(session, scope.level, scope.code, locale)
    heading = render.xlsx_heading(place, fmt_date(today.replace(day=1)), fmt_date(today))
    content = await asyncio.to_thread(
        exports.build_xlsx, data, render.xlsx_titles(), heading, locale
    )
    await bot.send_document(
        chat_id,
        BufferedInputFile(content, filename=exports.filename(scope, today)),
        caption=render.xlsx_caption(place),
    )


async def on_export_menu(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
    bot: Bot,
) -> None:
    """The menu's "Export XLSX": the file of the person's area, or a choice of their areas."""
    places = await supervision.scope_places(session, roles.scopes)
    if len(places) == 1:
        await message.answer(_("Preparing the file…"))
        await send_export(bot, message.chat.id, session, places[0].scope, settings)
        return
    builder = InlineKeyboardBuilder()
    for place in places:
        label = await place_label(session, place.level, place.code, user.locale)
        builder.button(
            text=label,
            callback_data=SupCB(
                action=DigestAction.EXPORT,
                level=render.LEVEL_CODES[place.level],
                code=place.code or "",
            ),
        )
    builder.adjust(1)
    await message.answer(_("Which area should the file cover?"), reply_markup=builder.as_markup())


async def on_export(
    query: CallbackQuery, callback_data: SupCB, **data: Unpack[SupervisorData]
) -> None:
    level = render.LEVELS.get(callback_data.level, "")
    scope = await allowed_scope(data["session"], data["roles"], level, callback_data.code)
    if scope is None:
        log.info("refused export of %s:%s for user %s", level, callback_data.code, data["user"].id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer(_("Preparing the file…"))
    bot = query.bot
    assert bot is not None
    await send_export(bot, query.from_user.id, data["session"], scope, data["settings"])


def router() -> Router:
    r = Router(name="digests")
    register_buttons(r, SupCB, {DigestAction.EXPORT: on_export})
    r.message.register(on_export_menu, MenuButton("s_export"))
    return r

"""A supervisor's digest buttons: the XLSX export of a place's indicators.

The drill-down (region → district → mahalla → assistant) is a separate screen; this module
only answers "📥 Excel file". The place in the button is re-checked against the person's
scopes, since callback data can be forged.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import SupCB
from bot.config import Settings
from bot.i18n import current_locale, fmt_date
from bot.services import exports, registry
from bot.services.roles import Roles, Scope
from bot.texts import place_label
from db.models import User, utcnow
from scheduler import render

log = logging.getLogger(__name__)


async def allowed_scope(session: AsyncSession, roles: Roles, level: str, code: str) -> Scope | None:
    """The place as a Scope if it lies within one of the person's scopes, else None."""
    if level == "country":
        national = any(scope.level == "country" for scope in roles.scopes)
        return Scope("country", None) if national else None
    if level == "region":
        if await registry.get_region(session, code) is None:
            return None
        covered = any(
            s.level == "country" or (s.level == "region" and s.code == code) for s in roles.scopes
        )
        return Scope("region", code) if covered else None
    if level == "district":
        district = await registry.get_district(session, code)
        if district is None:
            return None
        covered = any(s.covers_district(code, district.region_soato) for s in roles.scopes)
        return Scope("district", code) if covered else None
    return None


async def on_export(
    query: CallbackQuery,
    callback_data: SupCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    settings: Settings,
) -> None:
    level = render.LEVELS.get(callback_data.level, "")
    scope = await allowed_scope(session, roles, level, callback_data.code)
    if scope is None:
        log.info("refused export of %s:%s for user %s", level, callback_data.code, user.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer(_("Preparing the file…"))
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
    bot = query.bot
    assert bot is not None
    await bot.send_document(
        query.from_user.id,
        BufferedInputFile(content, filename=exports.filename(scope, today)),
        caption=render.xlsx_caption(place),
    )


def router() -> Router:
    r = Router(name="digests")
    r.callback_query.register(on_export, SupCB.filter(F.action == "xlsx"))
    return r

"""The assistant's "Today" screen: jobs against the day's and month's targets, and their
cases. Its counts also close the saved-job card, so they live apart from both.
"""

from __future__ import annotations

from typing import Unpack

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, JobAction, JobCB
from bot.config import Settings
from bot.handlers.ledger_common import LEDGER_STATES, LedgerData
from bot.i18n import fmt_date, fmt_number
from bot.services import indicators
from bot.services.roles import Roles
from db.models import User, utcnow

# ---------------------------------------------------------------------- Today


async def count_day(
    session: AsyncSession, user: User, roles: Roles, settings: Settings
) -> indicators.AssistantDay:
    now = utcnow()
    return await indicators.assistant_day(
        session,
        user.id,
        roles.mahallas,
        now.astimezone(settings.tz).date(),
        now,
        target_day=settings.jobs_per_day_target,
        target_month=settings.jobs_per_month_target,
    )


def jobs_line(template: str, done: int, target: int) -> str:
    mark = " ✅" if target > 0 and done >= target else ""
    return template.format(done=f"<b>{fmt_number(done)}</b>", target=fmt_number(target)) + mark


def jobs_today_line(day: indicators.AssistantDay) -> str:
    """Today's jobs against the day's target: on "Today" and closing a saved or deleted job."""
    return jobs_line(_("Jobs today: {done} of {target}"), day.jobs_today, day.target_day)


async def on_today(message: Message, **data: Unpack[LedgerData]) -> None:
    state, settings = data["state"], data["settings"]
    if await state.get_state() in {s.state for s in LEDGER_STATES}:
        await state.clear()
    day = await count_day(data["session"], data["user"], data["roles"], settings)
    lines = [
        _("📊 <b>Today, {date}</b>").format(date=fmt_date(settings.today())),
        jobs_today_line(day),
        jobs_line(_("Jobs this month: {done} of {target}"), day.jobs_month, day.target_month),
        _("Jobs yesterday: {count}").format(count=fmt_number(day.jobs_yesterday)),
        "",
        _("Open cases: {count}").format(count=fmt_number(day.open_cases)),
        _("Overdue cases: {count}").format(count=fmt_number(day.overdue_cases)),
        _("New since yesterday: {count}").format(count=fmt_number(day.new_since_yesterday)),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Record a job"), callback_data=JobCB(action=JobAction.START))
    builder.button(text=_("📥 Cases"), callback_data=ACB(action=AssistantAction.LIST))
    builder.adjust(2)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())

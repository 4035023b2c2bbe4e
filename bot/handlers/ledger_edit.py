"""Correcting or deleting a recorded job, allowed only on the day it was recorded: Edit goes
back through the kind and employer steps, Delete asks first.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import JobCB
from bot.config import Settings
from bot.handlers.ledger_common import editable_job, job_line, redraw
from bot.handlers.ledger_record import kind_keyboard, saved_view
from bot.handlers.ledger_today import count_day, jobs_today_line
from bot.services import jobs
from bot.services.roles import Roles
from bot.states import JobLedger
from db.models import User, utcnow

# ---------------------------------------------------------------------- edit and delete


async def on_edit(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
) -> None:
    job = await editable_job(query, session, user, callback_data.id, settings)
    if job is None:
        return
    await state.set_state(JobLedger.kind)
    await state.set_data({"job": job.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("✏️ Correcting: {job}\nWhat kind of job is it?").format(job=job_line(job)),
            reply_markup=kind_keyboard(job.id),
        )


async def on_delete(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
) -> None:
    job = await editable_job(query, session, user, callback_data.id, settings)
    if job is None:
        return
    if callback_data.action == "del":
        builder = InlineKeyboardBuilder()
        builder.button(text=_("🗑 Yes, delete"), callback_data=JobCB(action="dely", id=job.id))
        builder.button(text=_("⬅️ No, keep it"), callback_data=JobCB(action="keep", id=job.id))
        builder.adjust(2)
        text = _("Delete this job? It will no longer be counted.") + f"\n• {job_line(job)}"
        await redraw(query, text, builder.as_markup())
        return
    if callback_data.action == "keep":
        text, markup = await saved_view(session, user, roles, settings, job, _("✅ Job recorded."))
        await redraw(query, text, markup)
        return
    await state.clear()
    await jobs.delete(session, job, utcnow())
    day = await count_day(session, user, roles, settings)
    text = "\n".join(
        [
            _("🗑 The job was deleted."),
            f"• {job_line(job)}",
            jobs_today_line(day),
        ]
    )
    await redraw(query, text, None)

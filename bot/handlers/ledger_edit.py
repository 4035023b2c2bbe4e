"""Correcting or deleting a recorded job, allowed only on the day it was recorded: Edit goes
back through the kind and employer steps, Delete asks first.
"""

from __future__ import annotations

from typing import Unpack

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import JobAction, JobCB
from bot.handlers.ledger_common import LedgerData, editable_job, job_line, redraw
from bot.handlers.ledger_record import kind_keyboard, saved_view
from bot.handlers.ledger_today import count_day, jobs_today_line
from bot.services import jobs
from bot.states import JobLedger
from db.models import Job, utcnow

# ---------------------------------------------------------------------- edit and delete


async def _editable(query: CallbackQuery, callback_data: JobCB, data: LedgerData) -> Job | None:
    """The job the pressed button names, if it may still be changed (`editable_job`)."""
    session, user, settings = data["session"], data["user"], data["settings"]
    return await editable_job(query, session, user, callback_data.id, settings)


async def on_edit(query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]) -> None:
    job = await _editable(query, callback_data, data)
    if job is None:
        return
    await data["state"].set_state(JobLedger.kind)
    await data["state"].set_data({"job": job.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("✏️ Correcting: {job}\nWhat kind of job is it?").format(job=job_line(job)),
            reply_markup=kind_keyboard(job.id),
        )


async def on_delete(query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]) -> None:
    job = await _editable(query, callback_data, data)
    if job is None:
        return
    session, user, roles, settings = data["session"], data["user"], data["roles"], data["settings"]
    if callback_data.action == JobAction.DELETE:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("🗑 Yes, delete"), callback_data=JobCB(action=JobAction.DELETE_YES, id=job.id)
        )
        builder.button(
            text=_("⬅️ No, keep it"), callback_data=JobCB(action=JobAction.KEEP, id=job.id)
        )
        builder.adjust(2)
        text = _("Delete this job? It will no longer be counted.") + f"\n• {job_line(job)}"
        await redraw(query, text, builder.as_markup())
        return
    if callback_data.action == JobAction.KEEP:
        text, markup = await saved_view(session, user, roles, settings, job, _("✅ Job recorded."))
        await redraw(query, text, markup)
        return
    await data["state"].clear()
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

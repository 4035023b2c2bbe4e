"""What the ledger's screens share: short labels, today's date, a job's line, the answer to a
stale or forged button, redrawing in place, and the check that a job may still be changed.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.notifications.work import job_kind_label
from bot.services import jobs
from bot.services.roles import Roles
from bot.states import JobLedger
from bot.views.texts import esc
from db.models import Job, User

log = logging.getLogger("bot.handlers.ledger")  # the name the logs have always had

BUTTON_CHARS = 40
LEDGER_STATES = (JobLedger.kind, JobLedger.employer, JobLedger.link, JobLedger.mahalla)


class LedgerData(TypedDict):
    """The handler data (by aiogram's names) the ledger's handlers use: they take it as
    `**data: Unpack[LedgerData]` instead of writing the same six parameters out each time."""

    session: AsyncSession
    user: User
    roles: Roles
    state: FSMContext
    settings: Settings
    i18n: I18n


def short(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def job_line(job: Job) -> str:
    return job_kind_label(job.kind) + (f" — {esc(job.employer)}" if job.employer else "")


async def out_of_date(query: CallbackQuery, user: User, what: str, forged: bool = False) -> None:
    """Stale or forged buttons get the same answer; forged ones are logged (ids only)."""
    if forged:
        log.warning("ledger: user %s refused: %s", user.id, what)
    else:
        log.info("ledger: stale button from user %s: %s", user.id, what)
    await query.answer(_("This button is out of date."), show_alert=True)


async def redraw(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def editable_job(
    query: CallbackQuery, session: AsyncSession, user: User, job_id: int, settings: Settings
) -> Job | None:
    """The job if this assistant may still change it today; otherwise answer and None."""
    job = await jobs.own_job(session, job_id, user.id)
    access = jobs.edit_access(job, settings.today())
    if access is jobs.Access.FORGED:
        await out_of_date(query, user, f"job {job_id}", forged=True)
        return None
    if access is jobs.Access.OTHER_DAY:
        await query.answer(
            _("You can change or delete a job only on the day it was recorded."), show_alert=True
        )
        return None
    return job

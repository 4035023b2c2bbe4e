"""The citizen's answer to a job recorded for them ("did you start this job?"): only that
citizen may answer, and only once. Registered in the citizens' router, not the assistants'.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CaseCB
from bot.handlers.ledger_common import out_of_date
from bot.notifications.work import job_answered
from bot.services import jobs
from bot.views.screens import answer_below
from db.models import User, utcnow

# ---------------------------------------------------------------------- the citizen's answer


async def on_confirm(
    query: CallbackQuery,
    callback_data: CaseCB,
    session: AsyncSession,
    user: User,
    i18n: I18n,
) -> None:
    """Only the citizen the job was recorded for may answer, and only once."""
    if callback_data.v not in ("y", "n"):
        await out_of_date(query, user, f"confirm value {callback_data.v!r}", forged=True)
        return
    result, job = await jobs.confirm(
        session,
        callback_data.id,
        user,
        callback_data.v == "y",
        utcnow(),
        lambda job: job_answered(session, i18n, job, user),
    )
    if result is jobs.Answer.FORGED or job is None:
        await out_of_date(query, user, f"confirm job {callback_data.id}", forged=True)
        return
    if result is jobs.Answer.WITHDRAWN:
        await query.answer(_("The assistant has withdrawn this record."), show_alert=True)
        return
    if result is jobs.Answer.ALREADY:
        await query.answer(_("You have already answered. Thank you!"), show_alert=True)
        return
    if result is jobs.Answer.CONFIRMED:
        reply = _("Thank you! You confirmed that you started this job. Good luck!")
    else:
        reply = _("Thank you. Your assistant will be told that you did not start this job.")
    await query.answer()
    await answer_below(query, reply)

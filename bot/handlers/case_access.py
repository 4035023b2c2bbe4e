"""Who may write on a case: the assistant who works it, or the citizen whose case it is.

Checked again when the typed or sent message arrives (the FSM data only names the case, and
the case may have moved to another assistant meanwhile); a refusal is logged and explained.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases
from bot.services.roles import Roles
from bot.states import CaseReply, CaseWork
from bot.views.keyboards.common import main_menu
from db.models import Case, User

__all__ = ["replied_case", "work_prompt", "worked_case"]

log = logging.getLogger(__name__)


async def worked_case(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    data: dict[str, Any],
) -> Case | None:
    """The case (FSM data) the assistant is writing for, if still theirs; else they are told
    nothing was saved and the state is left."""
    case = await cases.assistant_case(session, user, roles, int(data.get("case") or 0))
    if case is None:
        log.warning("assistant case refused: user=%s case=%s (message)", user.id, data.get("case"))
        await state.clear()
        await message.answer(
            _("This case is no longer yours to work: nothing was saved."),
            reply_markup=main_menu(roles),
        )
    return case


async def replied_case(
    message: Message, state: FSMContext, session: AsyncSession, user: User, roles: Roles
) -> Case | None:
    """The citizen's own case (FSM data) they are replying about; else they are told and the
    state is left."""
    data = await state.get_data()
    case = await cases.citizen_case(session, user, int(data.get("case") or 0))
    if case is None:
        await state.clear()
        await message.answer(
            _("This request is no longer available."), reply_markup=main_menu(roles)
        )
    return case


def work_prompt(state_name: str | None, number: str) -> str:
    prompts = {
        CaseWork.reason.state: _(
            "Type the reason for rejecting request <b>{number}</b>. The citizen will see it."
        ),
        CaseWork.note.state: _(
            "Type a note for request <b>{number}</b>. Notes stay on the case; the citizen "
            "does not see them."
        ),
        CaseWork.message.state: _(
            "Type your message to the citizen about request <b>{number}</b>, or send a voice "
            "message, a photo or a document. The bot delivers it and they can reply."
        ),
        CaseReply.text.state: _(
            "Type your message to the assistant about request <b>{number}</b>, or send a voice "
            "message or a photo."
        ),
    }
    return prompts.get(state_name or "", _("Type the text.")).format(number=number)

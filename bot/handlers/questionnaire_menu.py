"""The questionnaire's ways in: the main-menu entries, /cancel putting a draft aside, and
"Update" of an open request (the questionnaire again, pre-filled from the case).

Apart from the per-step handlers: these decide which run is shown, not how a step is answered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import RequestCB
from bot.config import Settings
from bot.flows import telegram as tg
from bot.flows.loader import FlowRegistry
from bot.handlers import registration
from bot.handlers.questionnaire_steps import Answering
from bot.handlers.questionnaire_steps import close as _close
from bot.handlers.questionnaire_steps import current_run as _current_run
from bot.handlers.questionnaire_steps import enter as _enter
from bot.handlers.questionnaire_steps import info as _info
from bot.handlers.questionnaire_steps import leave as _leave
from bot.handlers.questionnaire_steps import show as _show
from bot.i18n import fmt_date
from bot.services import cases, drafts, users
from bot.services.drafts import Run
from bot.services.submissions import (
    FLOW_KINDS,
    KIND_FLOWS,
    REQUEST_KINDS,
)
from bot.views.keyboards.common import CITIZEN_MENU
from bot.views.requests import open_request_view
from bot.views.screens import pressed_message
from bot.views.texts import esc, status_label
from db.models import User, utcnow

log = logging.getLogger("bot.handlers.questionnaire")  # the name it was logged under

#: The main-menu action that opens each flow.
MENU_FLOWS: dict[str, str] = {
    "needs": "household",
    "job": "job",
    "internship": "internship",
    "business": "business",
}


async def to_registration(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """Only registered citizens (with a mahalla) can send requests: registration comes first."""
    await registration.begin(message, state, session, user)  # it says why, asks the first step


# ---------------------------------------------------------------------- the menu buttons


def _intro(run: Run, locale: str) -> str:
    title = esc(run.engine.definition.title.get(tg.as_locale(locale)))
    if run.engine.definition.id == "household":
        return _(
            "📝 <b>{title}</b>\nShort questions about your family. Your answers are saved as you "
            "go: you can stop and come back at any time."
        ).format(title=title)
    return _(
        "📝 <b>{title}</b>\nA few short questions. Your answers are saved as you go: you can "
        "stop and come back at any time."
    ).format(title=title)


async def open_flow(
    flow_id: str, message: Message, answering: Answering, settings: Settings
) -> None:
    """A menu entry: the open request of its kind, an unfinished draft, or a fresh start."""
    bot, state, session, user = answering.bot, answering.state, answering.session, answering.user
    flows = answering.flows
    if not users.is_registered(user):
        await to_registration(message, state, session, user)
        return
    locale = user.locale
    draft = await drafts.open_draft(session, user.id, flow_id)
    run = drafts.load(flows, draft) if draft is not None else None
    notice = None
    if draft is not None and run is None:
        await session.delete(draft)
        draft = None
        notice = _info(_("The questionnaire has changed since you began it, so it starts again."))
    kind = FLOW_KINDS[flow_id]
    if kind in REQUEST_KINDS:
        case = await cases.open_case_of_kind(session, user, kind)
        if case is not None:
            await _leave(state)
            text, markup = open_request_view(case, run, settings)
            await message.answer(text, reply_markup=markup)
            return
    if run is not None and run.state.answers:
        await _leave(state)
        started = run.draft.created_at.astimezone(settings.tz).date()
        await message.answer(
            _(
                "You have an unfinished questionnaire from {date}. Continue where you stopped, "
                "or start again?"
            ).format(date=fmt_date(started, locale)),
            reply_markup=tg.resume_offer(run.draft.id),
        )
        return
    if run is None:
        run = await drafts.start(session, user.id, flows, flow_id, utcnow())
        intro = _intro(run, locale)
        notice = f"{notice}\n\n{intro}" if notice else intro
    await _enter(state, run, answering.raw_state)
    await _show(bot, message.chat.id, run, locale, notice=notice)


async def put_aside(
    message: Message,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
) -> str | None:
    """/cancel in the middle of a questionnaire: the question's buttons go (they would carry
    on), the draft stays. Returns the menu button that continues it (None: no draft)."""
    run, _named = await _current_run(session, state, user, flows)
    await _leave(state)
    if run is None:
        return None
    await _close(bot, message.chat.id, run.draft.message_id)
    action = next((a for a, flow in MENU_FLOWS.items() if flow == run.draft.flow_id), None)
    return _(dict(CITIZEN_MENU)[action]) if action is not None else None


def menu_handler(flow_id: str) -> Callable[..., Awaitable[None]]:
    """A handler for one menu entry."""

    async def handler(message: Message, settings: Settings, **data: Any) -> None:
        await open_flow(flow_id, message, Answering.of(data), settings)

    handler.__name__ = f"on_{flow_id}"
    return handler


async def on_update(query: CallbackQuery, callback_data: RequestCB, **data: Any) -> None:
    """Update an open request: the questionnaire again, pre-filled with the case's answers."""
    answering = Answering.of(data)
    bot, state, session, user = answering.bot, answering.state, answering.session, answering.user
    case = await cases.citizen_case(session, user, callback_data.id)
    if case is None or case.kind not in REQUEST_KINDS:
        log.warning("request update refused: user=%s case=%s", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    if case.status not in cases.OPEN_STATUSES:
        await query.answer(
            _("Request {number} is already: {status}. Nothing was changed.").format(
                number=case.number, status=status_label(case.status)
            ),
            show_alert=True,
        )
        return
    message = await pressed_message(query)
    if message is None:
        return
    old = await drafts.open_draft(session, user.id, KIND_FLOWS[case.kind])
    if old is not None:
        await _close(bot, message.chat.id, old.message_id)
    run = await drafts.start(
        session, user.id, answering.flows, KIND_FLOWS[case.kind], utcnow(), answers=case.answers
    )
    await query.answer()
    await _close(bot, message.chat.id, message.message_id)
    await _enter(state, run)
    notice = _info(
        _(
            "Here are the answers of request {number}. To change one, press “✏️ Edit”; then "
            "press “✅ Send” to update the request."
        ).format(number=case.number)
    )
    await _show(bot, message.chat.id, run, user.locale, notice=notice)

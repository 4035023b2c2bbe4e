"""Status changes of a case from its card: accept, start, resolve with an outcome, close when
the citizen cannot be contacted, reject (its reason is typed, see assistant_cases).

Each change and the citizen's notice are committed as one unit (the commit wakes the outbox).
"""

from __future__ import annotations

from typing import Any, Unpack

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction
from bot.handlers.assistant_case_card import (
    CaseData,
    card_view,
    case_for,
    filter_code,
    prompt,
    refuse,
)
from bot.handlers.case_access import work_prompt
from bot.notifications import cases as notify
from bot.services import case_work, cases
from bot.states import CaseWork
from bot.views.screens import show_in_place
from bot.views.texts import outcome_label, status_label
from db.models import Case, User, utcnow

# --- status changes ----------------------------------------------------------------------


async def change(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    user: User,
    to_status: str,
    *,
    outcome: str | None = None,
    reason: str | None = None,
) -> bool:
    """Change the status and tell the citizen (their language), committed as one unit (the
    commit wakes the outbox). False when the lifecycle no longer allows it (someone was faster)."""

    return await case_work.change_status(
        session,
        case,
        actor=user,
        to_status=to_status,
        now=utcnow(),
        notify=lambda event: notify.status_changed(session, i18n, case, event),
        outcome=outcome,
        reason=reason,
    )


def changed_text(case: Case) -> str:
    return _("Request {number} is now: {status}. The citizen has been told.").format(
        number=case.number, status=status_label(case.status)
    )


def already_text(case: Case) -> str:
    return _("Request {number} is already: {status}. Nothing was changed.").format(
        number=case.number, status=status_label(case.status)
    )


async def on_accept(query: CallbackQuery, callback_data: ACB, **data: Unpack[CaseData]) -> None:
    """Accept in one tap from the new-case message; its keyboard keeps only Open."""
    case = await case_for(query, callback_data, data)
    if case is None:
        return
    session, i18n, user = data["session"], data["i18n"], data["user"]
    if case.status != "new" or not await change(session, i18n, case, user, "accepted"):
        await query.answer(already_text(case), show_alert=True)
    else:
        await query.answer(changed_text(case))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📂 Open"), callback_data=ACB(action=AssistantAction.OPEN, id=case.id))
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=builder.as_markup())
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc):
                raise


async def on_status(query: CallbackQuery, callback_data: ACB, **data: Unpack[CaseData]) -> None:
    """A status button on the card: direct for accepted / in progress; resolved asks for the
    outcome, closed for a confirmation, rejected for a typed reason."""
    case = await case_for(query, callback_data, data)
    if case is None:
        return
    filter_, page, target = filter_code(callback_data.f), callback_data.page, callback_data.v
    if target not in cases.TRANSITIONS.get(case.status, frozenset()):
        await query.answer(already_text(case), show_alert=True)
        text, markup = await card_view(case, data, filter_, page)
        await show_in_place(query, text, markup)
        return
    ctx: dict[str, Any] = {"id": case.id, "f": filter_, "page": page}
    if target == "resolved":
        builder = InlineKeyboardBuilder()
        for outcome in cases.OUTCOMES:
            builder.button(
                text=outcome_label(outcome),
                callback_data=ACB(action=AssistantAction.OUTCOME, v=outcome, **ctx),
            )
        question = _("What was the outcome of request <b>{number}</b>?")
        await _ask(query, question.format(number=case.number), builder, ctx, width=2)
        return
    if target == "closed":
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("📵 Yes, close it"), callback_data=ACB(action=AssistantAction.CLOSE, **ctx)
        )
        question = _(
            "Close request <b>{number}</b> because the citizen cannot be contacted? "
            "The citizen will be told."
        )
        await _ask(query, question.format(number=case.number), builder, ctx, width=1)
        return
    if target == "rejected":
        await data["state"].set_state(CaseWork.reason)
        await data["state"].update_data(case=case.id, f=filter_, page=page)
        await query.answer()
        await prompt(query, work_prompt(CaseWork.reason.state, case.number or ""))
        return
    ok = await change(data["session"], data["i18n"], case, data["user"], target)
    await query.answer(changed_text(case) if ok else already_text(case))
    text, markup = await card_view(case, data, filter_, page)
    await show_in_place(query, text, markup)


async def _ask(
    query: CallbackQuery,
    text: str,
    builder: InlineKeyboardBuilder,
    ctx: dict[str, Any],
    *,
    width: int,
) -> None:
    """The last question before resolving or closing: its buttons, then Back to the card."""
    builder.button(text=_("⬅️ Back"), callback_data=ACB(action=AssistantAction.OPEN, v="e", **ctx))
    builder.adjust(width)
    await query.answer()
    await show_in_place(query, text, builder.as_markup())


async def on_outcome(query: CallbackQuery, callback_data: ACB, **data: Unpack[CaseData]) -> None:
    """The last tap of resolving (an outcome) or of closing (its confirmation): both end alike."""
    case = await case_for(query, callback_data, data)
    if case is None:
        return
    session, i18n, user = data["session"], data["i18n"], data["user"]
    if callback_data.action == AssistantAction.CLOSE:
        ok = await change(session, i18n, case, user, "closed")
    elif callback_data.v in cases.OUTCOMES:
        ok = await change(session, i18n, case, user, "resolved", outcome=callback_data.v)
    else:
        await refuse(query, user, callback_data)
        return
    await query.answer(changed_text(case) if ok else already_text(case), show_alert=not ok)
    text, markup = await card_view(case, data, filter_code(callback_data.f), callback_data.page)
    await show_in_place(query, text, markup)

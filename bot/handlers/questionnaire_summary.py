"""The questionnaire's summary: its Edit and back-to-summary buttons, and Send, which makes or
updates the case and tells the citizen what happens next.

Apart because sending commits the case with its roadmap and messages in one transaction.
"""

from __future__ import annotations

from functools import partial
from typing import TypedDict

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import QCB, CaseAction, CaseCB, QuestionAction, VacancyAction, VacCB
from bot.config import Settings
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, SummaryStep
from bot.handlers.questionnaire_menu import to_registration
from bot.handlers.questionnaire_steps import Answering
from bot.handlers.questionnaire_steps import close as _close
from bot.handlers.questionnaire_steps import leave as _leave
from bot.handlers.questionnaire_steps import redraw as _redraw
from bot.handlers.questionnaire_steps import show as _show
from bot.notifications import requests as notify_requests
from bot.services import drafts, vacancies
from bot.services.drafts import Run
from bot.services.eligibility import EligibilityRules
from bot.services.submissions import (
    SubmitError,
    send,
)
from bot.views.requests import request_result_text, result_text
from db.models import Case, utcnow


class Sending(TypedDict):
    """What Send needs of the handler data (by aiogram's names) besides `Answering`'s: the
    buttons take it as `**data: Unpack[Sending]` and hand it on instead of three parameters."""

    rules: EligibilityRules
    settings: Settings
    i18n: I18n


async def summary_action(
    query: CallbackQuery,
    message: Message,
    cb: QCB,
    run: Run,
    step: SummaryStep,
    answering: Answering,
    sending: Sending,
) -> None:
    """The summary's buttons (Edit, an answer to edit, back to the summary) and Send."""
    bot, locale, chat_id = answering.bot, answering.user.locale, message.chat.id
    if cb.action == QuestionAction.EDIT:
        await query.answer()
        text, markup = tg.edit_picker(step, run.engine, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == QuestionAction.SUMMARY:
        await query.answer()
        text, markup = tg.render_summary(step, run.engine, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == QuestionAction.EDIT_QUESTION:
        try:
            new_state = run.engine.edit(run.state, cb.q)
        except AnswerError:
            await query.answer(_("This button is out of date."))
            return
        await drafts.save(run, new_state, utcnow())
        await query.answer()
        await _show(bot, chat_id, run, locale)
        return
    await _send(query, message, run, answering, sending)


# ---------------------------------------------------------------------- sending


async def _send(
    query: CallbackQuery, message: Message, run: Run, answering: Answering, sending: Sending
) -> None:
    """The case (new or updated), its roadmap, the assistant's message and any vacancy offers
    committed together, then the citizen is told."""
    bot, state, session, user = answering.bot, answering.state, answering.session, answering.user
    rules, settings, i18n = sending["rules"], sending["settings"], sending["i18n"]
    now = utcnow()
    today = now.astimezone(settings.tz).date()
    try:
        sent = await send(
            session,
            user=user,
            run=run,
            rules=rules,
            now=now,
            today=today,
            limits=settings.limits(),  # the time limits in force (an admin may change them)
            tell_case=lambda sent: notify_requests.request_sent(
                session, i18n, sent, user, run.engine.definition, now
            ),
            tell_offer=partial(notify_requests.vacancy_offer, session, i18n),
        )
    except SubmitError as error:
        if error.reason == "not_registered":
            await query.answer()
            await to_registration(message, state, session, user)
        elif error.reason == "already_sent":
            await query.answer(_("This questionnaire has already been sent."), show_alert=True)
        else:
            await query.answer()
            await _show(bot, message.chat.id, run, user.locale)
        return
    submitted, routed, offered = sent.submitted, sent.routed, sent.offered
    case = submitted.case
    await _leave(state)
    await query.answer()
    await _close(bot, message.chat.id, message.message_id)
    if case.kind == "needs" and submitted.assessment is not None:
        text = result_text(submitted, routed, rules, user.locale)
    else:
        text = request_result_text(submitted, routed, offered)
    await message.answer(text, reply_markup=_open_case_button(case))


def _open_case_button(case: Case) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Open the request"), callback_data=CaseCB(action=CaseAction.OPEN, id=case.id)
    )
    if case.kind in vacancies.SEEKER_KINDS:
        builder.button(
            text=_("🔎 Open vacancies"), callback_data=VacCB(action=VacancyAction.BROWSE)
        )
    builder.adjust(1)
    return builder.as_markup()

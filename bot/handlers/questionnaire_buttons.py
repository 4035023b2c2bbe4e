"""The questionnaire's inline buttons: resume or restart, cancel, and each question's actions.

A button counts only on the message on screen of the user's own draft; anything else is stale
and gets "out of date" plus the current step. The summary's buttons are questionnaire_summary's.
"""

from __future__ import annotations

import logging
from typing import Unpack

from aiogram import Bot
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import QCB, QuestionAction
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, AttachStep, QuestionStep, SummaryStep
from bot.handlers.questionnaire_steps import Answering
from bot.handlers.questionnaire_steps import close as _close
from bot.handlers.questionnaire_steps import enter as _enter
from bot.handlers.questionnaire_steps import info as _info
from bot.handlers.questionnaire_steps import keep as _keep
from bot.handlers.questionnaire_steps import leave as _leave
from bot.handlers.questionnaire_steps import redraw as _redraw
from bot.handlers.questionnaire_steps import show as _show
from bot.handlers.questionnaire_summary import Sending, summary_action
from bot.services import drafts
from bot.services.drafts import Run
from bot.views.screens import pressed_message
from bot.views.texts import esc
from db.models import Case, User, utcnow

log = logging.getLogger("bot.handlers.questionnaire")  # the name it was logged under

QUESTION_ACTIONS = frozenset(
    {
        QuestionAction.CHOOSE,
        QuestionAction.TOGGLE,
        QuestionAction.DONE,
        QuestionAction.SKIP,
        QuestionAction.KEEP,
        QuestionAction.BACK,
        QuestionAction.PAGE,
        QuestionAction.FILES_DONE,
    }
)
SUMMARY_ACTIONS = frozenset(
    {QuestionAction.EDIT, QuestionAction.EDIT_QUESTION, QuestionAction.SUMMARY, QuestionAction.SEND}
)
#: The cancel question and its two answers: good on any step of a draft.
CANCEL_ACTIONS = frozenset(
    {QuestionAction.CANCEL, QuestionAction.CANCEL_YES, QuestionAction.CANCEL_NO}
)


async def on_button(query: CallbackQuery, callback_data: QCB, **data: Unpack[Sending]) -> None:
    """Any questionnaire button; `data` is all the handler data (`Answering` takes its part)."""
    message = await pressed_message(query)
    if message is None:
        return
    cb = callback_data
    answering = Answering.of(data)
    bot, state, raw_state = answering.bot, answering.state, answering.raw_state
    session, user, flows = answering.session, answering.user, answering.flows
    locale = user.locale
    chat_id = message.chat.id
    draft = await drafts.get_own(session, user.id, cb.draft)
    if draft is None:
        await _old_draft_button(query, message, cb, answering)
        return
    run = drafts.load(flows, draft)
    if run is None:
        await session.delete(draft)
        await query.answer()
        await _close(bot, chat_id, message.message_id)
        await message.answer(
            _("The questionnaire has changed since you began it. Please start again from the menu.")
        )
        return
    if cb.action == QuestionAction.RESUME:
        await query.answer()
        await _close(bot, chat_id, message.message_id, esc(_("Let's continue where you stopped.")))
        await _enter(state, run, raw_state)
        await _show(bot, chat_id, run, locale)
        return
    if cb.action == QuestionAction.RESTART:
        await query.answer()
        await _close(bot, chat_id, message.message_id, esc(_("Starting again.")))
        await _close(bot, chat_id, run.draft.message_id)
        run = await drafts.start(session, user.id, flows, draft.flow_id, utcnow())
        await _enter(state, run)
        await _show(bot, chat_id, run, locale)
        return

    step = run.engine.step(run.state)
    stale = draft.message_id is not None and message.message_id != draft.message_id
    if cb.action in QUESTION_ACTIONS:
        asking = isinstance(step, QuestionStep | AttachStep)
        stale = stale or not asking or step.question.id != cb.q
    elif cb.action in SUMMARY_ACTIONS:
        stale = stale or not isinstance(step, SummaryStep)
    elif cb.action not in CANCEL_ACTIONS:
        stale = True
    if stale:
        log.info("stale questionnaire button %r from user %s", query.data, user.id)
        await query.answer(_("This button is out of date."))
        await _close(bot, chat_id, message.message_id)
        await _enter(state, run, raw_state)
        notice = _info(_("That button was from an earlier step. Here is where you are now:"))
        await _show(bot, chat_id, run, locale, notice=notice)
        return
    await _enter(state, run, raw_state)

    if cb.action == QuestionAction.CANCEL:
        await query.answer()
        text, markup = tg.cancel_confirm(run.draft.id)
        await _redraw(message, text, markup)
        return
    if cb.action == QuestionAction.CANCEL_NO:
        await query.answer()
        text, markup = tg.render_step(run.engine, run.state, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == QuestionAction.CANCEL_YES:
        await drafts.discard(session, run.draft.id)
        await _leave(state)
        await query.answer()
        await _close(
            bot,
            chat_id,
            message.message_id,
            esc(_("The questionnaire is cancelled and your answers are deleted.")),
        )
        return

    if isinstance(step, SummaryStep):
        await summary_action(query, message, cb, run, step, answering, data)
        return
    assert isinstance(step, QuestionStep | AttachStep)
    await _question_action(query, message, cb, run, step, bot, locale)


async def _question_action(
    query: CallbackQuery,
    message: Message,
    cb: QCB,
    run: Run,
    step: QuestionStep | AttachStep,
    bot: Bot,
    locale: str,
) -> None:
    engine, chat_id = run.engine, message.chat.id
    try:
        # papers done (or none)
        if cb.action == QuestionAction.FILES_DONE and isinstance(step, AttachStep):
            new_state = engine.finish_attachments(run.state)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            await _show(bot, chat_id, run, locale, closing=tg.attached_text(step, locale))
            return
        if cb.action == QuestionAction.TOGGLE:
            new_state = engine.toggle(run.state, cb.v)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            text, markup = tg.render_step(engine, new_state, run.draft.id, locale)
            await _redraw(message, text, markup)
            return
        if cb.action == QuestionAction.PAGE:  # another page of a long choice list, in place
            await query.answer()
            page = int(cb.v) if cb.v.isdigit() else 0
            text, markup = tg.render_step(engine, run.state, run.draft.id, locale, page=page)
            await _redraw(message, text, markup)
            return
        if cb.action == QuestionAction.BACK:
            new_state = engine.back(run.state)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            await _show(bot, chat_id, run, locale)
            return
        if cb.action == QuestionAction.CHOOSE:
            new_state = engine.answer_choice(run.state, cb.v)
        elif cb.action == QuestionAction.DONE:
            new_state = engine.done(run.state)
        elif cb.action == QuestionAction.SKIP:
            new_state = engine.skip(run.state)
        elif isinstance(step, QuestionStep):  # "k"
            new_state = _keep(run, step)
        else:
            new_state = engine.finish_attachments(run.state)
    except AnswerError as error:
        await query.answer(tg.error_text(error, step.question, locale), show_alert=True)
        return
    await drafts.save(run, new_state, utcnow())
    await query.answer()
    value = new_state.answers.get(step.question.id)
    closing = tg.answered_text(engine, step.question, value, locale)
    await _show(bot, chat_id, run, locale, closing=closing)


async def _old_draft_button(
    query: CallbackQuery, message: Message, cb: QCB, answering: Answering
) -> None:
    """A button of a draft that is gone (sent, cancelled, replaced) or not this user's."""
    bot, state, session, user = answering.bot, answering.state, answering.session, answering.user
    if cb.action == QuestionAction.SEND:
        case = await _latest_case(session, user)
        if case is not None:
            text = _("This questionnaire has already been sent: request {number}.").format(
                number=case.number
            )
        else:
            text = _("This questionnaire has already been sent.")
        # The first Send took this message's keyboard away already (a quick second tap was
        # made before it went): editing it again would only be refused as "not modified".
        await query.answer(text, show_alert=True)
        return
    log.info("button of an old draft %r from user %s", query.data, user.id)
    await query.answer(_("This button is out of date."))
    await _close(bot, message.chat.id, message.message_id)
    current = await drafts.latest_draft(session, user.id)
    run = drafts.load(answering.flows, current) if current is not None else None
    if run is None:
        return
    await _enter(state, run)
    notice = _info(_("That button was from an earlier questionnaire. Here is where you are now:"))
    await _show(bot, message.chat.id, run, user.locale, notice=notice)


async def _latest_case(session: AsyncSession, user: User) -> Case | None:
    """The citizen's most recently changed case (what a late second Send press sent)."""
    return await session.scalar(
        select(Case)
        .where(Case.user_id == user.id)
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .limit(1)
    )

"""The household needs questionnaire in Telegram: one message per question, saved as it goes.

The Draft row is the source of truth; the FSM state (``Questionnaire.active``) only routes
typed answers here. Buttons carry the draft id and the question id, and only the buttons of the
message on screen (``Draft.message_id``) count: anything else is stale and gets "out of date"
plus the current question again. When a step moves on, the previous message loses its keyboard
(and shows the answer given), so old buttons are rarely pressed by mistake.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import notify
from bot.callbacks import QCB, CaseCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, FlowState, QuestionStep, SummaryStep
from bot.flows.loader import FlowRegistry
from bot.handlers import registration
from bot.i18n import fmt_date, fmt_money
from bot.keyboards.common import menu_action_for
from bot.services import cases, drafts, users
from bot.services.drafts import Run
from bot.services.eligibility import EligibilityRules
from bot.services.submissions import SubmitError, Submitted, submit_needs
from bot.states import Questionnaire
from bot.texts import esc
from db.models import User, utcnow
from scheduler.outbox import OutboxSender

log = logging.getLogger(__name__)

FLOW_ID = "household"
QUESTION_ACTIONS = frozenset({"c", "t", "d", "s", "k", "b"})
SUMMARY_ACTIONS = frozenset({"e", "eq", "sum", "send"})


# ---------------------------------------------------------------------- helpers


def _warn(text: str) -> str:
    return f"⚠️ {esc(text)}"


def _info(text: str) -> str:
    return f"ℹ️ {esc(text)}"


async def _close(bot: Bot, chat_id: int, message_id: int | None, text: str | None = None) -> None:
    """Take the keyboard off a message we move on from (and show the answer, if given)."""
    if message_id is None:
        return
    try:
        if text:
            await bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=None
            )
        else:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )
    except TelegramBadRequest:
        pass  # already closed, too old or deleted: nothing to take away


async def _show(
    bot: Bot,
    chat_id: int,
    run: Run,
    locale: str,
    *,
    notice: str | None = None,
    closing: str | None = None,
) -> None:
    """Close the message on screen and send the current step as a new message."""
    await _close(bot, chat_id, run.draft.message_id, closing)
    text, markup = tg.render_step(run.engine, run.state, run.draft.id, locale, notice=notice)
    sent = await bot.send_message(chat_id, text, reply_markup=markup)
    run.draft.message_id = sent.message_id


async def _redraw(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Change the message on screen in place (multi toggles, Edit list, Cancel question)."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        pass  # "message is not modified" after a double tap


async def _enter(
    session: AsyncSession,
    state: FSMContext,
    run: Run,
    raw_state: str | None = None,
    known_draft: int | None = None,
) -> None:
    """Route typed input to this draft; no storage I/O when the state already says so.

    The FSM storage has its own connection, so the update's transaction is committed before
    writing it (on SQLite it would otherwise wait on our own lock).
    """
    if raw_state == Questionnaire.active.state:
        if known_draft is None:
            known_draft = (await state.get_data()).get("draft_id")
        if known_draft == run.draft.id:
            return
    if session.in_transaction():
        await session.commit()
    await state.set_state(Questionnaire.active)
    await state.set_data({"draft_id": run.draft.id})


async def _leave(session: AsyncSession, state: FSMContext) -> None:
    """Clear the FSM state (after committing, for the same reason as :func:`_enter`)."""
    if session.in_transaction():
        await session.commit()
    await state.clear()


async def _current_run(
    session: AsyncSession, state: FSMContext, user: User, flows: FlowRegistry
) -> tuple[Run | None, int | None]:
    """The draft typed input belongs to, and the draft id the FSM data named."""
    named = (await state.get_data()).get("draft_id")
    draft = None
    if isinstance(named, int):
        draft = await drafts.get_own(session, user.id, named)
    if draft is None:
        draft = await drafts.open_draft(session, user.id, FLOW_ID)
    run = drafts.load(flows, draft) if draft is not None else None
    return run, named if isinstance(named, int) else None


async def _to_registration(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """Only registered citizens (with a mahalla) can report needs: registration comes first."""
    await registration.begin(message, state, session, user)  # it says why, asks the first step


def _keep(run: Run, step: QuestionStep) -> FlowState:
    """Confirm the current answer of a typed question unchanged (after Back or Edit)."""
    if step.value is None:
        return run.engine.skip(run.state)
    return run.engine.answer_text(run.state, str(step.value), "uz")  # typed: language-neutral


# ---------------------------------------------------------------------- the menu button


async def on_needs(
    message: Message,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    settings: Settings,
) -> None:
    if not users.is_registered(user):
        await _to_registration(message, state, session, user)
        return
    locale = user.locale
    draft = await drafts.open_draft(session, user.id, FLOW_ID)
    run = drafts.load(flows, draft) if draft is not None else None
    notice = None
    if draft is not None and run is None:
        await session.delete(draft)
        notice = _info(_("The questionnaire has changed since you began it, so it starts again."))
    if run is not None and run.state.answers:
        await _leave(session, state)
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
        run = await drafts.start(session, user.id, flows, FLOW_ID, utcnow())
        intro = _(
            "📝 <b>{title}</b>\nShort questions about your family. Your answers are saved as you "
            "go: you can stop and come back at any time."
        ).format(title=esc(run.engine.definition.title.get(tg.as_locale(locale))))
        notice = f"{notice}\n\n{intro}" if notice else intro
    await _enter(session, state, run, raw_state)
    await _show(bot, message.chat.id, run, locale, notice=notice)


# ---------------------------------------------------------------------- typed input


async def on_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    i18n: I18n,
) -> None:
    if menu_action_for(i18n, message.text) is not None:
        raise SkipHandler  # another menu entry: its router answers; the question stays on screen
    run, named = await _current_run(session, state, user, flows)
    if run is None:
        await _leave(session, state)
        raise SkipHandler
    await _enter(session, state, run, raw_state, named)
    locale = user.locale
    step = run.engine.step(run.state)
    if isinstance(step, SummaryStep):
        notice = _info(_("Please use the buttons under the summary: “✏️ Edit” or “✅ Send”."))
        await _show(bot, message.chat.id, run, locale, notice=notice)
        return
    await _answer_typed(message, bot, run, step, message.text or "", locale)


async def _answer_typed(
    message: Message, bot: Bot, run: Run, step: QuestionStep, text: str, locale: str
) -> None:
    try:
        new_state = run.engine.answer_text(run.state, text, tg.as_locale(locale))
    except AnswerError as error:
        notice = _warn(tg.error_text(error, step.question, locale))
        await _show(bot, message.chat.id, run, locale, notice=notice)
        return
    drafts.save(run, new_state, utcnow())
    value = new_state.answers.get(step.question.id)
    closing = tg.answered_text(run.engine, step.question, value, locale)
    await _show(bot, message.chat.id, run, locale, closing=closing)


async def on_other_input(
    message: Message,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    i18n: I18n,
) -> None:
    """Stickers, photos, voice, locations, contacts, files and unknown commands."""
    if menu_action_for(i18n, message.text) is not None:
        raise SkipHandler  # skipped by on_text: let the menu's own router answer
    run, named = await _current_run(session, state, user, flows)
    if run is None:
        await _leave(session, state)
        raise SkipHandler
    await _enter(session, state, run, raw_state, named)
    locale = user.locale
    step = run.engine.step(run.state)
    contact = message.contact
    if (
        isinstance(step, QuestionStep)
        and step.question.type == "phone"
        and contact is not None
        and message.from_user is not None
        and contact.user_id == message.from_user.id
    ):
        await _answer_typed(message, bot, run, step, contact.phone_number, locale)
        return
    if message.text and message.text.startswith("/"):
        notice = _(
            "Commands don't work in the middle of the questionnaire. Answer the question "
            "below, or press “✖️ Cancel” to stop."
        )
    elif isinstance(step, SummaryStep):
        notice = _("Please use the buttons under the summary: “✏️ Edit” or “✅ Send”.")
    else:
        notice = _(
            "I can't use this kind of message as an answer. Please type the answer or use "
            "the buttons."
        )
    await _show(bot, message.chat.id, run, locale, notice=_warn(notice))


# ---------------------------------------------------------------------- buttons


async def on_button(
    query: CallbackQuery,
    callback_data: QCB,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
    outbox: OutboxSender,
    i18n: I18n,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer(_("This button is out of date."))
        return
    cb = callback_data
    locale = user.locale
    chat_id = message.chat.id
    draft = await drafts.get_own(session, user.id, cb.draft)
    if draft is None:
        await _old_draft_button(query, message, cb, bot, state, session, user, flows)
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
    if cb.action == "go":
        await query.answer()
        await _close(bot, chat_id, message.message_id, esc(_("Let's continue where you stopped.")))
        await _enter(session, state, run, raw_state)
        await _show(bot, chat_id, run, locale)
        return
    if cb.action == "new":
        await query.answer()
        await _close(bot, chat_id, message.message_id, esc(_("Starting again.")))
        await _close(bot, chat_id, run.draft.message_id)
        run = await drafts.start(session, user.id, flows, FLOW_ID, utcnow())
        await _enter(session, state, run)
        await _show(bot, chat_id, run, locale)
        return

    step = run.engine.step(run.state)
    stale = draft.message_id is not None and message.message_id != draft.message_id
    if cb.action in QUESTION_ACTIONS:
        stale = stale or not isinstance(step, QuestionStep) or step.question.id != cb.q
    elif cb.action in SUMMARY_ACTIONS:
        stale = stale or not isinstance(step, SummaryStep)
    elif cb.action not in ("x", "xx", "r"):
        stale = True
    if stale:
        log.info("stale questionnaire button %r from user %s", query.data, user.id)
        await query.answer(_("This button is out of date."))
        await _close(bot, chat_id, message.message_id)
        await _enter(session, state, run, raw_state)
        notice = _info(_("That button was from an earlier step. Here is where you are now:"))
        await _show(bot, chat_id, run, locale, notice=notice)
        return
    await _enter(session, state, run, raw_state)

    if cb.action == "x":
        await query.answer()
        text, markup = tg.cancel_confirm(run.draft.id)
        await _redraw(message, text, markup)
        return
    if cb.action == "r":
        await query.answer()
        text, markup = tg.render_step(run.engine, run.state, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == "xx":
        await drafts.remove(session, run.draft.id)
        await _leave(session, state)
        await query.answer()
        await _close(
            bot,
            chat_id,
            message.message_id,
            esc(_("The questionnaire is cancelled and your answers are deleted.")),
        )
        return

    if isinstance(step, SummaryStep):
        await _summary_action(
            query, message, cb, run, step, bot, state, session, user, rules, settings, outbox, i18n
        )
        return
    assert isinstance(step, QuestionStep)
    await _question_action(query, message, cb, run, step, bot, locale)


async def _question_action(
    query: CallbackQuery,
    message: Message,
    cb: QCB,
    run: Run,
    step: QuestionStep,
    bot: Bot,
    locale: str,
) -> None:
    engine, chat_id = run.engine, message.chat.id
    try:
        if cb.action == "t":
            new_state = engine.toggle(run.state, cb.v)
            drafts.save(run, new_state, utcnow())
            await query.answer()
            text, markup = tg.render_step(engine, new_state, run.draft.id, locale)
            await _redraw(message, text, markup)
            return
        if cb.action == "b":
            new_state = engine.back(run.state)
            drafts.save(run, new_state, utcnow())
            await query.answer()
            await _show(bot, chat_id, run, locale)
            return
        if cb.action == "c":
            new_state = engine.answer_choice(run.state, cb.v)
        elif cb.action == "d":
            new_state = engine.done(run.state)
        elif cb.action == "s":
            new_state = engine.skip(run.state)
        else:  # "k"
            new_state = _keep(run, step)
    except AnswerError as error:
        await query.answer(tg.error_text(error, step.question, locale), show_alert=True)
        return
    drafts.save(run, new_state, utcnow())
    await query.answer()
    value = new_state.answers.get(step.question.id)
    closing = tg.answered_text(engine, step.question, value, locale)
    await _show(bot, chat_id, run, locale, closing=closing)


async def _summary_action(
    query: CallbackQuery,
    message: Message,
    cb: QCB,
    run: Run,
    step: SummaryStep,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    rules: EligibilityRules,
    settings: Settings,
    outbox: OutboxSender,
    i18n: I18n,
) -> None:
    locale, chat_id = user.locale, message.chat.id
    if cb.action == "e":
        await query.answer()
        text, markup = tg.edit_picker(step, run.engine, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == "sum":
        await query.answer()
        text, markup = tg.render_summary(step, run.engine, run.draft.id, locale)
        await _redraw(message, text, markup)
        return
    if cb.action == "eq":
        try:
            new_state = run.engine.edit(run.state, cb.q)
        except AnswerError:
            await query.answer(_("This button is out of date."))
            return
        drafts.save(run, new_state, utcnow())
        await query.answer()
        await _show(bot, chat_id, run, locale)
        return
    await _send(query, message, run, state, session, user, rules, settings, outbox, i18n, bot)


async def _old_draft_button(
    query: CallbackQuery,
    message: Message,
    cb: QCB,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
) -> None:
    """A button of a draft that is gone (sent, cancelled, replaced) or not this user's."""
    if cb.action == "send":
        case = await cases.open_case_of_kind(session, user, "needs")
        if case is not None:
            text = _("This questionnaire has already been sent: request {number}.").format(
                number=case.number
            )
        else:
            text = _("This questionnaire has already been sent.")
        await query.answer(text, show_alert=True)
        await _close(bot, message.chat.id, message.message_id)
        return
    log.info("button of an old draft %r from user %s", query.data, user.id)
    await query.answer(_("This button is out of date."))
    await _close(bot, message.chat.id, message.message_id)
    current = await drafts.open_draft(session, user.id, FLOW_ID)
    run = drafts.load(flows, current) if current is not None else None
    if run is None:
        return
    await _enter(session, state, run)
    notice = _info(_("That button was from an earlier questionnaire. Here is where you are now:"))
    await _show(bot, message.chat.id, run, user.locale, notice=notice)


# ---------------------------------------------------------------------- sending


async def _send(
    query: CallbackQuery,
    message: Message,
    run: Run,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    rules: EligibilityRules,
    settings: Settings,
    outbox: OutboxSender,
    i18n: I18n,
    bot: Bot,
) -> None:
    """Case, roadmap and the assistant's message committed together, then the citizen is told."""
    now = utcnow()
    today = now.astimezone(settings.tz).date()
    try:
        submitted = await submit_needs(
            session, user=user, run=run, rules=rules, now=now, today=today
        )
    except SubmitError as error:
        if error.reason == "not_registered":
            await query.answer()
            await _to_registration(message, state, session, user)
        elif error.reason == "already_sent":
            await query.answer(_("This questionnaire has already been sent."), show_alert=True)
        else:
            await query.answer()
            await _show(bot, message.chat.id, run, user.locale)
        return
    routed = await notify.case_created(session, i18n, submitted.case, user, now)
    await session.commit()
    outbox.wake()
    await _leave(session, state)
    await query.answer()
    await _close(bot, message.chat.id, message.message_id)
    await message.answer(
        result_text(submitted, routed, rules, user.locale),
        reply_markup=_open_case_button(submitted.case.id),
    )


def _open_case_button(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Open the request"), callback_data=CaseCB(action="open", id=case_id))
    return builder.as_markup()


def result_text(submitted: Submitted, routed: str, rules: EligibilityRules, locale: str) -> str:
    """The short result: number, income per person, category, channels, what happens next."""
    case, assessment = submitted.case, submitted.assessment
    lines = [
        _("✅ Thank you! Your request <b>{number}</b> has been sent.").format(number=case.number),
        "",
    ]
    if assessment.income_per_person is not None:
        lines.append(
            _("Income per person: <b>{amount}</b> a month.").format(
                amount=fmt_money(assessment.income_per_person, locale)
            )
        )
    if assessment.category is not None:
        emoji = {"red": "🔴", "yellow": "🟡", "green": "🟢"}.get(assessment.category, "")
        label = _label(rules.category_label(assessment.category), locale)
        lines.append(_("Category: {category}").format(category=f"{emoji} {esc(label)}".strip()))
    elif assessment.income_per_person is not None:
        lines.append(
            _("Your family's income is above the level for low-income support categories.")
        )
    lines.append("")
    if assessment.channels:
        lines.append(_("Support your family may qualify for:"))
        for channel in assessment.channels:
            lines.append(f"• {esc(_label(rules.channel_label(channel), locale))}")
    else:
        lines.append(
            _(
                "Your answers do not point to a particular support programme yet; the assistant will look at your situation."
            )
        )
    lines.append("")
    if routed == "assistant":
        lines.append(
            _(
                "What happens next: the assistant of your mahalla has received your request and "
                "will contact you soon."
            )
        )
    else:
        lines.append(
            _(
                "What happens next: your mahalla has no assistant yet, so your request went to "
                "the district. They will assign someone who will contact you."
            )
        )
    lines.append(_("You can follow it under “📂 My requests”."))
    return "\n".join(lines)


def _label(labels: dict[str, Any], locale: str) -> str:
    return str(labels.get(locale) or labels.get("uz") or "")


# ---------------------------------------------------------------------- wiring


def router() -> Router:
    r = Router(name="questionnaire")
    r.message.register(on_needs, MenuButton("needs"))
    r.callback_query.register(on_button, QCB.filter())
    r.message.register(on_text, Questionnaire.active, F.text, ~F.text.startswith("/"))
    r.message.register(on_other_input, Questionnaire.active)
    return r

"""The questionnaires in Telegram — household needs and the job, internship and business support
requests — one code path for all four: one message per question, saved as it goes.

The Draft row is the source of truth; the FSM state (``Questionnaire.active``) only routes
typed answers here. Buttons carry the draft id and the question id, and only the buttons of the
message on screen (``Draft.message_id``) count: anything else is stale and gets "out of date"
plus the current question again. When a step moves on, the previous message loses its keyboard
(and shows the answer given), so old buttons are rarely pressed by mistake.

A citizen has at most one open request of each request kind: the menu entry of a kind with an
open case shows that case and offers to update it, which starts the questionnaire again
pre-filled with its answers; Send then replaces the same case's answers (see
``bot.services.submissions``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import QCB, CaseCB, RequestCB, VacCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, AttachStep, QuestionStep, SummaryStep
from bot.flows.loader import FlowRegistry
from bot.handlers import registration
from bot.handlers.questionnaire_steps import close as _close
from bot.handlers.questionnaire_steps import current_run as _current_run
from bot.handlers.questionnaire_steps import enter as _enter
from bot.handlers.questionnaire_steps import info as _info
from bot.handlers.questionnaire_steps import keep as _keep
from bot.handlers.questionnaire_steps import leave as _leave
from bot.handlers.questionnaire_steps import redraw as _redraw
from bot.handlers.questionnaire_steps import show as _show
from bot.handlers.questionnaire_steps import warn as _warn
from bot.i18n import fmt_date
from bot.notifications import requests as notify_requests
from bot.services import cases, drafts, users, vacancies
from bot.services.drafts import Run
from bot.services.eligibility import EligibilityRules
from bot.services.submissions import (
    FLOW_KINDS,
    KIND_FLOWS,
    REQUEST_KINDS,
    SubmitError,
    send,
)
from bot.states import Questionnaire
from bot.views.keyboards.common import CITIZEN_MENU, menu_action_for
from bot.views.requests import open_request_view, request_result_text, result_text
from bot.views.screens import pressed_message
from bot.views.texts import esc, status_label
from db.models import Case, User, utcnow

log = logging.getLogger(__name__)

#: The main-menu action that opens each flow.
MENU_FLOWS: dict[str, str] = {
    "needs": "household",
    "job": "job",
    "internship": "internship",
    "business": "business",
}
QUESTION_ACTIONS = frozenset({"c", "t", "d", "s", "k", "b", "pg", "fd"})
SUMMARY_ACTIONS = frozenset({"e", "eq", "sum", "send"})


# ---------------------------------------------------------------------- helpers


async def _to_registration(
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
    flow_id: str,
    message: Message,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    settings: Settings,
) -> None:
    """A menu entry: the open request of its kind, an unfinished draft, or a fresh start."""
    if not users.is_registered(user):
        await _to_registration(message, state, session, user)
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
    await _enter(state, run, raw_state)
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


def _menu_handler(flow_id: str) -> Callable[..., Awaitable[None]]:
    """A handler for one menu entry (aiogram injects by parameter name, so no **kwargs)."""

    async def handler(
        message: Message,
        bot: Bot,
        state: FSMContext,
        raw_state: str | None,
        session: AsyncSession,
        user: User,
        flows: FlowRegistry,
        settings: Settings,
    ) -> None:
        await open_flow(flow_id, message, bot, state, raw_state, session, user, flows, settings)

    handler.__name__ = f"on_{flow_id}"
    return handler


async def on_update(
    query: CallbackQuery,
    callback_data: RequestCB,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
) -> None:
    """Update an open request: the questionnaire again, pre-filled with the case's answers."""
    case = await cases.citizen_case(session, user, callback_data.id)
    if case is None or case.kind not in REQUEST_KINDS or callback_data.action != "upd":
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
        session, user.id, flows, KIND_FLOWS[case.kind], utcnow(), answers=case.answers
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
        await _leave(state)
        raise SkipHandler
    await _enter(state, run, raw_state, named)
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
    await drafts.save(run, new_state, utcnow())
    value = new_state.answers.get(step.question.id)
    closing = tg.answered_text(run.engine, step.question, value, locale)
    await _show(bot, message.chat.id, run, locale, closing=closing)


async def on_contact(
    message: Message,
    bot: Bot,
    state: FSMContext,
    raw_state: str | None,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
) -> None:
    """The user's own contact answers a phone question; any other contact is the guard's."""
    run, named = await _current_run(session, state, user, flows)
    step = run.engine.step(run.state) if run is not None else None
    contact = message.contact
    if (
        run is None
        or not isinstance(step, QuestionStep)
        or step.question.type != "phone"
        or contact is None
        or message.from_user is None
        or contact.user_id != message.from_user.id
    ):
        raise SkipHandler
    await _enter(state, run, raw_state, named)
    await _answer_typed(message, bot, run, step, contact.phone_number, user.locale)


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> bool:
    """The state guard's re-ask (bot/handlers/state_guard.py): the current step again, with a
    notice fitting the step; False when the user has no questionnaire open any more."""
    state: FSMContext = data["state"]
    session: AsyncSession = data["session"]
    user: User = data["user"]
    bot: Bot = data["bot"]
    run, named = await _current_run(session, state, user, data["flows"])
    if run is None:
        await _leave(state)
        return False
    await _enter(state, run, data.get("raw_state"), named)
    step = run.engine.step(run.state)
    if data.get("redraw"):  # the language changed: the same step, now in the new language
        await _show(bot, message.chat.id, run, user.locale, notice=_info(notice))
        return True
    if message.text and message.text.startswith("/"):
        notice = _(
            "Commands don't work in the middle of the questionnaire. Answer the question "
            "below, or press “✖️ Cancel” to stop."
        )
    elif isinstance(step, SummaryStep):
        notice = _("Please use the buttons under the summary: “✏️ Edit” or “✅ Send”.")
    elif isinstance(step, AttachStep):
        notice = tg.error_text(AnswerError("files_or_done"), step.question, user.locale)
    elif step.question.type == "text":
        notice = _(
            "I can't use this kind of message as an answer. Please type the answer or send a "
            "voice message."
        )
    else:
        notice = _(
            "I can't use this kind of message as an answer. Please type the answer or use "
            "the buttons."
        )
    await _show(bot, message.chat.id, run, user.locale, notice=_warn(notice))
    return True


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
    i18n: I18n,
) -> None:
    message = await pressed_message(query)
    if message is None:
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
        await _enter(state, run, raw_state)
        await _show(bot, chat_id, run, locale)
        return
    if cb.action == "new":
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
    elif cb.action not in ("x", "xx", "r"):
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
        await _summary_action(
            query, message, cb, run, step, bot, state, session, user, rules, settings, i18n
        )
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
        if cb.action == "fd" and isinstance(step, AttachStep):  # papers done (or none)
            new_state = engine.finish_attachments(run.state)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            await _show(bot, chat_id, run, locale, closing=tg.attached_text(step, locale))
            return
        if cb.action == "t":
            new_state = engine.toggle(run.state, cb.v)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            text, markup = tg.render_step(engine, new_state, run.draft.id, locale)
            await _redraw(message, text, markup)
            return
        if cb.action == "pg":  # another page of a long choice list, in place
            await query.answer()
            page = int(cb.v) if cb.v.isdigit() else 0
            text, markup = tg.render_step(engine, run.state, run.draft.id, locale, page=page)
            await _redraw(message, text, markup)
            return
        if cb.action == "b":
            new_state = engine.back(run.state)
            await drafts.save(run, new_state, utcnow())
            await query.answer()
            await _show(bot, chat_id, run, locale)
            return
        if cb.action == "c":
            new_state = engine.answer_choice(run.state, cb.v)
        elif cb.action == "d":
            new_state = engine.done(run.state)
        elif cb.action == "s":
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
        await drafts.save(run, new_state, utcnow())
        await query.answer()
        await _show(bot, chat_id, run, locale)
        return
    await _send(query, message, run, state, session, user, rules, settings, i18n, bot)


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
    run = drafts.load(flows, current) if current is not None else None
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
    i18n: I18n,
    bot: Bot,
) -> None:
    """The case (new or updated), its roadmap, the assistant's message and any vacancy offers
    committed together, then the citizen is told."""
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
            await _to_registration(message, state, session, user)
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
    builder.button(text=_("Open the request"), callback_data=CaseCB(action="open", id=case.id))
    if case.kind in vacancies.SEEKER_KINDS:
        builder.button(text=_("🔎 Open vacancies"), callback_data=VacCB(action="browse"))
    builder.adjust(1)
    return builder.as_markup()


# ---------------------------------------------------------------------- wiring


def router() -> Router:
    r = Router(name="questionnaire")
    for action, flow_id in MENU_FLOWS.items():
        r.message.register(_menu_handler(flow_id), MenuButton(action))
    r.callback_query.register(on_update, RequestCB.filter(F.action == "upd"))
    r.callback_query.register(on_button, QCB.filter())
    r.message.register(on_text, Questionnaire.active, F.text, ~F.text.startswith("/"))
    r.message.register(on_contact, Questionnaire.active, F.contact)
    return r

"""The questionnaires in Telegram — household needs and the job, internship and business support
requests — one code path for all four: one message per question, saved as it goes.

The Draft row is the source of truth; the FSM state (``Questionnaire.active``, its Step is
``ActiveStep``) only routes typed answers and files here. Buttons carry the draft id and the question id, and only the buttons of the
message on screen (``Draft.message_id``) count: anything else is stale and gets "out of date"
plus the current question again. When a step moves on, the previous message loses its keyboard
(and shows the answer given), so old buttons are rarely pressed by mistake.

A citizen has at most one open request of each request kind: the menu entry of a kind with an
open case shows that case and offers to update it, which starts the questionnaire again
pre-filled with its answers; Send then replaces the same case's answers (see
``bot.services.submissions``).

The state's input lives in its Step, ``ActiveStep`` here: typed answers and the user's own
contact, the re-ask after input it cannot use, and voice notes, photos and files (that method is
written in questionnaire_media.py). This module also holds the router; the menu entries are in
questionnaire_menu.py, the buttons in questionnaire_buttons.py, the summary and Send in
questionnaire_summary.py and the shared step display in questionnaire_steps.py.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.scene import on
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QCB, RequestAction, RequestCB
from bot.filters import MenuButton
from bot.flows import telegram as tg
from bot.flows.engine import AnswerError, AttachStep, QuestionStep, SummaryStep
from bot.handlers import questionnaire_media
from bot.handlers.dialog import Step, include, register_buttons
from bot.handlers.questionnaire_buttons import on_button
from bot.handlers.questionnaire_menu import MENU_FLOWS, menu_handler, on_update
from bot.handlers.questionnaire_steps import Answering
from bot.handlers.questionnaire_steps import current_run as _current_run
from bot.handlers.questionnaire_steps import enter as _enter
from bot.handlers.questionnaire_steps import info as _info
from bot.handlers.questionnaire_steps import show as _show
from bot.handlers.questionnaire_steps import warn as _warn
from bot.services import drafts
from bot.services.drafts import Run
from bot.states import Questionnaire
from bot.views.keyboards.common import menu_action_for
from db.models import utcnow

# ---------------------------------------------------------------------- typed input


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


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> bool:
    """The re-ask of the dialog tail (bot/handlers/dialog.py): the current step again, with a
    notice fitting the step; False when the user has no questionnaire open any more."""
    answering = Answering.of(data)
    bot, user = answering.bot, answering.user
    run = await answering.resume()
    if run is None:
        return False
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


# ---------------------------------------------------------------------- the step


class ActiveStep(Step, state=Questionnaire.active.state):
    """Any step of a questionnaire run: the run itself says what it expects when re-asked.

    Its input: typed text, the user's own contact, then voice notes, video notes, photos and
    documents (``on_media``, from questionnaire_media.py), in that order; what none of them
    takes goes on to the routers after this one."""

    reshow = reshow

    @on.message(F.text, ~F.text.startswith("/"))
    async def on_text(self, message: Message, i18n: I18n, **data: Any) -> None:
        if menu_action_for(i18n, message.text) is not None:
            raise SkipHandler  # another menu entry: its router answers; the question stays on screen
        answering = Answering.of(data)
        bot = answering.bot
        run = await answering.resume()
        if run is None:
            raise SkipHandler
        locale = answering.user.locale
        step = run.engine.step(run.state)
        if isinstance(step, SummaryStep):
            notice = _info(_("Please use the buttons under the summary: “✏️ Edit” or “✅ Send”."))
            await _show(bot, message.chat.id, run, locale, notice=notice)
            return
        await _answer_typed(message, bot, run, step, message.text or "", locale)

    @on.message(F.contact)
    async def on_contact(self, message: Message, **data: Any) -> None:
        """The user's own contact answers a phone question; any other contact is the dialog
        tail's (it says a contact is not needed and asks again)."""
        answering = Answering.of(data)
        state, user = answering.state, answering.user
        run, named = await _current_run(answering.session, state, user, answering.flows)
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
        await _enter(state, run, answering.raw_state, named)
        await _answer_typed(message, answering.bot, run, step, contact.phone_number, user.locale)

    on_media = questionnaire_media.on_media


# ---------------------------------------------------------------------- wiring


def router() -> Router:
    r = Router(name="questionnaire")
    for action, flow_id in MENU_FLOWS.items():
        r.message.register(menu_handler(flow_id), MenuButton(action))
    register_buttons(r, RequestCB, {RequestAction.UPDATE: on_update})
    r.callback_query.register(on_button, QCB.filter())
    include(r, ActiveStep)  # after the buttons above, as the step's handlers always were
    return r

"""One answer for input a conversation state cannot use, for every state in bot/states.py.

Each module registers only the input its states take (a typed name, a button, a contact). What
is left — a sticker, a photo, a contact where none is needed, a command, text where buttons are
due — reaches this router, registered after all the others: it says what was wrong with the
message, names what the state expects (EXPECTS, one entry per state) and, where the module can,
asks the current question again. A button pressed in a state nobody claimed is out of date.

`menu_router()`, registered before the modules, lets a main-menu button leave the states where
typing was only a side step (the job ledger, the roadmap editor, vacancy posting, settings):
the state is cleared and the menu's own router answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.filters import AnyMenuButton
from bot.handlers import (
    assistant_cases,
    fallback,
    questionnaire,
    registration_questions,
    settings,
    vacancy_posting,
)
from bot.i18n import N_
from bot.states import (
    CaseReply,
    CaseWork,
    JobLedger,
    PlacePick,
    Questionnaire,
    Registration,
    RoadmapEdit,
    SettingsFlow,
    SupervisorWork,
    VacancyPost,
)

log = logging.getLogger(__name__)

#: Repeats the current question after `notice` (handler data by name: state, session, user, …).
#: Returns False when there is no question any more (the state is then left).
Reshow = Callable[[Message, str, dict[str, Any]], Awaitable[bool | None]]


@dataclass(frozen=True)
class Expect:
    """What a state expects: `hint` (a msgid, translated when used) and how to ask again."""

    hint: str | None
    reshow: Reshow | None = None
    menu_leaves: bool = False  # a main-menu button leaves the state


TYPE_TEXT = N_("Please type your answer, or /cancel.")
TYPE_NUMBER = N_("Please type a number or use the buttons below, or /cancel.")
TYPE_DATE = N_("Please type the date as dd.mm.yyyy or use the buttons below, or /cancel.")
ANSWER_BUTTONS = N_("Please answer with the buttons.")
USE_BUTTONS = N_("Please choose with the buttons below, or /cancel.")
ONLY_TEXT = N_("I can only take text here. Type it, or send /cancel to stop.")
TEXT_OR_FILE = N_("Please send text, a voice message, a photo or a document, or /cancel to stop.")
PICK_MAHALLA = N_("Please choose with the buttons, or type a part of the mahalla's name.")

EXPECTS: dict[State, Expect] = {
    PlacePick.choosing: Expect(PICK_MAHALLA, registration_questions.reshow_mahallas),
    Registration.consent: Expect(ANSWER_BUTTONS, registration_questions.reshow),
    Registration.name: Expect(
        N_("Please write your name in letters: from 2 to 100 characters."),
        registration_questions.reshow,
    ),
    Registration.phone: Expect(
        N_("Please share your contact with the button below, or type your number."),
        registration_questions.reshow,
    ),
    Registration.birth_year: Expect(
        N_("Please send your year of birth as a number, for example 1980."),
        registration_questions.reshow,
    ),
    Registration.gender: Expect(
        N_("Please choose with the buttons below."), registration_questions.reshow
    ),
    Registration.place: Expect(ANSWER_BUTTONS, registration_questions.reshow),
    SettingsFlow.place: Expect(ANSWER_BUTTONS, settings.reshow_regions, menu_leaves=True),
    SettingsFlow.confirm_delete: Expect(
        ANSWER_BUTTONS, settings.reshow_delete_question, menu_leaves=True
    ),
    Questionnaire.active: Expect(None, questionnaire.reshow),
    CaseWork.reason: Expect(ONLY_TEXT, assistant_cases.reshow),
    CaseWork.note: Expect(ONLY_TEXT, assistant_cases.reshow),
    CaseWork.message: Expect(TEXT_OR_FILE, assistant_cases.reshow),
    CaseReply.text: Expect(TEXT_OR_FILE, assistant_cases.reshow),
    RoadmapEdit.action_text: Expect(
        N_("Please type the text of the step, or /cancel to stop."), menu_leaves=True
    ),
    RoadmapEdit.due_date: Expect(
        N_("Please type the date as dd.mm.yyyy or use the buttons above, or /cancel."),
        menu_leaves=True,
    ),
    JobLedger.kind: Expect(
        N_("Please choose the kind of job with the buttons above, or /cancel."), menu_leaves=True
    ),
    JobLedger.employer: Expect(
        N_("Please type the employer's name or use the buttons above, or /cancel."),
        menu_leaves=True,
    ),
    JobLedger.link: Expect(
        N_("Please choose a request or “No link” with the buttons above, or /cancel."),
        menu_leaves=True,
    ),
    JobLedger.mahalla: Expect(
        N_("Please choose the mahalla with the buttons above, or /cancel."), menu_leaves=True
    ),
    VacancyPost.title: Expect(TYPE_TEXT, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.employer: Expect(TYPE_TEXT, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.occupation: Expect(USE_BUTTONS, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.place: Expect(USE_BUTTONS, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.pay: Expect(TYPE_NUMBER, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.kind: Expect(USE_BUTTONS, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.places: Expect(TYPE_NUMBER, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.closes: Expect(TYPE_DATE, vacancy_posting.reshow, menu_leaves=True),
    VacancyPost.confirm: Expect(USE_BUTTONS, vacancy_posting.reshow, menu_leaves=True),
    SupervisorWork.reason: Expect(ONLY_TEXT),
    SupervisorWork.announcement: Expect(ONLY_TEXT),
    SupervisorWork.confirm: Expect(N_("Please press Send or Cancel above, or /cancel.")),
}
_BY_NAME: dict[str, Expect] = {st.state: expect for st, expect in EXPECTS.items()}


def expected(raw_state: str | None) -> Expect | None:
    return _BY_NAME.get(raw_state or "")


def notice(message: Message, hint: str | None) -> str:
    """What was wrong with the message, then what the state expects (in the user's language)."""
    if message.text and message.text.startswith("/"):
        lead = _("Commands don't work here.")
    elif message.contact is not None:
        lead = _("A contact is not needed here.")
    elif message.text:
        lead = ""
    else:
        lead = _("I can't use this kind of message here.")
    return " ".join(part for part in (lead, _(hint) if hint else "") if part)


async def on_unexpected(message: Message, state: FSMContext, **data: Any) -> None:
    raw_state = await state.get_state()  # a menu button may have left it in this update
    expect = expected(raw_state)
    if expect is None:  # a state no module claims any more: the fallback starts afresh
        await fallback.on_unknown_message(message, state, data["roles"], data["user"])
        return
    text = notice(message, expect.hint)
    if expect.reshow is None:
        await message.answer(text)
        return
    if (
        await expect.reshow(message, text, {**data, "state": state, "raw_state": raw_state})
        is False
    ):
        await state.clear()
        await fallback.on_unknown_message(message, state, data["roles"], data["user"])


async def on_stale_button(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    """A button no handler took while a question is open: it belongs to an older message."""
    raw_state = await state.get_state()
    expect = expected(raw_state)
    if expect is None:
        await fallback.on_unknown_callback(query, data["user"])
        return
    log.info("stale callback in state %s from user %s", raw_state, data["user"].id)
    text = _("This button is out of date.")
    if expect.hint:
        text += " " + _(expect.hint)
    await query.answer(text[:200], show_alert=True)


async def on_menu_button(message: Message, state: FSMContext) -> None:
    """A main-menu button in a side step: leave it and let the menu's router answer."""
    await state.clear()
    raise SkipHandler


def menu_router() -> Router:
    r = Router(name="state_guard_menu")
    leaving = [st for st, expect in EXPECTS.items() if expect.menu_leaves]
    r.message.register(on_menu_button, StateFilter(*leaving), AnyMenuButton())
    return r


def router() -> Router:
    r = Router(name="state_guard")
    r.message.register(on_unexpected, ~StateFilter(None))
    r.callback_query.register(on_stale_button, ~StateFilter(None))
    return r

"""Assistants' case work: the 📥 Cases and ⏰ Overdue lists, the case card and its actions
(status with outcome or reason, note, message to the citizen), and the citizen's reply.

Every case id, from a callback or from FSM data, is re-checked with `cases.assistant_case`
(or `cases.citizen_case` for the citizen): an assistant acts only on the cases of their
mahallas or assigned to them. Refusals are logged with ids only, never names or phones.
Notifications are queued in the same transaction as the change and committed (the commit wakes
the outbox); only then is the assistant answered.

This module holds the steps and the routers. The input of each step lives in its Step:
ReasonStep, NoteStep and MessageStep take the assistant's typed reason, note or message (and
MessageStep a voice note, photo or document too), ReplyStep the citizen's reply, typed or with
a file (the file helpers are in case_media.py). The lists are in assistant_case_lists.py, the
card and shared helpers in assistant_case_card.py and the status buttons in
assistant_case_status.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Unpack

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, CaseAction, CaseCB
from bot.filters import MenuButton
from bot.handlers.assistant_case_card import (
    CaseData,
    cancel_keyboard,
    card_view,
    case_for,
    filter_code,
    on_open,
    prompt,
)
from bot.handlers.assistant_case_lists import on_cases_menu, on_list, on_overdue_menu
from bot.handlers.assistant_case_status import (
    already_text,
    change,
    changed_text,
    on_accept,
    on_outcome,
    on_status,
)
from bot.handlers.case_access import replied_case, work_prompt, worked_case
from bot.handlers.case_media import MEDIA, send_file, too_big
from bot.handlers.dialog import ONLY_TEXT, TEXT_OR_FILE, Step, include, register_buttons
from bot.handlers.questionnaire_media import message_media
from bot.notifications import cases as notify
from bot.services import case_work, cases
from bot.services.roles import Roles
from bot.states import CaseReply, CaseWork
from bot.views import counted
from bot.views.case_card import message_sent_lead
from bot.views.keyboards.common import main_menu, menu_action_for
from db.models import Case, CaseEvent, CaseFile, User, utcnow

log = logging.getLogger(__name__)

TEXT_LIMITS = {
    CaseWork.reason.state: cases.REASON_MAX,
    CaseWork.note.state: cases.NOTE_MAX,
    CaseWork.message.state: cases.MESSAGE_MAX,
    CaseReply.text.state: cases.MESSAGE_MAX,
}

# --- entering the steps, and what their input shares --------------------------------------


async def on_note_or_message(
    query: CallbackQuery, callback_data: ACB, **data: Unpack[CaseData]
) -> None:
    case = await case_for(query, callback_data, data)
    if case is None:
        return
    state = data["state"]
    target = CaseWork.note if callback_data.action == AssistantAction.NOTE else CaseWork.message
    if target is CaseWork.message:
        citizen = await data["session"].get(User, case.user_id)
        if citizen is None or citizen.deleted_at is not None or citizen.blocked_at is not None:
            await query.answer(_("The citizen cannot be reached through the bot."), show_alert=True)
            return
    await state.set_state(target)
    await state.update_data(case=case.id, f=filter_code(callback_data.f), page=callback_data.page)
    await query.answer()
    await prompt(query, work_prompt(target.state, case.number or ""))


async def _check_text(message: Message, state: FSMContext, i18n: I18n, number: str) -> str | None:
    """The typed text if it can be used; otherwise the user is told why and None returned."""
    current = await state.get_state()
    text = (message.text or "").strip()
    if menu_action_for(i18n, message.text) is not None or not text:
        await _remind(message, current, number, _("Send the text, or /cancel to stop first."))
        return None
    limit = TEXT_LIMITS.get(current or "", cases.MESSAGE_MAX)
    if len(text) > limit:
        await message.answer(
            counted.too_long(limit),
            reply_markup=cancel_keyboard(),
        )
        return None
    return text


async def _remind(message: Message, current: str | None, number: str, hint: str) -> None:
    await message.answer(
        work_prompt(current, number) + "\n\n" + hint, reply_markup=cancel_keyboard()
    )


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The step's re-ask (`Step.reshow`) while text is being typed for a case: the prompt again."""
    state: FSMContext = data["state"]
    case = await data["session"].get(Case, int((await state.get_data()).get("case") or 0))
    number = (case.number if case else None) or ""
    await _remind(message, await state.get_state(), number, notice)


async def on_reply_button(
    query: CallbackQuery, callback_data: CaseCB, **data: Unpack[CaseData]
) -> None:
    """The citizen pressed ↩️ Reply under the assistant's message."""
    user, state = data["user"], data["state"]
    case = await cases.citizen_case(data["session"], user, callback_data.id)
    if case is None:
        log.warning("citizen reply refused: user=%s case=%s", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await state.set_state(CaseReply.text)
    await state.update_data(case=case.id)
    await query.answer()
    await prompt(query, work_prompt(CaseReply.text.state, case.number or ""))


async def _send_media(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    case: Case,
    user: User,
    tell: Callable[[CaseEvent, CaseFile], Awaitable[bool]],
) -> bool | None:
    """The message's voice note, photo or document sent on the case (True: delivered now);
    None when nothing was sent (no file, or one too big: the user was told)."""
    value = message_media(message)
    if value is None or await too_big(message, value):
        return None
    await state.clear()  # before writing, as for typed text
    return await send_file(session, case, user, value, tell, message)


async def _answer_card(
    message: Message, case: Case, data: CaseData, step_data: dict[str, Any], lead: str
) -> None:
    """The case card again after the assistant's text or file, under what was done (`lead`),
    with the list's filter and page from the step's data."""
    filter_, page = filter_code(str(step_data.get("f") or "")), int(step_data.get("page") or 0)
    card, markup = await card_view(case, data, filter_, page, lead=lead)
    await message.answer(card, reply_markup=markup)


async def _worked(message: Message, data: CaseData) -> tuple[Case | None, dict[str, Any]]:
    """The case the assistant is typing for (`worked_case`) and the step's FSM data."""
    state = data["state"]
    step_data = await state.get_data()
    user, roles = data["user"], data["roles"]
    return await worked_case(message, state, data["session"], user, roles, step_data), step_data


async def _replied_case(message: Message, data: CaseData) -> Case | None:
    """The case the citizen is replying on (`replied_case`)."""
    state, session, user, roles = data["state"], data["session"], data["user"], data["roles"]
    return await replied_case(message, state, session, user, roles)


async def _replied(message: Message, delivered: bool, roles: Roles) -> None:
    """What the citizen is told once their reply, typed or a file, is on the case."""
    await message.answer(
        _("Your reply has been sent to the assistant.")
        if delivered
        else _("Your reply is saved with the request; the assistant will see it there."),
        reply_markup=main_menu(roles),
    )


# --- the steps: reason, note, message, the citizen's reply -------------------------------


class ReasonStep(Step, state=CaseWork.reason.state):
    hint = ONLY_TEXT
    reshow = reshow

    @on.message(F.text, ~F.text.startswith("/"))
    async def on_work_text(self, message: Message, **data: Unpack[CaseData]) -> None:
        """The reason, note or message the assistant typed, applied to the case in FSM data
        (NoteStep and MessageStep take it too)."""
        case, step_data = await _worked(message, data)
        if case is None:
            return
        session, user, state, i18n = data["session"], data["user"], data["state"], data["i18n"]
        current = await state.get_state()
        text = await _check_text(message, state, i18n, case.number or "")
        if text is None:
            return
        now = utcnow()
        # Leave the state before writing: the FSM storage may use its own connection (SQLite has
        # one writer at a time), and a rejected change must not leave the assistant stuck typing.
        await state.clear()
        ok = True
        if current == CaseWork.reason.state:
            ok = await change(session, i18n, case, user, "rejected", reason=text)
            lead = changed_text(case) if ok else already_text(case)
        elif current == CaseWork.note.state:
            await case_work.add_note(session, case, actor=user, text=text, now=now)
            lead = _("Note saved to request {number}.").format(number=case.number)
        else:
            tell = partial(notify.message_to_citizen, session, i18n, case)
            delivered = await case_work.send_message(
                session, case, actor=user, text=text, now=now, notify=tell
            )
            lead = message_sent_lead(case.number, delivered)
        lead = ("✔️ " if ok else "⚠️ ") + lead
        await _answer_card(message, case, data, step_data, lead)


class NoteStep(Step, state=CaseWork.note.state):
    hint = ONLY_TEXT
    reshow = reshow

    on_work_text = ReasonStep.on_work_text


class MessageStep(Step, state=CaseWork.message.state):
    hint = TEXT_OR_FILE
    reshow = reshow

    on_work_text = ReasonStep.on_work_text

    @on.message(MEDIA)
    async def on_work_media(self, message: Message, **data: Unpack[CaseData]) -> None:
        """The assistant answers the citizen with a voice note, a photo or a document."""
        case, step_data = await _worked(message, data)
        if case is None:
            return
        session, i18n = data["session"], data["i18n"]

        async def tell(event: CaseEvent, file: CaseFile) -> bool:
            return await notify.message_to_citizen(session, i18n, case, event, [file])

        delivered = await _send_media(message, data["state"], session, case, data["user"], tell)
        if delivered is None:
            return
        lead = "✔️ " + message_sent_lead(case.number, delivered)
        await _answer_card(message, case, data, step_data, lead)


class ReplyStep(Step, state=CaseReply.text.state):
    hint = TEXT_OR_FILE
    reshow = reshow

    @on.message(F.text, ~F.text.startswith("/"))
    async def on_reply_text(self, message: Message, **data: Unpack[CaseData]) -> None:
        """The citizen's reply goes to whoever works the case now, and stays on the case."""
        case = await _replied_case(message, data)
        if case is None:
            return
        session, user, state, i18n = data["session"], data["user"], data["state"], data["i18n"]
        text = await _check_text(message, state, i18n, case.number or "")
        if text is None:
            return
        now = utcnow()
        await state.clear()  # before writing, as in ReasonStep.on_work_text
        delivered = await case_work.send_message(
            session,
            case,
            actor=user,
            text=text,
            now=now,
            notify=lambda event: notify.message_to_assistant(session, i18n, case, event, user, now),
        )
        await _replied(message, delivered, data["roles"])

    @on.message(MEDIA)
    async def on_reply_media(self, message: Message, **data: Unpack[CaseData]) -> None:
        """The citizen answers their assistant with a voice note, a photo or a document."""
        case = await _replied_case(message, data)
        if case is None:
            return
        session, user, i18n = data["session"], data["user"], data["i18n"]
        now = utcnow()

        async def tell(event: CaseEvent, file: CaseFile) -> bool:
            return await notify.message_to_assistant(session, i18n, case, event, user, now, [file])

        delivered = await _send_media(message, data["state"], session, case, user, tell)
        if delivered is not None:
            await _replied(message, delivered, data["roles"])


def router() -> Router:
    """The assistant's case work; inside the assistant audience's router, which checks the
    role. The steps come first, as their typed text did: a main-menu button typed in a step
    is the step's (it reminds what to type), not the menu's."""
    r = Router(name="assistant_cases")
    include(r, ReasonStep, NoteStep, MessageStep)
    rest = Router(name="assistant_cases-rest")
    rest.message.register(on_cases_menu, MenuButton("a_cases"))
    rest.message.register(on_overdue_menu, MenuButton("a_overdue"))
    buttons = {
        AssistantAction.LIST: on_list,
        AssistantAction.OPEN: on_open,
        AssistantAction.ACCEPT: on_accept,
        AssistantAction.STATUS: on_status,
        AssistantAction.OUTCOME: on_outcome,
        AssistantAction.CLOSE: on_outcome,
        AssistantAction.NOTE: on_note_or_message,
        AssistantAction.MESSAGE: on_note_or_message,
    }
    register_buttons(rest, ACB, buttons)
    r.include_router(rest)
    return r


def reply_router() -> Router:
    """The citizen's reply to the assistant (typed or with a file, in ReplyStep); in the
    citizens' router, before the citizen's other file handlers (case_media.router)."""
    r = Router(name="case_reply")
    register_buttons(r, CaseCB, {CaseAction.REPLY: on_reply_button})
    include(r, ReplyStep)
    return r

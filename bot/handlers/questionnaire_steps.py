"""The questionnaire's steps on screen, shared by the handlers of typed answers and buttons
(``questionnaire``) and of voice notes, photos and documents (``questionnaire_media``).

One message per step: moving on closes the message on screen (its keyboard goes, the answer
shows) and sends the next step below what the person just sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows import telegram as tg
from bot.flows.answers import is_media
from bot.flows.engine import FlowState, QuestionStep
from bot.flows.loader import FlowRegistry
from bot.services import drafts
from bot.services.drafts import Run
from bot.states import Questionnaire
from bot.views.texts import esc
from db.models import User

__all__ = [
    "Answering",
    "close",
    "current_run",
    "enter",
    "info",
    "keep",
    "leave",
    "redraw",
    "show",
    "warn",
]


def warn(text: str) -> str:
    return f"⚠️ {esc(text)}"


def info(text: str) -> str:
    return f"ℹ️ {esc(text)}"


async def close(bot: Bot, chat_id: int, message_id: int | None, text: str | None = None) -> None:
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


async def show(
    bot: Bot,
    chat_id: int,
    run: Run,
    locale: str,
    *,
    notice: str | None = None,
    closing: str | None = None,
) -> None:
    """Close the message on screen and send the current step as a new message."""
    await close(bot, chat_id, run.draft.message_id, closing)
    text, markup = tg.render_step(run.engine, run.state, run.draft.id, locale, notice=notice)
    sent = await bot.send_message(chat_id, text, reply_markup=markup)
    await drafts.remember_message(run, sent.message_id)


async def redraw(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Change the message on screen in place (multi toggles, Edit list, Cancel question)."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        pass  # "message is not modified" after a double tap


async def enter(
    state: FSMContext,
    run: Run,
    raw_state: str | None = None,
    known_draft: int | None = None,
) -> None:
    """Route typed input to this draft; no storage I/O when the state already says so. The FSM
    state is written in the update's own transaction, with the draft."""
    if raw_state == Questionnaire.active.state:
        if known_draft is None:
            known_draft = (await state.get_data()).get("draft_id")
        if known_draft == run.draft.id:
            return
    await state.set_state(Questionnaire.active)
    await state.set_data({"draft_id": run.draft.id})


async def leave(state: FSMContext) -> None:
    """Clear the FSM state (in the update's own transaction)."""
    await state.clear()


async def current_run(
    session: AsyncSession, state: FSMContext, user: User, flows: FlowRegistry
) -> tuple[Run | None, int | None]:
    """The draft typed input belongs to, and the draft id the FSM data named."""
    named = (await state.get_data()).get("draft_id")
    draft = None
    if isinstance(named, int):
        draft = await drafts.get_own(session, user.id, named)
    if draft is None:
        draft = await drafts.latest_draft(session, user.id)
    run = drafts.load(flows, draft) if draft is not None else None
    return run, named if isinstance(named, int) else None


@dataclass(frozen=True, slots=True)
class Answering:
    """The handler data of a questionnaire's input (a menu entry, typed text, a file, the
    re-ask): what finding and entering the run it belongs to needs, and the bot to show it."""

    bot: Bot
    state: FSMContext
    raw_state: str | None
    session: AsyncSession
    user: User
    flows: FlowRegistry

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Answering:
        """From aiogram's handler data (a handler's `**data`, or the step's re-ask data)."""
        return cls(
            data["bot"],
            data["state"],
            data.get("raw_state"),
            data["session"],
            data["user"],
            data["flows"],
        )

    async def resume(self) -> Run | None:
        """The run this input belongs to, entered (`enter`); None, and the state left, when
        the person has no questionnaire open any more."""
        run, named = await current_run(self.session, self.state, self.user, self.flows)
        if run is None:
            await leave(self.state)
            return None
        await enter(self.state, run, self.raw_state, named)
        return run


def keep(run: Run, step: QuestionStep) -> FlowState:
    """Confirm the current answer of a typed question unchanged (after Back or Edit)."""
    if step.value is None:
        return run.engine.skip(run.state)
    if is_media(step.value):  # a voice answer is kept as it was
        return run.engine.answer_spoken(run.state, step.value)
    return run.engine.answer_text(run.state, str(step.value), "uz")  # typed: language-neutral

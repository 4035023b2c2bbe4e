"""The dialog layer: every conversation state in bot/states.py is an aiogram Scene (`Step`).

A step lives in the module of its dialog and holds, in one class, the input it takes (its
`@on.message` / `@on.callback_query` handlers), what it expects (`hint`, a msgid) and how it
asks its question again (`reshow`). Scenes are used thinly (see docs/DEVELOPING.md): the state
string is the scene's, the data stays in the ordinary FSM (so the database storage, /cancel and
the every-state test see it), and a step is entered by its dialog's own `ask` function, which
sets the state and sends the question in the same way whether a button, a message or a restart
led there. No scene history is kept.

What no step takes — a sticker, a photo, a contact where none is needed, a command, text where
buttons are due — reaches `router()`, registered after all the others: it says what was wrong
with the message, then what the step expects, and asks the step's question again. A button
pressed in a step that does not take it is out of date. `menu_router()`, registered before the
dialogs, lets a main-menu button leave the steps where typing was only a side step
(`menu_leaves`): the state is cleared and the menu's own router answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, ClassVar

from aiogram import Dispatcher, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import Scene, SceneRegistry
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.filters import AnyMenuButton
from bot.handlers import fallback
from bot.i18n import N_

log = logging.getLogger(__name__)

#: Repeats the current question after `notice` (handler data by name: state, session, user, …).
#: Returns False when there is no question any more (the state is then left).
Reshow = Callable[[Message, str, dict[str, Any]], Awaitable[bool | None]]

#: A typed answer: text, not a command, not a main-menu button (which may leave the step).
TYPED = (F.text, ~F.text.startswith("/"), ~AnyMenuButton())

# Hints several steps share (msgids, translated when used).
TYPE_TEXT = N_("Please type your answer, or /cancel.")
TYPE_NUMBER = N_("Please type a number or use the buttons below, or /cancel.")
TYPE_DATE = N_("Please type the date as dd.mm.yyyy or use the buttons below, or /cancel.")
ANSWER_BUTTONS = N_("Please answer with the buttons.")
USE_BUTTONS = N_("Please choose with the buttons below, or /cancel.")
ONLY_TEXT = N_("I can only take text here. Type it, or send /cancel to stop.")
TEXT_OR_FILE = N_("Please send text, a voice message, a photo or a document, or /cancel to stop.")

#: Every step by its state string, filled as the dialog modules define them.
STEPS: dict[str, type[Step]] = {}


class Step(Scene):
    """One conversation state. Subclass with `state=SomeGroup.some.state`, set `hint` (and
    `reshow`, `menu_leaves` where they apply) and declare the step's input with `@on...`."""

    #: What the step expects, said after an input it cannot use (a msgid; None: nothing to say).
    hint: ClassVar[str | None] = None
    #: The step's question asked again after that notice; None: the notice alone.
    reshow: ClassVar[Reshow | None] = None
    #: A main-menu button leaves the step (typing there was only a side step).
    menu_leaves: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        state = cls.__scene_config__.state
        if state is None:
            return
        if state in STEPS:
            raise RuntimeError(f"two steps for state {state!r}: {STEPS[state]} and {cls}")
        STEPS[state] = cls


def include(router: Router, *steps: type[Step]) -> None:
    """The steps' own handlers, inside the dialog's router (and so under its audience)."""
    for step in steps:
        if step.__scene_config__.handlers:
            router.include_router(step.as_router(name=f"step {step.__scene_config__.state}"))


def register_buttons(
    router: Router, factory: type[CallbackData], handlers: Mapping[StrEnum, Callable[..., Any]]
) -> None:
    """One handler per action of a callback data factory, registered in the table's order."""
    for action, handler in handlers.items():
        router.callback_query.register(handler, factory.filter(F.action == action))


def setup(dp: Dispatcher) -> None:
    """Let the dispatcher's handlers move between steps (`scenes` in handler data)."""
    registry = SceneRegistry(dp, register_on_add=False)
    registry.add(*STEPS.values())


def expected(raw_state: str | None) -> type[Step] | None:
    """The step of a state string, or None for no state or one no dialog claims any more."""
    return STEPS.get(raw_state or "")


def notice(message: Message, hint: str | None) -> str:
    """What was wrong with the message, then what the step expects (in the user's language)."""
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
    step = expected(raw_state)
    if step is None:  # a state no dialog claims any more: the fallback starts afresh
        await fallback.on_unknown_message(message, state, data["roles"], data["user"])
        return
    text = notice(message, step.hint)
    if step.reshow is None:
        await message.answer(text)
        return
    if await step.reshow(message, text, {**data, "state": state, "raw_state": raw_state}) is False:
        await state.clear()
        await fallback.on_unknown_message(message, state, data["roles"], data["user"])


async def on_stale_button(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    """A button no handler took while a question is open: it belongs to an older message."""
    raw_state = await state.get_state()
    step = expected(raw_state)
    if step is None:
        await fallback.on_unknown_callback(query, data["user"])
        return
    log.info("stale callback in state %s from user %s", raw_state, data["user"].id)
    text = _("This button is out of date.")
    if step.hint:
        text += " " + _(step.hint)
    await query.answer(text[:200], show_alert=True)


async def on_menu_button(message: Message, state: FSMContext) -> None:
    """A main-menu button in a side step: leave it and let the menu's router answer."""
    await state.clear()
    raise SkipHandler


def menu_router() -> Router:
    r = Router(name="dialog_menu")
    leaving = [state for state, step in STEPS.items() if step.menu_leaves]
    r.message.register(on_menu_button, StateFilter(*leaving), AnyMenuButton())
    return r


def router() -> Router:
    r = Router(name="dialog_unexpected")
    r.message.register(on_unexpected, ~StateFilter(None))
    r.callback_query.register(on_stale_button, ~StateFilter(None))
    return r

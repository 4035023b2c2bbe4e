"""The dialog layer: every conversation state is a Step (an aiogram Scene) that holds its own
input, what it expects and how it asks again; no handler outside a step filters on a state."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.scene import SceneHandlerWrapper
from aiogram.fsm.state import State, StatesGroup

from bot import states
from bot.handlers import build_routers, dialog

#: Routers allowed to filter on states outside a step, and why.
STATE_ROUTERS = {
    "dialog_menu": "a main-menu button leaves the side steps (`menu_leaves`)",
}
#: Handlers allowed to, and why: the Back of a dialog's place picker is pressed in two states,
#: the dialog's own place step and the shared mahalla list (PlacePick), whose step is in the
#: places router outside the dialog's audience.
STATE_HANDLERS = {
    ("registration-rest", "on_picker_back"),
    ("settings-rest", "on_picker_back"),
}


def _all_states() -> list[str]:
    return [
        st.state
        for value in vars(states).values()
        if isinstance(value, type) and issubclass(value, StatesGroup) and value is not StatesGroup
        for st in value.__all_states__
    ]


def _routers(routers: list[Router]) -> Iterator[Router]:
    for router in routers:
        yield router
        yield from _routers(router.sub_routers)


def test_every_state_is_a_step() -> None:
    build_routers()
    assert sorted(dialog.STEPS) == sorted(_all_states())
    for state, step in dialog.STEPS.items():
        assert step.__scene_config__.state == state
        assert step.hint is None or isinstance(step.hint, str), state


def _names_a_state(check: object) -> bool:
    """A filter on a conversation state (`StateFilter(None)`, "no state", is not one)."""
    if isinstance(check, State):
        return True
    return isinstance(check, StateFilter) and any(st is not None for st in check.states)


def test_no_handler_outside_a_step_filters_on_a_state() -> None:
    offenders = []
    for router in _routers(build_routers()):
        if router.name in STATE_ROUTERS:
            continue
        for observer in (router.message, router.callback_query):
            for handler in observer.handlers:
                if isinstance(handler.callback, SceneHandlerWrapper):
                    continue
                if (router.name, handler.callback.__name__) in STATE_HANDLERS:
                    continue
                if any(_names_a_state(f.callback) for f in handler.filters or ()):
                    offenders.append(f"{router.name}: {handler.callback.__name__}")
    assert offenders == []


def test_a_step_router_takes_only_its_own_state() -> None:
    for router in _routers(build_routers()):
        if not router.name.startswith("step "):
            continue
        state = router.name.removeprefix("step ")
        for observer in (router.message, router.callback_query):
            if observer.handlers:
                own = [f.callback for f in observer._handler.filters or ()]
                assert any(isinstance(f, StateFilter) and f.states == (state,) for f in own), (
                    router.name
                )

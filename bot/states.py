"""Conversation states. Stored in the database (or Redis), so they survive restarts."""

from aiogram.fsm.state import State, StatesGroup


class PlacePick(StatesGroup):
    """Choosing a region, district or mahalla; FSM data holds `purpose` and `district`."""

    choosing = State()

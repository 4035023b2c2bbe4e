"""`Turn`: the handler data a dialog passes down while it answers one update.

Registration and the vacancy wizard move on after an answer through helpers (ask the next
question, go back, finish an edit) that all need the same five values of aiogram's handler
data. They take one `Turn` instead of the five arguments each; a handler that only hands its
data on takes `**data` and makes the turn with `Turn.of(data)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.roles import Roles
from db.models import User


@dataclass(frozen=True, slots=True)
class Turn:
    """The FSM context, database session, person, their roles and the settings of one update."""

    state: FSMContext
    session: AsyncSession
    user: User
    roles: Roles
    settings: Settings

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Turn:
        """From aiogram's handler data (a handler's `**data`, or a step's re-ask data)."""
        return cls(data["state"], data["session"], data["user"], data["roles"], data["settings"])

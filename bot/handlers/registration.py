"""Placeholder: filled in by the registration work."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.roles import Roles
from bot.texts import send_main_menu
from db.models import User


async def after_language(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    *,
    first_time: bool,
) -> None:
    """Called once the language is chosen (and no conversation is in progress)."""
    await send_main_menu(message, roles, greeting=first_time)


def router() -> Router:
    return Router(name="registration")

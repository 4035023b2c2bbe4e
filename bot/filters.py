"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n

from bot.services.roles import Roles
from bot.views.keyboards.common import menu_action_for


class MenuButton(Filter):
    """The message is the given main-menu button, in any of the three languages."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        return menu_action_for(i18n, message.text) == self.action


class HasRole(Filter):
    """Only users holding the role pass. Set once on each audience's router
    (`bot.handlers.audiences`), where a press of someone without the role is refused."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, roles: Roles) -> bool:
        return self.role in roles.names()


class AnyMenuButton(Filter):
    """The message is any main-menu button: states that take typed text let these through,
    so pressing a menu entry in the middle of typing leaves the state instead of being typed."""

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        return menu_action_for(i18n, message.text) is not None

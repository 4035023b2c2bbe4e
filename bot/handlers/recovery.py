"""After a crash cut an update off between storing its work and answering (kill -9, a deploy, a
lost machine), Telegram delivers it again to the restarted bot. Its work is not done twice
(`bot/middlewares/idempotency.py`); instead of the silence the person met, they are shown where
they are: the open question asked again, or the main menu. Registered first, so no other
handler sees the re-delivery.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.handlers.basics import ask_again
from bot.middlewares.idempotency import INTERRUPTED
from bot.services.roles import Roles
from bot.views.texts import send_main_menu


class Interrupted(Filter):
    """The update was cut off after its commit (set by `UpdateOnce`)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        return bool(data.get(INTERRUPTED))


async def show_where(
    message: Message, state: FSMContext, roles: Roles, data: dict[str, Any]
) -> None:
    if await state.get_state() is None:
        await send_main_menu(message, roles)
        return
    await ask_again(
        message, state, _("Let's continue where you stopped."), {**data, "roles": roles}
    )


async def on_message(message: Message, state: FSMContext, roles: Roles, **data: Any) -> None:
    await show_where(message, state, roles, data)


async def on_press(query: CallbackQuery, state: FSMContext, roles: Roles, **data: Any) -> None:
    if isinstance(query.message, Message):
        await show_where(query.message, state, roles, data)


def router() -> Router:
    r = Router(name="recovery")
    r.message.register(on_message, Interrupted())
    r.callback_query.register(on_press, Interrupted())
    return r

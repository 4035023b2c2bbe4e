"""What every vacancy screen shares: the posting wizard's states, today's date, short button
labels, the refusal of a stale or forged button and taking the buttons off a message.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import VacancyAction
from bot.states import VacancyPost
from db.models import User

log = logging.getLogger("bot.handlers.vacancies")  # the name the logs have always had

BUTTON_CHARS = 40
STEPS = (
    VacancyPost.title,
    VacancyPost.employer,
    VacancyPost.occupation,
    VacancyPost.place,
    VacancyPost.pay,
    VacancyPost.kind,
    VacancyPost.places,
    VacancyPost.closes,
)
ALL_STATES = (*STEPS, VacancyPost.confirm)
#: The state each posting button belongs to: pressed in any other state, it is stale.
BUTTON_STATES = {
    VacancyAction.OCCUPATION: VacancyPost.occupation.state,
    VacancyAction.PLACE: VacancyPost.place.state,
    VacancyAction.PAY: VacancyPost.pay.state,
    VacancyAction.KIND: VacancyPost.kind.state,
    VacancyAction.PLACES: VacancyPost.places.state,
    VacancyAction.CLOSES: VacancyPost.closes.state,
    VacancyAction.POST: VacancyPost.confirm.state,
}


def short(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def refuse(query: CallbackQuery, user: User, what: str) -> None:
    log.warning("vacancies: refused user=%s %s", user.id, what)
    await query.answer(_("This button is out of date."), show_alert=True)


async def drop_markup(message: Message) -> None:
    """Take the buttons off a message (an old message without any is left alone)."""
    if message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest:
        pass

"""Registration's place step: region, district and mahalla lists, with Back to the gender step.

The picker itself is bot/handlers/places.py; this takes over its Back and the chosen mahalla
(registered in registration.py under the picker's purpose, not in a Step: the mahalla list,
PlacePick.choosing, is shared by every purpose). Back to the gender question is the input of
the region and district lists' Step, `PlaceStep`. `PickingFor` also guards the mahalla list
that Settings opens.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PlaceCB, RegAction, RegCB
from bot.handlers.dialog import ANSWER_BUTTONS, Step
from bot.handlers.dialog_turn import Turn
from bot.handlers.places import picker_back
from bot.handlers.registration_questions import advance, ask_place, go_back, stale_callback
from bot.handlers.registration_questions import reshow as reask
from bot.services import registry, users
from bot.states import PlacePick, Registration
from bot.views.texts import esc
from db.models import utcnow

#: The picker's Back, taken over so the region list keeps its Back to the gender question.
on_picker_back = picker_back(Registration.place, partial(ask_place, edit=True))


async def on_mahalla(query: CallbackQuery, callback_data: PlaceCB, **data: Any) -> None:
    turn = Turn.of(data)
    user = turn.user
    message = query.message
    mahalla = await registry.get_mahalla(turn.session, callback_data.code)
    if (
        not isinstance(message, Message)
        or mahalla is None
        or not mahalla.active
        or user.consent_version is None
        or user.deleted_at is not None
    ):
        await stale_callback(query, turn.state, turn.session, user)
        return
    await query.answer()
    await users.save_profile(turn.session, user, utcnow(), mahalla_code=mahalla.code)
    await message.edit_text(
        _("📍 Mahalla: <b>{mahalla}</b>").format(
            mahalla=esc(registry.place_name(mahalla, user.locale))
        )
    )
    await turn.state.set_state(None)
    await advance(message, turn)


class PickingFor(Filter):
    """The mahalla list of the place picker is open for this purpose (FSM data `purpose`)."""

    def __init__(self, purpose: str) -> None:
        self.purpose = purpose

    async def __call__(
        self, event: TelegramObject, state: FSMContext, raw_state: str | None = None
    ) -> bool:
        if raw_state != PlacePick.choosing.state:
            return False
        return bool((await state.get_data()).get("purpose") == self.purpose)


class PlaceStep(Step, state=Registration.place.state):
    hint = ANSWER_BUTTONS
    reshow = reask

    @on.callback_query(RegCB.filter((F.action == RegAction.BACK) & (F.value == "place")))
    async def on_place_back_to_gender(self, query: CallbackQuery, **data: Any) -> None:
        message = query.message
        await query.answer()
        if not isinstance(message, Message):
            return
        await message.edit_reply_markup(reply_markup=None)
        await go_back(message, Turn.of(data), "mahalla_code")

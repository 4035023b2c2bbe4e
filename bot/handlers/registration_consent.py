"""Registration's consent question and erasure: agree, decline (nothing kept) or go Back.

Apart because declining erases the person, as Settings → Delete my data does (`forget`).
The question's input (its buttons, and Back typed) lives in its Step, `ConsentStep`.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import RegAction, RegCB
from bot.handlers.dialog import ANSWER_BUTTONS
from bot.handlers.dialog_turn import Turn
from bot.handlers.registration_questions import QuestionStep, advance, is_editing
from bot.notifications import cases as notify
from bot.services import privacy, users
from bot.states import Registration
from bot.views.keyboards.common import language_keyboard, main_menu, matches_button
from bot.views.keyboards.registration import BACK
from bot.views.screens import pressed_message
from bot.views.texts import send_main_menu
from db.models import User, utcnow


async def forget(session: AsyncSession, i18n: I18n, user: User) -> privacy.Erased:
    """Erase the person (Settings → Delete my data, or declining a new consent): their open
    cases are closed as withdrawn and whoever works each is told through the outbox."""
    now = utcnow()

    async def tell(result: privacy.Erased) -> None:
        await notify.citizen_erased(session, i18n, result.closed, result.files_removed_from, now)

    return await privacy.forget(session, user, now, tell)


# --- the consent step ---------------------------------------------------------------------------


class ConsentStep(QuestionStep, state=Registration.consent.state):
    hint = ANSWER_BUTTONS

    @on.callback_query(RegCB.filter(F.action == RegAction.CONSENT))
    async def on_consent(
        self, query: CallbackQuery, callback_data: RegCB, i18n: I18n, **data: Any
    ) -> None:
        turn = Turn.of(data)
        state, session, user = turn.state, turn.session, turn.user
        message = await pressed_message(query)
        if message is None:
            return
        await query.answer()
        registered = user.registered_at is not None and user.deleted_at is None
        if callback_data.value == "y":
            await users.save_profile(
                session,
                user,
                utcnow(),
                consent_version=turn.settings.consent_version,
                consent_at=utcnow(),
                deleted_at=None,
            )
            await message.edit_text(message.html_text + "\n\n" + _("✅ You agreed."))
            if registered and not await is_editing(state):  # a new consent text, accepted
                await state.clear()
                await send_main_menu(message, turn.roles)
                return
            await advance(message, turn)
            return
        # Declined: keep nothing (answers given before going Back to this question included;
        # a registered person declining a new consent text is erased, as from Settings).
        if registered:
            await forget(session, i18n, user)
        else:
            await privacy.decline_consent(session, user)
        await state.clear()
        await message.edit_text(message.html_text + "\n\n" + _("❌ You did not agree."))
        await message.answer(
            _(
                "All right. Nothing about you has been kept. Without registration you can't send "
                "requests; if you change your mind, press any button of the menu."
            ),
            reply_markup=main_menu(turn.roles),
        )

    @on.callback_query(RegCB.filter((F.action == RegAction.BACK) & (F.value == "consent")))
    async def on_consent_back(self, query: CallbackQuery, state: FSMContext, user: User) -> None:
        """Back from the first question is the language choice."""
        message = query.message
        await query.answer()
        await state.clear()
        if isinstance(message, Message):
            await message.edit_text(
                _("Choose your language:"), reply_markup=language_keyboard(user.locale)
            )

    @on.message(F.text)
    async def on_consent_back_text(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        i18n: I18n,
    ) -> None:
        """The reply keyboard of the name question may still show Back while consent is asked."""
        if not matches_button(i18n, message.text, BACK):
            raise SkipHandler  # the dialog layer's tail answers

        await state.clear()
        await message.answer(
            _("Choose your language:"), reply_markup=language_keyboard(user.locale)
        )

"""A new consent text is answered before anything else: the router registered first of all.

When the text people agreed to changes (`settings.consent_version` goes up), everyone who
agreed to an older one is asked again on their next message or button; /cancel and /language
still work, and the question comes again afterwards.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import LangCB, RegAction, RegCB
from bot.config import Settings
from bot.handlers.registration_questions import ask
from db.models import User


class NeedsNewConsent(Filter):
    """The user agreed to an older consent text than the current one (settings.consent_version):
    nothing else is done for them until they answer the new one."""

    async def __call__(self, event: TelegramObject, user: User, settings: Settings) -> bool:
        return (
            user.consent_version is not None
            and user.deleted_at is None
            and user.consent_version < settings.consent_version
        )


async def ask_new_consent(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    await ask(
        message,
        state,
        session,
        user,
        "consent_version",
        prefix=_("We have updated how we keep your data. Please read it and answer to go on."),
    )


async def on_new_consent_message(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if message.text and message.text.split()[0] in ("/cancel", "/language"):
        raise SkipHandler  # they work in every state; the question comes again afterwards
    await ask_new_consent(message, state, session, user)


async def on_new_consent_button(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> None:
    await query.answer(_("Please answer the question about your data first."), show_alert=True)
    if isinstance(query.message, Message):
        await ask_new_consent(query.message, state, session, user)


def router() -> Router:
    """Registered before every other router: a new consent text is answered first."""
    r = Router(name="consent_gate")
    r.message.filter(NeedsNewConsent())
    r.callback_query.filter(NeedsNewConsent())
    r.message.register(on_new_consent_message)
    r.callback_query.register(
        on_new_consent_button,
        ~RegCB.filter(F.action.in_({RegAction.CONSENT, RegAction.BACK})),
        ~LangCB.filter(),
    )
    return r

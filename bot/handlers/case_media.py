"""Voice notes, video notes, photos and documents between a citizen and their assistant, and
the files of a case shown to the assistant.

A message with a file is relayed like a typed one (``assistant_cases``): kept on the case as a
message event, its file recorded by Telegram's ids (``case_files``), and sent on through the
outbox by file_id, never downloaded. An album arrives as one message per photo: the first
part ends the "type your message" step, and the later parts (same ``media_group_id``, within
two minutes) follow it to the same person.

A file sent in the "type your message" steps is that step's input and lives in its Step
(``MessageStep`` for the assistant, ``ReplyStep`` for the citizen, in ``assistant_cases``),
which uses ``too_big`` and ``send_file`` from here. This module holds the later album parts,
files sent outside any step, and the case's files shown to the assistant.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, CaseAction, CaseCB
from bot.flows.answers import MAX_FILE_BYTES, is_media
from bot.handlers.assistant_case_card import cancel_keyboard
from bot.handlers.dialog import register_buttons
from bot.handlers.questionnaire_media import message_media
from bot.notifications import cases as notify
from bot.services import case_files, cases
from bot.services.roles import Roles
from bot.views.keyboards.common import main_menu
from bot.views.screens import show_in_place
from db.models import Case, CaseEvent, CaseFile, User, utcnow

log = logging.getLogger(__name__)

CAPTION_MAX = 1000
MEDIA = F.voice | F.video_note | F.photo | F.document
OPEN = cases.OPEN_STATUSES


async def too_big(message: Message, value: dict[str, Any]) -> bool:
    """Files Telegram would not let anyone's bot download are refused before anything is kept."""
    if int(value.get("size") or 0) <= MAX_FILE_BYTES:
        return False
    await message.answer(
        _("The file is too big: at most {max} MB. Please send a smaller photo.").format(
            max=MAX_FILE_BYTES // (1024 * 1024)
        ),
        reply_markup=cancel_keyboard(),
    )
    return True


async def send_file(
    session: AsyncSession,
    case: Case,
    user: User,
    value: dict[str, Any],
    notify_: Callable[[CaseEvent, CaseFile], Awaitable[bool]],
    message: Message | None = None,
) -> bool:
    """A message event on the case carrying one file (with the message's caption, if any),
    queued for the other side and committed; True when it was delivered."""
    caption = (message.caption or "").strip()[:CAPTION_MAX] if message else ""
    album = message.media_group_id if message else None
    return await case_files.send(
        session,
        case,
        value,
        sender=user,
        now=utcnow(),
        caption=caption,
        album_id=album,
        notify=notify_,
    )


async def on_album_part(message: Message, session: AsyncSession, user: User, roles: Roles) -> None:
    """A later photo of an album whose first photo was just relayed: the same way, quietly."""
    value = message_media(message)
    now = utcnow()
    first = None
    if value is not None and message.media_group_id:
        first = await case_files.album_source(session, user, message.media_group_id, now)
    case = await session.get(Case, first.case_id) if first is not None else None
    if first is None or case is None or value is None:
        raise SkipHandler
    recipient = await _other_side(session, case, user, roles, now)
    if recipient is None or await too_big(message, value):
        return
    event = await session.get(CaseEvent, first.event_id)

    async def tell(file: CaseFile) -> None:
        await notify.relay_files(session, recipient, [file])

    await case_files.relay_album_part(
        session,
        case,
        value,
        sender=user,
        now=now,
        event=event,
        album_id=message.media_group_id,
        notify=tell,
    )


async def _other_side(
    session: AsyncSession, case: Case, sender: User, roles: Roles, now: Any
) -> User | None:
    """Who gets a message on this case from ``sender``: the citizen, or whoever works it."""
    if case.user_id == sender.id:
        return await cases.responsible(session, case, now)
    if await cases.assistant_case(session, sender, roles, case.id) is None:
        return None
    return await session.get(User, case.user_id)


async def on_files(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
) -> None:
    """The case's voice notes, photos and documents, sent to the assistant's chat."""
    case = await cases.assistant_case(session, user, roles, callback_data.id)
    if case is None:
        log.warning("assistant case refused: user=%s case=%s (files)", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return

    async def tell(files: list[CaseFile]) -> None:
        await notify.show_files(session, user, files, request=query.id)

    files = await case_files.show(session, case.id, tell)
    await query.answer(
        _("Sending the files of request {number}…").format(number=case.number)
        if files
        else _("This request has no files.")
    )


async def on_loose_media(
    message: Message, state: FSMContext, session: AsyncSession, user: User, roles: Roles
) -> None:
    """A voice note or photo sent from the menu, outside any step: people who would rather
    speak than type send one to "the bot". Offer to pass it to the assistant of their newest
    open request (kept in FSM data until they say yes); with no open request, say how."""
    value = message_media(message)
    open_cases = [c for c in await cases.citizen_cases(session, user) if c.status in OPEN]
    if value is None or not open_cases:
        if value is not None and not roles.is_staff:
            await message.answer(
                _(
                    "🎤 Voice messages and photos go to your assistant with a request. Send a "
                    "request with the buttons below first; then you can speak to them here."
                ),
                reply_markup=main_menu(roles),
            )
            return
        raise SkipHandler
    case = open_cases[0]
    await state.update_data(loose_file=value, loose_case=case.id)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("✅ Send to my assistant"),
        callback_data=CaseCB(action=CaseAction.SEND_FILE, id=case.id),
    )
    keyboard.button(text=_("✖️ Don't send"), callback_data=CaseCB(action=CaseAction.SEND_FILE))
    keyboard.adjust(1)
    await message.answer(
        _("Send this to your assistant with request <b>{number}</b>?").format(number=case.number),
        reply_markup=keyboard.as_markup(),
    )


async def on_send_loose(
    query: CallbackQuery,
    callback_data: CaseCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    i18n: I18n,
) -> None:
    """Yes (the case id) or no (id 0) to passing on the voice note or photo kept in FSM data."""
    data = await state.get_data()
    value, kept_for = data.get("loose_file"), data.get("loose_case")
    await state.update_data(loose_file=None, loose_case=None)
    if not callback_data.id:
        await query.answer(_("Not sent."))
        await show_in_place(query, _("Not sent."), None)
        return
    case = await cases.citizen_case(session, user, callback_data.id)
    if case is None or kept_for != case.id or not isinstance(value, dict) or not is_media(value):
        log.warning("loose file refused: user=%s case=%s", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return

    async def tell(event: CaseEvent, file: CaseFile) -> bool:
        return await notify.message_to_assistant(session, i18n, case, event, user, utcnow(), [file])

    delivered = await send_file(session, case, user, value, tell)
    text = (
        _("✅ Sent to your assistant with request {number}.")
        if delivered
        else _("Saved with request {number}; the assistant will see it there.")
    ).format(number=case.number)
    await query.answer()
    await show_in_place(query, text, None)


def router() -> Router:
    """The citizen's side: files sent outside any step (a reply with a file is ReplyStep's, in
    assistant_cases.reply_router(), which the citizens meet just before this router)."""
    r = Router(name="case_media")
    r.message.register(on_album_part, StateFilter(None), MEDIA, F.media_group_id)
    r.message.register(on_loose_media, StateFilter(None), MEDIA)
    register_buttons(r, CaseCB, {CaseAction.SEND_FILE: on_send_loose})
    return r


def assistant_router() -> Router:
    """The assistant's side (in the assistant audience's router): the files attached to a
    case. A file to the citizen is MessageStep's, in assistant_cases.router()."""
    r = Router(name="case_media_assistant")
    register_buttons(r, ACB, {AssistantAction.FILES: on_files})
    return r

"""Admins in the bot: make invite links (the same invites as `python -m bot admin invite`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Unpack

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import CONFIRMED, InviteCB, PlaceCB
from bot.filters import MenuButton
from bot.handlers import admin_panel
from bot.handlers.admin_common import AdminData
from bot.handlers.places import show_regions
from bot.services import invites, supervision
from bot.views.keyboards.places import cancel_button
from bot.views.texts import esc, opening, person_label, place_label, role_label
from db.models import User, utcnow

log = logging.getLogger(__name__)

_PURPOSE = {"a": "ia", "d": "id", "r": "ir"}


async def on_invite_menu(message: Message) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Assistant of a mahalla"), callback_data=InviteCB(kind="a"))
    builder.button(text=_("District supervisor"), callback_data=InviteCB(kind="d"))
    builder.button(text=_("Region supervisor"), callback_data=InviteCB(kind="r"))
    builder.button(text=_("National supervisor"), callback_data=InviteCB(kind="c"))
    builder.adjust(1)
    builder.row(cancel_button())
    await message.answer(_("Whom do you want to invite?"), reply_markup=builder.as_markup())


async def on_invite_kind(
    query: CallbackQuery, callback_data: InviteCB, **data: Unpack[AdminData]
) -> None:
    if not isinstance(query.message, Message):
        await query.answer(_("This button is out of date."))
        return
    await query.answer()
    if callback_data.kind == "c":
        await make_invite(query.message, data, "supervisor", "country", None)
        return
    purpose = _PURPOSE.get(callback_data.kind)
    if purpose is None:
        return
    # This picker is open until its link is made.
    await data["state"].update_data(purpose=purpose)
    await show_regions(query.message, data["session"], purpose, data["user"].locale, edit=True)


async def on_invite_place(
    query: CallbackQuery, callback_data: PlaceCB, **data: Unpack[AdminData]
) -> None:
    purpose = callback_data.purpose
    if not isinstance(query.message, Message) or not await picking(data["state"], purpose):
        await query.answer(_("This button is out of date."))
        return
    role, level = {
        "ia": ("assistant", "mahalla"),
        "id": ("supervisor", "district"),
        "ir": ("supervisor", "region"),
    }[callback_data.purpose]
    await query.answer()
    confirmed = callback_data.level == CONFIRMED
    await make_invite(query.message, data, role, level, callback_data.code, confirmed=confirmed)


async def picking(state: FSMContext, purpose: str) -> bool:
    """The place picker for `purpose` is still open: a list left on screen after its link was
    made (or another flow began) no longer works."""
    return (await state.get_data()).get("purpose") == purpose


async def make_invite(
    message: Message,
    data: AdminData,
    role: str,
    level: str,
    code: str | None,
    *,
    confirmed: bool = False,
    purpose: str = "ia",
) -> None:
    """Make the link and show it. A link for a mahalla that has an assistant first says whom
    it will replace and waits for "Make the link" (the same place button, level `CONFIRMED`)."""
    session, user, settings, state = data["session"], data["user"], data["settings"], data["state"]
    if role == "assistant" and code and not confirmed:
        current = await supervision.mahalla_assistants(session, code, utcnow())
        if current:
            await _confirm_replacement(message, purpose, code, current)
            return
    try:
        token = await invites.create(
            session, role, level, code, valid_days=settings.invite_valid_days, created_by=user.id
        )
    except invites.InviteError:
        await message.answer(_("This place is not in the registry."))
        return
    await state.clear()
    username = settings.bot_username or (await data["bot"].me()).username or ""
    place = esc(await place_label(session, level, code, user.locale))
    await message.edit_text(
        opening(
            _(
                "Invite for the {role}: <b>{place}</b>\n\nSend this link to the person. It works "
                "once and expires in {days} day:\n{link}",
                "Invite for the {role}: <b>{place}</b>\n\nSend this link to the person. It works "
                "once and expires in {days} days:\n{link}",
                settings.invite_valid_days,
            ).format(
                role=role_label(role, level),
                place=place,
                days=settings.invite_valid_days,
                link=invites.deep_link(username, token),
            )
        )
    )


async def _confirm_replacement(
    message: Message, purpose: str, code: str, current: Sequence[User]
) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Make the link"),
        callback_data=PlaceCB(purpose=purpose, level=CONFIRMED, code=code),
    )
    builder.row(cancel_button())
    names = ", ".join(person_label(person) for person in current)
    await message.edit_text(
        _(
            "This mahalla already has an assistant: {name}.\nOnce the new link is used, the "
            "previous assistant's role ends; you and they will be told.\nMake the link?"
        ).format(name=names),
        reply_markup=builder.as_markup(),
    )


def router() -> Router:
    """Invites and the admin menu (`admin_panel`); inside the admin audience's router, which
    checks the role (`bot.handlers.audiences`)."""
    r = Router(name="admin")
    r.message.register(on_invite_menu, Command("invite"))
    r.message.register(on_invite_menu, MenuButton("invite"))
    r.callback_query.register(on_invite_kind, InviteCB.filter())
    r.callback_query.register(
        on_invite_place,
        PlaceCB.filter(
            ((F.purpose == "ia") & F.level.in_({"m", CONFIRMED}))
            | ((F.purpose == "id") & (F.level == "d"))
            | ((F.purpose == "ir") & (F.level == "r"))
        ),
    )
    r.include_router(admin_panel.router())
    return r

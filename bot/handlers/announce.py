"""Announcements, the one flow for everybody: supervisors to the assistants of their areas,
admins to any place, with a confirm step showing whom it reaches. Apart because both the
supervisor's and the admin's audience include it (`announce_router` in `supervisor`). The
typed text and the message in the confirm step are taken by their steps (`AnnouncementStep`,
`ConfirmStep`); the buttons work by their callback data.
"""

from __future__ import annotations

import secrets
from typing import Any, Unpack

from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PlaceCB, SupervisorAction, SvCB
from bot.filters import AnyMenuButton
from bot.handlers.dialog import ONLY_TEXT, TYPED, Step
from bot.handlers.places import show_regions
from bot.handlers.supervisor_common import PICK_CODES, PICK_LEVELS, SupervisorData, log, refuse
from bot.i18n import N_
from bot.notifications import cases as notify
from bot.services import announcements, supervision
from bot.services.roles import Roles
from bot.states import SupervisorWork
from bot.views import counted
from bot.views.keyboards.common import main_menu
from bot.views.keyboards.places import cancel_button
from bot.views.screens import show_in_place
from bot.views.texts import esc, opening, place_label
from db.models import User, utcnow

ANNOUNCEMENT_MAX = announcements.TEXT_MAX
ANNOUNCE_PURPOSES = {"xr": "region", "xd": "district"}  # the admin's place picker


def _area_data(level: str, code: str | None) -> str:
    return f"{PICK_CODES[level]}.{code or ''}"


async def _where_view(
    session: AsyncSession, roles: Roles, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Where to announce: an admin picks the country, a region or a district; a supervisor
    one of their areas."""
    builder = InlineKeyboardBuilder()
    if roles.is_admin:
        builder.button(
            text=_("🇺🇿 The whole country"),
            callback_data=SvCB(action=SupervisorAction.ANNOUNCE_WHERE, v="c"),
        )
        builder.button(
            text=_("A region"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE_WHERE, v="r")
        )
        builder.button(
            text=_("A district"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE_WHERE, v="d")
        )
    else:
        for place in await supervision.scope_places(session, announcements.own_areas(roles)):
            builder.button(
                text=await place_label(session, place.level, place.code, locale),
                callback_data=SvCB(
                    action=SupervisorAction.ANNOUNCE_PLACE, v=_area_data(place.level, place.code)
                ),
            )
    builder.button(
        text=_("✖️ Cancel"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE, v="cancel")
    )
    builder.adjust(1)
    return _("To the assistants of which place?"), builder.as_markup()


async def _ask_text(
    target: Message,
    session: AsyncSession,
    roles: Roles,
    state: FSMContext,
    place: supervision.Place,
    locale: str,
    edit: bool,
) -> None:
    await state.set_state(SupervisorWork.announcement)
    await state.update_data(level=place.level, code=place.code)
    name = esc(await place_label(session, place.level, place.code, locale))
    text = opening(counted.announcement_prompt(name, ANNOUNCEMENT_MAX))
    builder = InlineKeyboardBuilder()
    if roles.is_admin or len(roles.scopes) > 1:
        builder.button(text=_("⬅️ Back"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE_WHERE))
    builder.add(cancel_button())
    markup = builder.as_markup()
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


async def _data_place(
    session: AsyncSession, roles: Roles, data: dict[str, Any]
) -> supervision.Place | None:
    """The place chosen earlier in this dialog (FSM data), if the user may still announce there."""
    return await announcements.allowed_place(
        session, roles, str(data.get("level") or ""), data.get("code")
    )


async def on_announce_menu(
    message: Message, session: AsyncSession, user: User, roles: Roles, state: FSMContext
) -> None:
    await state.clear()
    if not roles.is_admin:
        places = await supervision.scope_places(session, announcements.own_areas(roles))
        if len(places) == 1:
            await _ask_text(message, session, roles, state, places[0], user.locale, edit=False)
            return
    text, markup = await _where_view(session, roles, user.locale)
    await message.answer(text, reply_markup=markup)


async def _chosen(query: CallbackQuery, data: SupervisorData, level: str, code: str | None) -> None:
    session, user, roles = data["session"], data["user"], data["roles"]
    place = await announcements.allowed_place(session, roles, level, code)
    if place is None or not isinstance(query.message, Message):
        log.warning("announcement place refused: user=%s place=%s:%s", user.id, level, code)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer()
    await _ask_text(query.message, session, roles, data["state"], place, user.locale, edit=True)


async def on_announce_where(
    query: CallbackQuery, callback_data: SvCB, **data: Unpack[SupervisorData]
) -> None:
    """anw: back to the choice (v empty); an admin's whole country (c), or pick a region (r) or
    a district (d) with the place picker."""
    if callback_data.v == "c":
        await _chosen(query, data, "country", None)
        return
    session, user, roles, state = data["session"], data["user"], data["roles"], data["state"]
    if not isinstance(query.message, Message) or (callback_data.v and not roles.is_admin):
        await refuse(query, user, callback_data)
        return
    await state.clear()
    await query.answer()
    if callback_data.v in ("r", "d"):
        await show_regions(query.message, session, "x" + callback_data.v, user.locale, edit=True)
        return
    await show_in_place(query, *await _where_view(session, roles, user.locale))


async def on_announce_area(
    query: CallbackQuery, callback_data: SvCB, **data: Unpack[SupervisorData]
) -> None:
    """anp: one of the supervisor's own areas (v = level code . place code)."""
    level, _sep, code = callback_data.v.partition(".")
    await _chosen(query, data, PICK_LEVELS.get(level, ""), code or None)


async def on_announce_place(
    query: CallbackQuery, callback_data: PlaceCB, **data: Unpack[SupervisorData]
) -> None:
    level = ANNOUNCE_PURPOSES[callback_data.purpose] if data["roles"].is_admin else ""
    await _chosen(query, data, level, callback_data.code)


async def on_announce_button(
    query: CallbackQuery, callback_data: SvCB, **data: Unpack[SupervisorData]
) -> None:
    session, user, roles, state = data["session"], data["user"], data["roles"], data["state"]
    current = await state.get_state()
    if callback_data.v != "send":
        if current not in (None, SupervisorWork.announcement.state, SupervisorWork.confirm.state):
            await query.answer(_("This button is out of date."), show_alert=True)
            return
        await state.clear()
        await query.answer()
        await show_in_place(query, _("Cancelled: nothing was sent."), None)
        return
    saved = await state.get_data()
    place = (
        await _data_place(session, roles, saved)
        if current == SupervisorWork.confirm.state and saved.get("key") and saved.get("text")
        else None
    )
    if place is None:
        await refuse(query, user, callback_data)
        return
    await state.clear()
    text, key = str(saved["text"]), str(saved["key"])
    queued = await announcements.send(
        session,
        place.scope,
        utcnow(),
        lambda people: notify.announcement(session, data["i18n"], people, text, user, key),
    )
    log.info(
        "announcement %s by user %s to %s %s queued for %s",
        saved["key"],
        user.id,
        place.level,
        place.code,
        queued,
    )
    await query.answer()
    await show_in_place(query, counted.announcement_queued(queued), None)


class AnnouncementStep(Step, state=SupervisorWork.announcement.state):
    """The announcement's text, typed in one message; anything else is asked for again."""

    hint = ONLY_TEXT

    @on.message(*TYPED)
    async def on_announcement_text(
        self, message: Message, session: AsyncSession, user: User, roles: Roles, state: FSMContext
    ) -> None:
        try:
            text = announcements.clean_text(message.text)
        except announcements.AnnouncementError:
            await message.answer(counted.announcement_text_prompt(ANNOUNCEMENT_MAX))
            return
        place = await _data_place(session, roles, await state.get_data())
        if place is None:
            await state.clear()
            await message.answer(_("This button is out of date. Please use the menu or /start."))
            return
        people = await announcements.audience(session, place.scope, utcnow())
        name = esc(await place_label(session, place.level, place.code, user.locale))
        if not people:
            await state.clear()
            await message.answer(
                opening(_("No assistant serves {place} yet: nothing was sent.").format(place=name)),
                reply_markup=main_menu(roles),
            )
            return
        await state.set_state(SupervisorWork.confirm)
        await state.update_data(text=text, key=secrets.token_hex(8))
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("📣 Send"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE, v="send")
        )
        builder.button(
            text=_("✖️ Cancel"), callback_data=SvCB(action=SupervisorAction.ANNOUNCE, v="cancel")
        )
        await message.answer(
            counted.announcement_confirm(len(people), name) + "\n\n" + esc(text),
            reply_markup=builder.as_markup(),
        )

    @on.message(~AnyMenuButton())
    async def on_announce_other(self, message: Message) -> None:
        await message.answer(counted.announcement_text_prompt(ANNOUNCEMENT_MAX))


class ConfirmStep(Step, state=SupervisorWork.confirm.state):
    """Send or Cancel are buttons (`on_announce_button`); a message is answered with that."""

    hint = N_("Please press Send or Cancel above, or /cancel.")

    @on.message(~AnyMenuButton())
    async def on_confirm_other(self, message: Message) -> None:
        await message.answer(_("Please press Send or Cancel above, or /cancel."))

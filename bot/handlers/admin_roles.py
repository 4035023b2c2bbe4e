"""Granting and ending roles from a person's card: the place picker for the new role, the
confirm step when an assistant replaces another, and telling the people concerned. Apart
from finding people because it is the one admin dialog that changes roles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Unpack

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, AdmCB, AdminAction, PlaceCB
from bot.config import Settings
from bot.handlers.admin_common import AdminData, back_button, refuse
from bot.handlers.admin_people import live_person, person_card, place_level, pressed_person
from bot.handlers.places import show_regions
from bot.services import role_changes, supervision
from bot.views.screens import show_in_place
from bot.views.texts import esc, person_label, place_label, queue_role_notice, role_label
from db.models import User, utcnow

log = logging.getLogger("bot.handlers.admin_panel")  # one logger for the admin menu

# The place picker's purposes for granting a role: a mahalla, a district or a region (the
# announcements' own are `ANNOUNCE_PURPOSES` in announce.py).
GRANT_PURPOSES = {"gm": ("mahalla", "m"), "gd": ("district", "d"), "gr": ("region", "r")}


@dataclass(frozen=True)
class Tell:
    """What telling a person of their new role needs: their language and the admins."""

    i18n: I18n
    settings: Settings


async def on_grant_start(
    query: CallbackQuery, callback_data: AdmCB, **data: Unpack[AdminData]
) -> None:
    """ga: pick the mahalla; gs: pick the level; gl (v = d | r | c): pick the place."""
    session, user, state, i18n = data["session"], data["user"], data["state"], data["i18n"]
    settings = data["settings"]
    person = await live_person(session, callback_data.id)
    if person is None or not isinstance(query.message, Message):
        await refuse(query, user, callback_data.action)
        return
    await query.answer()
    if callback_data.action == AdminAction.GRANT_SUPERVISOR:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("District supervisor"),
            callback_data=AdmCB(action=AdminAction.GRANT_LEVEL, id=person.id, v="d"),
        )
        builder.button(
            text=_("Region supervisor"),
            callback_data=AdmCB(action=AdminAction.GRANT_LEVEL, id=person.id, v="r"),
        )
        builder.button(
            text=_("National supervisor"),
            callback_data=AdmCB(action=AdminAction.GRANT_LEVEL, id=person.id, v="c"),
        )
        builder.adjust(1)
        builder.row(back_button(AdminAction.CARD, id=person.id))
        await show_in_place(query, _("Which supervisor role?"), builder.as_markup())
        return
    if callback_data.action == AdminAction.GRANT_LEVEL and callback_data.v == "c":
        await _grant(query, session, user, person, "country", None, Tell(i18n, settings))
        return
    purpose = {"ga": "gm", "gl": {"d": "gd", "r": "gr"}.get(callback_data.v)}.get(
        callback_data.action
    )
    if purpose is None:
        await refuse(query, user, callback_data.action)
        return
    await state.clear()
    await state.update_data(grant_user=person.id)
    await show_regions(query.message, session, purpose, user.locale, edit=True)


async def _grant(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    person: User,
    level: str,
    code: str | None,
    tell: Tell,
) -> None:
    role = "assistant" if level == "mahalla" else "supervisor"
    notice = partial(queue_role_notice, session, tell.i18n, admin_ids=tell.settings.admin_ids)
    granted = await role_changes.grant(
        session,
        person,
        level,
        code,
        utcnow(),
        tell_granted=lambda: notice(
            person, now=utcnow(), granted=True, role=role, level=level, code=code
        ),
        tell_replaced=lambda predecessor: notice(
            predecessor, now=utcnow(), granted=False, role="assistant", level="mahalla"
        ),
    )
    log.info("role %s %s granted to user %s by user %s", level, code, person.id, user.id)
    place = esc(await place_label(session, level, code, user.locale))
    notice = (_("Done: now {role}: {place}.") if granted else _("Already {role}: {place}.")).format(
        role=role_label(role, level), place=place
    )
    await show_in_place(query, *await person_card(session, person, user.locale, notice))


async def _confirm_replacement(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    person: User,
    code: str,
    others: list[User],
) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes"), callback_data=PlaceCB(purpose="gm", level=CONFIRMED, code=code)
    )
    builder.row(back_button(AdminAction.CARD, id=person.id))
    text = _(
        "Mahalla: <b>{place}</b>\nNew assistant: {name}\nReplaces: {old}. Both will be told."
        "\nConfirm?"
    ).format(
        place=esc(await place_label(session, "mahalla", code, user.locale)),
        name=person_label(person),
        old=", ".join(person_label(p) for p in others),
    )
    await show_in_place(query, text, builder.as_markup())


async def on_grant_place(
    query: CallbackQuery, callback_data: PlaceCB, **data: Unpack[AdminData]
) -> None:
    session, user, state, i18n = data["session"], data["user"], data["state"], data["i18n"]
    settings = data["settings"]
    fsm_data = await state.get_data()
    person = await live_person(session, int(fsm_data.get("grant_user") or 0))
    level = GRANT_PURPOSES[callback_data.purpose][0]
    if person is None:
        await refuse(query, user, f"grant-{callback_data.purpose}")
        return
    if await place_level(session, callback_data.code) != level:
        await refuse(query, user, f"grant-{callback_data.purpose}")
        return
    now = utcnow()
    if level == "mahalla" and callback_data.level != CONFIRMED:
        current = await supervision.mahalla_assistants(session, callback_data.code, now)
        others = [p for p in current if p.id != person.id]
        if others:  # say whom it replaces and wait for a yes
            await query.answer()
            await _confirm_replacement(query, session, user, person, callback_data.code, others)
            return
    await state.clear()
    await query.answer()
    await _grant(query, session, user, person, level, callback_data.code, Tell(i18n, settings))


#: Ending a role asks first: each question's button and the confirmed action it leads to.
REVOKE_CONFIRMS = {
    AdminAction.REVOKE_ASSISTANT: AdminAction.REVOKE_ASSISTANT_YES,
    AdminAction.REVOKE_SUPERVISOR: AdminAction.REVOKE_SUPERVISOR_YES,
}


async def on_revoke(query: CallbackQuery, callback_data: AdmCB, **data: Unpack[AdminData]) -> None:
    """End the assistant or supervisor role: the first press asks, the confirmed one ends it."""
    session, user, i18n, settings = data["session"], data["user"], data["i18n"], data["settings"]
    person = await pressed_person(query, callback_data, data)
    if person is None:
        return
    action = callback_data.action
    assistant = action in {AdminAction.REVOKE_ASSISTANT, AdminAction.REVOKE_ASSISTANT_YES}
    if action in REVOKE_CONFIRMS:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Yes, end it"),
            callback_data=AdmCB(action=REVOKE_CONFIRMS[action], id=person.id),
        )
        builder.row(back_button(AdminAction.CARD, id=person.id))
        question = (
            _("End the assistant role of {name}? The mahalla's cases stay with the mahalla.")
            if assistant
            else _("End the supervisor role of {name}?")
        )
        await show_in_place(
            query, question.format(name=esc(person.name or "—")), builder.as_markup()
        )
        return
    now = utcnow()
    ended = await role_changes.end(
        session,
        person,
        assistant=assistant,
        now=now,
        notify=lambda: queue_role_notice(
            session,
            i18n,
            person,
            settings.admin_ids,
            now,
            granted=False,
            role="assistant" if assistant else "supervisor",
            level="mahalla" if assistant else "",
        ),
    )
    log.info("role ended for user %s by user %s (%s terms)", person.id, user.id, ended)
    notice = _("The role has ended.") if ended else _("There was no such role to end.")
    await show_in_place(query, *await person_card(session, person, user.locale, notice))

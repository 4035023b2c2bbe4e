"""The supervisor's assistants: the list, deactivating one, and inviting one for a mahalla of
their area with the place picker. Apart from the case screens: it changes who works, not
where a case goes.
"""

from __future__ import annotations

from functools import partial
from typing import Unpack

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, PlaceCB, SupervisorAction, SvCB
from bot.handlers.admin import make_invite, picking
from bot.handlers.admin_common import AdminData
from bot.handlers.places import show_districts, show_mahallas, show_regions
from bot.handlers.supervisor_common import PER_PAGE, SupervisorData, log, paged_list, refuse
from bot.i18n import current_locale
from bot.services import registry, supervision
from bot.services.paging import Page
from bot.services.roles import Roles
from bot.views.keyboards.common import paged_buttons
from bot.views.screens import pressed_message, show_in_place
from bot.views.texts import esc, queue_role_notice
from db.models import User, utcnow

INVITE_PURPOSE = "sa"  # the place picker's purpose for a supervisor's assistant invite


async def _assistants_view(
    session: AsyncSession, roles: Roles, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    shown = Page.of(
        await supervision.assistants_in_scope(session, roles.scopes, utcnow()), page, PER_PAGE
    )
    items = [
        (
            f"{person.name or '—'} · {registry.place_name(mahalla, current_locale())}",
            SvCB(action=SupervisorAction.DEACTIVATE, id=person.id, page=shown.page),
        )
        for person, mahalla in shown.items
    ]
    extra = [
        InlineKeyboardButton(
            text=_("🔗 Invite an assistant"),
            callback_data=SvCB(action=SupervisorAction.INVITE).pack(),
        )
    ]
    markup = paged_buttons(
        items, shown.window, lambda p: SvCB(action=SupervisorAction.ASSISTANTS, page=p), extra=extra
    )
    text = _("👥 Assistants in your area: {count}. Press one to deactivate them.").format(
        count=shown.total
    )
    return text, markup


on_assistants_menu, on_assistants_page = paged_list(_assistants_view)


async def on_deactivate(
    query: CallbackQuery, callback_data: SvCB, session: AsyncSession, user: User, roles: Roles
) -> None:
    person = await supervision.assistant_in_scope(session, roles.scopes, callback_data.id, utcnow())
    if person is None:
        await refuse(query, user, callback_data)
        return
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, deactivate"),
        callback_data=SvCB(action=SupervisorAction.DEACTIVATE_YES, id=person.id),
    )
    builder.button(
        text=_("⬅️ Back"),
        callback_data=SvCB(action=SupervisorAction.ASSISTANTS, page=callback_data.page),
    )
    builder.adjust(1)
    await query.answer()
    await show_in_place(
        query,
        _(
            "Deactivate {name} as an assistant? Their cases stay with the mahalla and go to "
            "the next assistant."
        ).format(name=esc(person.name or "—")),
        builder.as_markup(),
    )


async def on_deactivate_yes(
    query: CallbackQuery, callback_data: SvCB, **data: Unpack[SupervisorData]
) -> None:
    session, i18n, now = data["session"], data["i18n"], utcnow()
    tell = partial(queue_role_notice, admin_ids=data["settings"].admin_ids, now=now, granted=False)
    person = await supervision.end_assistant(  # nothing behind their back: they are told
        session,
        data["roles"].scopes,
        callback_data.id,
        now,
        partial(tell, session, i18n, role="assistant"),
    )
    if person is None:
        await refuse(query, data["user"], callback_data)
        return
    log.info("assistant %s deactivated by supervisor %s", callback_data.id, data["user"].id)
    await query.answer()
    await show_in_place(query, _("Done: the assistant is deactivated."), None)


async def _start_invite(
    target: Message, session: AsyncSession, state: FSMContext, roles: Roles, locale: str
) -> None:
    """Open the place picker where the supervisor's scope starts (their district or region)."""
    await state.update_data(purpose=INVITE_PURPOSE)  # open until its link is made
    scope = roles.scopes[0]
    if len(roles.scopes) == 1 and scope.level == "district" and scope.code:
        await show_mahallas(target, session, state, INVITE_PURPOSE, scope.code, locale)
    elif len(roles.scopes) == 1 and scope.level == "region" and scope.code:
        await show_districts(target, session, INVITE_PURPOSE, scope.code, locale)
    else:
        await show_regions(target, session, INVITE_PURPOSE, locale, edit=True)


async def on_invite_menu(message: Message, state: FSMContext) -> None:
    await state.clear()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Choose the mahalla"), callback_data=SvCB(action=SupervisorAction.INVITE))
    await message.answer(
        _("Invite an assistant for a mahalla of your area."), reply_markup=builder.as_markup()
    )


async def on_invite(
    query: CallbackQuery, session: AsyncSession, user: User, roles: Roles, state: FSMContext
) -> None:
    message = await pressed_message(query)
    if message is None:
        return
    await query.answer()
    await _start_invite(message, session, state, roles, user.locale)


async def on_invite_place(
    query: CallbackQuery, callback_data: PlaceCB, roles: Roles, **data: Unpack[AdminData]
) -> None:
    """An invite for the chosen mahalla (`make_invite`, as the admin's), if it is in scope."""
    session, user, state = data["session"], data["user"], data["state"]
    mahalla = await registry.get_mahalla(session, callback_data.code)
    district = await registry.get_district(session, mahalla.district_soato) if mahalla else None
    if not await picking(state, INVITE_PURPOSE):
        await query.answer(_("This button is out of date."))
        return
    if (
        not isinstance(query.message, Message)
        or mahalla is None
        or district is None
        or not supervision.covers(roles.scopes, district.soato, district.region_soato)
    ):
        log.warning("supervisor invite refused: user=%s mahalla=%s", user.id, callback_data.code)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer()
    confirmed = callback_data.level == CONFIRMED
    await make_invite(
        query.message,
        data,
        "assistant",
        "mahalla",
        mahalla.code,
        confirmed=confirmed,
        purpose=INVITE_PURPOSE,
    )

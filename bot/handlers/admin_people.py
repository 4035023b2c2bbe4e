"""The admin's people screens: find people by role and place (typed or chosen), the paged
list and a person's card with their roles. The typed place is taken by its step
(`FindPlaceStep`). Apart from granting and revoking, which start from the card (`admin_roles`)
and draw it again when done.
"""

from __future__ import annotations

from typing import Unpack

from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmCB, AdminAction
from bot.filters import AnyMenuButton
from bot.handlers.admin_common import AdminData, back_button, refuse
from bot.handlers.dialog import TYPED, Step
from bot.i18n import fmt_number
from bot.services import registry
from bot.services import roles as role_service
from bot.states import AdminWork
from bot.views.keyboards.common import paged_buttons
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from bot.views.texts import esc, place_label, role_label
from db.models import Mahalla, User, utcnow

PER_PAGE = 8
ROLE_CODES = {"a": "assistant", "s": "supervisor", "c": "citizen"}


def _role_title(role: str) -> str:
    return {
        "assistant": _("Assistants"),
        "supervisor": _("Supervisors"),
        "citizen": _("Citizens"),
    }[role]


async def place_level(session: AsyncSession, code: str) -> str | None:
    """Which kind of place `code` names: region | district | mahalla, or None."""
    if await registry.get_mahalla(session, code) is not None:
        return "mahalla"
    if await registry.get_district(session, code) is not None:
        return "district"
    if await registry.get_region(session, code) is not None:
        return "region"
    return None


async def on_find(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    builder = InlineKeyboardBuilder()
    for code, role in ROLE_CODES.items():
        builder.button(
            text=_role_title(role), callback_data=AdmCB(action=AdminAction.FIND_ROLE, v=code)
        )
    builder.adjust(1)
    builder.row(back_button())
    await query.answer()
    await show_in_place(query, _("Whom are you looking for?"), builder.as_markup())


async def on_find_role(
    query: CallbackQuery, callback_data: AdmCB, user: User, state: FSMContext
) -> None:
    if callback_data.v not in ROLE_CODES:
        await refuse(query, user, "fr")
        return
    await state.set_state(AdminWork.find_place)
    await state.update_data(role=callback_data.v)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🌐 All places"), callback_data=AdmCB(action=AdminAction.PEOPLE, v=callback_data.v)
    )
    builder.row(back_button(AdminAction.FIND_PEOPLE))
    await query.answer()
    await show_in_place(
        query,
        _(
            "{role}: type a place name (region, district or mahalla) or its code, or press "
            "All places."
        ).format(role=_role_title(ROLE_CODES[callback_data.v])),
        builder.as_markup(),
    )


async def _people_view(
    session: AsyncSession, role_code: str, place: str, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    role = ROLE_CODES[role_code]
    now = utcnow()
    found = await role_service.find_users(session, role, place or None, now, page, PER_PAGE)
    level = await place_level(session, place) if place else "country"
    where = esc(await place_label(session, level or "country", place or None, locale))
    lines = [
        _("{role} — {place}: {count}").format(
            role=_role_title(role), place=where, count=fmt_number(found.total)
        )
    ]
    items = []
    for number, person in found.numbered():
        held = await role_service.load_roles(session, person, [], now)
        places = [await place_label(session, "mahalla", code, locale) for code in held.mahallas]
        places += [await place_label(session, s.level, s.code, locale) for s in held.scopes]
        extra = f" · {esc(', '.join(places))}" if places else ""
        lines.append(f"{number}. {esc(person.name or '—')} · tg {person.telegram_id}{extra}")
        items.append(
            (f"{number}. {(person.name or '—')[:40]}", AdmCB(action=AdminAction.CARD, id=person.id))
        )
    if not found.items:
        lines.append(_("Nobody found."))
    markup = paged_buttons(
        items,
        found.window,
        lambda p: AdmCB(action=AdminAction.PEOPLE, v=f"{role_code}.{place}", page=p),
        columns=2,
        extra=[back_button(AdminAction.FIND_PEOPLE)],
    )
    return fit_message(["\n".join(lines)]), markup


class FindPlaceStep(Step, state=AdminWork.find_place.state):
    """A place name or code typed to find people (`role` in data); answers every other message
    itself too."""

    @on.message(*TYPED)
    async def on_find_place(
        self, message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        role_code = (await state.get_data()).get("role")
        code = (message.text or "").strip()
        if role_code not in ROLE_CODES:
            await state.clear()
            await message.answer(_("This button is out of date. Please use the menu or /start."))
            return
        is_code = len(code) <= 20 and await place_level(session, code) is not None
        found = [] if is_code else await registry.find_places(session, code[:100])
        if is_code or len(found) == 1:
            await state.clear()
            place = code if is_code else found[0].code
            text, markup = await _people_view(session, role_code, place, 0, user.locale)
            await message.answer(text, reply_markup=markup)
            return
        if not found:
            await message.answer(
                _(
                    "No region, district or mahalla is called “{name}”. Type a part of its name "
                    "(or its code), or /cancel."
                ).format(name=esc(code[:40]))
            )
            return
        builder = InlineKeyboardBuilder()
        for place in found:
            label = registry.place_name(place.place, user.locale)
            if isinstance(place.place, Mahalla):  # many share a name: say whose district
                district = await registry.get_district(session, place.place.district_soato)
                if district is not None:
                    label += f" ({registry.place_name(district, user.locale)})"
            builder.button(
                text=label[:60],
                callback_data=AdmCB(action=AdminAction.PEOPLE, v=f"{role_code}.{place.code}"),
            )
        builder.adjust(1)
        builder.row(back_button(AdminAction.FIND_ROLE, v=role_code))  # to typing the place again
        text = _("Places with “{name}” in their name: choose one.").format(name=esc(code[:40]))
        await message.answer(text, reply_markup=builder.as_markup())

    @on.message(~AnyMenuButton())
    async def on_find_other(self, message: Message) -> None:
        await message.answer(_("Please type a place name or code as text, or /cancel."))


async def on_people_page(
    query: CallbackQuery, callback_data: AdmCB, **data: Unpack[AdminData]
) -> None:
    role_code, _sep, place = callback_data.v.partition(".")
    if role_code not in ROLE_CODES or len(place) > 20:
        await refuse(query, data["user"], "fl")
        return
    await data["state"].clear()
    await query.answer()
    await show_in_place(
        query,
        *await _people_view(
            data["session"], role_code, place, callback_data.page, data["user"].locale
        ),
    )


async def person_card(
    session: AsyncSession, person: User, locale: str, notice: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    held = await role_service.load_roles(session, person, [], utcnow())
    lines = [notice, ""] if notice else []
    lines.append(f"👤 <b>{esc(person.name or '—')}</b> · tg {person.telegram_id}")
    if person.mahalla_code:
        lines.append(
            _("Lives in: {place}").format(
                place=esc(await place_label(session, "mahalla", person.mahalla_code, locale))
            )
        )
    for code in held.mahallas:
        place = esc(await place_label(session, "mahalla", code, locale))
        lines.append(f"• {role_label('assistant', 'mahalla')}: {place}")
    for scope in held.scopes:
        place = esc(await place_label(session, scope.level, scope.code, locale))
        lines.append(f"• {role_label('supervisor', scope.level)}: {place}")
    if not held.mahallas and not held.scopes:
        lines.append(_("No assistant or supervisor role."))
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("➕ Make assistant of a mahalla"),
        callback_data=AdmCB(action=AdminAction.GRANT_ASSISTANT, id=person.id),
    )
    builder.button(
        text=_("➕ Make supervisor"),
        callback_data=AdmCB(action=AdminAction.GRANT_SUPERVISOR, id=person.id),
    )
    if held.mahallas:
        builder.button(
            text=_("➖ End the assistant role"),
            callback_data=AdmCB(action=AdminAction.REVOKE_ASSISTANT, id=person.id),
        )
    if held.scopes:
        builder.button(
            text=_("➖ End the supervisor role"),
            callback_data=AdmCB(action=AdminAction.REVOKE_SUPERVISOR, id=person.id),
        )
    builder.adjust(1)
    builder.row(back_button(AdminAction.FIND_PEOPLE))
    return fit_message(["\n".join(lines)]), builder.as_markup()


async def live_person(session: AsyncSession, person_id: int) -> User | None:
    person = await session.get(User, person_id)
    return person if person is not None and person.deleted_at is None else None


async def pressed_person(
    query: CallbackQuery, callback_data: AdmCB, data: AdminData
) -> User | None:
    """The person a button of their card names, if still there (else the press is refused);
    any dialog open is left and the press answered."""
    person = await live_person(data["session"], callback_data.id)
    if person is None:
        await refuse(query, data["user"], callback_data.action)
        return None
    await data["state"].clear()
    await query.answer()
    return person


async def on_card(query: CallbackQuery, callback_data: AdmCB, **data: Unpack[AdminData]) -> None:
    person = await pressed_person(query, callback_data, data)
    if person is None:
        return
    await show_in_place(query, *await person_card(data["session"], person, data["user"].locale))

"""Supervisors' work: overdue cases of their area, mahallas without an assistant and the
district queue, reassigning a case with a reason to any assistant of their area, inviting and deactivating assistants, and
announcements: the one flow for everybody (supervisors to the assistants of their areas, admins
to any place), with a confirm step showing whom it reaches.

Every id from a callback or FSM data is re-checked with `bot.services.supervision` against the
person's scopes; a refusal is logged with ids only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from functools import partial

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, DrillCB, PickCB, PlaceCB, SvCB
from bot.config import Settings
from bot.filters import AnyMenuButton, MenuButton
from bot.flows.loader import FlowRegistry
from bot.handlers import drilldown
from bot.handlers.admin import _make as make_invite
from bot.handlers.admin import picking
from bot.handlers.places import show_districts, show_mahallas, show_regions
from bot.i18n import current_locale
from bot.notifications import cases as notify
from bot.services import announcements, case_work, cases, registry, supervision
from bot.services.eligibility import EligibilityRules
from bot.services.roles import Roles
from bot.states import SupervisorWork
from bot.views import counted
from bot.views.case_card import card_sections, row_label
from bot.views.keyboards.common import main_menu, paged_buttons
from bot.views.render import fit_message
from bot.views.screens import pressed_message, show_in_place
from bot.views.texts import esc, place_label, queue_role_notice, supervisor_help_lines
from db.models import Case, User, utcnow

log = logging.getLogger(__name__)

PER_PAGE = 8
ANNOUNCEMENT_MAX = announcements.TEXT_MAX
INVITE_PURPOSE = "sa"  # the place picker's purpose for a supervisor's assistant invite


async def _refuse(query: CallbackQuery, user: User, data: SvCB) -> None:
    log.warning("supervisor refused: user=%s id=%s action=%s", user.id, data.id, data.action)
    await query.answer(_("This button is out of date."), show_alert=True)


PagedView = Callable[[AsyncSession, Roles, int], Awaitable[tuple[str, InlineKeyboardMarkup]]]
Handler = Callable[..., Awaitable[None]]


def _paged_list(view: PagedView) -> tuple[Handler, Handler]:
    """The handlers of a paged list: its menu button (page 1, a new message) and its page
    buttons (redrawn in place). The overdue cases and the assistants are listed alike."""

    async def on_menu(
        message: Message, session: AsyncSession, roles: Roles, state: FSMContext
    ) -> None:
        await state.clear()
        text, markup = await view(session, roles, 0)
        await message.answer(text, reply_markup=markup)

    async def on_page(
        query: CallbackQuery, callback_data: SvCB, session: AsyncSession, roles: Roles
    ) -> None:
        text, markup = await view(session, roles, max(0, callback_data.page))
        await query.answer()
        await show_in_place(query, text, markup)

    return on_menu, on_page


# --- overdue cases and the read-only card --------------------------------------------------


async def _overdue_view(
    session: AsyncSession, roles: Roles, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    now = utcnow()
    rows, total = await supervision.overdue_page(session, roles.scopes, now, page, PER_PAGE)
    names = await cases.user_names(session, [c.user_id for c in rows])
    items = [
        (
            row_label(c, names.get(c.user_id), now, late=True),
            SvCB(action="open", id=c.id, page=page),
        )
        for c in rows
    ]
    text = (
        _("⏰ Overdue cases in your area: {count}").format(count=total)
        if total
        else _("No overdue cases in your area. 👍")
    )
    markup = paged_buttons(
        items,
        page=page,
        per_page=PER_PAGE,
        total=total,
        page_cb=lambda p: SvCB(action="over", page=p),
    )
    return text, markup


on_overdue_menu, on_overdue_page = _paged_list(_overdue_view)


async def on_open(
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
) -> None:
    case = await supervision.case_in_scope(session, roles.scopes, callback_data.id)
    if case is None:
        await _refuse(query, user, callback_data)
        return
    now = utcnow()
    sections = await card_sections(session, case, user.locale, flows, rules, settings, now)
    worker = await cases.responsible(session, case, now)
    sections.insert(
        1,
        _("Assistant: {name}").format(name=esc(worker.name or "—") if worker else _("nobody")),
    )
    builder = InlineKeyboardBuilder()
    if case.status in cases.OPEN_STATUSES:
        builder.button(text=_("🔁 Reassign"), callback_data=SvCB(action="ra", id=case.id))
    came_from = callback_data.v.split(".")
    if len(came_from) == 3 and came_from[0] == "a" and came_from[2].isdigit():
        # Opened from an assistant's drill-down screen: Back returns there (re-checked there).
        back = DrillCB(level="a", code=came_from[1], id=int(came_from[2]))
        builder.button(text=_("⬅️ Back"), callback_data=back)
    else:
        builder.button(
            text=_("⬅️ Overdue list"), callback_data=SvCB(action="over", page=callback_data.page)
        )
    builder.adjust(1)
    await query.answer()
    await show_in_place(query, fit_message(sections), builder.as_markup())


# --- reassignment ---------------------------------------------------------------------------


PICK_LEVELS = {"c": "country", "r": "region", "d": "district"}
PICK_CODES = {level: code for code, level in PICK_LEVELS.items()}


async def _pick_view(
    session: AsyncSession, roles: Roles, case: Case, level: str, code: str, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The reassignment picker at one level: h (the person's areas), c (regions), r (districts
    of a region), d (the assistants of a district, the case's own first). None when the place
    is not within the scopes."""
    now = utcnow()
    first_screen = PickCB(case=case.id, level="d", code=case.district_soato)
    if level == "h":
        places = await supervision.scope_places(session, roles.scopes)
        if len(places) != 1:
            items = [
                (
                    await place_label(session, p.level, p.code, locale),
                    PickCB(case=case.id, level=PICK_CODES[p.level], code=p.code or ""),
                )
                for p in places
            ]
            markup = paged_buttons(
                items,
                page=0,
                per_page=max(1, len(items)),
                total=len(items),
                page_cb=lambda p: PickCB(case=case.id, level="h"),
                extra=[_button(_("⬅️ Back"), first_screen)],
            )
            return _("Request <b>{number}</b>: choose the area of the new assistant.").format(
                number=case.number
            ), markup
        level, code = PICK_CODES[places[0].level], places[0].code or ""
    place = await supervision.place_in_scope(
        session, roles.scopes, PICK_LEVELS.get(level, ""), code or None
    )
    if place is None:
        return None
    if place.level == "district":
        worker = await cases.responsible(session, case, now)
        people = [
            (person, mahalla)
            for person, mahalla in await supervision.assistants_in_scope(
                session, (place.scope,), now
            )
            if worker is None or person.id != worker.id
        ]
        shown = people[page * PER_PAGE : (page + 1) * PER_PAGE]
        items = [
            (
                f"{person.name or '—'} · {registry.place_name(mahalla, current_locale())}",
                SvCB(action="rto", id=case.id, v=str(person.id)),
            )
            for person, mahalla in shown
        ]
        extra = []
        if place.scope not in roles.scopes or len(roles.scopes) > 1:
            extra.append(_button(_("🗺 Another district"), PickCB(case=case.id, level="h")))
        extra.append(_button(_("⬅️ Back"), SvCB(action="open", id=case.id)))
        name = esc(registry.place_name(place, locale))
        text = (
            _("Request <b>{number}</b>: whom should it go to?").format(number=case.number)
            + f"\n{name}"
            if people
            else _("There is no other assistant in this district.") + f"\n{name}"
        )
        return text, paged_buttons(
            items,
            page=page,
            per_page=PER_PAGE,
            total=len(people),
            page_cb=lambda p: PickCB(case=case.id, level="d", code=place.code or "", page=p),
            extra=extra,
        )
    found = await supervision.assistant_places(session, roles.scopes, place, now)
    shown_places = found[page * PER_PAGE : (page + 1) * PER_PAGE]
    items = [
        (
            f"{registry.place_name(child, locale)} · {count}",
            PickCB(case=case.id, level=PICK_CODES[child.level], code=child.code or ""),
        )
        for child, count in shown_places
    ]
    markup = paged_buttons(
        items,
        page=page,
        per_page=PER_PAGE,
        total=len(found),
        page_cb=lambda p: PickCB(
            case=case.id, level=PICK_CODES[place.level], code=place.code or "", page=p
        ),
        extra=[_button(_("⬅️ Back"), first_screen)],
    )
    return _("Request <b>{number}</b>: choose the area of the new assistant.").format(
        number=case.number
    ), markup


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def on_reassign(
    query: CallbackQuery, callback_data: SvCB, session: AsyncSession, user: User, roles: Roles
) -> None:
    """Offer the assistants of the case's district first; "Another district" opens the rest of
    the scope (regions, then districts, paged)."""
    case = await supervision.case_in_scope(session, roles.scopes, callback_data.id)
    view = (
        await _pick_view(session, roles, case, "d", case.district_soato, 0, user.locale)
        if case is not None and case.status in cases.OPEN_STATUSES
        else None
    )
    if view is None:
        await _refuse(query, user, callback_data)
        return
    await query.answer()
    await show_in_place(query, *view)


async def on_pick(
    query: CallbackQuery, callback_data: PickCB, session: AsyncSession, user: User, roles: Roles
) -> None:
    case = await supervision.case_in_scope(session, roles.scopes, callback_data.case)
    view = (
        await _pick_view(
            session,
            roles,
            case,
            callback_data.level,
            callback_data.code,
            max(0, callback_data.page),
            user.locale,
        )
        if case is not None and case.status in cases.OPEN_STATUSES
        else None
    )
    if view is None:
        log.warning(
            "supervisor pick refused: user=%s id=%s place=%s:%s",
            user.id,
            callback_data.case,
            callback_data.level,
            callback_data.code,
        )
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer()
    await show_in_place(query, *view)


async def on_reassign_to(
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
) -> None:
    case = await supervision.case_in_scope(session, roles.scopes, callback_data.id)
    target = (
        await supervision.assistant_in_scope(session, roles.scopes, int(callback_data.v), utcnow())
        if callback_data.v.isdigit()
        else None
    )
    if case is None or target is None or case.status not in cases.OPEN_STATUSES:
        await _refuse(query, user, callback_data)
        return
    await state.set_state(SupervisorWork.reason)
    await state.update_data(case=case.id, to=target.id)
    await query.answer()
    await show_in_place(
        query,
        _(
            "Request <b>{number}</b> will go to {name}. Type the reason in one message "
            "(the assistants and the citizen will see it), or /cancel."
        ).format(number=case.number, name=esc(target.name or "—")),
        None,
    )


async def on_reason(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    reason = (message.text or "").strip()
    if not reason or len(reason) > supervision.REASON_MAX:
        await message.answer(counted.reason_prompt(supervision.REASON_MAX))
        return
    await state.clear()
    case = await supervision.case_in_scope(session, roles.scopes, int(data.get("case") or 0))
    if case is None:
        log.warning("supervisor reassign refused: user=%s case=%s", user.id, data.get("case"))
        await message.answer(_("This button is out of date."))
        return
    try:
        new = await case_work.reassign(
            session,
            case=case,
            scopes=roles.scopes,
            new_assignee_id=int(data.get("to") or 0),
            actor=user,
            reason=reason,
            now=utcnow(),
            notify=partial(notify.case_reassigned, session, i18n, case),
        )
    except supervision.SupervisionError as exc:
        log.info("supervisor reassign not done: user=%s case=%s: %s", user.id, case.id, exc)
        await session.rollback()
        await message.answer(_("This case can no longer be reassigned."))
        return
    await message.answer(
        _(
            "Done: request <b>{number}</b> now goes to {name}. Both assistants and the citizen are told."
        ).format(number=case.number, name=esc(new.name or "—")),
        reply_markup=main_menu(roles),
    )


async def on_typing_other(message: Message) -> None:
    await message.answer(_("I can only take text here. Type it, or send /cancel to stop."))


# --- mahallas without an assistant and the queue -----------------------------------------


async def on_queue_menu(
    message: Message, session: AsyncSession, user: User, roles: Roles, state: FSMContext
) -> None:
    await state.clear()
    now = utcnow()
    empty = await supervision.mahallas_without_assistant(session, roles.scopes, now)
    queue = await supervision.queue_cases(session, roles.scopes, now)
    lines = [_("🏚 Mahallas without an assistant: {count}").format(count=len(empty))]
    lines += [f"• {esc(registry.place_name(m, user.locale))} ({m.code})" for m in empty[:30]]
    if len(empty) > 30:
        lines.append(_("…and {count} more.").format(count=len(empty) - 30))
    lines.append("")
    lines.append(_("📥 Cases waiting in the queue: {count}").format(count=len(queue)))
    names = await cases.user_names(session, [c.user_id for c in queue])
    builder = InlineKeyboardBuilder()
    for case in queue[: PER_PAGE * 2]:
        builder.button(
            text=row_label(case, names.get(case.user_id), now),
            callback_data=SvCB(action="open", id=case.id),
        )
    builder.adjust(1)
    await message.answer(fit_message(lines), reply_markup=builder.as_markup())


# --- assistants: list, deactivate, invite ---------------------------------------------------


async def _assistants_view(
    session: AsyncSession, roles: Roles, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    people = await supervision.assistants_in_scope(session, roles.scopes, utcnow())
    chunk = people[page * PER_PAGE : (page + 1) * PER_PAGE]
    items = [
        (
            f"{person.name or '—'} · {registry.place_name(mahalla, current_locale())}",
            SvCB(action="deact", id=person.id, page=page),
        )
        for person, mahalla in chunk
    ]
    extra = [
        InlineKeyboardButton(
            text=_("🔗 Invite an assistant"), callback_data=SvCB(action="inv").pack()
        )
    ]
    markup = paged_buttons(
        items,
        page=page,
        per_page=PER_PAGE,
        total=len(people),
        page_cb=lambda p: SvCB(action="asst", page=p),
        extra=extra,
    )
    text = _("👥 Assistants in your area: {count}. Press one to deactivate them.").format(
        count=len(people)
    )
    return text, markup


on_assistants_menu, on_assistants_page = _paged_list(_assistants_view)


async def on_deactivate(
    query: CallbackQuery, callback_data: SvCB, session: AsyncSession, user: User, roles: Roles
) -> None:
    person = await supervision.assistant_in_scope(session, roles.scopes, callback_data.id, utcnow())
    if person is None:
        await _refuse(query, user, callback_data)
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, deactivate"), callback_data=SvCB(action="deacty", id=person.id))
    builder.button(text=_("⬅️ Back"), callback_data=SvCB(action="asst", page=callback_data.page))
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
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    settings: Settings,
) -> None:
    now = utcnow()
    tell = partial(queue_role_notice, admin_ids=settings.admin_ids, now=now, granted=False)
    person = await supervision.end_assistant(  # nothing behind their back: they are told
        session, roles.scopes, callback_data.id, now, partial(tell, session, i18n, role="assistant")
    )
    if person is None:
        await _refuse(query, user, callback_data)
        return
    log.info("assistant %s deactivated by supervisor %s", callback_data.id, user.id)
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
    builder.button(text=_("Choose the mahalla"), callback_data=SvCB(action="inv"))
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
    query: CallbackQuery,
    callback_data: PlaceCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    state: FSMContext,
) -> None:
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
    await make_invite(
        query.message,
        session,
        user,
        bot,
        settings,
        state,
        "assistant",
        "mahalla",
        mahalla.code,
        confirmed=callback_data.level == CONFIRMED,
        purpose=INVITE_PURPOSE,
    )


# --- announcements (supervisors within their areas, admins anywhere) -----------------------


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
        builder.button(text=_("🇺🇿 The whole country"), callback_data=SvCB(action="anw", v="c"))
        builder.button(text=_("A region"), callback_data=SvCB(action="anw", v="r"))
        builder.button(text=_("A district"), callback_data=SvCB(action="anw", v="d"))
    else:
        for place in await supervision.scope_places(session, announcements.own_areas(roles)):
            builder.button(
                text=await place_label(session, place.level, place.code, locale),
                callback_data=SvCB(action="anp", v=_area_data(place.level, place.code)),
            )
    builder.button(text=_("✖️ Cancel"), callback_data=SvCB(action="ann", v="cancel"))
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
    text = counted.announcement_prompt(name, ANNOUNCEMENT_MAX)
    markup = None
    if roles.is_admin or len(roles.scopes) > 1:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("⬅️ Back"), callback_data=SvCB(action="anw"))
        markup = builder.as_markup()
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


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


async def _chosen(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    level: str,
    code: str | None,
) -> None:
    place = await announcements.allowed_place(session, roles, level, code)
    if place is None or not isinstance(query.message, Message):
        log.warning("announcement place refused: user=%s place=%s:%s", user.id, level, code)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await query.answer()
    await _ask_text(query.message, session, roles, state, place, user.locale, edit=True)


async def on_announce_where(
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
) -> None:
    """anw: back to the choice (v empty); an admin's whole country (c), or pick a region (r) or
    a district (d) with the place picker."""
    if callback_data.v == "c":
        await _chosen(query, session, user, roles, state, "country", None)
        return
    if not isinstance(query.message, Message) or (callback_data.v and not roles.is_admin):
        await _refuse(query, user, callback_data)
        return
    await state.clear()
    await query.answer()
    if callback_data.v in ("r", "d"):
        await show_regions(query.message, session, "x" + callback_data.v, user.locale, edit=True)
        return
    await show_in_place(query, *await _where_view(session, roles, user.locale))


async def on_announce_area(
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
) -> None:
    """anp: one of the supervisor's own areas (v = level code . place code)."""
    level, _sep, code = callback_data.v.partition(".")
    await _chosen(query, session, user, roles, state, PICK_LEVELS.get(level, ""), code or None)


async def on_announce_place(
    query: CallbackQuery,
    callback_data: PlaceCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
) -> None:
    level = ANNOUNCE_PURPOSES[callback_data.purpose] if roles.is_admin else ""
    await _chosen(query, session, user, roles, state, level, callback_data.code)


async def on_announcement_text(
    message: Message, session: AsyncSession, user: User, roles: Roles, state: FSMContext
) -> None:
    try:
        text = announcements.clean_text(message.text)
    except announcements.AnnouncementError:
        await message.answer(counted.announcement_text_prompt(ANNOUNCEMENT_MAX))
        return
    data = await state.get_data()
    place = await announcements.allowed_place(
        session, roles, str(data.get("level") or ""), data.get("code")
    )
    if place is None:
        await state.clear()
        await message.answer(_("This button is out of date. Please use the menu or /start."))
        return
    people = await announcements.audience(session, place.scope, utcnow())
    name = esc(await place_label(session, place.level, place.code, user.locale))
    if not people:
        await state.clear()
        await message.answer(
            _("No assistant serves {place} yet: nothing was sent.").format(place=name),
            reply_markup=main_menu(roles),
        )
        return
    await state.set_state(SupervisorWork.confirm)
    await state.update_data(text=text, key=secrets.token_hex(8))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📣 Send"), callback_data=SvCB(action="ann", v="send"))
    builder.button(text=_("✖️ Cancel"), callback_data=SvCB(action="ann", v="cancel"))
    await message.answer(
        counted.announcement_confirm(len(people), name) + "\n\n" + esc(text),
        reply_markup=builder.as_markup(),
    )


async def on_announce_button(
    query: CallbackQuery,
    callback_data: SvCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    i18n: I18n,
) -> None:
    current = await state.get_state()
    if callback_data.v != "send":
        if current not in (None, SupervisorWork.announcement.state, SupervisorWork.confirm.state):
            await query.answer(_("This button is out of date."), show_alert=True)
            return
        await state.clear()
        await query.answer()
        await show_in_place(query, _("Cancelled: nothing was sent."), None)
        return
    data = await state.get_data()
    place = (
        await announcements.allowed_place(
            session, roles, str(data.get("level") or ""), data.get("code")
        )
        if current == SupervisorWork.confirm.state and data.get("key") and data.get("text")
        else None
    )
    if place is None:
        await _refuse(query, user, callback_data)
        return
    await state.clear()
    text, key = str(data["text"]), str(data["key"])
    queued = await announcements.send(
        session,
        place.scope,
        utcnow(),
        lambda people: notify.announcement(session, i18n, people, text, user, key),
    )
    log.info(
        "announcement %s by user %s to %s %s queued for %s",
        data["key"],
        user.id,
        place.level,
        place.code,
        queued,
    )
    await query.answer()
    await show_in_place(query, counted.announcement_queued(queued), None)


async def on_announce_other(message: Message) -> None:
    await message.answer(counted.announcement_text_prompt(ANNOUNCEMENT_MAX))


async def on_confirm_other(message: Message) -> None:
    await message.answer(_("Please press Send or Cancel above, or /cancel."))


# --- digest now ---------------------------------------------------------------------------


async def on_digest_now(
    message: Message, session: AsyncSession, user: User, roles: Roles, settings: Settings
) -> None:
    """Each scope's daily digest of today so far ("as of" now), rendered by the digest code, so
    it agrees with the drill-down opened next; its buttons (Excel file, by place) are handled
    by `bot.handlers.digests`. Yesterday's comes by itself in the morning."""
    from bot.services import digests
    from bot.views import digest as render
    from bot.views.texts import place_label

    now = utcnow()
    today = now.astimezone(settings.tz).date()
    first = last = today
    targets = digests.Targets(settings.jobs_per_day_target, settings.jobs_per_month_target)
    figures = await digests.compute_all(
        session, set(roles.scopes), "daily", first, last, now, settings.tz, targets
    )
    for scope in roles.scopes:
        place = await place_label(session, scope.level, scope.code, user.locale)
        await message.answer(
            render.digest_text(figures[scope], place, user.locale, now, settings.tz),
            reply_markup=render.digest_keyboard(scope),
        )


# --- help -----------------------------------------------------------------------------------


async def on_help(message: Message) -> None:
    await message.answer("\n".join(supervisor_help_lines()))


def announce_router() -> Router:
    """Announcements, for supervisors and admins alike: built once for each of the two
    audiences (`bot.handlers.audiences`), whose routers check the role."""
    r = Router(name="announce")
    r.message.register(on_announce_menu, MenuButton("announce"))
    typing_announce = StateFilter(SupervisorWork.announcement)
    r.message.register(
        on_announcement_text, typing_announce, F.text, ~F.text.startswith("/"), ~AnyMenuButton()
    )
    r.message.register(on_announce_other, typing_announce, ~AnyMenuButton())
    r.message.register(on_confirm_other, StateFilter(SupervisorWork.confirm), ~AnyMenuButton())
    r.callback_query.register(on_announce_button, SvCB.filter(F.action == "ann"))
    r.callback_query.register(on_announce_where, SvCB.filter(F.action == "anw"))
    r.callback_query.register(on_announce_area, SvCB.filter(F.action == "anp"))
    r.callback_query.register(
        on_announce_place,
        PlaceCB.filter(
            ((F.purpose == "xr") & (F.level == "r")) | ((F.purpose == "xd") & (F.level == "d"))
        ),
    )
    return r


def router() -> Router:
    """The supervisor's work; inside the supervisor audience's router, which checks the role."""
    sup = Router(name="supervisor")
    typing_reason = StateFilter(SupervisorWork.reason)
    sup.message.register(
        on_reason, typing_reason, F.text, ~F.text.startswith("/"), ~AnyMenuButton()
    )
    sup.message.register(on_typing_other, typing_reason, ~AnyMenuButton())
    sup.message.register(on_overdue_menu, MenuButton("s_overdue"))
    sup.message.register(on_queue_menu, MenuButton("s_queue"))
    sup.message.register(on_assistants_menu, MenuButton("s_assistants"))
    sup.message.register(on_invite_menu, MenuButton("s_invite"))
    sup.message.register(on_help, MenuButton("s_help"))
    sup.message.register(on_digest_now, MenuButton("s_digest"))
    sup.callback_query.register(on_overdue_page, SvCB.filter(F.action == "over"))
    sup.callback_query.register(on_open, SvCB.filter(F.action == "open"))
    sup.callback_query.register(on_reassign, SvCB.filter(F.action == "ra"))
    sup.callback_query.register(on_reassign_to, SvCB.filter(F.action == "rto"))
    sup.callback_query.register(on_pick, PickCB.filter())
    sup.callback_query.register(on_assistants_page, SvCB.filter(F.action == "asst"))
    sup.callback_query.register(on_deactivate, SvCB.filter(F.action == "deact"))
    sup.callback_query.register(on_deactivate_yes, SvCB.filter(F.action == "deacty"))
    sup.callback_query.register(on_invite, SvCB.filter(F.action == "inv"))
    sup.callback_query.register(
        on_invite_place,
        PlaceCB.filter((F.purpose == INVITE_PURPOSE) & F.level.in_({"m", CONFIRMED})),
    )
    sup.include_router(drilldown.router())
    return sup

"""Reassigning a case: the picker of the new assistant (the case's district first, then the
rest of the supervisor's areas) and the reason typed in one message, which its step takes
(`ReasonStep`). Apart from the lists because it is one dialog of its own, with a state.
"""

from __future__ import annotations

from functools import partial
from typing import Unpack

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PickCB, SupervisorAction, SvCB
from bot.filters import AnyMenuButton
from bot.handlers.dialog import ONLY_TEXT, TYPED, Step
from bot.handlers.supervisor_common import (
    PER_PAGE,
    PICK_CODES,
    PICK_LEVELS,
    SupervisorData,
    log,
    refuse,
)
from bot.i18n import current_locale
from bot.notifications import cases as notify
from bot.services import case_work, cases, registry, supervision
from bot.services.paging import Page
from bot.services.roles import Roles
from bot.states import SupervisorWork
from bot.views import counted
from bot.views.keyboards.common import list_buttons, main_menu, paged_buttons
from bot.views.screens import show_in_place
from bot.views.texts import esc, place_label
from db.models import Case, User, utcnow


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
            markup = list_buttons(items, extra=[_button(_("⬅️ Back"), first_screen)])
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
        shown = Page.of(people, page, PER_PAGE)
        items = [
            (
                f"{person.name or '—'} · {registry.place_name(mahalla, current_locale())}",
                SvCB(action=SupervisorAction.REASSIGN_TO, id=case.id, v=str(person.id)),
            )
            for person, mahalla in shown.items
        ]
        extra = []
        if place.scope not in roles.scopes or len(roles.scopes) > 1:
            extra.append(_button(_("🗺 Another district"), PickCB(case=case.id, level="h")))
        extra.append(_button(_("⬅️ Back"), SvCB(action=SupervisorAction.OPEN, id=case.id)))
        name = esc(registry.place_name(place, locale))
        text = (
            _("Request <b>{number}</b>: whom should it go to?").format(number=case.number)
            + f"\n{name}"
            if people
            else _("There is no other assistant in this district.") + f"\n{name}"
        )
        return text, paged_buttons(
            items,
            shown.window,
            lambda p: PickCB(case=case.id, level="d", code=place.code or "", page=p),
            extra=extra,
        )
    found = Page.of(
        await supervision.assistant_places(session, roles.scopes, place, now), page, PER_PAGE
    )
    items = [
        (
            f"{registry.place_name(child, locale)} · {count}",
            PickCB(case=case.id, level=PICK_CODES[child.level], code=child.code or ""),
        )
        for child, count in found.items
    ]
    markup = paged_buttons(
        items,
        found.window,
        lambda p: PickCB(
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
        await refuse(query, user, callback_data)
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
            callback_data.page,
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
    query: CallbackQuery, callback_data: SvCB, **data: Unpack[SupervisorData]
) -> None:
    session, user, roles, state = data["session"], data["user"], data["roles"], data["state"]
    case = await supervision.case_in_scope(session, roles.scopes, callback_data.id)
    target = (
        await supervision.assistant_in_scope(session, roles.scopes, int(callback_data.v), utcnow())
        if callback_data.v.isdigit()
        else None
    )
    if case is None or target is None or case.status not in cases.OPEN_STATUSES:
        await refuse(query, user, callback_data)
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


class ReasonStep(Step, state=SupervisorWork.reason.state):
    """The reason of the reassignment, typed in one message."""

    hint = ONLY_TEXT

    @on.message(*TYPED)
    async def on_reason(self, message: Message, **data: Unpack[SupervisorData]) -> None:
        session, user, roles, state = data["session"], data["user"], data["roles"], data["state"]
        saved = await state.get_data()
        reason = (message.text or "").strip()
        if not reason or len(reason) > supervision.REASON_MAX:
            await message.answer(counted.reason_prompt(supervision.REASON_MAX))
            return
        await state.clear()
        case = await supervision.case_in_scope(session, roles.scopes, int(saved.get("case") or 0))
        if case is None:
            log.warning("supervisor reassign refused: user=%s case=%s", user.id, saved.get("case"))
            await message.answer(_("This button is out of date."))
            return
        try:
            new = await case_work.reassign(
                session,
                case=case,
                scopes=roles.scopes,
                new_assignee_id=int(saved.get("to") or 0),
                actor=user,
                reason=reason,
                now=utcnow(),
                notify=partial(notify.case_reassigned, session, data["i18n"], case),
            )
        except supervision.SupervisionError as exc:
            log.info("supervisor reassign not done: user=%s case=%s: %s", user.id, case.id, exc)
            await message.answer(_("This case can no longer be reassigned."))
            return
        await message.answer(
            _(
                "Done: request <b>{number}</b> now goes to {name}. Both assistants and the citizen are told."
            ).format(number=case.number, name=esc(new.name or "—")),
            reply_markup=main_menu(roles),
        )

    @on.message(~AnyMenuButton())
    async def on_typing_other(self, message: Message) -> None:
        await message.answer(_("I can only take text here. Type it, or send /cancel to stop."))

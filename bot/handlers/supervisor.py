"""Supervisors' work: the overdue cases of their area with the read-only card, mahallas
without an assistant and the district queue, today's digest, the help; and the two routers.
The dialogs live beside it: reassigning (`supervisor_reassign`), the assistants
(`supervisor_team`) and announcements (`announce`), whose buttons are registered here; the
input of their typing steps lives in the steps there (`ReasonStep`, `AnnouncementStep`,
`ConfirmStep`), included here.

Every id from a callback or FSM data is re-checked with `bot.services.supervision` against the
person's scopes; a refusal is logged with ids only.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, DrillCB, PickCB, PlaceCB, SupervisorAction, SvCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.flows.loader import FlowRegistry
from bot.handlers import drilldown
from bot.handlers.announce import (
    AnnouncementStep,
    ConfirmStep,
    on_announce_area,
    on_announce_button,
    on_announce_menu,
    on_announce_place,
    on_announce_where,
)
from bot.handlers.dialog import include, register_buttons
from bot.handlers.supervisor_common import PER_PAGE, paged_list, refuse
from bot.handlers.supervisor_reassign import ReasonStep, on_pick, on_reassign, on_reassign_to
from bot.handlers.supervisor_team import (
    INVITE_PURPOSE,
    on_assistants_menu,
    on_assistants_page,
    on_deactivate,
    on_deactivate_yes,
    on_invite,
    on_invite_menu,
    on_invite_place,
)
from bot.services import cases, registry, supervision
from bot.services.eligibility import EligibilityRules
from bot.services.roles import Roles
from bot.views.case_card import card_sections, row_label
from bot.views.keyboards.common import paged_buttons
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from bot.views.texts import esc, supervisor_help_lines
from db.models import User, utcnow

# --- overdue cases and the read-only card --------------------------------------------------


async def _overdue_view(
    session: AsyncSession, roles: Roles, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    now = utcnow()
    found = await supervision.overdue_page(session, roles.scopes, now, page, PER_PAGE)
    names = await cases.user_names(session, [c.user_id for c in found.items])
    items = [
        (
            row_label(c, names.get(c.user_id), now, late=True),
            SvCB(action=SupervisorAction.OPEN, id=c.id, page=found.page),
        )
        for c in found.items
    ]
    text = (
        _("⏰ Overdue cases in your area: {count}").format(count=found.total)
        if found.total
        else _("No overdue cases in your area. 👍")
    )
    markup = paged_buttons(
        items, found.window, lambda p: SvCB(action=SupervisorAction.OVERDUE, page=p)
    )
    return text, markup


on_overdue_menu, on_overdue_page = paged_list(_overdue_view)


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
        await refuse(query, user, callback_data)
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
        builder.button(
            text=_("🔁 Reassign"), callback_data=SvCB(action=SupervisorAction.REASSIGN, id=case.id)
        )
    came_from = callback_data.v.split(".")
    if len(came_from) == 3 and came_from[0] == "a" and came_from[2].isdigit():
        # Opened from an assistant's drill-down screen: Back returns there (re-checked there).
        back = DrillCB(level="a", code=came_from[1], id=int(came_from[2]))
        builder.button(text=_("⬅️ Back"), callback_data=back)
    else:
        builder.button(
            text=_("⬅️ Overdue list"),
            callback_data=SvCB(action=SupervisorAction.OVERDUE, page=callback_data.page),
        )
    builder.adjust(1)
    await query.answer()
    await show_in_place(query, fit_message(sections), builder.as_markup())


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
            callback_data=SvCB(action=SupervisorAction.OPEN, id=case.id),
        )
    builder.adjust(1)
    await message.answer(fit_message(lines), reply_markup=builder.as_markup())


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
    audiences (`bot.handlers.audiences`), whose routers check the role. Each build includes
    its own copy of the typing steps' handlers; the menu button here is never what a step
    takes (they let main-menu buttons through), so the order between them does not matter."""
    r = Router(name="announce")
    r.message.register(on_announce_menu, MenuButton("announce"))
    buttons = {
        SupervisorAction.ANNOUNCE: on_announce_button,
        SupervisorAction.ANNOUNCE_WHERE: on_announce_where,
        SupervisorAction.ANNOUNCE_PLACE: on_announce_area,
    }
    register_buttons(r, SvCB, buttons)
    r.callback_query.register(
        on_announce_place,
        PlaceCB.filter(
            ((F.purpose == "xr") & (F.level == "r")) | ((F.purpose == "xd") & (F.level == "d"))
        ),
    )
    include(r, AnnouncementStep, ConfirmStep)
    return r


def router() -> Router:
    """The supervisor's work; inside the supervisor audience's router, which checks the role.
    The reason step comes after the menu buttons here, which it never takes (it lets main-menu
    buttons through), and before the drill-down, as its handlers were."""
    sup = Router(name="supervisor")
    sup.message.register(on_overdue_menu, MenuButton("s_overdue"))
    sup.message.register(on_queue_menu, MenuButton("s_queue"))
    sup.message.register(on_assistants_menu, MenuButton("s_assistants"))
    sup.message.register(on_invite_menu, MenuButton("s_invite"))
    sup.message.register(on_help, MenuButton("s_help"))
    sup.message.register(on_digest_now, MenuButton("s_digest"))
    buttons = {
        SupervisorAction.OVERDUE: on_overdue_page,
        SupervisorAction.OPEN: on_open,
        SupervisorAction.REASSIGN: on_reassign,
        SupervisorAction.REASSIGN_TO: on_reassign_to,
        SupervisorAction.ASSISTANTS: on_assistants_page,
        SupervisorAction.DEACTIVATE: on_deactivate,
        SupervisorAction.DEACTIVATE_YES: on_deactivate_yes,
        SupervisorAction.INVITE: on_invite,
    }
    register_buttons(sup, SvCB, buttons)
    sup.callback_query.register(on_pick, PickCB.filter())  # its own callback data: order-free
    sup.callback_query.register(
        on_invite_place,
        PlaceCB.filter((F.purpose == INVITE_PURPOSE) & F.level.in_({"m", CONFIRMED})),
    )
    include(sup, ReasonStep)
    sup.include_router(drilldown.router())
    return sup

"""Citizens: "My requests" (list and card with answers, roadmap and history) and "My assistant".

Every case id from a callback is re-checked against the sender: a citizen sees only their own.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CaseAction, CaseCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.flows import telegram as tg
from bot.flows.loader import FlowRegistry
from bot.handlers.dialog import register_buttons
from bot.i18n import fmt_date
from bot.services import cases, drafts, registry
from bot.services.paging import Page
from bot.services.roles import Roles
from bot.views.case_card import assessment_lines
from bot.views.keyboards.common import paged_buttons, personal_menu
from bot.views.render import answer_lines, fit_message
from bot.views.texts import (
    case_kind_label,
    esc,
    outcome_label,
    send_main_menu,
    status_label,
)
from db.models import Case, User, utcnow

log = logging.getLogger(__name__)
PER_PAGE = 6


async def on_personal_menu(message: Message, roles: Roles) -> None:
    """Staff's own household: the citizen's buttons, and the way back to work."""
    await message.answer(
        _("Your own requests, as a resident of your mahalla:"), reply_markup=personal_menu(roles)
    )


async def on_work_menu(message: Message, roles: Roles) -> None:
    await send_main_menu(message, roles)


async def on_my_requests(
    message: Message, session: AsyncSession, user: User, flows: FlowRegistry, settings: Settings
) -> None:
    text, markup = await _list_view(session, user, 0)
    await message.answer(text, reply_markup=markup)
    run = await drafts.unfinished(session, flows, user.id)
    if run is not None:  # a questionnaire put aside is not lost from sight
        started = run.draft.created_at.astimezone(settings.tz).date()
        await message.answer(
            _(
                "You have an unfinished questionnaire from {date}. Continue where you stopped, "
                "or start again?"
            ).format(date=fmt_date(started)),
            reply_markup=tg.resume_offer(run.draft.id),
        )


async def _list_view(
    session: AsyncSession, user: User, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    own = await cases.citizen_cases(session, user)
    if not own:
        return _("You have no requests yet. Use the menu to send one."), None
    shown = Page.of(own, page, PER_PAGE)
    items = [
        (
            f"{case.number} · {case_kind_label(case.kind)} · {status_label(case.status)}",
            CaseCB(action=CaseAction.OPEN, id=case.id),
        )
        for case in shown.items
    ]
    markup = paged_buttons(items, shown.window, lambda p: CaseCB(action=CaseAction.LIST, page=p))
    return _("Your requests: choose one to see its details."), markup


async def on_list_page(
    query: CallbackQuery, callback_data: CaseCB, session: AsyncSession, user: User
) -> None:
    text, markup = await _list_view(session, user, callback_data.page)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def on_open(
    query: CallbackQuery,
    callback_data: CaseCB,
    session: AsyncSession,
    user: User,
    flows: FlowRegistry,
    settings: Settings,
) -> None:
    case = await cases.citizen_case(session, user, callback_data.id)
    if case is None:
        log.warning("user %s asked for a case that is not theirs: %s", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    text = await case_card(session, case, user.locale, flows, settings)
    markup = InlineKeyboardBuilder()
    if case.status in cases.OPEN_STATUSES:
        markup.button(
            text=_("✉️ Write to my assistant"),
            callback_data=CaseCB(action=CaseAction.REPLY, id=case.id),
        )
    markup.button(text=_("⬅️ Back to the list"), callback_data=CaseCB(action=CaseAction.LIST))
    markup.adjust(1)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup.as_markup())


async def case_card(
    session: AsyncSession, case: Case, locale: str, flows: FlowRegistry, settings: Settings
) -> str:
    """The case as the citizen reads it: status, who works it, answers, roadmap, history."""
    head = [
        _("Request <b>{number}</b>: {kind}").format(
            number=case.number, kind=case_kind_label(case.kind)
        ),
        _("Status: {status}").format(status=status_label(case.status)),
        _("Sent: {date}").format(date=fmt_date(case.created_at.astimezone(settings.tz).date())),
    ]
    if case.outcome:
        head.append(_("Outcome: {outcome}").format(outcome=outcome_label(case.outcome)))
    if case.reason:
        head.append(_("Reason: {reason}").format(reason=esc(case.reason)))
    assistant = await cases.responsible(session, case, utcnow())
    head.append(
        _("Assistant: {name}").format(name=esc(assistant.name or "—"))
        if assistant
        else _("Assistant: not assigned yet (the district will assign one)")
    )
    head += assessment_lines(case, locale)
    sections = ["\n".join(head)]

    steps = await cases.roadmap(session, case.id)
    if steps:
        lines = [_("<b>Roadmap</b>")]
        for step in steps:
            mark = "✅" if step.status == "done" else "▫️"
            action = (
                step.action.get(locale)
                or step.action.get("uz")
                or next(iter(step.action.values()), "")
            )
            due = (
                " — " + _("until {date}").format(date=fmt_date(step.due_date))
                if step.due_date
                else ""
            )
            lines.append(f"{mark} {esc(action)}{due}")
        sections.append("\n".join(lines))

    history = await cases.history(session, case.id)
    lines = [_("<b>History</b>")]
    for event in history:
        when = fmt_date(event.at.astimezone(settings.tz).date())
        if event.kind == "status" and event.to_status:
            lines.append(f"{when}: {status_label(event.to_status)}")
    sections.append("\n".join(lines))

    definition = flows.find(case.flow_id, case.flow_version)
    if definition is not None:
        answers = answer_lines(definition, case.answers, locale)
        if answers:
            sections.append(_("<b>Your answers</b>") + "\n" + "\n".join(answers))
    return fit_message(sections)


async def on_my_assistant(message: Message, session: AsyncSession, user: User) -> None:
    if user.mahalla_code is None:
        await message.answer(_("Choose your mahalla first: ⚙️ Settings → Mahalla."))
        return
    mahalla = await registry.get_mahalla(session, user.mahalla_code)
    place = esc(registry.place_name(mahalla, user.locale)) if mahalla else user.mahalla_code
    assistant = await cases.mahalla_assistant(session, user.mahalla_code, utcnow())
    if assistant is None:
        await message.answer(
            _(
                "Mahalla {mahalla} has no assistant in the bot yet. Your requests go to the "
                "district, which will assign one."
            ).format(mahalla=place)
        )
        return
    lines = [
        _("The assistant of {mahalla}:").format(mahalla=place),
        f"<b>{esc(assistant.name or '—')}</b>",
    ]
    if assistant.phone:
        lines.append(_("Phone: {phone}").format(phone=esc(assistant.phone)))
    lines.append(_("Send a request from the menu and the assistant receives it at once."))
    await message.answer("\n".join(lines))


def router() -> Router:
    r = Router(name="my_cases")
    # Staff's own household submenu and the way back (after dialog.menu_router, so a
    # side step such as the job ledger is left first).
    r.message.register(on_personal_menu, MenuButton("personal"))
    r.message.register(on_work_menu, MenuButton("work_menu"))
    r.message.register(on_my_requests, MenuButton("my_requests"))
    r.message.register(on_my_assistant, MenuButton("my_assistant"))
    register_buttons(r, CaseCB, {CaseAction.LIST: on_list_page, CaseAction.OPEN: on_open})
    return r

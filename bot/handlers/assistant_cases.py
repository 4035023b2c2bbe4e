"""Assistants' case work: the 📥 Cases and ⏰ Overdue lists, the case card and its actions
(status with outcome or reason, note, message to the citizen), and the citizen's reply.

Every case id, from a callback or from FSM data, is re-checked with `cases.assistant_case`
(or `cases.citizen_case` for the citizen): an assistant acts only on the cases of their
mahallas or assigned to them. Refusals are logged with ids only, never names or phones.
Notifications are queued in the same transaction as the change and committed (the commit wakes
the outbox); only then is the assistant answered.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, CaseCB, MenuCB, RoadmapCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.flows.loader import FlowRegistry
from bot.handlers.case_access import replied_case, work_prompt, worked_case
from bot.notifications import cases as notify
from bot.services import case_files, case_work, cases
from bot.services.eligibility import EligibilityRules
from bot.services.roles import Roles
from bot.states import CaseReply, CaseWork
from bot.views import counted
from bot.views.case_card import card_sections, message_sent_lead, row_label
from bot.views.case_files import files_button_label
from bot.views.keyboards.common import main_menu, menu_action_for, paged_buttons
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from bot.views.texts import case_kind_label, outcome_label, status_label
from db.models import Case, User, utcnow

log = logging.getLogger(__name__)

PER_PAGE = 8
WORK_STATES = (CaseWork.reason, CaseWork.note, CaseWork.message)
TEXT_LIMITS = {
    CaseWork.reason.state: cases.REASON_MAX,
    CaseWork.note.state: cases.NOTE_MAX,
    CaseWork.message.state: cases.MESSAGE_MAX,
    CaseReply.text.state: cases.MESSAGE_MAX,
}


# --- small helpers -----------------------------------------------------------------------


def _filter(value: str) -> str:
    """Unknown or forged filter codes fall back to all open cases."""
    return value if value in cases.ASSISTANT_FILTERS else "open"


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖️ Cancel"), callback_data=MenuCB(action="cancel"))
    return builder.as_markup()


async def _send(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show the view as a new message, leaving the pressed one as it is."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def _refuse(query: CallbackQuery, user: User, data: ACB) -> None:
    log.warning("assistant case refused: user=%s case=%s action=%s", user.id, data.id, data.action)
    await query.answer(_("This button is out of date."), show_alert=True)


async def _case_for(
    query: CallbackQuery, data: ACB, session: AsyncSession, user: User, roles: Roles
) -> Case | None:
    case = await cases.assistant_case(session, user, roles, data.id)
    if case is None:
        await _refuse(query, user, data)
    return case


# --- the lists ---------------------------------------------------------------------------


def _filter_title(filter_: str, total: int) -> str:
    titles = {
        "open": _("<b>Open cases</b>: {n}"),
        "new": _("<b>New cases</b>: {n}"),
        "prog": _("<b>Cases in progress</b>: {n}"),
        "over": _("<b>Overdue cases</b>: {n}"),
        "done": _("<b>Finished cases</b>: {n}"),
    }
    if filter_ in titles:
        return titles[filter_].format(n=total)
    return _("<b>Open cases: {kind}</b>: {n}").format(kind=case_kind_label(filter_), n=total)


def _filter_rows(current: str, counts: dict[str, int]) -> list[list[InlineKeyboardButton]]:
    labels = {
        "open": _("All open ({n})").format(n=counts.get("open", 0)),
        "new": _("🆕 New ({n})").format(n=counts.get("new", 0)),
        "prog": _("🔄 In progress ({n})").format(n=counts.get("prog", 0)),
        "over": _("⏰ Overdue ({n})").format(n=counts.get("over", 0)),
        "done": _("✔️ Finished"),
    }
    for kind in cases.KINDS:
        labels[kind] = f"{case_kind_label(kind)} ({counts.get(kind, 0)})"

    def button(code: str) -> InlineKeyboardButton:
        mark = "• " if code == current else ""
        return InlineKeyboardButton(
            text=mark + labels[code], callback_data=ACB(action="list", f=code, v="e").pack()
        )

    return [
        [button("open"), button("new"), button("prog")],
        [button("over"), button("done")],
        [button(kind) for kind in cases.KINDS[:2]],
        [button(kind) for kind in cases.KINDS[2:]],
    ]


async def list_view(
    session: AsyncSession, user: User, roles: Roles, filter_: str, page: int, now: dt.datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the assistant's cases under a filter, with the filter buttons below."""
    result = await cases.assistant_cases_page(
        session, user, roles, filter_=filter_, page=page, per_page=PER_PAGE, now=now
    )
    counts = await cases.assistant_counts(session, user, roles, now)
    names = await cases.user_names(session, [case.user_id for case in result.cases])
    items = [
        (
            row_label(case, names.get(case.user_id), now, late=filter_ == "over"),
            ACB(action="open", id=case.id, f=filter_, page=result.page, v="e"),
        )
        for case in result.cases
    ]
    markup = paged_buttons(
        items,
        page=result.page,
        per_page=PER_PAGE,
        total=result.total,
        page_cb=lambda p: ACB(action="list", f=filter_, page=p, v="e"),
    )
    lines = [_filter_title(filter_, result.total)]
    if result.total:
        lines.append(_("Choose a case to open it. ⏰ marks overdue ones."))
    elif filter_ == "over":
        lines.append(_("No overdue cases. Well done!"))
    else:
        lines.append(_("Nothing here."))
    rows = list(markup.inline_keyboard) + _filter_rows(filter_, counts)
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def _send_list(
    message: Message, session: AsyncSession, user: User, roles: Roles, filter_: str
) -> None:
    text, markup = await list_view(session, user, roles, filter_, 0, utcnow())
    await message.answer(text, reply_markup=markup)


async def on_cases_menu(message: Message, session: AsyncSession, user: User, roles: Roles) -> None:
    await _send_list(message, session, user, roles, "open")


async def on_overdue_menu(
    message: Message, session: AsyncSession, user: User, roles: Roles
) -> None:
    await _send_list(message, session, user, roles, "over")


async def on_list(
    query: CallbackQuery, callback_data: ACB, session: AsyncSession, user: User, roles: Roles
) -> None:
    """Our own list buttons (v="e") turn the message into the list; buttons elsewhere (a
    reminder, the job ledger) send the list as a new message and leave theirs alone."""
    text, markup = await list_view(
        session, user, roles, _filter(callback_data.f), callback_data.page, utcnow()
    )
    await query.answer()
    await (show_in_place if callback_data.v == "e" else _send)(query, text, markup)


# --- the case card -----------------------------------------------------------------------


def card_keyboard(case: Case, filter_: str, page: int, files: int = 0) -> InlineKeyboardMarkup:
    """Actions allowed from the case's status, then note/message, roadmap and back."""
    builder = InlineKeyboardBuilder()

    def act(text: str, action: str, v: str = "") -> InlineKeyboardButton:
        data = ACB(action=action, id=case.id, f=filter_, page=page, v=v)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    allowed = cases.TRANSITIONS.get(case.status, frozenset())
    status_buttons = []
    if "accepted" in allowed:
        status_buttons.append(act(_("✅ Accept"), "st", "accepted"))
    if "in_progress" in allowed:
        label = _("🔄 Start work") if case.status in cases.OPEN_STATUSES else _("↩️ Reopen")
        status_buttons.append(act(label, "st", "in_progress"))
    if "resolved" in allowed:
        status_buttons.append(act(_("🏁 Resolved"), "st", "resolved"))
    if "rejected" in allowed:
        status_buttons.append(act(_("❌ Reject"), "st", "rejected"))
    if "closed" in allowed:
        status_buttons.append(act(_("📵 Close: no contact"), "st", "closed"))
    for start in range(0, len(status_buttons), 2):
        builder.row(*status_buttons[start : start + 2])
    builder.row(act(_("📝 Note"), "note"), act(_("✉️ Message the citizen"), "msg"))
    if files:
        builder.row(act(files_button_label(files), "files"))
    builder.row(
        InlineKeyboardButton(
            text=_("🗺 Roadmap"), callback_data=RoadmapCB(action="view", case=case.id).pack()
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=_("⬅️ Back to the list"),
            callback_data=ACB(action="list", f=filter_, page=page, v="e").pack(),
        )
    )
    return builder.as_markup()


async def card_view(
    session: AsyncSession,
    case: Case,
    user: User,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
    filter_: str,
    page: int,
    lead: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The card text (with an optional first line saying what just happened) and its buttons."""
    files = await case_files.of_case(session, case.id)
    args = (session, case, user.locale, flows, rules, settings, utcnow(), files)
    sections = await card_sections(*args)
    text = fit_message([lead, *sections] if lead else sections)
    return text, card_keyboard(case, filter_, page, len(files))


async def on_open(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
) -> None:
    """Open a card: in place when coming from the list (v="e"), else as a new message."""
    case = await _case_for(query, callback_data, session, user, roles)
    if case is None:
        return
    filter_ = _filter(callback_data.f)
    text, markup = await card_view(
        session, case, user, flows, rules, settings, filter_, callback_data.page
    )
    await query.answer()
    await (show_in_place if callback_data.v == "e" else _send)(query, text, markup)


# --- status changes ----------------------------------------------------------------------


async def _change(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    user: User,
    to_status: str,
    *,
    outcome: str | None = None,
    reason: str | None = None,
) -> bool:
    """Change the status and tell the citizen (their language), committed as one unit (the
    commit wakes the outbox). False when the lifecycle no longer allows it (someone was faster)."""

    return await case_work.change_status(
        session,
        case,
        actor=user,
        to_status=to_status,
        now=utcnow(),
        notify=lambda event: notify.status_changed(session, i18n, case, event),
        outcome=outcome,
        reason=reason,
    )


def _changed_text(case: Case) -> str:
    return _("Request {number} is now: {status}. The citizen has been told.").format(
        number=case.number, status=status_label(case.status)
    )


def _already_text(case: Case) -> str:
    return _("Request {number} is already: {status}. Nothing was changed.").format(
        number=case.number, status=status_label(case.status)
    )


async def on_accept(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
) -> None:
    """Accept in one tap from the new-case message; its keyboard keeps only Open."""
    case = await _case_for(query, callback_data, session, user, roles)
    if case is None:
        return
    if case.status != "new" or not await _change(session, i18n, case, user, "accepted"):
        await query.answer(_already_text(case), show_alert=True)
    else:
        await query.answer(_changed_text(case))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📂 Open"), callback_data=ACB(action="open", id=case.id))
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=builder.as_markup())
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc):
                raise


async def on_status(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    state: FSMContext,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
) -> None:
    """A status button on the card: direct for accepted / in progress; resolved asks for the
    outcome, closed for a confirmation, rejected for a typed reason."""
    case = await _case_for(query, callback_data, session, user, roles)
    if case is None:
        return
    filter_, page, target = _filter(callback_data.f), callback_data.page, callback_data.v
    if target not in cases.TRANSITIONS.get(case.status, frozenset()):
        await query.answer(_already_text(case), show_alert=True)
        text, markup = await card_view(session, case, user, flows, rules, settings, filter_, page)
        await show_in_place(query, text, markup)
        return
    ctx: dict[str, Any] = {"id": case.id, "f": filter_, "page": page}
    if target == "resolved":
        builder = InlineKeyboardBuilder()
        for outcome in cases.OUTCOMES:
            builder.button(
                text=outcome_label(outcome), callback_data=ACB(action="out", v=outcome, **ctx)
            )
        builder.button(text=_("⬅️ Back"), callback_data=ACB(action="open", v="e", **ctx))
        builder.adjust(2)
        await query.answer()
        await show_in_place(
            query,
            _("What was the outcome of request <b>{number}</b>?").format(number=case.number),
            builder.as_markup(),
        )
        return
    if target == "closed":
        builder = InlineKeyboardBuilder()
        builder.button(text=_("📵 Yes, close it"), callback_data=ACB(action="close", **ctx))
        builder.button(text=_("⬅️ Back"), callback_data=ACB(action="open", v="e", **ctx))
        builder.adjust(1)
        await query.answer()
        await show_in_place(
            query,
            _(
                "Close request <b>{number}</b> because the citizen cannot be contacted? "
                "The citizen will be told."
            ).format(number=case.number),
            builder.as_markup(),
        )
        return
    if target == "rejected":
        await state.set_state(CaseWork.reason)
        await state.update_data(case=case.id, f=filter_, page=page)
        await query.answer()
        await _prompt(query, work_prompt(CaseWork.reason.state, case.number or ""))
        return
    ok = await _change(session, i18n, case, user, target)
    await query.answer(_changed_text(case) if ok else _already_text(case))
    text, markup = await card_view(session, case, user, flows, rules, settings, filter_, page)
    await show_in_place(query, text, markup)


async def on_outcome(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
) -> None:
    """The last tap of resolving (an outcome) or of closing (its confirmation): both end alike."""
    case = await _case_for(query, callback_data, session, user, roles)
    if case is None:
        return
    if callback_data.action == "close":
        ok = await _change(session, i18n, case, user, "closed")
    elif callback_data.v in cases.OUTCOMES:
        ok = await _change(session, i18n, case, user, "resolved", outcome=callback_data.v)
    else:
        await _refuse(query, user, callback_data)
        return
    await query.answer(_changed_text(case) if ok else _already_text(case), show_alert=not ok)
    text, markup = await card_view(
        session, case, user, flows, rules, settings, _filter(callback_data.f), callback_data.page
    )
    await show_in_place(query, text, markup)


# --- typed input: reason, note, message, the citizen's reply -----------------------------


async def _prompt(query: CallbackQuery, text: str) -> None:
    await _send(query, text + "\n" + _("Send /cancel to stop."), cancel_keyboard())


async def on_note_or_message(
    query: CallbackQuery,
    callback_data: ACB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
) -> None:
    case = await _case_for(query, callback_data, session, user, roles)
    if case is None:
        return
    target = CaseWork.note if callback_data.action == "note" else CaseWork.message
    if target is CaseWork.message:
        citizen = await session.get(User, case.user_id)
        if citizen is None or citizen.deleted_at is not None or citizen.blocked_at is not None:
            await query.answer(_("The citizen cannot be reached through the bot."), show_alert=True)
            return
    await state.set_state(target)
    await state.update_data(case=case.id, f=_filter(callback_data.f), page=callback_data.page)
    await query.answer()
    await _prompt(query, work_prompt(target.state, case.number or ""))


async def _check_text(message: Message, state: FSMContext, i18n: I18n, number: str) -> str | None:
    """The typed text if it can be used; otherwise the user is told why and None returned."""
    current = await state.get_state()
    text = (message.text or "").strip()
    if menu_action_for(i18n, message.text) is not None or not text:
        await _remind(message, current, number, _("Send the text, or /cancel to stop first."))
        return None
    limit = TEXT_LIMITS.get(current or "", cases.MESSAGE_MAX)
    if len(text) > limit:
        await message.answer(
            counted.too_long(limit),
            reply_markup=cancel_keyboard(),
        )
        return None
    return text


async def _remind(message: Message, current: str | None, number: str, hint: str) -> None:
    await message.answer(
        work_prompt(current, number) + "\n\n" + hint, reply_markup=cancel_keyboard()
    )


async def on_work_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
    flows: FlowRegistry,
    rules: EligibilityRules,
    settings: Settings,
) -> None:
    """The reason, note or message the assistant typed, applied to the case in FSM data."""
    data = await state.get_data()
    current = await state.get_state()
    case = await worked_case(message, state, session, user, roles, data)
    if case is None:
        return
    text = await _check_text(message, state, i18n, case.number or "")
    if text is None:
        return
    now = utcnow()
    filter_, page = _filter(str(data.get("f") or "")), int(data.get("page") or 0)
    # Leave the state before writing: the FSM storage may use its own connection (SQLite has
    # one writer at a time), and a rejected change must not leave the assistant stuck typing.
    await state.clear()
    ok = True
    if current == CaseWork.reason.state:
        ok = await _change(session, i18n, case, user, "rejected", reason=text)
        lead = _changed_text(case) if ok else _already_text(case)
    elif current == CaseWork.note.state:
        await case_work.add_note(session, case, actor=user, text=text, now=now)
        lead = _("Note saved to request {number}.").format(number=case.number)
    else:
        tell = partial(notify.message_to_citizen, session, i18n, case)
        delivered = await case_work.send_message(
            session, case, actor=user, text=text, now=now, notify=tell
        )
        lead = message_sent_lead(case.number, delivered)
    card, markup = await card_view(
        session,
        case,
        user,
        flows,
        rules,
        settings,
        filter_,
        page,
        lead=("✔️ " if ok else "⚠️ ") + lead,
    )
    await message.answer(card, reply_markup=markup)


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The state guard's re-ask while text is being typed for a case: the prompt again."""
    state: FSMContext = data["state"]
    case = await data["session"].get(Case, int((await state.get_data()).get("case") or 0))
    number = (case.number if case else None) or ""
    await _remind(message, await state.get_state(), number, notice)


async def on_reply_button(
    query: CallbackQuery,
    callback_data: CaseCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
) -> None:
    """The citizen pressed ↩️ Reply under the assistant's message."""
    case = await cases.citizen_case(session, user, callback_data.id)
    if case is None:
        log.warning("citizen reply refused: user=%s case=%s", user.id, callback_data.id)
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    await state.set_state(CaseReply.text)
    await state.update_data(case=case.id)
    await query.answer()
    await _prompt(query, work_prompt(CaseReply.text.state, case.number or ""))


async def on_reply_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    roles: Roles,
    i18n: I18n,
) -> None:
    """The citizen's reply goes to whoever works the case now, and stays on the case."""
    case = await replied_case(message, state, session, user, roles)
    if case is None:
        return
    text = await _check_text(message, state, i18n, case.number or "")
    if text is None:
        return
    now = utcnow()
    await state.clear()  # before writing, as in on_work_text
    delivered = await case_work.send_message(
        session,
        case,
        actor=user,
        text=text,
        now=now,
        notify=lambda event: notify.message_to_assistant(session, i18n, case, event, user, now),
    )
    await message.answer(
        _("Your reply has been sent to the assistant.")
        if delivered
        else _("Your reply is saved with the request; the assistant will see it there."),
        reply_markup=main_menu(roles),
    )


def router() -> Router:
    """The assistant's case work; inside the assistant audience's router, which checks the
    role."""
    r = Router(name="assistant_cases")
    typing = StateFilter(*WORK_STATES)
    r.message.register(on_work_text, typing, F.text, ~F.text.startswith("/"))
    r.message.register(on_cases_menu, MenuButton("a_cases"))
    r.message.register(on_overdue_menu, MenuButton("a_overdue"))
    r.callback_query.register(on_list, ACB.filter(F.action == "list"))
    r.callback_query.register(on_open, ACB.filter(F.action == "open"))
    r.callback_query.register(on_accept, ACB.filter(F.action == "acc"))
    r.callback_query.register(on_status, ACB.filter(F.action == "st"))
    r.callback_query.register(on_outcome, ACB.filter(F.action.in_({"out", "close"})))
    r.callback_query.register(on_note_or_message, ACB.filter(F.action.in_({"note", "msg"})))
    return r


def reply_router() -> Router:
    """The citizen's reply to the assistant; in the citizens' router."""
    r = Router(name="case_reply")
    r.message.register(on_reply_text, StateFilter(CaseReply.text), F.text, ~F.text.startswith("/"))
    r.callback_query.register(on_reply_button, CaseCB.filter(F.action == "reply"))
    return r

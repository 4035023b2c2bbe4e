"""The assistant's case card (text and action buttons) and the helpers every case action shares:
the filter code, re-checking the case id, refusing a button, sending a view or a prompt.

Apart so the lists, the status changes and the typed input can all use them without a cycle.
"""

from __future__ import annotations

import logging
from typing import TypedDict, Unpack

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, MenuAction, MenuCB, RoadmapAction, RoadmapCB
from bot.config import Settings
from bot.flows.loader import FlowRegistry
from bot.services import case_files, cases
from bot.services.eligibility import EligibilityRules
from bot.services.roles import Roles
from bot.views.case_card import card_sections
from bot.views.case_files import files_button_label
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from db.models import Case, User, utcnow

log = logging.getLogger("bot.handlers.assistant_cases")  # the name it was logged under


class CaseData(TypedDict):
    """The handler data (by aiogram's names) the case-work handlers use: they take it as
    `**data: Unpack[CaseData]` instead of writing the same parameters out each time."""

    session: AsyncSession
    user: User
    roles: Roles
    state: FSMContext
    i18n: I18n
    flows: FlowRegistry
    rules: EligibilityRules
    settings: Settings


# --- small helpers -----------------------------------------------------------------------


def filter_code(value: str) -> str:
    """Unknown or forged filter codes fall back to all open cases."""
    return value if value in cases.ASSISTANT_FILTERS else "open"


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖️ Cancel"), callback_data=MenuCB(action=MenuAction.CANCEL))
    return builder.as_markup()


async def send_new(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show the view as a new message, leaving the pressed one as it is."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def refuse(query: CallbackQuery, user: User, data: ACB) -> None:
    log.warning("assistant case refused: user=%s case=%s action=%s", user.id, data.id, data.action)
    await query.answer(_("This button is out of date."), show_alert=True)


async def case_for(query: CallbackQuery, pressed: ACB, data: CaseData) -> Case | None:
    """The case the button names if the assistant may work it; otherwise refused and None."""
    user = data["user"]
    case = await cases.assistant_case(data["session"], user, data["roles"], pressed.id)
    if case is None:
        await refuse(query, user, pressed)
    return case


async def prompt(query: CallbackQuery, text: str) -> None:
    await send_new(query, text + "\n" + _("Send /cancel to stop."), cancel_keyboard())


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
            text=_("🗺 Roadmap"),
            callback_data=RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack(),
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=_("⬅️ Back to the list"),
            callback_data=ACB(action=AssistantAction.LIST, f=filter_, page=page, v="e").pack(),
        )
    )
    return builder.as_markup()


async def card_view(
    case: Case, data: CaseData, filter_: str, page: int, lead: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The card text (with an optional first line saying what just happened) and its buttons."""
    session, locale = data["session"], data["user"].locale
    files = await case_files.of_case(session, case.id)
    args = (session, case, locale, data["flows"], data["rules"], data["settings"], utcnow(), files)
    sections = await card_sections(*args)
    text = fit_message([lead, *sections] if lead else sections)
    return text, card_keyboard(case, filter_, page, len(files))


async def on_open(query: CallbackQuery, callback_data: ACB, **data: Unpack[CaseData]) -> None:
    """Open a card: in place when coming from the list (v="e"), else as a new message."""
    case = await case_for(query, callback_data, data)
    if case is None:
        return
    text, markup = await card_view(case, data, filter_code(callback_data.f), callback_data.page)
    await query.answer()
    await (show_in_place if callback_data.v == "e" else send_new)(query, text, markup)

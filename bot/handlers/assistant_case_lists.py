"""The assistant's 📥 Cases and ⏰ Overdue lists: a page of cases under a filter, with the
filter buttons (counts included) below.
"""

from __future__ import annotations

import datetime as dt

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction
from bot.handlers.assistant_case_card import filter_code, send_new
from bot.services import cases
from bot.services.roles import Roles
from bot.views.case_card import row_label
from bot.views.keyboards.common import paged_buttons
from bot.views.screens import show_in_place
from bot.views.texts import case_kind_label
from db.models import User, utcnow

PER_PAGE = 8


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
            text=mark + labels[code],
            callback_data=ACB(action=AssistantAction.LIST, f=code, v="e").pack(),
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
    names = await cases.user_names(session, [case.user_id for case in result.items])
    items = [
        (
            row_label(case, names.get(case.user_id), now, late=filter_ == "over"),
            ACB(action=AssistantAction.OPEN, id=case.id, f=filter_, page=result.page, v="e"),
        )
        for case in result.items
    ]
    markup = paged_buttons(
        items,
        result.window,
        lambda p: ACB(action=AssistantAction.LIST, f=filter_, page=p, v="e"),
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
        session, user, roles, filter_code(callback_data.f), callback_data.page, utcnow()
    )
    await query.answer()
    await (show_in_place if callback_data.v == "e" else send_new)(query, text, markup)

"""Keyboards every role uses: languages, the main menu, paging."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.callbacks import AdminAction, LangCB, MenuAction, MenuCB
from bot.config import LOCALES
from bot.i18n import LANGUAGE_NAMES, N_
from bot.services.paging import Window
from bot.services.roles import Roles


def language_keyboard(selected: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in LOCALES:
        mark = "✅ " if code == selected else ""
        builder.button(text=f"{mark}{LANGUAGE_NAMES[code]}", callback_data=LangCB(code=code))
    builder.adjust(1)
    return builder.as_markup()


# Main menu entries: (action id, msgid). The msgids are marked for extraction with N_.
CITIZEN_MENU: tuple[tuple[str, str], ...] = (
    ("needs", N_("📝 My household's needs")),
    ("job", N_("💼 I need a job")),
    ("internship", N_("🎓 I want an internship")),
    ("business", N_("🚀 I want to start a business")),
    ("vacancies", N_("🔎 Vacancies")),
    ("my_requests", N_("📂 My requests")),
    ("my_assistant", N_("👤 My assistant")),
    ("settings", N_("⚙️ Settings")),
    ("help", N_("❓ Help")),
)
ASSISTANT_MENU: tuple[tuple[str, str], ...] = (
    ("a_cases", N_("📥 Cases")),
    ("a_overdue", N_("⏰ Overdue")),
    ("a_job", N_("➕ Record a job")),
    ("a_today", N_("📊 Today")),
    ("a_vac", N_("📢 Vacancies")),
)
SUPERVISOR_MENU: tuple[tuple[str, str], ...] = (
    ("s_overdue", N_("⏰ Overdue in my area")),
    ("s_queue", N_("🏚 Mahallas without an assistant")),
    ("s_assistants", N_("👥 Assistants")),
    ("s_invite", N_("🔗 Invite an assistant")),
    ("announce", N_("📣 Announcement")),
    ("s_digest", N_("📊 Digest now")),
    ("s_export", N_("📥 Export XLSX")),
    ("s_drill", N_("🗺 Drill down")),
    ("s_help", N_("ℹ️ Supervisor help")),
)
ADMIN_MENU: tuple[tuple[str, str], ...] = (
    ("invite", N_("🔗 Make an invite")),
    ("admin", N_("🛠 Admin")),
    ("announce", N_("📣 Announcement")),
)
# The inline menu the 🛠 Admin button opens: (callback action, msgid).
ADMIN_PANEL: tuple[tuple[AdminAction, str], ...] = (
    (AdminAction.FIND_PEOPLE, N_("👥 Find people")),
    (AdminAction.SETTINGS, N_("🎯 Targets and time limits")),
    (AdminAction.IMPORT, N_("📥 Import mahallas (CSV)")),
    (AdminAction.OUTBOX, N_("📮 Outbox health")),
    (AdminAction.HELP, N_("ℹ️ Admin help")),
)
# What each admin button does, for the admin help (the button's own label first).
ADMIN_HELP: dict[str, str] = {
    "invite": N_(
        "a one-time link that makes someone the assistant of a mahalla, or a district, region "
        "or national supervisor."
    ),
    "admin": N_("opens the admin menu with the buttons below."),
    "announce": N_(
        "a message to the assistants of the whole country, a region or a district; you see "
        "how many it reaches and confirm."
    ),
    AdminAction.FIND_PEOPLE: N_(
        "assistants, supervisors or citizens of a place; open a person to grant or end a role "
        "(they are told, and their menu changes)."
    ),
    AdminAction.SETTINGS: N_(
        "the job targets a day and a month, and the working days to accept and to resolve "
        "a case; change one or go back to the configured value."
    ),
    AdminAction.IMPORT: N_("add new mahallas and update changed ones from a CSV file."),
    AdminAction.OUTBOX: N_("messages waiting, failed or not delivered, and the oldest wait."),
    AdminAction.HELP: N_("this message."),
}


# Staff keep their work on the keyboard; their own household's requests are one tap away, in
# a submenu of their own (no second "Vacancies", no "My assistant" for an assistant).
STAFF_TAIL: tuple[tuple[str, str], ...] = (
    ("personal", N_("🏠 My own requests")),
    ("settings", N_("⚙️ Settings")),
)
WORK_MENU: tuple[str, str] = ("work_menu", N_("⬅️ Work menu"))


def personal_entries(roles: Roles) -> tuple[tuple[str, str], ...]:
    """The citizen's entries a staff member sees in their "own requests" submenu."""
    left_out = {"settings"}  # on the work keyboard already
    if roles.is_assistant:
        left_out |= {"my_assistant", "vacancies"}  # themselves; their own Vacancies button
    return (*(e for e in CITIZEN_MENU if e[0] not in left_out), WORK_MENU)


def personal_menu(roles: Roles) -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    entries = personal_entries(roles)
    for start in range(0, len(entries), 2):
        builder.row(*(KeyboardButton(text=_(msgid)) for _a, msgid in entries[start : start + 2]))
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def menu_blocks(roles: Roles) -> list[tuple[tuple[str, str], ...]]:
    """The menus of every role the person holds, work first; a citizen's own requests are the
    whole menu for a citizen and one submenu for staff."""
    blocks: list[tuple[tuple[str, str], ...]] = []
    if roles.is_assistant:
        blocks.append(ASSISTANT_MENU)
    if roles.is_supervisor:
        blocks.append(SUPERVISOR_MENU)
    if roles.is_admin:
        # one announcement button is enough for someone who is both
        admin = ADMIN_MENU if not roles.is_supervisor else ADMIN_MENU[:2]
        blocks.append(admin)
    return [*blocks, STAFF_TAIL] if blocks else [CITIZEN_MENU]


def menu_entries(roles: Roles) -> list[tuple[str, str]]:
    """Every entry of :func:`menu_blocks`, in order."""
    return [entry for block in menu_blocks(roles) for entry in block]


def main_menu(roles: Roles) -> ReplyKeyboardMarkup:
    """Two buttons a row, each role's block starting on a new row (so a role's entries stay
    together and the citizen's requests read in the same order for everyone)."""
    builder = ReplyKeyboardBuilder()
    for block in menu_blocks(roles):
        for start in range(0, len(block), 2):
            builder.row(*(KeyboardButton(text=_(msgid)) for _a, msgid in block[start : start + 2]))
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def all_translations(i18n: I18n, msgid: str) -> set[str]:
    """A button's text in every language, so an old keyboard still works after a switch."""
    return {i18n.gettext(msgid, locale=code) for code in LOCALES} | {msgid}


def button_key(text: str) -> str:
    """A button's text as a person might type it: letters and digits only, in lower case, so
    "👨 Мужской", "мужской" and "Мужской!" are the same key ("" for an emoji-only button)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def matches_button(i18n: I18n, text: str | None, msgid: str) -> bool:
    """The text is the button `msgid` in any language, pressed or typed without its emoji."""
    if not text:
        return False
    if text.strip() in all_translations(i18n, msgid):
        return True
    key = button_key(text)
    return bool(key) and key in {button_key(label) for label in all_translations(i18n, msgid)}


@functools.lru_cache(maxsize=8)
def _menu_index(i18n: I18n) -> tuple[dict[str, str], dict[str, str | None]]:
    """Every menu label in every language → its action, exactly and by `button_key` (a key
    two actions share, such as both "Vacancies" buttons without their emoji, maps to None).
    Built once per catalog set: the lookup runs on every text message."""
    exact: dict[str, str] = {}
    loose: dict[str, str | None] = {}
    every = (*ASSISTANT_MENU, *SUPERVISOR_MENU, *ADMIN_MENU, *CITIZEN_MENU, *STAFF_TAIL, WORK_MENU)
    for action, msgid in every:
        for label in all_translations(i18n, msgid):
            exact.setdefault(label, action)
            key = button_key(label)
            if key:
                loose[key] = action if loose.get(key, action) == action else None
    return exact, loose


def menu_action_for(i18n: I18n, text: str | None) -> str | None:
    """The main-menu action of a pressed button, or of its label typed without the emoji."""
    if not text:
        return None
    exact, loose = _menu_index(i18n)
    action = exact.get(text.strip())
    if action is None:
        action = loose.get(button_key(text))
    return action


#: The longest label a phone shows uncut, by how many buttons share the row (a narrow phone,
#: 360 dp, Telegram's default font; seen cut: "Кашкадарьинская обла…" two to a row).
LABEL_FITS = {1: 34, 2: 17, 3: 10, 4: 7}


def fits(label: str, columns: int) -> bool:
    """Whether `label` shows whole on a button that shares its row with `columns - 1` others."""
    return len(label) <= LABEL_FITS.get(columns, 5)


def list_buttons(
    items: Sequence[tuple[str, CallbackData]],
    *,
    columns: int = 1,
    extra: Sequence[InlineKeyboardButton] = (),
    nav: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """Item buttons, then the `nav` row if any, then extra buttons a row each. Items go in
    `columns` columns unless a label would be cut at that width (`fits`)."""
    builder = InlineKeyboardBuilder()
    for text, data in items:
        builder.button(text=text, callback_data=data)
    while columns > 1 and not all(fits(text, columns) for text, _data in items):
        columns -= 1
    builder.adjust(columns)
    if nav:
        builder.row(*nav)
    for button in extra:
        builder.row(button)
    return builder.as_markup()


def _page_row(window: Window, page_cb: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
    """◀ n/N ▶ for a list of more than one page (none for one page); the arrows go to the
    neighbouring pages that exist."""
    if window.pages == 1:
        return []
    nav: list[InlineKeyboardButton] = []
    if window.page > 0:
        nav.append(InlineKeyboardButton(text="◀️", callback_data=page_cb(window.page - 1).pack()))
    nav.append(
        InlineKeyboardButton(
            text=f"{window.page + 1}/{window.pages}",
            callback_data=MenuCB(action=MenuAction.NOOP).pack(),
        )
    )
    if window.page + 1 < window.pages:
        nav.append(InlineKeyboardButton(text="▶️", callback_data=page_cb(window.page + 1).pack()))
    return nav


def paged_buttons(
    items: Sequence[tuple[str, CallbackData]],
    window: Window,
    page_cb: Callable[[int], CallbackData],
    *,
    columns: int = 1,
    extra: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """A page's item buttons, its ◀ n/N ▶ row (`page_cb` makes a page's button data), then
    extra buttons."""
    return list_buttons(items, columns=columns, extra=extra, nav=_page_row(window, page_cb))


def action_keyboard(
    factory: Callable[..., CallbackData], entries: Sequence[tuple[str, str]], *sizes: int
) -> InlineKeyboardMarkup:
    """A fixed menu from its table of (action, msgid): each label translated now, each button
    ``factory(action=...)``; ``sizes`` are the row lengths as ``adjust`` takes them."""
    builder = InlineKeyboardBuilder()
    for action, msgid in entries:
        builder.button(text=_(msgid), callback_data=factory(action=action))
    builder.adjust(*sizes)
    return builder.as_markup()

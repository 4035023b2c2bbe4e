"""Messages composed in more than one handler: the main menu, help, invite outcomes.

User-supplied strings are escaped with aiogram.html.quote wherever they are put into HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, in_locale
from bot.services import outbox, registry
from bot.services.invites import Redeemed, RedeemResult
from bot.services.roles import Roles, load_roles
from bot.views.keyboards.common import (
    ADMIN_HELP,
    ADMIN_MENU,
    ADMIN_PANEL,
    SUPERVISOR_MENU,
    main_menu,
)
from db.models import User


def no_such_date(example: dt.date) -> str:
    """Said when a typed date is written right but the calendar has no such day (31.02.2027)."""
    return _(
        "There is no such date in the calendar. Check the day and the month, for example {example}."
    ).format(example=example.strftime("%d.%m.%Y"))


_FIRST_LETTER = re.compile(r"^((?:<[^>]*>)*)(\w)")


def esc(text: str) -> str:
    """Escape user-supplied text for HTML parse mode (the one way to do it in this project)."""
    return html.escape(text, quote=False)


def opening(text: str) -> str:
    """`text` with its first letter (after any opening HTML tags) in capitals, for a message that
    opens with a place name: Russian names of cities are written «город Ташкент», which must not
    start a sentence in lower case."""
    return _FIRST_LETTER.sub(lambda found: found[1] + found[2].upper(), text, count=1)


async def send_main_menu(message: Message, roles: Roles, greeting: bool = False) -> None:
    text = _("Main menu. Choose what you need with the buttons below.")
    if greeting:
        text = _("Welcome to Mahalla Yordamchi!") + "\n" + text
    await message.answer(text, reply_markup=main_menu(roles))


async def place_label(session: AsyncSession, level: str, code: str | None, locale: str) -> str:
    """'Chilonzor tumani' for a district code, the country's name for None, and so on."""
    if level == "country" or code is None:
        return _("the whole country")
    if level == "mahalla":
        mahalla = await registry.get_mahalla(session, code)
        return registry.place_name(mahalla, locale) if mahalla else code
    if level == "district":
        district = await registry.get_district(session, code)
        return registry.place_name(district, locale) if district else code
    region = await registry.get_region(session, code)
    return registry.place_name(region, locale) if region else code


def role_label(role: str, level: str) -> str:
    if role == "assistant":
        return _("assistant of the mahalla")
    return {
        "district": _("district supervisor"),
        "region": _("region supervisor"),
        "country": _("national supervisor"),
    }.get(level, _("supervisor"))


async def queue_role_notice(
    session: AsyncSession,
    i18n: I18n,
    person: User,
    admin_ids: list[int],
    now: dt.datetime,
    *,
    granted: bool,
    role: str,
    level: str = "",
    code: str | None = None,
) -> bool:
    """Tell `person`, in their language and through the outbox, that an admin granted or ended
    a role; the message carries their new main menu, so the buttons change without /start.
    Call it after the change, in the same transaction (the caller commits, which wakes the
    outbox). Returns whether a message was queued (not when they blocked the bot)."""
    held = await load_roles(session, person, admin_ids, now)
    with in_locale(i18n, person.locale):
        if granted:
            place = esc(await place_label(session, level, code, person.locale))
            text = _(
                "You are now {role}: <b>{place}</b>. Your menu has the new buttons below; "
                "/help explains them."
            ).format(role=role_label(role, level), place=place)
        else:
            text = _(
                "Your role as {role} has ended. Thank you for your work! Your menu below is "
                "updated."
            ).format(role=role_label(role, level))
        row = await outbox.enqueue_to_user(
            session, person, text=text, kind="role_changed", reply_markup=main_menu(held)
        )
    return row is not None


async def invite_outcome_text(session: AsyncSession, result: RedeemResult, locale: str) -> str:
    if result.outcome is Redeemed.UNKNOWN:
        return _("This invite link is not valid. Ask the person who sent it for a new one.")
    assert result.role is not None and result.level is not None
    role = role_label(result.role, result.level)
    place = esc(await place_label(session, result.level, result.place_code, locale))
    if result.outcome is Redeemed.USED:
        return _("This invite link has already been used. Ask for a new one.")
    if result.outcome is Redeemed.EXPIRED:
        return _("This invite link has expired. Ask for a new one.")
    if result.outcome is Redeemed.ALREADY:
        return _("You already are {role}: {place}.").format(role=role, place=place)
    return _("Done! You are now {role}: <b>{place}</b>.").format(role=role, place=place)


def person_label(person: User) -> str:
    """A person as staff screens name them: their name and Telegram id, escaped."""
    return (
        f"{esc(person.name)} · tg {person.telegram_id}"
        if person.name
        else (f"tg {person.telegram_id}")
    )


async def queue_invite_notices(
    session: AsyncSession,
    i18n: I18n,
    result: RedeemResult,
    newcomer: User,
    admin_ids: list[int],
    now: dt.datetime,
) -> None:
    """An invite link was used: the assistants it replaced are told their role ended, and the
    person who made the link is told who took it and whom it replaced. Through the outbox, in
    the update's transaction (the caller commits, which wakes the outbox)."""
    if result.outcome is not Redeemed.GRANTED:
        return
    assert result.role is not None and result.level is not None
    for predecessor in result.replaced:
        await queue_role_notice(
            session,
            i18n,
            predecessor,
            admin_ids,
            now,
            granted=False,
            role=result.role,
            level=result.level,
        )
    maker = await session.get(User, result.created_by) if result.created_by else None
    if maker is None or maker.id == newcomer.id:
        return
    with in_locale(i18n, maker.locale):
        place = esc(await place_label(session, result.level, result.place_code, maker.locale))
        lines = [
            _("Your invite link was used.\nNew {role}: {name}\nPlace: <b>{place}</b>").format(
                role=role_label(result.role, result.level),
                name=person_label(newcomer),
                place=place,
            )
        ]
        lines += [
            _("Role ended for: {name} (they have been told)").format(name=person_label(old))
            for old in result.replaced
        ]
        await outbox.enqueue_to_user(session, maker, text="\n".join(lines), kind="invite_used")


# What each supervisor menu button does, for the help text (the button's own label first).
SUPERVISOR_HELP: dict[str, str] = {
    "s_overdue": N_("open a case and give it, with a reason, to another assistant of your area."),
    "s_queue": N_("and the requests waiting for them in the district queue."),
    "s_assistants": N_("deactivate an assistant of your area."),
    "s_invite": N_("a one-time link for a mahalla of your area."),
    "announce": N_("a message to every assistant of your area."),
    "s_digest": N_("today's figures of your area so far, with the Excel file and the drill-down."),
    "s_export": N_("this month's figures by mahalla and assistant as an Excel file."),
    "s_drill": N_("country → region → district → mahalla → assistant, each with its indicators."),
    "s_help": N_("this message."),
}


def supervisor_help_lines() -> list[str]:
    lines = [_("<b>Supervisor</b>: everything shows only your area.")]
    for action, label in SUPERVISOR_MENU:
        about = SUPERVISOR_HELP.get(action)
        lines.append(f"{_(label)}: {_(about)}" if about else _(label))
    return lines


def admin_help_lines() -> list[str]:
    """One line per admin button (the main-menu buttons, then the 🛠 Admin menu's), each its
    own label and what it does: built from the menus, so a new button shows up here."""
    lines = [_("<b>Admin</b>: these buttons work for the whole country.")]
    for action, label in (*ADMIN_MENU, *ADMIN_PANEL):
        about = ADMIN_HELP.get(action)
        lines.append(f"{_(label)}: {_(about)}" if about else _(label))
    return lines


def help_text(roles: Roles) -> str:
    parts = [
        _(
            "<b>Mahalla Yordamchi</b> connects you with the khokim's assistant of your mahalla: "
            "report your household's needs, ask for a job, an internship or help to start a "
            "business, and follow your requests."
        )
    ]
    if roles.is_assistant:
        parts.append(
            _(
                "As an <b>assistant</b> you receive the requests of your mahalla, work them to "
                "an outcome and record the jobs you create."
            )
        )
    if roles.is_supervisor:
        parts.append(
            _(
                "As a <b>supervisor</b> you get a daily digest of your area and can drill down "
                "to each mahalla and assistant."
            )
        )
    if roles.is_admin:
        parts.append("\n".join(admin_help_lines()))
    parts.append(
        _(
            "Commands: /start – main menu, /language – change language, /cancel – stop what you "
            "are doing, /help – this message."
        )
    )
    return "\n\n".join(parts)


def case_kind_label(kind: str) -> str:
    return {
        "needs": _("household needs"),
        "job": _("job request"),
        "internship": _("internship request"),
        "business": _("business support"),
    }.get(kind, kind)


def status_label(status: str) -> str:
    return {
        "new": _("new"),
        "accepted": _("accepted"),
        "in_progress": _("in progress"),
        "resolved": _("resolved"),
        "rejected": _("rejected"),
        "closed": _("closed"),
    }.get(status, status)


def outcome_label(outcome: str) -> str:
    return {
        "job_placed": _("job found"),
        "internship_placed": _("internship found"),
        "loan_granted": _("loan granted"),
        "subsidy_granted": _("subsidy granted"),
        "referred": _("referred to an institution"),
        "other": _("other"),
    }.get(outcome, outcome)


def category_label(category: str) -> str:
    return {
        "red": _("🔴 red"),
        "yellow": _("🟡 yellow"),
        "green": _("🟢 green"),
    }.get(category, category)

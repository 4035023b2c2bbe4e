"""The admin menu in the bot: find people, grant and revoke roles, targets and time limits,
import mahallas from a CSV document, outbox health, and the admin help. People are told when
their role is granted or ended. Announcements are the one flow of the 📣 button
(`bot.handlers.supervisor`), shared with supervisors.

The same services as `python -m bot admin …`. The admin audience's router checks the role
(`bot.handlers.audiences`, which also refuses a non-admin's press); every id and code in a
button is checked again here, and a refused one is logged with the internal user id only.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import partial

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CONFIRMED, AdmCB, AdminAction, PlaceCB
from bot.config import Settings
from bot.filters import AnyMenuButton, MenuButton
from bot.handlers import admin_settings
from bot.handlers.admin_common import back_button, refuse
from bot.handlers.places import show_regions
from bot.i18n import fmt_datetime, fmt_number
from bot.services import outbox as outbox_service
from bot.services import registry, role_changes, supervision
from bot.services import roles as role_service
from bot.states import AdminWork
from bot.views.keyboards.common import ADMIN_PANEL, paged_buttons
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from bot.views.texts import (
    admin_help_lines,
    esc,
    person_label,
    place_label,
    queue_role_notice,
    role_label,
)
from db.models import Mahalla, User, utcnow

log = logging.getLogger(__name__)

PER_PAGE = 8
IMPORT_MAX_BYTES = 512 * 1024
REJECTED_SHOWN = 15
ROLE_CODES = {"a": "assistant", "s": "supervisor", "c": "citizen"}
# The place picker's purposes for the admin's choices: grant (mahalla, district, region) and
# announce (region, district).
GRANT_PURPOSES = {"gm": ("mahalla", "m"), "gd": ("district", "d"), "gr": ("region", "r")}


@dataclass(frozen=True)
class Tell:
    """What telling a person of their new role needs: their language and the admins."""

    i18n: I18n
    settings: Settings


# --- shared bits -----------------------------------------------------------------------------


def _role_title(role: str) -> str:
    return {
        "assistant": _("Assistants"),
        "supervisor": _("Supervisors"),
        "citizen": _("Citizens"),
    }[role]


async def _place_level(session: AsyncSession, code: str) -> str | None:
    """Which kind of place `code` names: region | district | mahalla, or None."""
    if await registry.get_mahalla(session, code) is not None:
        return "mahalla"
    if await registry.get_district(session, code) is not None:
        return "district"
    if await registry.get_region(session, code) is not None:
        return "region"
    return None


# --- the menu --------------------------------------------------------------------------------


def _menu() -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for action, label in ADMIN_PANEL:
        builder.button(text=_(label), callback_data=AdmCB(action=action))
    builder.adjust(1)
    return _("🛠 <b>Admin</b>: choose what to do."), builder.as_markup()


async def on_menu(message: Message, state: FSMContext) -> None:
    await state.clear()
    text, markup = _menu()
    await message.answer(text, reply_markup=markup)


async def on_home(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await show_in_place(query, *_menu())


async def on_help(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.row(back_button())
    await show_in_place(query, "\n".join(admin_help_lines()), builder.as_markup())


# --- outbox health ---------------------------------------------------------------------------


async def on_outbox(query: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    found = await outbox_service.health(session)
    now = utcnow()
    lines = [
        _("📮 <b>Outbox</b>"),
        _("Waiting to be sent: {count}").format(
            count=fmt_number(found.count("queued") + found.count("sending"))
        ),
        _("Failed: {count}").format(count=fmt_number(found.count("failed"))),
        _("Not delivered, the person blocked the bot: {count}").format(
            count=fmt_number(found.count("blocked"))
        ),
        _("People who blocked the bot: {count}").format(count=fmt_number(found.blocked_users)),
        _("Sent: {count}").format(count=fmt_number(found.count("sent"))),
    ]
    age = found.oldest_age(now)
    if found.oldest_queued is not None and age is not None:
        lines.append(
            _("Oldest waiting since {time} ({minutes} min)").format(
                time=fmt_datetime(found.oldest_queued, settings.tz),
                minutes=fmt_number(max(0, int(age.total_seconds() // 60))),
            )
        )
    else:
        lines.append(_("Nothing is waiting."))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔄 Refresh"), callback_data=AdmCB(action="ob"))
    builder.row(back_button())
    await query.answer()
    await show_in_place(
        query, "\n".join(lines), builder.as_markup()
    )  # a refresh may change nothing


# --- finding people, granting and revoking roles ---------------------------------------------


async def on_find(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    builder = InlineKeyboardBuilder()
    for code, role in ROLE_CODES.items():
        builder.button(text=_role_title(role), callback_data=AdmCB(action="fr", v=code))
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
    builder.button(text=_("🌐 All places"), callback_data=AdmCB(action="fl", v=callback_data.v))
    builder.row(back_button("fu"))
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
    people, total = await role_service.find_users(session, role, place or None, now, page, PER_PAGE)
    level = await _place_level(session, place) if place else "country"
    where = esc(await place_label(session, level or "country", place or None, locale))
    lines = [
        _("{role} — {place}: {count}").format(
            role=_role_title(role), place=where, count=fmt_number(total)
        )
    ]
    items = []
    for number, person in enumerate(people, start=page * PER_PAGE + 1):
        held = await role_service.load_roles(session, person, [], now)
        places = [await place_label(session, "mahalla", code, locale) for code in held.mahallas]
        places += [await place_label(session, s.level, s.code, locale) for s in held.scopes]
        extra = f" · {esc(', '.join(places))}" if places else ""
        lines.append(f"{number}. {esc(person.name or '—')} · tg {person.telegram_id}{extra}")
        items.append((f"{number}. {(person.name or '—')[:40]}", AdmCB(action="card", id=person.id)))
    if not people:
        lines.append(_("Nobody found."))
    markup = paged_buttons(
        items,
        page=page,
        per_page=PER_PAGE,
        total=total,
        page_cb=lambda p: AdmCB(action="fl", v=f"{role_code}.{place}", page=p),
        columns=2,
        extra=[back_button("fu")],
    )
    return fit_message(["\n".join(lines)]), markup


async def on_find_place(
    message: Message, session: AsyncSession, user: User, state: FSMContext
) -> None:
    role_code = (await state.get_data()).get("role")
    code = (message.text or "").strip()
    if role_code not in ROLE_CODES:
        await state.clear()
        await message.answer(_("This button is out of date. Please use the menu or /start."))
        return
    is_code = len(code) <= 20 and await _place_level(session, code) is not None
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
            text=label[:60], callback_data=AdmCB(action="fl", v=f"{role_code}.{place.code}")
        )
    builder.adjust(1)
    builder.row(back_button(AdminAction.FIND_ROLE, v=role_code))  # to typing the place again
    text = _("Places with “{name}” in their name: choose one.").format(name=esc(code[:40]))
    await message.answer(text, reply_markup=builder.as_markup())


async def on_find_other(message: Message) -> None:
    await message.answer(_("Please type a place name or code as text, or /cancel."))


async def on_people_page(
    query: CallbackQuery,
    callback_data: AdmCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
) -> None:
    role_code, _sep, place = callback_data.v.partition(".")
    if role_code not in ROLE_CODES or len(place) > 20:
        await refuse(query, user, "fl")
        return
    await state.clear()
    await query.answer()
    await show_in_place(
        query, *await _people_view(session, role_code, place, callback_data.page, user.locale)
    )


async def _card(
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
        text=_("➕ Make assistant of a mahalla"), callback_data=AdmCB(action="ga", id=person.id)
    )
    builder.button(text=_("➕ Make supervisor"), callback_data=AdmCB(action="gs", id=person.id))
    if held.mahallas:
        builder.button(
            text=_("➖ End the assistant role"), callback_data=AdmCB(action="ra", id=person.id)
        )
    if held.scopes:
        builder.button(
            text=_("➖ End the supervisor role"), callback_data=AdmCB(action="rs", id=person.id)
        )
    builder.adjust(1)
    builder.row(back_button("fu"))
    return fit_message(["\n".join(lines)]), builder.as_markup()


async def _person(session: AsyncSession, person_id: int) -> User | None:
    person = await session.get(User, person_id)
    return person if person is not None and person.deleted_at is None else None


async def on_card(
    query: CallbackQuery,
    callback_data: AdmCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
) -> None:
    person = await _person(session, callback_data.id)
    if person is None:
        await refuse(query, user, callback_data.action)
        return
    await state.clear()
    await query.answer()
    await show_in_place(query, *await _card(session, person, user.locale))


async def on_grant_start(
    query: CallbackQuery,
    callback_data: AdmCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    i18n: I18n,
    settings: Settings,
) -> None:
    """ga: pick the mahalla; gs: pick the level; gl (v = d | r | c): pick the place."""
    person = await _person(session, callback_data.id)
    if person is None or not isinstance(query.message, Message):
        await refuse(query, user, callback_data.action)
        return
    await query.answer()
    if callback_data.action == "gs":
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("District supervisor"), callback_data=AdmCB(action="gl", id=person.id, v="d")
        )
        builder.button(
            text=_("Region supervisor"), callback_data=AdmCB(action="gl", id=person.id, v="r")
        )
        builder.button(
            text=_("National supervisor"), callback_data=AdmCB(action="gl", id=person.id, v="c")
        )
        builder.adjust(1)
        builder.row(back_button("card", id=person.id))
        await show_in_place(query, _("Which supervisor role?"), builder.as_markup())
        return
    if callback_data.action == "gl" and callback_data.v == "c":
        await _grant(query, session, user, person, "country", None, Tell(i18n, settings))
        return
    purpose = {"ga": "gm", "gl": {"d": "gd", "r": "gr"}.get(callback_data.v)}.get(
        callback_data.action
    )
    if purpose is None:
        await refuse(query, user, callback_data.action)
        return
    await state.clear()
    await state.update_data(grant_user=person.id)
    await show_regions(query.message, session, purpose, user.locale, edit=True)


async def _grant(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    person: User,
    level: str,
    code: str | None,
    tell: Tell,
) -> None:
    role = "assistant" if level == "mahalla" else "supervisor"
    notice = partial(queue_role_notice, session, tell.i18n, admin_ids=tell.settings.admin_ids)
    granted = await role_changes.grant(
        session,
        person,
        level,
        code,
        utcnow(),
        tell_granted=lambda: notice(
            person, now=utcnow(), granted=True, role=role, level=level, code=code
        ),
        tell_replaced=lambda predecessor: notice(
            predecessor, now=utcnow(), granted=False, role="assistant", level="mahalla"
        ),
    )
    log.info("role %s %s granted to user %s by user %s", level, code, person.id, user.id)
    place = esc(await place_label(session, level, code, user.locale))
    notice = (_("Done: now {role}: {place}.") if granted else _("Already {role}: {place}.")).format(
        role=role_label(role, level), place=place
    )
    await show_in_place(query, *await _card(session, person, user.locale, notice))


async def _confirm_replacement(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    person: User,
    code: str,
    others: list[User],
) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes"), callback_data=PlaceCB(purpose="gm", level=CONFIRMED, code=code)
    )
    builder.row(back_button("card", id=person.id))
    text = _(
        "Mahalla: <b>{place}</b>\nNew assistant: {name}\nReplaces: {old}. Both will be told."
        "\nConfirm?"
    ).format(
        place=esc(await place_label(session, "mahalla", code, user.locale)),
        name=person_label(person),
        old=", ".join(person_label(p) for p in others),
    )
    await show_in_place(query, text, builder.as_markup())


async def on_grant_place(
    query: CallbackQuery,
    callback_data: PlaceCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    i18n: I18n,
    settings: Settings,
) -> None:
    data = await state.get_data()
    person = await _person(session, int(data.get("grant_user") or 0))
    level = GRANT_PURPOSES[callback_data.purpose][0]
    if person is None:
        await refuse(query, user, f"grant-{callback_data.purpose}")
        return
    if await _place_level(session, callback_data.code) != level:
        await refuse(query, user, f"grant-{callback_data.purpose}")
        return
    now = utcnow()
    if level == "mahalla" and callback_data.level != CONFIRMED:
        current = await supervision.mahalla_assistants(session, callback_data.code, now)
        others = [p for p in current if p.id != person.id]
        if others:  # say whom it replaces and wait for a yes
            await query.answer()
            await _confirm_replacement(query, session, user, person, callback_data.code, others)
            return
    await state.clear()
    await query.answer()
    await _grant(query, session, user, person, level, callback_data.code, Tell(i18n, settings))


async def on_revoke(
    query: CallbackQuery,
    callback_data: AdmCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    i18n: I18n,
    settings: Settings,
) -> None:
    """ra / rs: ask; ray / rsy: end the assistant / supervisor role now."""
    person = await _person(session, callback_data.id)
    if person is None:
        await refuse(query, user, callback_data.action)
        return
    await state.clear()
    await query.answer()
    assistant = callback_data.action.startswith("ra")
    if not callback_data.action.endswith("y"):
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("Yes, end it"),
            callback_data=AdmCB(action=callback_data.action + "y", id=person.id),
        )
        builder.row(back_button("card", id=person.id))
        question = (
            _("End the assistant role of {name}? The mahalla's cases stay with the mahalla.")
            if assistant
            else _("End the supervisor role of {name}?")
        )
        await show_in_place(
            query, question.format(name=esc(person.name or "—")), builder.as_markup()
        )
        return
    now = utcnow()
    ended = await role_changes.end(
        session,
        person,
        assistant=assistant,
        now=now,
        notify=lambda: queue_role_notice(
            session,
            i18n,
            person,
            settings.admin_ids,
            now,
            granted=False,
            role="assistant" if assistant else "supervisor",
            level="mahalla" if assistant else "",
        ),
    )
    log.info("role ended for user %s by user %s (%s terms)", person.id, user.id, ended)
    notice = _("The role has ended.") if ended else _("There was no such role to end.")
    await show_in_place(query, *await _card(session, person, user.locale, notice))


# --- importing mahallas ---------------------------------------------------------------------


async def on_import(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AdminWork.import_csv)
    builder = InlineKeyboardBuilder()
    builder.row(back_button())
    await query.answer()
    await show_in_place(
        query,
        _(
            "Send the mahallas as a CSV file (a document, UTF-8, up to {size} KB) with the "
            "header:\n<code>{header}</code>\nNew codes are added and changed ones updated; "
            "nothing is duplicated. /cancel to stop."
        ).format(size=IMPORT_MAX_BYTES // 1024, header=",".join(registry.MAHALLA_COLUMNS)),
        builder.as_markup(),
    )


def _reason(reason: str) -> str:
    """The importer's reason for a rejected line, in the admin's language."""
    if reason == "code is empty":
        return _("the code is empty")
    if reason.startswith("code ") and "appears twice" in reason:
        return _("the code appears twice in the file")
    if reason.startswith("code "):
        return _("the code is not like RRDDNNNN or 1DD-NNNN")
    if reason.startswith("district SOATO"):
        return _("the district SOATO is unknown")
    if reason == "name_uz is empty":
        return _("name_uz is empty")
    return _("a name is longer than 200 characters")


async def on_import_document(
    message: Message, session: AsyncSession, user: User, state: FSMContext, bot: Bot
) -> None:
    document = message.document
    assert document is not None
    name = (document.file_name or "").lower()
    if not (
        name.endswith(".csv") or document.mime_type in ("text/csv", "text/comma-separated-values")
    ):
        await message.answer(_("This is not a CSV file. Please send a .csv file, or /cancel."))
        return
    if (document.file_size or 0) > IMPORT_MAX_BYTES:
        await message.answer(
            _(
                "The file is too big: at most {size} KB. Split it and send the parts, or /cancel."
            ).format(size=IMPORT_MAX_BYTES // 1024)
        )
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    data = buffer.getvalue()
    header = ",".join(registry.MAHALLA_COLUMNS)
    try:
        rows = registry.parse_mahalla_csv(data[: IMPORT_MAX_BYTES + 1].decode("utf-8-sig"), name)
    except UnicodeDecodeError:
        await message.answer(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and send it again, or /cancel.")
        )
        return
    except ValueError:
        await message.answer(
            _(
                "The first line must be the header:\n<code>{header}</code>\nFix the file and send "
                "it again, or /cancel."
            ).format(header=header)
        )
        return
    report = await registry.import_mahallas(session, rows, utcnow())  # commits
    await state.clear()
    log.info(
        "mahallas imported by user %s: added %s, updated %s, rejected %s",
        user.id,
        report.added,
        report.updated,
        len(report.rejected),
    )
    lines = [
        _(
            "Mahallas imported: {added} added, {updated} updated, {unchanged} unchanged, "
            "{rejected} rejected."
        ).format(
            added=fmt_number(report.added),
            updated=fmt_number(report.updated),
            unchanged=fmt_number(report.unchanged),
            rejected=fmt_number(len(report.rejected)),
        )
    ]
    for line, reason in report.rejected[:REJECTED_SHOWN]:
        lines.append(_("Line {line}: {reason}").format(line=line, reason=_reason(reason)))
    if len(report.rejected) > REJECTED_SHOWN:
        lines.append(
            _("…and {count} more (the command line lists them all).").format(
                count=fmt_number(len(report.rejected) - REJECTED_SHOWN)
            )
        )
    builder = InlineKeyboardBuilder()
    builder.row(back_button())
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def on_import_other(message: Message) -> None:
    await message.answer(_("Please send the CSV file as a document, or /cancel."))


# --- wiring ----------------------------------------------------------------------------------


def router() -> Router:
    """Inside the admin audience's router, which checks the role (`bot.handlers.audiences`)."""
    r = Router(name="admin_panel")
    r.message.register(on_menu, Command("admin"))
    r.message.register(on_menu, MenuButton("admin"))

    typing = (F.text, ~F.text.startswith("/"), ~AnyMenuButton())
    r.message.register(on_find_place, StateFilter(AdminWork.find_place), *typing)
    r.message.register(on_import_document, StateFilter(AdminWork.import_csv), F.document)
    r.message.register(on_import_other, StateFilter(AdminWork.import_csv), ~AnyMenuButton())
    r.message.register(on_find_other, StateFilter(AdminWork.find_place), ~AnyMenuButton())

    r.callback_query.register(on_home, AdmCB.filter(F.action == "home"))
    r.callback_query.register(on_help, AdmCB.filter(F.action == "hlp"))
    r.callback_query.register(on_outbox, AdmCB.filter(F.action == "ob"))
    r.callback_query.register(on_find, AdmCB.filter(F.action == "fu"))
    r.callback_query.register(on_find_role, AdmCB.filter(F.action == "fr"))
    r.callback_query.register(on_people_page, AdmCB.filter(F.action == "fl"))
    r.callback_query.register(on_card, AdmCB.filter(F.action == "card"))
    r.callback_query.register(on_grant_start, AdmCB.filter(F.action.in_({"ga", "gs", "gl"})))
    r.callback_query.register(on_revoke, AdmCB.filter(F.action.in_({"ra", "rs", "ray", "rsy"})))
    r.callback_query.register(on_import, AdmCB.filter(F.action == "imp"))
    grant_pick = F.purpose.in_(set(GRANT_PURPOSES)) & (
        ((F.purpose == "gm") & F.level.in_({"m", CONFIRMED}))
        | ((F.purpose == "gd") & (F.level == "d"))
        | ((F.purpose == "gr") & (F.level == "r"))
    )
    r.callback_query.register(on_grant_place, PlaceCB.filter(grant_pick))
    r.include_router(admin_settings.router())
    return r

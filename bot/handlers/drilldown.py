"""A supervisor's drill-down: country → region → district → mahalla → assistant, each screen
with the place's indicators (one `indicators.place_indicators_by` for the place and the lines
of its children), paged lists, Back, and the Excel file of the place.

Every place and assistant in a callback is re-checked with `supervision.place_in_scope` /
`assistant_of_mahalla`; a forged one is refused and logged with ids and codes only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Unpack

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import DigestAction, DrillCB, SupCB, SupervisorAction, SvCB
from bot.config import Settings
from bot.filters import MenuButton
from bot.handlers.dialog import register_buttons
from bot.handlers.supervisor_common import SupervisorData
from bot.i18n import fmt_date, fmt_money, fmt_number, fmt_percent
from bot.services import indicators, registry, supervision
from bot.services import roles as role_service
from bot.services.cases import is_overdue
from bot.services.indicators import PlaceIndicators
from bot.services.paging import Window
from bot.services.roles import Roles, Scope
from bot.services.supervision import Place
from bot.views import digest as render
from bot.views.keyboards.common import list_buttons, paged_buttons
from bot.views.render import fit_message
from bot.views.screens import show_in_place
from bot.views.texts import esc, status_label
from db.models import User, utcnow

log = logging.getLogger(__name__)
CASES_SHOWN = 8  # an assistant's open cases listed under their figures, overdue first

PER_PAGE = 10
LEVEL_OF = {"c": "country", "r": "region", "d": "district", "m": "mahalla"}
CODE_OF = {level: code for code, level in LEVEL_OF.items()}
CHILD_OF = {"country": "region", "region": "district", "district": "mahalla"}


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return _("{hours} h").format(hours=fmt_number(round(value, 1)))
    return _("{days} d").format(days=fmt_number(round(value / 24, 1)))


def place_title(place: Place, locale: str) -> str:
    return (
        _("the whole country") if place.level == "country" else registry.place_name(place, locale)
    )


def indicator_lines(figures: PlaceIndicators) -> list[str]:
    """The place's indicators, one topic a line (HTML)."""
    f = figures
    statuses = dict(f.statuses)
    categories = dict(f.categories)
    n = fmt_number
    lines = [
        _(
            "👥 Assistants: {count}, on target: {on_target} (at least {expected} job each)",
            "👥 Assistants: {count}, on target: {on_target} (at least {expected} jobs each)",
            f.expected_each,
        ).format(count=n(f.assistants), on_target=n(f.on_target), expected=n(f.expected_each)),
        _("🏘 Mahallas: {count}, without an assistant: {missing}").format(
            count=n(f.mahallas), missing=n(f.without_assistant)
        ),
        _("<b>Jobs created</b>: today {today} · this month {month} of {target} ({percent})").format(
            today=n(f.jobs_day),
            month=n(f.jobs_month),
            target=n(f.target_month),
            percent=fmt_percent(f.jobs_month, f.target_month),
        ),
        _("Confirmed by citizens: {count} ({percent})").format(
            count=n(f.confirmed_month), percent=fmt_percent(f.confirmed_month, f.jobs_month)
        ),
        _("Entrepreneurs (new businesses, self-employed) this month: {count}").format(
            count=n(f.entrepreneurs_month)
        ),
        _("<b>Requests</b>: {statuses}").format(
            statuses=" · ".join(f"{status_label(s)} {n(c)}" for s, c in statuses.items())
        ),
        _("Overdue now: {overdue} · open job requests: {jobs}").format(
            overdue=n(f.overdue), jobs=n(f.open_job_requests)
        ),
        _("<b>Households surveyed</b>: {count} (🔴 {red} · 🟡 {yellow} · 🟢 {green})").format(
            count=n(f.households),
            red=n(categories.get("red", 0)),
            yellow=n(categories.get("yellow", 0)),
            green=n(categories.get("green", 0)),
        ),
        _("Median income per person: {amount}").format(
            amount=fmt_money(f.median_income) if f.median_income is not None else "—"
        ),
        _("Median time to accept: {accept} · to resolve: {resolve}").format(
            accept=_hours(f.median_accept_hours), resolve=_hours(f.median_resolve_hours)
        ),
        _("Citizens' rating: {rating} of 5 (rated: {count})").format(
            rating=fmt_number(round(f.rating, 1)) if f.rating is not None else "—",
            count=n(f.rated),
        ),
    ]
    return lines


def _child_heading(level: str) -> str:
    return {
        "region": _("<b>Regions</b>: jobs this month · open / overdue requests"),
        "district": _("<b>Districts</b>: jobs this month · open / overdue requests"),
        "mahalla": _("<b>Mahallas</b>: jobs this month · open / overdue requests"),
    }[level]


def _child_line(name: str, figures: PlaceIndicators | None) -> str:
    f = figures or PlaceIndicators(level="", code="")
    mark = " 🏚" if f.mahallas and f.without_assistant == f.mahallas else ""
    return (
        f"• {esc(name)}: {fmt_number(f.jobs_month)} · "
        f"{fmt_number(f.open_cases)} / {fmt_number(f.overdue)}{mark}"
    )


def _today(now: dt.datetime, settings: Settings) -> dt.date:
    return now.astimezone(settings.tz).date()


async def _figures(
    session: AsyncSession,
    level: str,
    codes: list[str] | None,
    settings: Settings,
    now: dt.datetime,
    *,
    summary: bool = False,
) -> dict[str, PlaceIndicators]:
    return await indicators.place_indicators_by(
        session,
        level,
        codes,
        _today(now, settings),
        now,
        target_day=settings.jobs_per_day_target,
        target_month=settings.jobs_per_month_target,
        summary=summary,
    )


async def _back_button(
    session: AsyncSession, roles: Roles, place: Place
) -> InlineKeyboardButton | None:
    """One level up, on the page of its list that shows this place (the page the supervisor
    came from, whatever the depth), when that is still within the scopes; else the list of
    the person's areas when they have several; else nothing (the top of their area)."""
    parent = place.parent
    if parent is not None:
        level, code = parent
        if await supervision.place_in_scope(session, roles.scopes, level, code) is not None:
            page = await supervision.page_in_parent(session, place, PER_PAGE)
            data = DrillCB(level=CODE_OF[level], code=code or "", page=page)
            return InlineKeyboardButton(text=_("⬅️ Back"), callback_data=data.pack())
    if len(await supervision.scope_places(session, roles.scopes)) > 1:
        return InlineKeyboardButton(text=_("⬅️ My areas"), callback_data=DrillCB(level="h").pack())
    return None


async def place_screen(
    session: AsyncSession,
    roles: Roles,
    place: Place,
    page: int,
    locale: str,
    settings: Settings,
) -> tuple[str, InlineKeyboardMarkup]:
    now = utcnow()
    key = place.code if place.code is not None else indicators.COUNTRY
    own = (
        await _figures(session, place.level, None if place.code is None else [key], settings, now)
    )[key]
    lines = [
        _("📍 <b>{place}</b>, {date}").format(
            place=esc(place_title(place, locale)), date=fmt_date(_today(now, settings))
        ),
        render.as_of_text(now, settings.tz),
        *indicator_lines(own),
        "",
    ]
    items: list[tuple[str, DrillCB]] = []
    if place.level == "mahalla":
        assert place.code is not None
        people = await supervision.mahalla_assistants(session, place.code, now)
        lines.append(_("<b>Assistants</b>:"))
        if not people:
            lines.append(_("no assistant"))
        for person in people:
            lines.append(f"• {esc(person.name or '—')}")
            items.append((person.name or "—", DrillCB(level="a", code=place.code, id=person.id)))
        window = Window.whole(len(items))
    else:
        children = await supervision.child_places(session, place, page, PER_PAGE)
        window = children.window
        child_level = CHILD_OF[place.level]
        codes = [c.code or "" for c in children.items]
        figures = await _figures(session, child_level, codes, settings, now, summary=True)
        lines.append(_child_heading(child_level))
        for child in children.items:
            name = registry.place_name(child, locale)
            lines.append(_child_line(name, figures.get(child.code or "")))
            items.append((name, DrillCB(level=CODE_OF[child_level], code=child.code or "")))
    extra: list[InlineKeyboardButton] = []
    if place.level != "mahalla":
        level_code = CODE_OF[place.level]
        extra.append(
            InlineKeyboardButton(
                text=_("📥 Excel file"),
                callback_data=SupCB(
                    action=DigestAction.EXPORT, level=level_code, code=place.code or ""
                ).pack(),
            )
        )
    back = await _back_button(session, roles, place)
    if back is not None:
        extra.append(back)
    markup = paged_buttons(
        items,
        window,
        lambda p: DrillCB(level=CODE_OF[place.level], code=place.code or "", page=p),
        columns=2,
        extra=extra,
    )
    return fit_message(["\n".join(lines)]), markup


async def assistant_screen(
    session: AsyncSession,
    roles: Roles,
    place: Place,
    person: User,
    locale: str,
    settings: Settings,
) -> tuple[str, InlineKeyboardMarkup] | None:
    """One assistant of a mahalla: jobs against target and the cases they work now (None
    when they no longer serve in the district)."""
    now = utcnow()
    today = _today(now, settings)
    district = Scope("district", place.district_soato)
    found = [
        f
        for f in await indicators.assistant_figures(
            session,
            district,
            today,
            now,
            target_day=settings.jobs_per_day_target,
            target_month=settings.jobs_per_month_target,
        )
        if f.user_id == person.id
    ]
    if not found:
        return None
    figures = found[0]
    served = (await role_service.load_roles(session, person, [], now)).mahallas
    day = await indicators.assistant_day(
        session,
        person.id,
        served,
        today,
        now,
        target_day=settings.jobs_per_day_target,
        target_month=settings.jobs_per_month_target,
    )
    n = fmt_number
    lines = [
        _("👤 <b>{name}</b>, {mahalla}").format(
            name=esc(person.name or "—"), mahalla=esc(registry.place_name(place, locale))
        ),
        render.as_of_text(now, settings.tz),
        _("Phone: {phone}").format(phone=esc(person.phone or "—")),
        _("Mahallas served: {count}").format(count=n(len(served))),
        "",
        _("<b>Jobs created</b>: today {today} · this month {month} of {target} ({percent})").format(
            today=n(figures.jobs_day),
            month=n(figures.jobs_month),
            target=n(figures.target_month),
            percent=fmt_percent(figures.jobs_month, figures.target_month),
        ),
        ("✅ " if figures.on_target else "⚠️ ")
        + _("Expected by today: {count}").format(count=n(figures.expected)),
        _("Confirmed by citizens: {count} ({percent})").format(
            count=n(figures.confirmed_month),
            percent=fmt_percent(figures.confirmed_month, figures.jobs_month),
        ),
        _("Requests now: open {open} · overdue {overdue} · new since yesterday {new}").format(
            open=n(day.open_cases), overdue=n(day.overdue_cases), new=n(day.new_since_yesterday)
        ),
    ]
    # Down to the cases themselves: each opens read-only, and its Back comes here again.
    rows = []
    back_here = f"a.{place.code}.{person.id}"
    for case in await supervision.assistant_open_cases(
        session, person.id, served, now, CASES_SHOWN
    ):
        late = "⏰ " if is_overdue(case, now) else ""
        label = f"{late}{case.number} · {status_label(case.status)}"
        rows.append([_button(label, SvCB(action=SupervisorAction.OPEN, id=case.id, v=back_here))])
    back = _button(_("⬅️ Back"), DrillCB(level="m", code=place.code or ""))
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[*rows, [back]])


def _button(text: str, data: DrillCB | SvCB) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def home_screen(
    session: AsyncSession, roles: Roles, locale: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """Where the drill-down starts: the person's area, or the list of their areas."""
    places = await supervision.scope_places(session, roles.scopes)
    if len(places) == 1:
        return await place_screen(session, roles, places[0], 0, locale, settings)
    items = [
        (place_title(p, locale), DrillCB(level=CODE_OF[p.level], code=p.code or "")) for p in places
    ]
    return _("Choose an area:"), list_buttons(items)


async def _refuse(query: CallbackQuery, user: User, level: str, code: str, extra: int = 0) -> None:
    log.warning("supervisor drill refused: user=%s place=%s:%s id=%s", user.id, level, code, extra)
    await query.answer(_("This button is out of date."), show_alert=True)


async def on_menu(
    message: Message, session: AsyncSession, user: User, roles: Roles, settings: Settings
) -> None:
    text, markup = await home_screen(session, roles, user.locale, settings)
    await message.answer(text, reply_markup=markup)


async def on_drill(
    query: CallbackQuery, callback_data: DrillCB, **data: Unpack[SupervisorData]
) -> None:
    session, user, roles, settings = data["session"], data["user"], data["roles"], data["settings"]
    if callback_data.level == "h":
        text, markup = await home_screen(session, roles, user.locale, settings)
    elif callback_data.level == "a":
        found = await supervision.assistant_of_mahalla(
            session, roles.scopes, callback_data.code, callback_data.id, utcnow()
        )
        screen = (
            await assistant_screen(session, roles, *found, user.locale, settings)
            if found is not None
            else None
        )
        if screen is None:
            await _refuse(query, user, "a", callback_data.code, callback_data.id)
            return
        text, markup = screen
    else:
        level = LEVEL_OF.get(callback_data.level, "")
        place = await supervision.place_in_scope(
            session, roles.scopes, level, callback_data.code or None
        )
        if place is None:
            await _refuse(query, user, callback_data.level, callback_data.code)
            return
        text, markup = await place_screen(
            session, roles, place, callback_data.page, user.locale, settings
        )
    await query.answer()
    await show_in_place(query, text, markup)


async def on_digest_button(
    query: CallbackQuery, callback_data: SupCB, **data: Unpack[SupervisorData]
) -> None:
    """The digest's "🔎 By place" button (and the older "mahallas and assistants" one): the
    place's drill-down screen, under the same scope check."""
    session, user, roles, settings = data["session"], data["user"], data["roles"], data["settings"]
    level = LEVEL_OF.get(callback_data.level, "")
    place = await supervision.place_in_scope(
        session, roles.scopes, level, callback_data.code or None
    )
    if place is None or level == "mahalla":
        await _refuse(query, user, callback_data.level, callback_data.code)
        return
    text, markup = await place_screen(session, roles, place, 0, user.locale, settings)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)  # the digest stays as it was


def router() -> Router:
    """Registered inside the supervisor router (which checks the role)."""
    r = Router(name="drilldown")
    r.message.register(on_menu, MenuButton("s_drill"))
    r.callback_query.register(on_drill, DrillCB.filter())
    buttons = {DigestAction.DRILL: on_digest_button, DigestAction.MAHALLAS: on_digest_button}
    register_buttons(r, SupCB, buttons)
    return r

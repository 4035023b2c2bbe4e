"""Supervisor digests in words: the text, the chart's labels, the XLSX titles, the buttons.

Called inside `in_locale(...)` (or a handler's locale), so `_()` speaks the reader's language.
Shared by the scheduled digests and the export button's handler.
"""

from __future__ import annotations

import datetime as dt

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import DigestAction, SupCB
from bot.i18n import fmt_date, fmt_datetime, fmt_number, fmt_percent
from bot.services import registry
from bot.services.digests import Digest
from bot.services.indicators import Standing
from bot.services.roles import Scope
from bot.views.texts import case_kind_label, esc

LEVEL_CODES = {"country": "c", "region": "r", "district": "d", "mahalla": "m"}
LEVELS = {code: level for level, code in LEVEL_CODES.items()}


def _of(part: int, whole: int) -> str:
    return _("{part} of {whole} ({percent})").format(
        part=fmt_number(part), whole=fmt_number(whole), percent=fmt_percent(part, whole)
    )


def title(kind: str, place: str) -> str:
    if kind == "weekly":
        return _("📊 <b>Weekly summary</b>: {place}").format(place=esc(place))
    if kind == "monthly":
        return _("📊 <b>Monthly summary</b>: {place}").format(place=esc(place))
    return _("📊 <b>Daily digest</b>: {place}").format(place=esc(place))


def period_text(digest: Digest) -> str:
    if digest.first == digest.last:
        return _("Day: {date}").format(date=fmt_date(digest.first))
    return _("Period: {first} – {last}").format(
        first=fmt_date(digest.first), last=fmt_date(digest.last)
    )


def _standing_line(position: int, standing: Standing, locale: str) -> str:
    return _("{position}. {name}, {mahalla}: {jobs}").format(
        position=position,
        name=esc(standing.name or "—"),
        mahalla=esc(registry.place_name(standing, locale)),
        jobs=fmt_number(standing.jobs),
    )


def as_of_text(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """When the figures were counted: every summary says it (local time)."""
    return _("As of {moment}").format(moment=fmt_datetime(moment, tz))


def digest_text(digest: Digest, place: str, locale: str, as_of: dt.datetime, tz: dt.tzinfo) -> str:
    """The digest message (HTML, well under Telegram's 4,096 characters)."""
    d = digest
    lines = [title(d.kind, place), period_text(d), as_of_text(as_of, tz), ""]
    lines.append(_("<b>Jobs created</b>"))
    if d.assistants == 0:
        lines.append(_("No assistants work in this area yet."))
    lines.append(_("In the period: {figures}").format(figures=_of(d.jobs, d.target)))
    if d.kind != "monthly":
        lines.append(_("This month: {figures}").format(figures=_of(d.jobs_month, d.target_month)))
    lines.append(
        _("Assistants on target: {figures}").format(figures=_of(d.on_target, d.assistants))
        + " "
        + _("(at least {count} by {date})").format(
            count=fmt_number(d.expected_each), date=fmt_date(d.last)
        )
    )
    lines += ["", _("<b>Requests</b>: new · resolved · overdue now")]
    for flow in d.cases:
        lines.append(
            f"{case_kind_label(flow.kind)}: {fmt_number(flow.new)} · "
            f"{fmt_number(flow.resolved)} · {fmt_number(flow.overdue)}"
        )
    total = d.case_totals
    lines.append(
        _("Total: {new} · {resolved} · {overdue}").format(
            new=fmt_number(total.new),
            resolved=fmt_number(total.resolved),
            overdue=fmt_number(total.overdue),
        )
    )
    lines.append("")
    coverage = d.coverage
    if coverage.without_assistant:
        lines.append(
            _("🏚 Mahallas without an assistant: {count} of {total}").format(
                count=fmt_number(coverage.without_assistant), total=fmt_number(coverage.mahallas)
            )
        )
        names = ", ".join(esc(registry.place_name(m, locale)) for m in coverage.sample)
        if coverage.without_assistant > len(coverage.sample):
            names += " …"
        lines.append(names)
        lines.append(
            _("Requests waiting without an assistant: {count}").format(
                count=fmt_number(coverage.queued_cases)
            )
        )
    elif coverage.mahallas:
        lines.append(_("Every mahalla has an assistant."))
    if d.behind:
        lines += ["", _("<b>Furthest behind</b> (jobs this month)")]
        lines += [_standing_line(i, s, locale) for i, s in enumerate(d.behind, start=1)]
    if d.ahead:
        lines += ["", _("<b>Furthest ahead</b> (jobs this month)")]
        lines += [_standing_line(i, s, locale) for i, s in enumerate(d.ahead, start=1)]
    return "\n".join(lines)


def chart_labels(place: str) -> dict[str, str]:
    return {
        "title": _("Jobs per day, last 30 days: {place}").format(place=place),
        "jobs_label": _("Jobs created"),
        "target_label": _("Target"),
    }


def chart_caption(place: str) -> str:
    return _("📈 Jobs per day against the target: {place}").format(place=esc(place))


def xlsx_titles() -> dict[str, str]:
    return {
        "sheet_mahallas": _("Mahallas"),
        "sheet_assistants": _("Assistants"),
        "district": _("District"),
        "code": _("Code"),
        "mahalla": _("Mahalla"),
        "assistants": _("Assistant"),
        "jobs_day": _("Jobs on the day"),
        "jobs_month": _("Jobs this month"),
        "open": _("Open requests"),
        "overdue": _("Overdue"),
        "new": _("New this month"),
        "resolved": _("Resolved this month"),
        "assistant": _("Assistant"),
        "phone": _("Phone"),
        "mahallas": _("Mahallas served"),
        "confirmed": _("Confirmed by citizens"),
        "expected": _("Expected by the day"),
        "target": _("Monthly target"),
        "percent": _("Percent of target"),
        "on_target": _("On target"),
        "yes": _("yes"),
        "no": _("no"),
        "files": _("Voice messages and files this month"),
    }


def xlsx_heading(place: str, first_text: str, last_text: str) -> str:
    return _("Indicators: {place}, {first} – {last}").format(
        place=place, first=first_text, last=last_text
    )


def xlsx_caption(place: str) -> str:
    return _("📥 Indicators by mahalla and assistant: {place}").format(place=esc(place))


def digest_keyboard(scope: Scope) -> InlineKeyboardMarkup:
    level = LEVEL_CODES[scope.level]
    code = scope.code or ""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("🔎 By place"),
        callback_data=SupCB(action=DigestAction.DRILL, level=level, code=code),
    )
    keyboard.button(
        text=_("📥 Excel file"),
        callback_data=SupCB(action=DigestAction.EXPORT, level=level, code=code),
    )
    keyboard.adjust(2)
    return keyboard.as_markup()

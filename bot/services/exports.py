"""XLSX exports of a scope's indicators, per mahalla and per assistant (openpyxl).

`collect` reads the figures (the same `indicators` functions the digests use); `build_xlsx`
writes the workbook and is plain CPU work, to be run in a thread. Column titles come
translated from the caller, so this module knows no language and nothing of Telegram.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import indicators
from bot.services.indicators import AssistantFigures, MahallaFigures
from bot.services.indicators.scopes import area_clause, local_bounds
from bot.services.roles import Scope
from db.models import Case, CaseFile

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Keys of the titles a caller must give (translated): sheet names, headings, yes/no.
TITLE_KEYS = (
    "sheet_mahallas",
    "sheet_assistants",
    "district",
    "code",
    "mahalla",
    "assistants",
    "jobs_day",
    "jobs_month",
    "open",
    "overdue",
    "new",
    "resolved",
    "assistant",
    "phone",
    "mahallas",
    "confirmed",
    "expected",
    "target",
    "percent",
    "on_target",
    "yes",
    "no",
    "files",
)

# Characters an XLSX cell cannot hold (the same set openpyxl refuses).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class ExportData:
    scope: Scope
    day: dt.date
    mahallas: Sequence[MahallaFigures]
    assistants: Sequence[AssistantFigures]
    # Voice notes, photos and documents that came with the mahalla's cases this month.
    files: Mapping[str, int] = field(default_factory=dict)


async def collect(
    session: AsyncSession,
    scope: Scope,
    day: dt.date,
    now: dt.datetime,
    tz: dt.tzinfo,
    *,
    target_day: int,
    target_month: int,
) -> ExportData:
    """The figures of the export: the month of `day` up to `day`."""
    mahallas = await indicators.mahalla_figures(session, scope, day, now, tz)
    assistants = await indicators.assistant_figures(
        session, scope, day, now, target_day=target_day, target_month=target_month
    )
    start, end = local_bounds(day.replace(day=1), day, tz)
    rows = await session.execute(
        select(Case.mahalla_code, func.count(CaseFile.id))
        .join(Case, Case.id == CaseFile.case_id)
        .where(area_clause(scope, Case.district_soato, Case.region_soato))
        .where(CaseFile.sent_at >= start, CaseFile.sent_at < end)
        .group_by(Case.mahalla_code)
    )
    files = {code: int(count) for code, count in rows}
    return ExportData(scope, day, mahallas, assistants, files)


def _name(uz: str, uz_cyrl: str, ru: str | None, locale: str) -> str:
    if locale == "uz_Cyrl":
        return uz_cyrl or uz
    if locale == "ru":
        return ru or uz_cyrl or uz
    return uz


def _clean(value: Any) -> Any:
    """Control characters in a name would make openpyxl refuse the whole file."""
    return _ILLEGAL.sub("", value) if isinstance(value, str) else value


def _write_sheet(
    sheet: Any, heading: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Fill a write-only sheet (openpyxl streams its rows: a national export's tens of
    thousands of lines in a second or two): the heading, bold titles, then the rows."""
    from openpyxl.cell import WriteOnlyCell  # imported here: openpyxl is heavy and rarely used
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Layout first: a write-only sheet takes it only before its rows.
    sheet.freeze_panes = "A3"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A2:{last}{max(2, len(rows) + 2)}"
    for index, title in enumerate(columns, start=1):
        width = max([len(str(title))] + [len(str(r[index - 1])) for r in rows[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)

    def bold(value: str, size: int | None = None) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True, size=size)
        return cell

    def text(value: str) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # names are people's input: never let one become a formula
        return cell

    sheet.append([bold(heading, 12)])
    sheet.append([bold(title) for title in columns])
    for values in rows:
        sheet.append([text(_clean(v)) if isinstance(v, str) else v for v in values])


def build_xlsx(data: ExportData, titles: Mapping[str, str], heading: str, locale: str) -> bytes:
    """The workbook as bytes: a sheet of mahallas and a sheet of assistants."""
    missing = [key for key in TITLE_KEYS if key not in titles]
    if missing:
        raise ValueError(f"missing titles: {', '.join(missing)}")
    t = titles
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    mahallas = book.create_sheet(t["sheet_mahallas"][:31])
    _write_sheet(
        mahallas,
        heading,
        [
            t["district"],
            t["code"],
            t["mahalla"],
            t["assistants"],
            t["jobs_day"],
            t["jobs_month"],
            t["open"],
            t["overdue"],
            t["new"],
            t["resolved"],
            t["files"],
        ],
        [
            (
                _name(m.district_uz, m.district_uz_cyrl, m.district_ru, locale),
                m.code,
                _name(m.name_uz, m.name_uz_cyrl, m.name_ru, locale),
                m.assistants or "—",
                m.jobs_day,
                m.jobs_month,
                m.open_cases,
                m.overdue_cases,
                m.new_cases,
                m.resolved_cases,
                data.files.get(m.code, 0),
            )
            for m in data.mahallas
        ],
    )
    people = book.create_sheet(t["sheet_assistants"][:31])
    _write_sheet(
        people,
        heading,
        [
            t["assistant"],
            t["phone"],
            t["code"],
            t["mahalla"],
            t["mahallas"],
            t["jobs_day"],
            t["jobs_month"],
            t["confirmed"],
            t["expected"],
            t["target"],
            t["percent"],
            t["on_target"],
        ],
        [
            (
                a.name or "—",
                a.phone or "",
                a.mahalla_code,
                _name(a.mahalla_uz, a.mahalla_uz_cyrl, a.mahalla_ru, locale),
                a.mahallas,
                a.jobs_day,
                a.jobs_month,
                a.confirmed_month,
                a.expected,
                a.target_month,
                round(100 * a.jobs_month / a.target_month) if a.target_month else 0,
                t["yes"] if a.on_target else t["no"],
            )
            for a in data.assistants
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(scope: Scope, day: dt.date) -> str:
    """indicators_district_1726294_2026-11.xlsx and the like (ASCII, no spaces)."""
    place = scope.code or "country"
    return f"indicators_{scope.level}_{place}_{day:%Y-%m-%d}.xlsx"

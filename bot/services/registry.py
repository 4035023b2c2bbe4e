"""The administrative registry: regions, districts and mahallas, their names and search."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import paging
from bot.services.translit import (
    LOOSE_PAIRS,
    latin_to_cyrillic,
    loose_key,
    normalize_apostrophes,
    search_key,
)
from db.models import District, Mahalla, Region

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "db" / "data"
MAHALLA_COLUMNS = ("code", "district_soato", "name_uz", "name_uz_cyrl", "name_ru")
_CODE_RE = re.compile(r"^\d{3}-\d{4}$|^\d{8}$")


class Named(Protocol):
    name_uz: str
    name_uz_cyrl: str


def place_name(place: Named, locale: str) -> str:
    """The place's name in the user's script; Russian falls back to the Cyrillic Uzbek name."""
    if locale == "uz_Cyrl":
        return place.name_uz_cyrl or place.name_uz
    if locale == "ru":
        return getattr(place, "name_ru", None) or place.name_uz_cyrl or place.name_uz
    return place.name_uz


# --- reference data ----------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _set_names(place: Region | District, row: dict[str, str]) -> None:
    """The three names of a region or district, as the data files spell them."""
    place.name_uz, place.name_uz_cyrl, place.name_ru = (
        row["name_uz"],
        row["name_uz_cyrl"],
        row["name_ru"],
    )


async def sync_reference_data(session: AsyncSession) -> None:
    """Upsert regions and districts from the project's data files (idempotent)."""
    regions = {r.soato: r for r in await session.scalars(select(Region))}
    for row in _read_csv(DATA_DIR / "regions.csv"):
        region = regions.get(row["soato"]) or Region(soato=row["soato"])
        region.kind = row["kind"]
        _set_names(region, row)
        session.add(region)
    await session.flush()
    districts = {d.soato: d for d in await session.scalars(select(District))}
    for row in _read_csv(DATA_DIR / "districts.csv"):
        district = districts.get(row["soato"]) or District(soato=row["soato"])
        district.region_soato = row["parent_soato"][:4]
        district.kind = row["kind"]
        _set_names(district, row)
        session.add(district)
    await session.commit()


# --- mahalla import ----------------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _mahalla_key(name_uz: str, name_uz_cyrl: str, name_ru: str | None) -> str:
    return " | ".join(search_key(n) for n in (name_uz, name_uz_cyrl, name_ru or "") if n)


async def import_mahallas(
    session: AsyncSession,
    rows: Iterable[Mapping[str, str | None]],
    now: dt.datetime,
    first_line: int = 2,
) -> ImportReport:
    """Add or update mahallas by code. Never duplicates; a bad row is rejected with its reason."""
    report = ImportReport()
    districts = set(await session.scalars(select(District.soato)))
    existing = {m.code: m for m in await session.scalars(select(Mahalla))}
    seen: set[str] = set()
    for line, row in enumerate(rows, start=first_line):
        code = (row.get("code") or "").strip()
        district = (row.get("district_soato") or "").strip()
        name_uz = normalize_apostrophes(row.get("name_uz") or "")
        name_cyrl = (row.get("name_uz_cyrl") or "").strip() or latin_to_cyrillic(name_uz)
        name_ru = (row.get("name_ru") or "").strip() or None
        reason = None
        if not code:
            reason = "code is empty"
        elif not _CODE_RE.match(code):
            reason = f"code {code!r} is not RRDDNNNN or 1DD-NNNN"
        elif code in seen:
            reason = f"code {code} appears twice in the file"
        elif district not in districts:
            reason = f"district SOATO {district!r} is unknown"
        elif not name_uz:
            reason = "name_uz is empty"
        elif len(name_uz) > 200 or len(name_cyrl) > 200 or len(name_ru or "") > 200:
            reason = "a name is longer than 200 characters"
        if reason:
            report.rejected.append((line, reason))
            continue
        seen.add(code)
        values = {
            "district_soato": district,
            "name_uz": name_uz,
            "name_uz_cyrl": name_cyrl,
            "name_ru": name_ru,
            "search_key": _mahalla_key(name_uz, name_cyrl, name_ru),
        }
        mahalla = existing.get(code)
        if mahalla is None:
            session.add(Mahalla(code=code, active=True, created_at=now, updated_at=now, **values))
            report.added += 1
        elif any(getattr(mahalla, k) != v for k, v in values.items()) or not mahalla.active:
            for key, value in values.items():
                setattr(mahalla, key, value)
            mahalla.active = True
            mahalla.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    await session.commit()
    return report


def read_mahalla_csv(path: Path) -> list[dict[str, str | None]]:
    """Read an import file; raises ValueError with one line when the header is wrong."""
    return parse_mahalla_csv(path.read_text(encoding="utf-8-sig"), str(path))


def parse_mahalla_csv(text: str, source: str) -> list[dict[str, str | None]]:
    """The rows of an import file's text (a file, or a document sent to the bot); raises
    ValueError with one line naming `source` when the header is wrong."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("code", "district_soato", "name_uz") if c not in header]
    if missing:
        raise ValueError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"expected header {','.join(MAHALLA_COLUMNS)}"
        )
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


async def import_demo_if_empty(session: AsyncSession, now: dt.datetime) -> ImportReport | None:
    """A new install gets Tashkent city's real mahallas so there are places to choose."""
    if await session.scalar(select(func.count()).select_from(Mahalla)):
        return None
    return await import_mahallas(session, read_mahalla_csv(DATA_DIR / "mahallas_demo.csv"), now)


# --- lookups -----------------------------------------------------------------------------


async def get_region(session: AsyncSession, soato: str) -> Region | None:
    return await session.get(Region, soato)


async def get_district(session: AsyncSession, soato: str) -> District | None:
    return await session.get(District, soato)


async def get_mahalla(session: AsyncSession, code: str) -> Mahalla | None:
    return await session.get(Mahalla, code)


async def regions(session: AsyncSession) -> Sequence[Region]:
    return (await session.scalars(select(Region).order_by(Region.name_uz))).all()


async def districts(session: AsyncSession, region_soato: str) -> Sequence[District]:
    return (
        await session.scalars(
            select(District).where(District.region_soato == region_soato).order_by(District.name_uz)
        )
    ).all()


async def mahallas_page(
    session: AsyncSession, district_soato: str, page: int, per_page: int
) -> paging.Page[Mahalla]:
    """One page of a district's active mahallas by name (a page past the end is the last one);
    the code breaks ties, so two mahallas of one name keep their pages."""
    query = (
        select(Mahalla)
        .where(Mahalla.district_soato == district_soato, Mahalla.active.is_(True))
        .order_by(Mahalla.name_uz, Mahalla.code)
    )
    return await paging.fetch(session, query, page, per_page)


async def search_mahallas(
    session: AsyncSession, query: str, district_soato: str | None = None, limit: int = 20
) -> Sequence[Mahalla]:
    """Find mahallas whose name contains the typed fragment, whatever script or apostrophe."""
    key = loose_key(search_key(query))
    if len(key) < 2:
        return []
    stored: Any = Mahalla.search_key
    for letter, same in LOOSE_PAIRS:  # the stored key made loose the same way, in SQL
        stored = func.replace(stored, letter, same)
    stmt = select(Mahalla).where(Mahalla.active.is_(True), stored.contains(key, autoescape=True))
    if district_soato:
        stmt = stmt.where(Mahalla.district_soato == district_soato)
    return (await session.scalars(stmt.order_by(Mahalla.name_uz).limit(limit))).all()


@dataclass(frozen=True)
class FoundPlace:
    level: str  # region | district | mahalla
    code: str  # SOATO, or the mahalla's code
    place: Region | District | Mahalla


def _names_match(place: Region | District, key: str) -> bool:
    names = (place.name_uz, place.name_uz_cyrl, place.name_ru)
    return any(key in loose_key(search_key(name, strip_suffix=True)) for name in names if name)


async def find_places(session: AsyncSession, query: str, limit: int = 12) -> list[FoundPlace]:
    """Regions, districts and mahallas whose name holds the typed fragment, in either script
    (for staff, who know places by name; codes stay an extra)."""
    key = loose_key(search_key(query, strip_suffix=True))
    if len(key) < 2:
        return []
    found = [
        FoundPlace("region", r.soato, r) for r in await regions(session) if _names_match(r, key)
    ]
    all_districts = (await session.scalars(select(District).order_by(District.name_uz))).all()
    found += [FoundPlace("district", d.soato, d) for d in all_districts if _names_match(d, key)]
    room = max(0, limit - len(found))
    if room:
        found += [
            FoundPlace("mahalla", m.code, m)
            for m in await search_mahallas(session, query, None, room)
        ]
    return found[:limit]


async def districts_with_mahallas(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(Mahalla.district_soato).distinct()))

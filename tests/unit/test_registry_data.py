"""Checks on the committed registry CSVs in db/data (regions, districts, demo mahallas)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from bot.services.translit import APOSTROPHES, OKINA, TUTUQ
from tests.support.reference import reference_data

DATA_DIR = Path(__file__).resolve().parents[2] / "db" / "data"
REFERENCE_DIR = reference_data("uz-admin")
ADMIN_COLUMNS = ["soato", "parent_soato", "kind", "name_uz", "name_uz_cyrl", "name_ru"]
MAHALLA_COLUMNS = ["code", "district_soato", "name_uz", "name_uz_cyrl", "name_ru"]
NAME_COLUMNS = ("name_uz", "name_uz_cyrl", "name_ru")
# Karakalpak Latin letters allowed in an Uzbek Latin column (none occur today).
KARAKALPAK_LATIN = set("áóúńıÁÓÚŃ")


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    raw = (DATA_DIR / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
    assert b"\r" not in raw, f"{name} is not LF-only"
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _scripts(s: str) -> set[str]:
    out = set()
    for ch in s:
        if ch.isalpha() and ch not in (OKINA, TUTUQ):
            uname = unicodedata.name(ch, "")
            out.add("cyrl" if "CYRILLIC" in uname else "latn" if "LATIN" in uname else "other")
    return out


REGION_COLS, REGIONS = _read("regions.csv")
DISTRICT_COLS, DISTRICTS = _read("districts.csv")
MAHALLA_COLS, MAHALLAS = _read("mahallas_demo.csv")
REGION_BY_SOATO = {r["soato"]: r for r in REGIONS}
DISTRICT_BY_SOATO = {d["soato"]: d for d in DISTRICTS}


def test_columns() -> None:
    assert REGION_COLS == ADMIN_COLUMNS
    assert DISTRICT_COLS == ADMIN_COLUMNS
    assert MAHALLA_COLS == MAHALLA_COLUMNS


def test_counts() -> None:
    assert len(REGIONS) == 14
    assert len(DISTRICTS) == 209
    assert len(MAHALLAS) == 585


def test_regions() -> None:
    kinds = Counter(r["kind"] for r in REGIONS)
    assert kinds == {"region": 12, "republic": 1, "city": 1}
    assert REGION_BY_SOATO["1735"]["kind"] == "republic"
    assert REGION_BY_SOATO["1726"]["kind"] == "city"
    for r in REGIONS:
        assert re.fullmatch(r"17\d\d", r["soato"])
        assert r["parent_soato"] == ""


def test_districts_hang_off_regions() -> None:
    assert len(DISTRICT_BY_SOATO) == len(DISTRICTS), "duplicate SOATO"
    for d in DISTRICTS:
        assert d["parent_soato"] in REGION_BY_SOATO, d
        assert d["soato"].startswith(d["parent_soato"]), d
        assert d["kind"] in {"district", "city", "city_district"}, d


def test_district_kinds() -> None:
    kinds = Counter(d["kind"] for d in DISTRICTS)
    assert kinds == {"district": 175, "city": 32, "city_district": 2}
    city_districts = {d["soato"]: d for d in DISTRICTS if d["kind"] == "city_district"}
    assert set(city_districts) == {"1714401365", "1714401367"}
    assert {d["parent_soato"] for d in city_districts.values()} == {"1714"}
    for d in DISTRICTS:
        if d["kind"] != "city_district":
            assert len(d["soato"]) == 7
            assert d["kind"] == ("city" if d["soato"][4] == "4" else "district"), d
    tashkent = [d for d in DISTRICTS if d["parent_soato"] == "1726"]
    assert len(tashkent) == 12


@pytest.mark.parametrize(
    ("soato", "kind", "uz", "cyrl", "ru"),
    [
        ("1703209", "district", "Boʻston tumani", "Бўстон тумани", "Бустанский район"),
        (
            "1708212",
            "district",
            "Sharof Rashidov tumani",
            "Шароф Рашидов тумани",
            "Шараф-Рашидовский район",
        ),
        ("1712412", "city", "Gʻozgʻon", "Ғозғон", "Газган"),
        ("1724414", "city", "Baxt", "Бахт", "Бахт"),
        ("1703217", "district", "Ulugʻnor tumani", "Улуғнор тумани", "Улугнорский район"),
        ("1727419", "city", "Chirchiq", "Чирчиқ", "Чирчик"),
        ("1733221", "district", "Tuproqqalʼa tumani", "Тупроққалъа тумани", None),
    ],
)
def test_fixed_rows(soato: str, kind: str, uz: str, cyrl: str, ru: str | None) -> None:
    row = DISTRICT_BY_SOATO[soato]
    assert (row["kind"], row["name_uz"], row["name_uz_cyrl"]) == (kind, uz, cyrl)
    if ru is not None:
        assert row["name_ru"] == ru


ALL_NAMED = [("regions", r) for r in REGIONS] + [("districts", d) for d in DISTRICTS]


def test_scripts_match_columns() -> None:
    bad = []
    for _, row in ALL_NAMED:
        if _scripts(row["name_uz"]) != {"latn"}:
            bad.append(("name_uz", row["name_uz"]))
        for col in ("name_uz_cyrl", "name_ru"):
            if _scripts(row[col]) != {"cyrl"}:
                bad.append((col, row[col]))
    for m in MAHALLAS:
        if _scripts(m["name_uz"]) != {"latn"}:
            bad.append(("mahalla name_uz", m["name_uz"]))
        if _scripts(m["name_uz_cyrl"]) != {"cyrl"}:
            bad.append(("mahalla name_uz_cyrl", m["name_uz_cyrl"]))
        assert not set(m["name_uz"]) & KARAKALPAK_LATIN  # Tashkent: none expected
    assert bad == []


def _name_cells() -> list[tuple[str, str]]:
    cells = [(col, row[col]) for _, row in ALL_NAMED for col in NAME_COLUMNS]
    cells += [(col, m[col]) for m in MAHALLAS for col in NAME_COLUMNS]
    return cells


def test_no_raw_apostrophes() -> None:
    for col, value in _name_cells():
        marks = [ch for ch in value if ch in APOSTROPHES]
        if col == "name_uz":
            assert set(marks) <= {OKINA, TUTUQ}, value
            for m in re.finditer(OKINA, value):
                assert value[m.start() - 1] in "oOgG", value
            for m in re.finditer(TUTUQ, value):
                assert value[m.start() - 1].isalpha(), value
                assert value[m.start() - 1] not in "oOgG", value
        else:
            assert marks == [], (col, value)


def test_whitespace_clean() -> None:
    for _, value in _name_cells():
        assert value == value.strip()
        assert "  " not in value
        assert not re.search(r"[^\S ]|\u00a0|\u200b", value), repr(value)


def test_names_present() -> None:
    for _, row in ALL_NAMED:
        assert all(row[c] for c in NAME_COLUMNS), row
    for m in MAHALLAS:
        assert m["code"] and m["district_soato"] and m["name_uz"] and m["name_uz_cyrl"]
        assert m["name_ru"] == ""  # no public source has Russian mahalla names


def test_demo_mahallas_are_in_tashkent() -> None:
    codes = [m["code"] for m in MAHALLAS]
    assert len(set(codes)) == len(codes)
    prefix_to_district: dict[str, set[str]] = {}
    for m in MAHALLAS:
        district = DISTRICT_BY_SOATO.get(m["district_soato"])
        assert district is not None, m
        assert district["parent_soato"] == "1726", m
        assert re.fullmatch(r"1\d\d-\d{4}", m["code"]), m
        prefix_to_district.setdefault(m["code"][:3], set()).add(m["district_soato"])
    # One cadastre prefix per district, all 12 Tashkent districts used.
    assert all(len(v) == 1 for v in prefix_to_district.values())
    assert len(prefix_to_district) == 12
    assert prefix_to_district["103"] == {"1726294"}  # DHP example: 103-0104 is Chilonzor


def test_demo_mahalla_names_unique_per_district() -> None:
    keys = Counter((m["district_soato"], m["name_uz"].casefold()) for m in MAHALLAS)
    assert [k for k, n in keys.items() if n > 1] == []


@pytest.mark.skipif(
    not REFERENCE_DIR.is_dir(), reason="set REFERENCE_DATA to check against the source data"
)
def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    from db.data.build_registry import build

    build(REFERENCE_DIR, tmp_path)
    for name in ("regions.csv", "districts.csv", "mahallas_demo.csv"):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name

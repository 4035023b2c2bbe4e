"""Build the project's cleaned region, district and demo-mahalla CSVs.

Usage: ``python -m db.data.build_registry $REFERENCE_DATA/uz-admin OUTDIR``

The reference data is used as published but has known defects (see
``db/data/README.md``). Every fix lives in this module so a reviewer can see
exactly how the committed CSVs differ from their source, and rerun it.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.services.translit import cyrillic_to_latin, latin_to_cyrillic, normalize_apostrophes

REGION_COLUMNS = ("soato", "parent_soato", "kind", "name_uz", "name_uz_cyrl", "name_ru")
MAHALLA_COLUMNS = ("code", "district_soato", "name_uz", "name_uz_cyrl", "name_ru")

EXPECTED_REGIONS = 14
EXPECTED_DISTRICTS = 209
EXPECTED_TASHKENT_MAHALLAS = 585
TASHKENT_SOATO = "1726"

#: Cadastre district prefix of Tashkent-city mahalla codes -> district SOATO
#: (table in the reference README; agrees with DHP's 103-0104 -> 1726294 example).
TASHKENT_PREFIX_TO_SOATO: Mapping[str, str] = {
    "10:01": "1726262",  # Uchtepa
    "10:02": "1726264",  # Bektemir
    "10:03": "1726294",  # Chilonzor
    "10:04": "1726290",  # Yashnobod
    "10:05": "1726287",  # Yakkasaroy
    "10:06": "1726283",  # Sirgʻali
    "10:07": "1726266",  # Yunusobod
    "10:08": "1726280",  # Olmazor
    "10:09": "1726269",  # Mirzo Ulugʻbek
    "10:10": "1726277",  # Shayxontohur
    "10:11": "1726273",  # Mirobod
    "10:12": "1726292",  # Yangihayot
}

#: Rows whose source names or kind are outdated or wrong (SOATO list in DHP and
#: the 2021 dcopm999 dump agree on these).
DISTRICT_OVERRIDES: Mapping[str, Mapping[str, str]] = {
    # Renamed; Boʻz is only the district centre now.
    "1703209": {
        "name_uz": "Boʻston tumani",
        "name_uz_cyrl": "Бўстон тумани",
        "name_ru": "Бустанский район",
    },
    # Source abbreviates the name as "Sh.Rashidov".
    "1708212": {
        "name_uz": "Sharof Rashidov tumani",
        "name_uz_cyrl": "Шароф Рашидов тумани",
        "name_ru": "Шараф-Рашидовский район",
    },
    # A city (4xx code), not a tuman.
    "1712412": {
        "kind": "city",
        "name_uz": "Gʻozgʻon",
        "name_uz_cyrl": "Ғозғон",
        "name_ru": "Газган",
    },
    # Cities are named without "shahar"/"город" everywhere else.
    "1724414": {"name_uz": "Baxt", "name_uz_cyrl": "Бахт", "name_ru": "Бахт"},
}

# Latin letters that stand in for Cyrillic ones in Cyrillic/Russian text.
_LATIN_TO_CYR_LOOKALIKE = str.maketrans(
    "aceopxyABCEHKMOPTX",
    "асеорхуАВСЕНКМОРТХ",
)
# Cyrillic letters that stand in for Latin ones in Latin text, plus the
# Karakalpak Cyrillic letters typed where Karakalpak Latin has ó ń ú.
_CYR_TO_LATIN_LOOKALIKE = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "у": "y",
        "х": "x",
        "і": "i",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "ө": "ó",
        "Ө": "Ó",
        "ң": "ń",
        "Ң": "Ń",
        "ӯ": "ú",
        "Ӯ": "Ú",
        "ү": "ú",
        "Ү": "Ú",
    }
)


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return "cyrl" if "CYRILLIC" in name else "latn" if "LATIN" in name else ""


def clean_cyrillic(s: str) -> str:
    """Uzbek Cyrillic or Russian name with Latin homoglyphs and odd spaces fixed."""
    return normalize_apostrophes(s).translate(_LATIN_TO_CYR_LOOKALIKE)


def clean_latin(s: str) -> str:
    """Uzbek Latin name with stray Cyrillic letters and apostrophes fixed.

    A name written wholly (or mostly) in Cyrillic is transliterated instead;
    homoglyphs go before apostrophes so "Bоʻ" with a Cyrillic о still gets ʻ.
    """
    letters = [_script(c) for c in s if c.isalpha()]
    if letters and letters.count("cyrl") * 2 > len(letters):
        s = cyrillic_to_latin(s)
    else:
        s = s.replace("с", "c").replace("С", "C")
        s = s.translate(_CYR_TO_LATIN_LOOKALIKE)
    return normalize_apostrophes(s)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, str]]) -> int:
    cols = list(columns)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row[c] for c in cols})
            count += 1
    return count


def clean_admin_rows(rows: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Regions or districts in the project's layout, cleaned and overridden."""
    out = []
    for src in rows:
        row = {
            "soato": src["soato"].strip(),
            "parent_soato": src["parent_soato"].strip(),
            "kind": src["kind"].strip(),
            "name_uz": clean_latin(src["name_uz_latn"]),
            "name_uz_cyrl": clean_cyrillic(src["name_uz_cyrl"]),
            "name_ru": clean_cyrillic(src["name_ru"]),
        }
        row.update(DISTRICT_OVERRIDES.get(row["soato"], {}))
        out.append(row)
    return sorted(out, key=lambda r: r["soato"])


def demo_mahallas(rows: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Tashkent-city mahallas with district SOATO codes and Cyrillic names."""
    out = []
    for src in rows:
        if src["region_soato"] != TASHKENT_SOATO:
            continue
        name = clean_latin(src["name_uz_latn"])
        out.append(
            {
                "code": src["code"].strip(),
                "district_soato": TASHKENT_PREFIX_TO_SOATO[src["district_prefix"]],
                "name_uz": name,
                "name_uz_cyrl": latin_to_cyrillic(name),
                "name_ru": "",
            }
        )
    return sorted(out, key=lambda r: r["code"])


def build(src_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write regions.csv, districts.csv and mahallas_demo.csv; return row counts."""
    regions = clean_admin_rows(_read(src_dir / "regions.csv"))
    districts = clean_admin_rows(_read(src_dir / "districts.csv"))
    mahallas = demo_mahallas(_read(src_dir / "mahallas.csv"))
    expected = (EXPECTED_REGIONS, EXPECTED_DISTRICTS, EXPECTED_TASHKENT_MAHALLAS)
    got = (len(regions), len(districts), len(mahallas))
    if got != expected:
        raise SystemExit(f"unexpected row counts {got}, wanted {expected}")
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "regions.csv": _write(out_dir / "regions.csv", REGION_COLUMNS, regions),
        "districts.csv": _write(out_dir / "districts.csv", REGION_COLUMNS, districts),
        "mahallas_demo.csv": _write(out_dir / "mahallas_demo.csv", MAHALLA_COLUMNS, mahallas),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for name, count in build(Path(args[0]), Path(args[1])).items():
        print(f"{name}: {count} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

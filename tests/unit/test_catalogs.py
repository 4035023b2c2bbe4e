"""Every user-facing string exists, translated and not fuzzy, in all three catalogs, and the
catalogs are up to date with the code (re-extraction finds no new or removed message)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("uz", "uz_Cyrl", "ru")
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?([a-z-]+)[^>]*>")


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
        source = message.id if isinstance(message.id, str) else message.id[0]
        for text in strings:
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {message.id!r}")
            if TAG.findall(text) != TAG.findall(source):
                problems.append(f"HTML tags differ: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_catalogs_match_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "-k",
            "_:1,1t",
            "-k",
            "_:1,2",
            "-k",
            "__",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "bot",
            "scheduler",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        fresh = _ids(read_po(handle))
    for locale in LOCALES:
        ids = _ids(_catalog(locale))
        assert fresh - ids == set(), f"{locale}: not in the catalog, run `make catalogs`"
        assert ids - fresh == set(), f"{locale}: no longer in the code, run `make catalogs`"

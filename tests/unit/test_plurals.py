"""Messages with a count use ngettext, and Russian gets the right plural form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).resolve().parents[2] / "locales"
COUNT = re.compile(r"\{(count|days|n)\}")

# msgid (singular) -> the number plus the word expected in Russian for each n.
RU_EXPECTED: dict[str, dict[int, str]] = {
    "That is {count} character; please keep it under {limit}.": {
        1: "Символов: 1;",
        2: "Символов: 2;",
        5: "Символов: 5;",
        11: "Символов: 11;",
        21: "Символов: 21;",
        22: "Символов: 22;",
    },
}


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("msgid", sorted(RU_EXPECTED))
@pytest.mark.parametrize("n", [1, 2, 5, 11, 21, 22])
def test_russian_plural_form(msgid: str, n: int) -> None:
    message = _catalog("ru")[msgid]
    assert message is not None and message.pluralizable, msgid
    plural = message.id[1]
    translations = Translations.load(str(LOCALES), ["ru"], domain="messages")
    text = translations.ngettext(msgid, plural, n).format(count=n, days=n, n=n, limit=100)
    assert RU_EXPECTED[msgid][n] in text


@pytest.mark.parametrize("locale", ["ru", "uz", "uz_Cyrl"])
def test_plural_header(locale: str) -> None:
    expected = {"ru": 3, "uz": 2, "uz_Cyrl": 2}[locale]
    assert _catalog(locale).num_plurals == expected

"""Mechanical language rules over every text the bot shows (issue 15, point 4): the three
catalogs, the flow and data YAML and the localized literals in code (tests/support/language.py).

- placeholders and HTML tags are the same as in the msgid (or the Uzbek Latin text);
- Uzbek Latin writes oʻ gʻ with U+02BB and the tutuq with U+02BC: no U+2018, U+2019, ' or `;
- Uzbek Cyrillic and Russian have no Latin words beyond ALLOWED_LATIN;
- no double spaces; quotes are «» in all three languages.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.support.language import (
    LOCALES,
    PLACEHOLDER,
    ROOT,
    TAG,
    Text,
    all_texts,
    code_files,
    plain,
    segments,
)

# Latin words allowed in Uzbek Cyrillic and Russian text: file formats, an encoding and names of
# products that are written in Latin letters in those languages too, and the letters of the
# mahalla code pattern an administrator types. The service's own name is not here: Cyrillic text
# writes it «Маҳалла Ёрдамчи» / «Махалла Ёрдамчи».
ALLOWED_LATIN = frozenset(
    {
        *("CSV", "csv", "XLSX", "PDF", "UTF"),  # file formats, ".csv", "UTF-8"
        *("Telegram", "Excel"),  # products
        *("RRDDNNNN", "DD", "NNNN"),  # the mahalla code pattern: "RRDDNNNN or 1DD-NNNN"
    }
)

LATIN_WORD = re.compile(r"[A-Za-z]+")
# Wrong marks in Uzbek Latin: typographic or ASCII apostrophes and backticks.
UZ_WRONG_MARKS = re.compile(r"[‘’'`]")
# ʻ (U+02BB) belongs only after o/g; ʼ (U+02BC, tutuq) never after them (that is oʻ, gʻ).
UZ_TURNED_COMMA_MISPLACED = re.compile(r"(?<![oOgG])ʻ")
UZ_TUTUQ_MISPLACED = re.compile(r"[oOgG]ʼ")
# Uzbek Cyrillic has ў ғ ъ for these: no apostrophes of any kind.
CYRILLIC_WRONG_MARKS = re.compile(r"[ʻʼ‘’'`]")
WRONG_QUOTES = re.compile(r"[“”„‟\"‹›]")


def _texts(locale: str) -> list[Text]:
    """Parts of texts in one language each (see tests.support.language.segments)."""
    return segments(locale)


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_and_tags_match_the_source(locale: str) -> None:
    problems = []
    for item in all_texts(locale):
        if item.source is None:
            continue
        if sorted(PLACEHOLDER.findall(item.text)) != sorted(PLACEHOLDER.findall(item.source)):
            problems.append(f"placeholders differ: {item}")
        if TAG.findall(item.text) != TAG.findall(item.source):
            problems.append(f"HTML tags differ: {item}")
    assert not problems, _report(problems)


def test_uzbek_latin_marks() -> None:
    problems = []
    for item in _texts("uz"):
        words = plain(item.text)
        for pattern, what in (
            (UZ_WRONG_MARKS, "apostrophe other than ʻ/ʼ"),
            (UZ_TURNED_COMMA_MISPLACED, "ʻ (U+02BB) not after o/g: the tutuq is ʼ (U+02BC)"),
            (UZ_TUTUQ_MISPLACED, "ʼ (U+02BC) after o/g: oʻ, gʻ take ʻ (U+02BB)"),
        ):
            if pattern.search(words):
                problems.append(f"{what}: {item}")
    assert not problems, _report(problems)


def test_uzbek_cyrillic_marks() -> None:
    problems = [
        f"apostrophe: {t}" for t in _texts("uz_Cyrl") if CYRILLIC_WRONG_MARKS.search(t.text)
    ]
    assert not problems, _report(problems)


@pytest.mark.parametrize("locale", ["uz_Cyrl", "ru"])
def test_no_latin_words_in_cyrillic_text(locale: str) -> None:
    problems = []
    for item in _texts(locale):
        latin = set(LATIN_WORD.findall(plain(item.text))) - ALLOWED_LATIN
        if latin:
            problems.append(f"Latin {sorted(latin)}: {item}")
    assert not problems, _report(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_double_spaces(locale: str) -> None:
    problems = [f"double space: {t}" for t in _texts(locale) if "  " in t.text]
    assert not problems, _report(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_one_quote_style(locale: str) -> None:
    problems = []
    for item in _texts(locale):
        words = plain(item.text)
        if WRONG_QUOTES.search(words):
            problems.append(f"quotes other than «»: {item}")
        elif words.count("«") != words.count("»"):
            problems.append(f"unbalanced «»: {item}")
    assert not problems, _report(problems)


def test_no_typographic_apostrophe_inside_words_in_code() -> None:
    """U+2018/U+2019 between letters in any string literal of the code (msgids included) is an
    Uzbek word written with the wrong mark ("O‘zbekcha", "so‘m")."""
    between_letters = re.compile(r"[A-Za-z][‘’][A-Za-z]")
    problems = []
    for path in code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if between_letters.search(node.value):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    problems.append(f"{where}: {node.value[:80]!r}")
    assert not problems, _report(problems)

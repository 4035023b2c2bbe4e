"""Every text the bot shows, in each language, for the language tests (lint, Russian cases,
glossary): the three catalogs, the flow and data YAML, and the localized literals in code
(`LocalizedText(uz=…, uz_Cyrl=…, ru=…)` calls and dicts keyed by the three locales)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("uz", "uz_Cyrl", "ru")
YAML_FILES = (
    *sorted((ROOT / "bot" / "flows" / "definitions").glob("*.yaml")),
    *sorted((ROOT / "bot" / "services" / "data").glob("*.yaml")),
)
CODE_DIRS = (ROOT / "bot", ROOT / "scheduler")
_LOCALE_CODES = {*LOCALES, "uz_Latn"}

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?([a-z-]+)[^>]*>")


@dataclass(frozen=True)
class Text:
    locale: str
    text: str
    where: str  # "ru.po", "job.v1.yaml", "bot/i18n.py:26"
    # What placeholders and tags must match: the msgid (the plural msgid for msgstr[1:]) of a
    # catalog entry, the Uzbek Latin text of a YAML or code entry.
    source: str | None = None

    def __str__(self) -> str:
        key = f" [{self.source!r}]" if self.source else ""
        return f"{self.where}{key}: {self.text!r}"


@cache
def catalog(locale: str):  # type: ignore[no-untyped-def]
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def catalog_texts(locale: str) -> Iterator[Text]:
    for message in catalog(locale):
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            yield Text(locale, string, f"{locale}.po", source)


def _localized(node: object) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        if set(LOCALES) <= set(node) and all(isinstance(node[k], str) for k in LOCALES):
            yield node
        for value in node.values():
            yield from _localized(value)
    elif isinstance(node, list):
        for value in node:
            yield from _localized(value)


def yaml_texts() -> Iterator[Text]:
    for path in YAML_FILES:
        for entry in _localized(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for locale in LOCALES:
                yield Text(locale, entry[locale], path.name, entry["uz"])


def code_files() -> Iterator[Path]:
    for directory in CODE_DIRS:
        yield from sorted(directory.rglob("*.py"))


def code_texts() -> Iterator[Text]:
    """`LocalizedText(uz=…, uz_Cyrl=…, ru=…)` and `{"uz": …, "uz_Cyrl": …, "ru": …}` literals."""
    for path in code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            pairs: list[tuple[str, ast.AST]] = []
            if isinstance(node, ast.Call):
                pairs = [(k.arg, k.value) for k in node.keywords if k.arg in LOCALES]
            elif isinstance(node, ast.Dict):
                pairs = [
                    (k.value, v)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value in LOCALES
                ]
            if len(pairs) < len(LOCALES):
                continue
            if all(isinstance(v, ast.Constant) and v.value in _LOCALE_CODES for _, v in pairs):
                continue  # a table of locale codes, not texts
            strings = {
                locale: value.value
                for locale, value in pairs
                if isinstance(value, ast.Constant) and isinstance(value.value, str)
            }
            for locale, string in strings.items():
                yield Text(locale, string, f"{where}:{node.lineno}", strings.get("uz"))


@cache
def all_texts(locale: str) -> tuple[Text, ...]:
    return (
        *catalog_texts(locale),
        *(t for t in yaml_texts() if t.locale == locale),
        *(t for t in code_texts() if t.locale == locale),
    )


# A line that starts with a language's name is in that language ("Ўзбекча: тилни танланг." in
# the Russian language picker).
_LINE_LANGUAGE = (
    (re.compile(r"^O[ʻ‘’'`]zbekcha:"), "uz"),
    (re.compile(r"^Ўзбекча:"), "uz_Cyrl"),
    (re.compile(r"^Русский:"), "ru"),
)


def _line_locale(line: str, default: str) -> str:
    for pattern, locale in _LINE_LANGUAGE:
        if pattern.match(line):
            return locale
    return default


def segments(locale: str) -> list[Text]:
    """Texts in `locale` cut into parts of one language each: a line that starts with another
    language's name is checked as that language."""
    found = []
    for other in LOCALES:
        for item in all_texts(other):
            lines = item.text.split("\n")
            if all(_line_locale(line, other) == other for line in lines):
                if other == locale:
                    found.append(item)
                continue
            for line in lines:
                if _line_locale(line, other) == locale:
                    found.append(Text(locale, line, item.where, item.source))
    return found


def plain(text: str) -> str:
    """The words only: no HTML tags or <code>, placeholders, identifiers (name_uz), commands,
    links or e-mail addresses."""
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = TAG.sub(" ", text)
    text = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", text)
    text = PLACEHOLDER.sub(" ", text)
    text = re.sub(r"https?://\S+|\S+@\S+", " ", text)
    return re.sub(r"(?<!\w)/[a-z_]+", " ", text)

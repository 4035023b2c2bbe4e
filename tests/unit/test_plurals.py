"""Messages with a count use ngettext, and Russian gets the right plural form (issue 15, point 1).

RU_EXPECTED lists every plural message of the catalogs with the words Russian needs for
n = 1, 2, 5, 11, 21, 22; a Russian message that puts a counted word after a number without
ngettext fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from tests.support.language import segments

LOCALES = Path(__file__).resolve().parents[2] / "locales"
NUMBERS = (1, 2, 5, 11, 21, 22)


def _forms(template: str, one: str, few: str, many: str) -> dict[int, str]:
    """`template` with N for the number and W for the word, for each n of NUMBERS."""
    word = {1: one, 2: few, 5: many, 11: many, 21: one, 22: few}
    return {n: template.replace("N", str(n)).replace("W", word[n]) for n in NUMBERS}


_CHARS = ("символа", "символов", "символов")  # "до 1 символа", "до 2 символов", "до 5 символов"

# msgid (singular) -> the text expected in Russian for each n (every placeholder is n).
RU_EXPECTED: dict[str, dict[int, str]] = {
    "That is {count} character; please keep it under {limit}.": _forms(
        "В тексте N W, а можно", "символ", "символа", "символов"
    ),
    "In {days} day ({date})": _forms("Через N W (N)", "день", "дня", "дней"),
    "Invite for the {role}: <b>{place}</b>\n\nSend this link to the person. It works once and "
    "expires in {days} day:\n{link}": _forms("действует N W:", "день", "дня", "дней"),
    "<b>{institution}</b>: type what must be done (up to {limit} character), or /cancel.": _forms(
        "(до N W)", *_CHARS
    ),
    "Please type the job title (up to {limit} character).": _forms("(до N W)", *_CHARS),
    "Please type the employer's name (up to {limit} character).": _forms("(до N W)", *_CHARS),
    "Please type a reason of up to {limit} character, or /cancel.": _forms("до N W", *_CHARS),
    "Please type the text, up to {limit} character, or /cancel.": _forms("до N W", *_CHARS),
    "Type the announcement for the assistants of <b>{place}</b> in one message (up to {limit} "
    "character), or /cancel.": _forms("(до N W)", *_CHARS),
    "That is too long: at most {limit} character. Please shorten it.": _forms(
        "не больше N W.", *_CHARS
    ),
    "The answer is too long: at most {max} character, you wrote {length}.": _forms(
        "не больше N W,", "знака", "знаков", "знаков"
    ),
    "Queued for {count} assistant.": _forms("для N W.", "помощника", "помощников", "помощников"),
    "Send this to {count} assistant of {place}?": _forms(
        "это N W (N)?", "помощнику", "помощникам", "помощникам"
    ),
    "That is too far ahead: at most {days} day from today.": _forms(
        "на N W вперёд", "день", "дня", "дней"
    ),
    "The voice message is too long: please keep it under {max} minute.": _forms(
        "не больше N W.", "минуты", "минут", "минут"
    ),
    "{count} more matches, but has already had today's {limit} offers.": _forms(
        "ещё N W, но сегодня", "человек", "человека", "человек"
    ),
    "… {n} earlier entry": _forms(
        "ещё N W", "более ранняя запись", "более ранние записи", "более ранних записей"
    ),
    "✅ Vacancy posted. Offered to {count} person whose request matches.": _forms(
        "Предложена N W", "соискателю с подходящим обращением", "соискателям", "соискателям"
    ),
    "🎯 Target for today: {target} new job.": _forms(
        "План на сегодня: N W.", "новое рабочее место", "новых рабочих места", "новых рабочих мест"
    ),
    "👥 Assistants: {count}, on target: {on_target} (at least {expected} job each)": _forms(
        "(не менее N W у каждого)", "рабочего места", "рабочих мест", "рабочих мест"
    ),
    "You have sent {count} file, the most one answer takes. Press “✔️ Done”.": _forms(
        "N W —", "файл", "файла", "файлов"
    ),
    "📎 {count} file": _forms("📎 N W", "файл", "файла", "файлов"),
}

# A number placeholder followed by a word in Russian needs ngettext; units written as
# abbreviations do not change with the number ("5 дн.", "3 ч", "10 мин", "2 МБ").
COUNTED = re.compile(r"\{(count|days|n|limit|max|min|target|expected|minutes|hours|size)\}\s+(\w+)")
ABBREVIATIONS = frozenset({"дн", "ч", "мин", "КБ", "МБ"})
NOT_COUNTED = frozenset({"к", "до", "из", "или", "и", "а", "в", "на", "от", "по", "с"})


class _AllN(dict[str, str]):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = str(n)

    def __missing__(self, key: str) -> str:
        return self.n


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("msgid", sorted(RU_EXPECTED))
@pytest.mark.parametrize("n", NUMBERS)
def test_russian_plural_form(msgid: str, n: int) -> None:
    message = _catalog("ru")[msgid]
    assert message is not None and message.pluralizable, msgid
    plural = message.id[1]
    translations = Translations.load(str(LOCALES), ["ru"], domain="messages")
    text = translations.ngettext(msgid, plural, n).format_map(_AllN(n))
    assert RU_EXPECTED[msgid][n] in text


def test_every_plural_message_is_checked() -> None:
    plural = {m.id[0] for m in _catalog("ru") if m.id and m.pluralizable}
    assert plural == set(RU_EXPECTED)


def test_no_counted_word_without_ngettext() -> None:
    plural_texts = {t for m in _catalog("ru") if m.pluralizable for t in m.string}
    problems = [
        str(item)
        for item in segments("ru")
        if item.text not in plural_texts
        and any(word not in ABBREVIATIONS | NOT_COUNTED for _, word in COUNTED.findall(item.text))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["ru", "uz", "uz_Cyrl"])
def test_plural_header(locale: str) -> None:
    expected = {"ru": 3, "uz": 2, "uz_Cyrl": 2}[locale]
    assert _catalog(locale).num_plurals == expected


@pytest.mark.parametrize("locale", ["uz", "uz_Cyrl"])
def test_uzbek_has_every_form(locale: str) -> None:
    """Babel gives Uzbek two forms (n != 1); Uzbek nouns after a number do not change, so both
    forms are written out, the same text."""
    for message in _catalog(locale):
        if message.id and message.pluralizable:
            assert len(message.string) == 2 and all(message.string), message.id

"""Numbers as people type them, in Uzbek (Latin and Cyrillic) and Russian.

One place for reading a typed number: plain digits with any usual grouping ("1 500 000",
"1,500,000", "1.500.000"), a decimal mark ("2,5", "2.5"), a scale word ("20 млн", "2,5 mln",
"500 ming", "1,5 млрд"), a unit after it that says nothing about the value ("20 mln soʻm",
"5 йил", "3 kishi", "3 ta") and small counts as words ("besh", "беш", "пять", "bitta").
Pure: no I/O, no gettext.
"""

from __future__ import annotations

import re

_SEPARATORS = " \u00a0\u2007\u2009\u202f"
_SPACE_RE = re.compile(f"[{_SEPARATORS}]+")
_GROUPED_RE = re.compile(r"^\d{1,3}(?:[ ,'’.]\d{3})+$")
_FRACTION_RE = re.compile(r"^\d+$")
MAX_DIGITS = 18

#: Apostrophes people use for oʻ, gʻ and the tutuq (folded away between letters).
_APOSTROPHES = "ʻʼ'’‘`´"
_LETTER_APOSTROPHE_RE = re.compile(rf"(?<=[^\W\d_])[{_APOSTROPHES}](?=[^\W\d_])")
_NUMBER_PART_RE = re.compile(rf"^[+\-−]?[.,]?\d[\d{_SEPARATORS},.'’]*")
_WORD_RE = re.compile(r"[^\W\d_]+")

#: Scale words: thousand, million, billion (milliard) in the three languages.
SCALES: dict[str, int] = {
    **dict.fromkeys(("ming", "минг", "тыс", "тысяч", "тысяча", "тысячи", "k"), 1_000),
    **dict.fromkeys(
        ("mln", "million", "millon", "млн", "миллион", "миллиона", "миллионов"), 1_000_000
    ),
    **dict.fromkeys(
        ("mlrd", "milliard", "млрд", "миллиард", "миллиарда", "миллиардов"), 1_000_000_000
    ),
}

#: Words after a number that name what is counted; they do not change the value.
UNITS: frozenset[str] = frozenset(
    {
        # money
        "som", "сом", "сўм", "сум", "сума", "сумов", "sum", "uzs", "so", "сў",
        # years, age
        "yil", "йил", "yillik", "йиллик", "год", "года", "лет", "г", "yosh", "ёш",
        # people, pieces
        "kishi", "киши", "nafar", "нафар", "odam", "одам", "человек", "человека", "чел",
        "ta", "та", "dona", "дона", "шт", "штук", "штуки",
        # land
        "sotix", "сотих", "сотка", "сотки", "соток",
    }
)  # fmt: skip

#: Small counts written as words (as folded: lower case, no apostrophes).
NUMBER_WORDS: dict[str, int] = {
    # Uzbek, Latin
    "nol": 0, "bir": 1, "bitta": 1, "ikki": 2, "uch": 3, "tort": 4, "besh": 5, "olti": 6,
    "yetti": 7, "sakkiz": 8, "toqqiz": 9, "on": 10,
    # Uzbek, Cyrillic
    "нол": 0, "бир": 1, "битта": 1, "икки": 2, "уч": 3, "тўрт": 4, "беш": 5, "олти": 6,
    "етти": 7, "саккиз": 8, "тўққиз": 9, "ўн": 10,
    # Russian
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}  # fmt: skip


def _digits_only(text: str) -> str | None:
    """Digits of a whole number written plainly or with thousands separators."""
    compact = _SPACE_RE.sub(" ", text.strip())
    if compact.isdigit():
        return compact if compact.isascii() else None
    if _GROUPED_RE.match(compact):
        return re.sub(r"\D", "", compact)
    return None


def _split_sign(text: str) -> tuple[str, str]:
    text = text.strip()
    if text[:1] in "+-−":
        return ("-" if text[0] in "-−" else ""), text[1:].strip()
    return "", text


def plain_integer(text: str) -> int | None:
    """'1 500 000', '1,500,000', '1.500.000', '-5' -> int; anything else None."""
    sign, body = _split_sign(text)
    digits = _digits_only(body) if body else None
    if digits is None or len(digits) > MAX_DIGITS:
        return None
    return int(sign + digits)


def plain_decimal(text: str) -> float | None:
    """'2,5', '2.5', '1 500,75', '1,500.75', '1.500,75' -> float; anything else None.

    With both ',' and '.', the last one is the decimal mark; a single ',' or '.' is a decimal
    mark; a repeated one separates thousands.
    """
    sign, body = _split_sign(text)
    body = _SPACE_RE.sub(" ", body)
    if not body:
        return None
    last_comma, last_dot = body.rfind(","), body.rfind(".")
    mark = ""
    if last_comma >= 0 and last_dot >= 0:
        mark = "," if last_comma > last_dot else "."
    elif last_comma >= 0 and body.count(",") == 1:
        mark = ","
    elif last_dot >= 0 and body.count(".") == 1:
        mark = "."
    whole, fraction = body.rsplit(mark, 1) if mark else (body, "")
    if mark and not _FRACTION_RE.match(fraction):
        return None
    whole = whole.strip()
    digits = _digits_only(whole) if whole else ("0" if fraction else None)
    if digits is None or len(digits) > MAX_DIGITS or not fraction.isascii():
        return None
    return float(f"{sign}{digits}.{fraction or '0'}")


def _fold(text: str) -> str:
    return _LETTER_APOSTROPHE_RE.sub("", text.strip().lower())


def _word_value(word: str) -> int | None:
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    for suffix in ("ta", "та"):  # "ikkita", "бешта"
        if word.endswith(suffix) and word[: -len(suffix)] in NUMBER_WORDS:
            return NUMBER_WORDS[word[: -len(suffix)]]
    return None


def parse_number(text: str, *, whole: bool = True) -> int | float | None:
    """A number as people type it, or None when it is not one.

    ``whole``: an int, and only whole numbers ("2,5" alone is refused, "2,5 mln" is
    2 500 000); otherwise a float.
    """
    folded = _fold(text or "")
    if not folded:
        return None
    number_part = _NUMBER_PART_RE.match(folded)
    value: float | None
    if number_part:
        numeral = number_part.group(0).rstrip(_SEPARATORS)
        rest = folded[len(numeral) :]
    else:
        numeral, rest = "", folded
    if rest and not re.fullmatch(r"[\W_]*(?:[^\W\d_]+[\W_]*)*", rest):
        return None  # digits again after the words, or digits mixed into them
    words = _WORD_RE.findall(rest)
    if not numeral:
        if not words or (first := _word_value(words[0])) is None:
            return None
        value, words = float(first), words[1:]
        is_whole = True
    else:
        value = plain_decimal(numeral) if words and words[0] in SCALES else None
        if value is None:
            integer = plain_integer(numeral)
            value = float(integer) if integer is not None else plain_decimal(numeral)
        if value is None:
            return None
        is_whole = plain_integer(numeral) is not None
    if words and words[0] in SCALES:
        value, words = value * SCALES[words[0]], words[1:]
        is_whole = abs(value - round(value)) < 1e-6
    if any(word not in UNITS for word in words):
        return None
    if not whole:
        return value
    return round(value) if is_whole else None

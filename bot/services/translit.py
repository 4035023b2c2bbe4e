"""Uzbek Latin <-> Cyrillic transliteration and search folding.

Pure functions, no I/O. Place names reach the bot in both scripts and with every
kind of apostrophe users can type, so everything that compares or displays names
goes through here.

Latin output follows the official 1995 alphabet: U+02BB ``ʻ`` in oʻ/gʻ and U+02BC
``ʼ`` for the tutuq belgisi (ъ).
"""

from __future__ import annotations

import re
import unicodedata

OKINA = "\u02bb"  # ʻ  modifier letter turned comma: oʻ, gʻ
TUTUQ = "\u02bc"  # ʼ  modifier letter apostrophe: tutuq belgisi

#: Characters people use for oʻ/gʻ and the tutuq belgisi.
APOSTROPHES = frozenset("'`´ʹʻʼʽʾʿˈˊˋ‘’‚‛′‵＇")

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalize_apostrophes(s: str) -> str:
    """Unify apostrophes and whitespace so that equal names compare equal.

    After o/g an apostrophe is the oʻ/gʻ mark (U+02BB); after any other letter it
    is the tutuq belgisi (U+02BC). An apostrophe that follows no letter is a
    quotation mark and is left alone.
    """
    s = s.translate(_INVISIBLE)
    out: list[str] = []
    for ch in s:
        if ch in APOSTROPHES and out and out[-1].isalpha():
            out.append(OKINA if out[-1] in "oOgG" else TUTUQ)
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


# --------------------------------------------------------------------------- Latin -> Cyrillic

_LAT_SINGLE = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "d": "д",
    "f": "ф",
    "g": "г",
    "h": "ҳ",
    "i": "и",
    "j": "ж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "қ",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "х",
    "y": "й",
    "z": "з",
    # Karakalpak Latin letters, so their names survive a round trip.
    "á": "ә",
    "ó": "ө",
    "ú": "ү",
    "ń": "ң",
    "ı": "ы",
    "ǵ": "ғ",
    TUTUQ: "ъ",
    OKINA: "ъ",
}
_LAT_DIGRAPHS = {"sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я", "ye": "е"}
_CYR_VOWELS = frozenset("аэеёиоуўюяыәөүӯ")
# Loanword endings after which Latin "ts" stands for ц (Konstitutsiya, mototsikl).
_TS_AS_TSE = ("iya", "ion", "ikl", "ent", "irk", "if")


def _is_cyr_vowel(ch: str | None) -> bool:
    return ch is not None and ch.lower() in _CYR_VOWELS


def _case_like(src: str, cyr: str) -> str:
    return cyr.upper() if src[:1].isupper() else cyr


def latin_to_cyrillic(s: str) -> str:
    """Convert Uzbek Latin text to Uzbek Cyrillic, keeping letter case.

    Non-Latin characters pass through, so mixed text is safe to convert.
    """
    s = normalize_apostrophes(s)
    low = "".join(c.lower() if len(c.lower()) == 1 else c for c in s)
    out: list[str] = []
    i, n = 0, len(s)

    def prev_letter() -> str | None:
        return out[-1] if out and out[-1].isalpha() else None

    while i < n:
        ch, lc = s[i], low[i]
        nxt = low[i + 1 : i + 4]
        if lc == "y" and nxt[:2] == "o" + OKINA:  # Yangiyoʻl -> Янгийўл, not ё + ʻ
            out += [_case_like(ch, "й"), _case_like(s[i + 1], "ў")]
            i += 3
        elif lc in "og" and nxt[:1] == OKINA:
            out.append(_case_like(ch, "ў" if lc == "o" else "ғ"))
            i += 2
        elif lc == "s" and nxt[:2] == TUTUQ + "h":  # Isʼhoq -> Исҳоқ
            out += [_case_like(ch, "с"), _case_like(s[i + 2], "ҳ")]
            i += 3
        elif (
            lc == "t"
            and nxt[:1] == "s"
            and (prev_letter() is None or low.startswith(_TS_AS_TSE, i + 2))
        ):
            out.append(_case_like(ch, "ц"))
            i += 2
        elif low[i : i + 2] in _LAT_DIGRAPHS:
            out.append(_case_like(ch, _LAT_DIGRAPHS[low[i : i + 2]]))
            i += 2
        elif lc == "e":
            start_or_vowel = prev_letter() is None or _is_cyr_vowel(out[-1])
            out.append(_case_like(ch, "э" if start_or_vowel else "е"))
            i += 1
        else:
            cyr = _LAT_SINGLE.get(lc)
            out.append(ch if cyr is None else _case_like(ch, cyr))
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------- Cyrillic -> Latin

_CYR_SINGLE = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g" + OKINA,
    "д": "d",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "o" + OKINA,
    "ф": "f",
    "х": "x",
    "ҳ": "h",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    # Karakalpak Cyrillic, written as Karakalpak Latin.
    "ә": "á",
    "ө": "ó",
    "ү": "ú",
    "ӯ": "ú",
    "ң": "ń",
    "һ": "h",
}
_CYR_AFTER_HARD = frozenset("еёюя")


def cyrillic_to_latin(s: str) -> str:
    """Convert Uzbek Cyrillic text to the official Uzbek Latin, keeping letter case.

    е is "ye" at a word start and after a vowel or ъ/ь, ц is "s" at a word start
    and after a consonant but "ts" after a vowel, and сҳ gets a tutuq (sʼh) so
    it is not read as ш.
    """
    out: list[str] = []
    n = len(s)
    for i, ch in enumerate(s):
        lc = ch.lower()
        prev = s[i - 1].lower() if i > 0 else ""
        nxt = s[i + 1] if i + 1 < n else ""
        prev_is_letter = bool(prev) and prev.isalpha()
        if lc == "е":
            lat = "ye" if not prev_is_letter or prev in _CYR_VOWELS or prev in "ъь" else "e"
        elif lc == "ц":
            lat = "ts" if prev in _CYR_VOWELS else "s"
        elif lc == "ъ":
            lat = "" if nxt.lower() in _CYR_AFTER_HARD else TUTUQ
        elif lc == "с" and nxt.lower() == "ҳ":
            lat = "s" + TUTUQ
        elif lc in _CYR_SINGLE:
            lat = _CYR_SINGLE[lc]
        else:
            out.append(ch)
            continue
        if ch.isupper() and lat:
            all_caps = nxt.isupper() or (not nxt.isalpha() and i > 0 and s[i - 1].isupper())
            lat = lat.upper() if all_caps else lat[0].upper() + lat[1:]
        out.append(lat)
    return "".join(out)


# --------------------------------------------------------------------------- search

# New-alphabet (2018+) and Turkic letters folded to their 1995 spellings.
_SEARCH_PREFOLD = str.maketrans(
    {"ş": "sh", "ç": "ch", "ğ": "g", "ö": "o", "ñ": "ng", "ı": "i", "ǵ": "g", "ß": "ss"}
)
_SEARCH_DROP = dict.fromkeys(map(ord, APOSTROPHES | {"\u02bb", "\u02bc"}))
_NON_WORD = re.compile(r"[\W_]+")

# Words that only say what kind of place a name is. Bare nouns (tuman, shahar,
# mahalla) are kept: they are part of names such as "Yangi shahar".
_TRAILING_PLACE_WORDS = frozenset(
    {
        "mfy",
        "ofy",
        "qfy",
        "мфй",
        "офй",
        "қфй",
        "mahallasi",
        "маҳалласи",
        "tumani",
        "тумани",
        "shahri",
        "shaxri",
        "shaxar",
        "шаҳри",
        "шахри",
        "viloyati",
        "вилояти",
        "respublikasi",
        "республикаси",
        "район",
        "область",
        "город",
    }
)
_LEADING_PLACE_WORDS = frozenset({"город", "г", "г.", "республика"})
_QUOTES = ".,\"'«»“”„"


def strip_place_suffix(s: str) -> str:
    """Drop words like MFY, tumani, район, город so bare names can be matched.

    Only trailing kind words (and a leading "город"/"г."/"Республика") go; a
    name is never reduced to nothing.
    """
    words = normalize_apostrophes(s).split(" ")
    while len(words) > 1 and words[-1].strip(_QUOTES).casefold() in _TRAILING_PLACE_WORDS:
        words.pop()
    while len(words) > 1 and words[0].casefold().rstrip(".") in _LEADING_PLACE_WORDS:
        words.pop(0)
    return " ".join(words).strip(_QUOTES + " ") or " ".join(words)


def search_key(s: str, *, strip_suffix: bool = False) -> str:
    """Fold a name so a typed fragment matches it in either script and any spelling.

    Result: Latin, lowercase, no apostrophes or diacritics, words separated by one
    space. x and h stay distinct, as in Uzbek.
    """
    if strip_suffix:
        s = strip_place_suffix(s)
    s = unicodedata.normalize("NFC", s).lower()
    s = cyrillic_to_latin(s).translate(_SEARCH_PREFOLD).translate(_SEARCH_DROP)
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", s).strip()


#: Letters Russian spelling of Uzbek names does not tell apart: қ/к, ҳ/х, ў/у, and о written а
#: ("Чиланзар" for Чилонзор): in Latin q/k, h/x and o/a/u.
_LOOSE = str.maketrans("qhoa", "kxuu")
LOOSE_PAIRS = (("q", "k"), ("h", "x"), ("o", "u"), ("a", "u"))


def loose_key(key: str) -> str:
    """A search key (see `search_key`) with the letters Russian spelling does not tell apart
    made one: "катортол" finds "Қатортол", "Чиланзар" finds "Chilonzor". For search only."""
    return key.translate(_LOOSE)

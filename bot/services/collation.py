"""Alphabetical order as each language's reader expects it.

Sorting by code point puts Cyrillic "Ё" and "Ў" before "А", and Uzbek Latin "Oʻ", "Gʻ", "Sh",
"Ch" in the middle of "O", "G", "S", "C". Place lists (regions, districts) are sorted with
`sort_key` in the reader's language, so a Russian speaker meets Russian order, not Uzbek.
"""

from __future__ import annotations

_UZ_LATIN = [
    *"abdefghijklmnopqrstuvxyz",
    "oʻ",
    "gʻ",
    "sh",
    "ch",
    "ng",
]
_UZ_CYRILLIC = list("абвгдеёжзийклмнопрстуфхцчшъьэюяўқғҳ")
_RUSSIAN = list("абвгдеёжзийклмнопрстуфхцчшщъыьэюя") + list("ўқғҳ")  # Uzbek names in Cyrillic

_ALPHABETS = {"uz": _UZ_LATIN, "uz_Cyrl": _UZ_CYRILLIC, "ru": _RUSSIAN}
_SEPARATORS = {" ": 0, "-": 1}  # "Andijon" before "Andijon viloyati", before "Andijon-2"
_FIRST = len(_SEPARATORS)
_APOSTROPHES = str.maketrans({"'": "ʻ", "‘": "ʻ", "’": "ʻ", "`": "ʻ", "ʼ": "ʻ"})


def sort_key(text: str, locale: str) -> tuple[int, ...]:
    """A key that orders `text` by the alphabet of `locale`: spaces and hyphens first, letters
    the alphabet lacks after its own (by code point); case is ignored."""
    alphabet = _ALPHABETS.get(locale, _UZ_LATIN)
    rank = {letter: index for index, letter in enumerate(alphabet)}
    digraphs = [letter for letter in alphabet if len(letter) == 2]
    source = text.lower().translate(_APOSTROPHES) if locale == "uz" else text.lower()
    key: list[int] = []
    i = 0
    while i < len(source):
        pair = source[i : i + 2]
        if pair in digraphs:
            key.append(_FIRST + rank[pair])
            i += 2
            continue
        char = source[i]
        if char in _SEPARATORS:
            key.append(_SEPARATORS[char])
        else:
            key.append(_FIRST + (rank[char] if char in rank else len(alphabet) + ord(char)))
        i += 1
    return tuple(key)

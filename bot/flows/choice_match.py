"""Typed text read as a choice: a label in any of the three languages, the one label holding a
typed number ("3" for "3 oy"), or, in a long list, the one label holding a typed part
("payvand" for "Payvandchi"). A bare number is never a position on screen."""

from __future__ import annotations

import re

from bot.flows.model import Choice, Locale, Question, fold_label

#: Only a list this long is searched by a typed part: in a short one a part can mislead
#: ("yaxshi" in "yaxshi emas") and the buttons are all on screen anyway.
SEARCHED_OVER = 12


def match_choice(question: Question, text: str, locale: Locale) -> Choice | None:
    """A choice by its label in any language (the user's first). A bare number is never a
    position on screen ("3" is not the third button): it picks the one choice whose label
    carries that number ("3 oy", "3 месяца"), else nothing matches."""
    folded = fold_label(text)
    if not folded:
        return None
    choices = question.choices or []
    for lang in (locale, "uz", "uz_Cyrl", "ru"):
        for choice in choices:
            if fold_label(choice.text.get(lang)) == folded:
                return choice
    if folded.isdigit() and folded.isascii():
        number = int(folded)
        numbered = [
            choice
            for choice in choices
            if any(_label_numbers(label) == [number] for label in choice.text.all())
        ]
        return numbered[0] if len(numbered) == 1 else None
    if len(folded) >= 3 and len(choices) > SEARCHED_OVER:  # a part of a name in a long list
        found = [
            choice
            for choice in choices
            if any(folded in fold_label(label) for label in choice.text.all() if label)
        ]
        return found[0] if len(found) == 1 else None
    return None


def _label_numbers(label: str | None) -> list[int]:
    return [int(found) for found in re.findall(r"\d+", label or "")]


def match_choices(question: Question, text: str, locale: Locale) -> list[str] | str:
    """Choice ids from comma-separated labels or numbers; the unmatched piece if any."""
    whole = match_choice(question, text, locale)
    if whole is not None:
        return [whole.id]
    pieces: list[str] = []
    for part in re.split(r"[,;\n]+", text):
        part = part.strip()
        if not part:
            continue
        if re.fullmatch(r"[\d\s]+", part):
            pieces.extend(part.split())
        else:
            pieces.append(part)
    found: list[str] = []
    for piece in pieces:
        choice = match_choice(question, piece, locale)
        if choice is None:
            return piece
        found.append(choice.id)
    return found

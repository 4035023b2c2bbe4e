"""How a question's choices sit under it: short ones two to a row, a long list a page at a time
(so the question stays on screen on a small phone, as with the mahalla list)."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton

from bot.flows.engine import QuestionStep
from bot.flows.model import Choice
from bot.services.paging import Page, Window, page_holding

SHORT_CHOICE = 18  # choices at most this long go two to a row
#: A single-choice list longer than this is shown CHOICES_PER_PAGE choices at a time.
PAGED_OVER = 12
CHOICES_PER_PAGE = 10


def choice_rows(buttons: list[InlineKeyboardButton], labels: list[str]) -> list[list[Any]]:
    if labels and all(len(label) <= SHORT_CHOICE for label in labels):
        return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [[button] for button in buttons]


def choice_page(step: QuestionStep, page: int | None) -> Page[Choice]:
    """The choices shown under a single-choice question: a long list a page at a time (the
    answer's page by default), a short one whole (one page, no ◀ ▶)."""
    choices = step.question.choices or []
    if len(choices) <= PAGED_OVER:
        return Page(items=choices, window=Window.whole(len(choices)))
    if page is None:
        ids = [choice.id for choice in choices]
        answered = step.answered and step.value in ids
        page = page_holding(ids.index(step.value), CHOICES_PER_PAGE) if answered else 0
    return Page.of(choices, page, CHOICES_PER_PAGE)

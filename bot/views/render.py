"""Rendering helpers shared by the questionnaire summary and case cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.flows.engine import Engine
from bot.flows.model import FlowDefinition
from bot.flows.telegram import format_answer, shorten
from bot.views.texts import esc

TELEGRAM_TEXT_LIMIT = 4096
ANSWER_CHARS = 200


def answer_lines(definition: FlowDefinition, answers: Mapping[str, Any], locale: str) -> list[str]:
    """'Question: answer' lines for the answered questions, in definition order, escaped."""
    engine = Engine.of(definition)
    lines = []
    for question in definition.questions:
        if question.id not in answers:
            continue
        value = shorten(format_answer(engine, question, answers[question.id], locale), ANSWER_CHARS)
        lines.append(f"• {esc(question.text.get(locale))} <b>{esc(value)}</b>")
    return lines


def fit_message(sections: Sequence[str], limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    """Join sections with blank lines; cut at a line boundary to stay within Telegram's limit."""
    text = "\n\n".join(s for s in sections if s)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > limit - 2:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept).rstrip() + "\n…"

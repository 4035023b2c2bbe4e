"""What the questionnaire engine (``bot.flows.engine``) hands out and takes back: the saved
:class:`FlowState` and the steps to show (a question, its papers, the summary).

Plain data, apart from the engine's rules so adapters and storage can read it at a glance;
``bot.flows.engine`` re-exports every name, so its importers need not know this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.flows.model import Question

__all__ = [
    "AttachStep",
    "FlowNotFinishedError",
    "FlowState",
    "QuestionStep",
    "SummaryItem",
    "SummaryStep",
]


class FlowState(BaseModel):
    """Where one person is in one questionnaire; saved to the draft row after every answer."""

    flow_id: str
    version: int
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)
    current: str | None = None
    editing: str | None = None
    pending: list[str] = Field(default_factory=list)
    # Papers attached to answers (question id -> media dicts), and whether the current
    # question's papers are being collected now (its answer is given).
    files: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    collecting: bool = False
    # Frozen so the engine may remember what it computed for this very object: an answer
    # reads one state several times (step, answer, render).
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True)
class QuestionStep:
    """Ask ``question``; ``value`` is its current answer (after Back/Edit) to mark it."""

    question: Question
    position: int
    total: int
    can_back: bool
    can_skip: bool
    value: Any = None
    selected: list[str] = field(default_factory=list)
    answered: bool = False
    editing: bool = False


@dataclass(frozen=True)
class AttachStep:
    """``question`` is answered and takes papers: photos or documents, then Done."""

    question: Question
    files: list[dict[str, Any]]


@dataclass(frozen=True)
class SummaryItem:
    """One answered visible question in the summary (``value`` None = skipped)."""

    question: Question
    value: Any
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SummaryStep:
    """All questions are answered: show the answers for confirmation or editing."""

    items: list[SummaryItem]
    computed: dict[str, Any]


class FlowNotFinishedError(RuntimeError):
    """``result()`` was asked for before all visible questions were answered."""

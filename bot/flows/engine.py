"""The questionnaire engine: which question comes next, answer parsing, Back/Skip/Edit, result.

Pure Python on purpose: it knows nothing of Telegram or the database, so every rule of the
interview can be tested directly, and the adapter only renders steps and calls methods.
The whole conversation lives in a JSON-serialisable :class:`FlowState`; every method returns a
new state (inputs are never mutated) so the adapter can persist it after each answer. That
state and the steps are plain data in ``bot.flows.steps``, re-exported here.

Rules (docs/flow-format.md has the definition format):

* the next question is the first visible question, in definition order, without an answer key;
* answers of questions that became hidden are kept but ignored by the summary and the result,
  so changing an answer back restores them;
* Back goes to the nearest answered visible question before the current one (from the summary:
  the last one); when editing from the summary, Back on the edited question returns to the summary;
* a state written for an older copy of the definition is repaired, not rejected: unknown ids and
  answers that no longer fit their question are dropped and the next sensible question is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.flows.answers import (
    ANSWER_ERROR_CODES,
    NO_WORDS,
    SKIPPED_LABEL,
    YES_NO_LABELS,
    YES_WORDS,
    AnswerError,
    check_attachment,
    check_multi,
    check_spoken,
    fits,
    format_value,
    is_media,
    parse_answer,
)
from bot.flows.model import FlowDefinition, Locale, Question
from bot.flows.steps import (
    AttachStep,
    FlowNotFinishedError,
    FlowState,
    QuestionStep,
    SummaryItem,
    SummaryStep,
)

__all__ = [
    "ANSWER_ERROR_CODES",
    "NO_WORDS",
    "SKIPPED_LABEL",
    "YES_NO_LABELS",
    "YES_WORDS",
    "AnswerError",
    "AttachStep",
    "Engine",
    "FlowNotFinishedError",
    "FlowState",
    "Locale",
    "QuestionStep",
    "SummaryItem",
    "SummaryStep",
]


@dataclass(frozen=True)
class _View:
    """What a set of answers means for the definition: visibility and the next question."""

    answers: dict[str, Any]
    visible: list[Question]
    visible_ids: frozenset[str]
    next_id: str | None


class Engine:
    """Runs one :class:`FlowDefinition`; stateless apart from the definition."""

    def __init__(self, definition: FlowDefinition) -> None:
        self.definition = definition
        self._questions: dict[str, Question] = {q.id: q for q in definition.questions}
        computed_ids = frozenset(item.id for item in definition.computed)
        # Each question with its compiled show_if and whether that reads computed values,
        # looked up once: a view walks every question on every answer.
        self._checks = [
            (q, q.condition, q.condition is not None and bool(q.condition.names & computed_ids))
            for q in definition.questions
        ]
        self._recent: dict[int, tuple[FlowState, FlowState, _View]] = {}

    @classmethod
    def of(cls, definition: FlowDefinition) -> Engine:
        """The engine of a loaded definition, built once (engines keep nothing per person)."""
        kept = _ENGINES.get(id(definition))  # kept alive by its engine: the id stays its own
        if kept is None:
            if len(_ENGINES) > 256:  # tests build many definitions; a process loads a few
                _ENGINES.clear()
            kept = _ENGINES[id(definition)] = cls(definition)
        return kept

    # ------------------------------------------------------------------ reading

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._questions.get(question_id)

    def start(self) -> FlowState:
        """A fresh state at the first visible question."""
        view = self._view({})
        return self._state({}, [], view.next_id, None, files={})

    def resume(self, state: FlowState) -> FlowState:
        """The state repaired against this definition (stale ids, unfit answers), to re-save."""
        return self._normalize(state)[0]

    def step(self, state: FlowState) -> QuestionStep | AttachStep | SummaryStep:
        """What to show now."""
        state, view = self._normalize(state)
        if state.current is None:
            return self._summary(view, state.files)
        question = self._questions[state.current]
        if state.collecting:
            return AttachStep(question, [dict(f) for f in state.files.get(question.id, [])])
        answered = question.id in view.answers
        position = 1
        for visible in view.visible:
            if visible.id == question.id:
                break
            if visible.id in view.answers:
                position += 1
        editing = state.editing is not None and state.editing == state.current
        return QuestionStep(
            question=question,
            position=position,
            total=max(len(view.visible), position),
            can_back=editing or self._back_target(state, view) is not None,
            can_skip=not question.required,
            value=view.answers.get(question.id),
            selected=list(state.pending),
            answered=answered,
            editing=state.editing is not None,
        )

    def visible(self, state: FlowState) -> list[Question]:
        """Questions shown with the current answers, in definition order."""
        _, view = self._normalize(state)
        return list(view.visible)

    def summary(self, state: FlowState) -> SummaryStep:
        """Answered visible questions and the computed values (callable at any time)."""
        state, view = self._normalize(state)
        return self._summary(view, state.files)

    def result(self, state: FlowState) -> dict[str, Any]:
        """Answers of visible questions plus computed values; only at the summary."""
        state, view = self._normalize(state)
        if state.current is not None:
            raise FlowNotFinishedError(
                f"flow {self.definition.id!r} is at question {state.current!r}, not the summary"
            )
        result = {q.id: view.answers[q.id] for q in view.visible if q.id in view.answers}
        result.update(self._computed(view))
        return result

    def attachments(self, state: FlowState) -> dict[str, list[dict[str, Any]]]:
        """Papers of the visible answers that take them (question id -> files), in order."""
        state, view = self._normalize(state)
        return {
            q.id: [dict(f) for f in state.files[q.id]]
            for q in view.visible
            if state.files.get(q.id) and _wants_papers(q, view.answers.get(q.id))
        }

    # ------------------------------------------------------------------ answering

    def answer_choice(self, state: FlowState, choice_id: str) -> FlowState:
        """A button press on a single (choice id) or yesno ("yes"/"no") question."""
        state, view, question = self._asking(state)
        if question.type == "single":
            if question.choice(choice_id) is None:
                raise self._error(question, "choice_unknown", value=choice_id)
            return self._commit(state, view, question.id, choice_id)
        if question.type == "yesno" and choice_id in ("yes", "no"):
            return self._commit(state, view, question.id, choice_id == "yes")
        raise self._error(question, "choice_unknown", value=choice_id)

    def toggle(self, state: FlowState, choice_id: str) -> FlowState:
        """A button press on a multi question: (un)select, to be confirmed with :meth:`done`."""
        state, _view, question = self._asking(state)
        if question.type != "multi" or question.choice(choice_id) is None:
            raise self._error(question, "choice_unknown", value=choice_id)
        selected = set(state.pending)
        if choice_id in selected:
            selected.discard(choice_id)
        else:
            if len(selected) >= question.choices_max:
                raise self._error(question, "multi_max", max=question.choices_max)
            selected.add(choice_id)
        pending = [cid for cid in question.choice_ids() if cid in selected]
        return state.model_copy(update={"pending": pending}, deep=True)

    def done(self, state: FlowState) -> FlowState:
        """Confirm the selection of a multi question."""
        state, view, question = self._asking(state)
        if question.type != "multi":
            raise self._error(question, "choice_unknown", value="done")
        return self._commit(state, view, question.id, check_multi(question, state.pending))

    def skip(self, state: FlowState) -> FlowState:
        """Leave an optional question unanswered (stored as None)."""
        state, view, question = self._asking(state)
        if question.required:
            raise AnswerError("required")
        return self._commit(state, view, question.id, None)

    def answer_text(self, state: FlowState, text: str, locale: Locale) -> FlowState:
        """Typed input for any question type, parsed and checked."""
        state, view, question = self._asking(state)
        value = parse_answer(question, text, locale)
        return self._commit(state, view, question.id, value)

    def answer_spoken(self, state: FlowState, value: dict[str, Any]) -> FlowState:
        """A voice or video note (see ``answers.media``) as the answer to a free-text question."""
        state, view, question = self._asking(state)
        return self._commit(state, view, question.id, check_spoken(question, dict(value)))

    def attach(self, state: FlowState, value: dict[str, Any]) -> FlowState:
        """One photo or document for the answer whose papers are being collected."""
        state, _view = self._normalize(state)
        question = self._questions.get(state.current or "")
        if question is None:
            raise AnswerError("file_not_here")
        have = state.files.get(question.id, [])
        if state.collecting and any(f["file_unique_id"] == value["file_unique_id"] for f in have):
            return state  # the same file twice (a re-delivered update): kept once
        checked = check_attachment(question, dict(value), len(have), collecting=state.collecting)
        files = {**state.files, question.id: [*have, checked]}
        return state.model_copy(update={"files": files}, deep=True)

    def finish_attachments(self, state: FlowState) -> FlowState:
        """Done (or no papers): on to the next question, or back to the summary when editing."""
        state, view = self._normalize(state)
        if not state.collecting:
            raise AnswerError("choice_unknown", {"value": "done"})
        return self._state(view.answers, state.history, view.next_id, state.editing, state.files)

    # ------------------------------------------------------------------ navigation

    def back(self, state: FlowState) -> FlowState:
        """Previous answered question (its answer kept); stays put at the first question."""
        state, view = self._normalize(state)
        if state.collecting:  # from the papers back to the question they belong to
            return self._state(
                view.answers, state.history, state.current, state.editing, state.files
            )
        if state.editing is not None and state.current == state.editing:
            return self._state(view.answers, state.history, view.next_id, None, state.files)
        target = self._back_target(state, view)
        if target is None:
            return state
        return self._state(view.answers, state.history, target, state.editing, state.files)

    def edit(self, state: FlowState, question_id: str) -> FlowState:
        """Change the answer of a visible question (normally from the summary)."""
        state, view = self._normalize(state)
        if question_id not in view.visible_ids:
            raise AnswerError("choice_unknown", {"value": question_id})
        return self._state(view.answers, state.history, question_id, question_id, state.files)

    # ------------------------------------------------------------------ display

    def format_value(
        self,
        question: Question,
        value: Any,
        locale: Locale,
        *,
        format_number: Callable[[int | float, str], str] | None = None,
    ) -> str:
        """An answer as text for the summary (:func:`bot.flows.answers.format_value`)."""
        return format_value(question, value, locale, format_number=format_number)

    # ------------------------------------------------------------------ internals

    def _state(
        self,
        answers: Mapping[str, Any],
        history: list[str],
        current: str | None,
        editing: str | None,
        files: Mapping[str, list[dict[str, Any]]] | None = None,
        pending: list[str] | None = None,
        *,
        collecting: bool = False,
    ) -> FlowState:
        """A new state; entering a multi question preselects its current answer."""
        if current is None:
            editing = None
        question = self._questions.get(current) if current else None
        if question is None or question.type != "multi":
            pending = []
        elif pending is None:
            stored = answers.get(current) if current else None
            chosen = set(stored) if isinstance(stored, list) else set()
            pending = [cid for cid in question.choice_ids() if cid in chosen]
        return FlowState(
            flow_id=self.definition.id,
            version=self.definition.version,
            answers={key: _copy(value) for key, value in answers.items()},
            history=list(history),
            current=current,
            editing=editing,
            pending=list(pending),
            files={key: [dict(f) for f in items] for key, items in (files or {}).items()},
            collecting=collecting and current is not None,
        )

    def _normalize(self, state: FlowState) -> tuple[FlowState, _View]:
        """Repair a state against the definition and compute its view."""
        known = self._recent.get(id(state))
        if known is not None and known[0] is state:
            return known[1], known[2]
        if state.flow_id != self.definition.id:
            raise ValueError(
                f"state of flow {state.flow_id!r} given to the engine of {self.definition.id!r}"
            )
        answers = {
            qid: value
            for qid, value in state.answers.items()
            if qid in self._questions and fits(self._questions[qid], value)
        }
        view = self._view(answers)
        current = state.current
        if current is not None and not (
            current in view.visible_ids and (current in answers or current == view.next_id)
        ):
            current = None
        if current is None:
            current = view.next_id
        editing = state.editing if state.editing in view.visible_ids else None
        history = [qid for qid in state.history if qid in self._questions]
        pending: list[str] | None = None
        if current == state.current:
            question = self._questions.get(current) if current else None
            if question is not None and question.type == "multi":
                chosen = set(state.pending)
                pending = [cid for cid in question.choice_ids() if cid in chosen]
        files = {
            qid: [f for f in items if is_media(f)]
            for qid, items in state.files.items()
            if qid in self._questions and self._questions[qid].attachments
        }
        asked = self._questions.get(current) if current else None
        collecting = (
            state.collecting
            and current == state.current
            and asked is not None
            and _wants_papers(asked, answers.get(asked.id))
        )
        given = state
        state = self._state(answers, history, current, editing, files, pending)
        if collecting:
            state = state.model_copy(update={"collecting": True})
        # Kept by object for the next call on the same state (frozen; no await in between).
        if len(self._recent) >= 64:
            self._recent.clear()
        self._recent[id(given)] = (given, state, view)
        self._recent[id(state)] = (state, state, view)
        return state, view

    def _view(self, answers: Mapping[str, Any]) -> _View:
        values: dict[str, Any] = {}
        visible: list[Question] = []
        next_id: str | None = None
        for question, condition, uses_computed in self._checks:
            if condition is not None:
                scope = self._with_computed(values) if uses_computed else values
                if not condition.test(scope):
                    continue
            visible.append(question)
            if question.id in answers:
                values[question.id] = answers[question.id]
            elif next_id is None:
                next_id = question.id
        return _View(
            answers=dict(answers),
            visible=visible,
            visible_ids=frozenset(q.id for q in visible),
            next_id=next_id,
        )

    def _with_computed(self, values: Mapping[str, Any]) -> dict[str, Any]:
        scope = dict(values)
        for item in self.definition.computed:
            scope[item.id] = item.expression.evaluate(scope)
        return scope

    def _computed(self, view: _View) -> dict[str, Any]:
        values = {q.id: view.answers[q.id] for q in view.visible if q.id in view.answers}
        scope = self._with_computed(values)
        return {item.id: scope[item.id] for item in self.definition.computed}

    def _summary(self, view: _View, files: Mapping[str, list[dict[str, Any]]]) -> SummaryStep:
        items = [
            SummaryItem(
                q,
                _copy(view.answers[q.id]),
                list(files.get(q.id, [])) if _wants_papers(q, view.answers[q.id]) else [],
            )
            for q in view.visible
            if q.id in view.answers
        ]
        return SummaryStep(items=items, computed=self._computed(view))

    def _back_target(self, state: FlowState, view: _View) -> str | None:
        ids = [q.id for q in view.visible]
        end = ids.index(state.current) if state.current in view.visible_ids else len(ids)
        for qid in reversed(ids[:end]):
            if qid in view.answers:
                return qid
        return None

    def _asking(self, state: FlowState) -> tuple[FlowState, _View, Question]:
        state, view = self._normalize(state)
        if state.current is None:
            raise AnswerError("choice_unknown", {"value": None})
        if state.collecting:
            raise AnswerError("files_or_done")
        return state, view, self._questions[state.current]

    def _commit(self, state: FlowState, view: _View, question_id: str, value: Any) -> FlowState:
        answers = dict(view.answers)
        answers[question_id] = value
        history = [qid for qid in state.history if qid != question_id] + [question_id]
        question = self._questions[question_id]
        if _wants_papers(question, value):  # papers next: the same question, collecting
            return self._state(
                answers, history, question_id, state.editing, state.files, collecting=True
            )
        after = self._view(answers)
        return self._state(answers, history, after.next_id, state.editing, state.files)

    @staticmethod
    def _error(question: Question, code: str, **params: Any) -> AnswerError:
        return AnswerError(code, params, question.error)


# ---------------------------------------------------------------------- module helpers

#: Engines by definition (`Engine.of`); definitions are loaded once per process.
_ENGINES: dict[int, Engine] = {}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _wants_papers(question: Question, value: Any) -> bool:
    """A question marked ``attachments`` takes papers once its answer says there is something
    to show (a count above 0, yes, a choice): not for "no", 0, "none" or a skip."""
    return question.attachments and value not in (None, False, 0, [], "", "none")

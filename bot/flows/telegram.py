"""The thin Telegram adapter of the questionnaire engine: steps in, (HTML, keyboard) out.

The engine (``bot.flows.engine``) knows nothing of Telegram; this module only renders its steps
in one locale and builds the QCB buttons. It never talks to the Bot API or the database, so
rendering is unit-tested directly. Static strings go through gettext (the caller's locale
context); the questionnaire's own texts come from the YAML in the locale given.

Callback data of every button is ``QCB(draft, action, q, v)``: the draft id ties a button to
one questionnaire run and ``q`` to one question, so the handler can tell a stale button from a
current one. :func:`check_callback_sizes` proves at start-up (and in a unit test) that every
question and choice id of every loaded definition fits Telegram's 64-byte limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QCB, QuestionAction
from bot.flows.answer_texts import as_locale, error_text, files_label, spoken_label
from bot.flows.answers import MAX_FILES, is_media
from bot.flows.choice_layout import choice_page, choice_rows
from bot.flows.engine import (
    YES_NO_LABELS,
    AttachStep,
    Engine,
    FlowState,
    QuestionStep,
    SummaryStep,
)
from bot.flows.loader import FlowDefinitionError
from bot.flows.model import FlowDefinition, Question
from bot.i18n import fmt_number
from bot.views.texts import esc

__all__ = [
    "CALLBACK_LIMIT",
    "MAX_DRAFT_ID",
    "TEXT_LIMIT",
    "TYPED_TYPES",
    "answered_text",
    "as_locale",
    "attached_text",
    "callback_size_problems",
    "check_callback_sizes",
    "edit_picker",
    "error_text",
    "format_answer",
    "parse_callback",
    "progress_label",
    "render_attach",
    "render_question",
    "render_step",
    "render_summary",
    "shorten",
]

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64
#: The largest draft id the 64-byte check assumes (drafts.id is a 32-bit integer column).
MAX_DRAFT_ID = 2**31 - 1
#: Questions answered by typing (no answer buttons; "Your answer: …" marks the current one).
TYPED_TYPES = frozenset({"integer", "decimal", "text", "year", "phone"})
#: Summary answers are cut to the first of these lengths that keeps the message within limits.
SUMMARY_ANSWER_CAPS = (200, 80, 30)
CURRENT_ANSWER_CAP = 300
PICKER_LABEL_CAP = 48

CHECK = "✅ "
_SPACES = re.compile(r"[ \t\r\n]+")


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut (whitespace collapsed)."""
    flat = _SPACES.sub(" ", text).strip()  # keeps Babel's no-break spaces inside numbers
    if len(flat) <= limit:
        return flat
    return flat[: max(1, limit - 1)].rstrip() + "…"


def _number(value: int | float, locale: str) -> str:
    return fmt_number(value, locale)


def format_answer(engine: Engine, question: Question, value: Any, locale: str) -> str:
    """An answer as plain text (not escaped): Babel numbers, labels for choices, yes/no."""
    if is_media(value):
        return spoken_label(value)
    return engine.format_value(question, value, as_locale(locale), format_number=_number)


# ---------------------------------------------------------------------- progress


def total_is_exact(definition: FlowDefinition, current_id: str) -> bool:
    """Whether no later question's visibility depends on this or a later answer."""
    return current_id in definition.exact_from or definition.question(current_id) is None


def progress_label(step: QuestionStep, definition: FlowDefinition) -> str:
    """ "5 / ~14", without "~" once the remaining questions are certain."""
    exact = total_is_exact(definition, step.question.id)
    return f"{step.position} / {'' if exact else '~'}{step.total}"


# ---------------------------------------------------------------------- questions


def _cb(draft_id: int, action: QuestionAction, q: str = "", v: str = "") -> str:
    return QCB(draft=draft_id, action=action, q=q, v=v).pack()


def _raw_cb(draft_id: int, action: QuestionAction, q: str = "", v: str = "") -> str:
    """What ``_cb`` would pack, without its own length check (to measure and report)."""
    return QCB.__separator__.join([QCB.__prefix__, str(draft_id), action, q, v])


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def render_question(
    step: QuestionStep,
    engine: Engine,
    draft_id: int,
    locale: str,
    *,
    notice: str | None = None,
    page: int | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question message: progress, bold question, italic hint, current answer marked.

    ``notice`` is ready HTML (an error, an explanation) put above the question.
    """
    question = step.question
    loc = as_locale(locale)
    lines: list[str] = []
    if notice:
        lines += [notice, ""]
    lines.append(progress_label(step, engine.definition))
    lines.append(f"<b>{esc(question.text.get(loc))}</b>")
    if question.hint is not None:
        lines.append(f"<i>{esc(question.hint.get(loc))}</i>")
    rows: list[list[InlineKeyboardButton]] = []
    qid = question.id
    if question.type == "single":
        shown = choice_page(step, page)
        page, pages = shown.page, shown.window.pages
        labels = [choice.text.get(loc) for choice in shown.items]
        buttons = [
            _button(
                (CHECK if step.answered and step.value == choice.id else "") + label,
                _cb(draft_id, QuestionAction.CHOOSE, qid, choice.id),
            )
            for choice, label in zip(shown.items, labels, strict=True)
        ]
        rows += choice_rows(buttons, labels)
        if pages > 1:  # a long list a page at a time, so the question stays on screen
            rows.append(
                [
                    _button("◀️", _cb(draft_id, QuestionAction.PAGE, qid, str((page - 1) % pages))),
                    _button(
                        f"{page + 1}/{pages}", _cb(draft_id, QuestionAction.PAGE, qid, str(page))
                    ),
                    _button("▶️", _cb(draft_id, QuestionAction.PAGE, qid, str((page + 1) % pages))),
                ]
            )
            lines.append(_("More answers with ◀️ ▶️, or type a part of the answer."))
    elif question.type == "yesno":
        row = []
        for flag, code in ((True, "yes"), (False, "no")):
            marked = step.answered and step.value is flag
            row.append(
                _button(
                    (CHECK if marked else "") + YES_NO_LABELS[flag].get(loc),
                    _cb(draft_id, QuestionAction.CHOOSE, qid, code),
                )
            )
        rows.append(row)
    elif question.type == "multi":
        selected = set(step.selected)
        labels = [choice.text.get(loc) for choice in question.choices or ()]
        buttons = [
            _button(
                (CHECK if choice.id in selected else "") + label,
                _cb(draft_id, QuestionAction.TOGGLE, qid, choice.id),
            )
            for choice, label in zip(question.choices or (), labels, strict=True)
        ]
        rows += choice_rows(buttons, labels)
        done = _("✔️ Done")
        if selected:
            done = f"{done} ({len(selected)})"
        rows.append([_button(done, _cb(draft_id, QuestionAction.DONE, qid))])
        lines.append("")
        lines.append(_("Tap to select, then press “✔️ Done”."))
    else:
        lines.append("")
        if step.answered:
            shown = format_answer(engine, question, step.value, locale)
            lines.append(
                _("Your answer: {answer}").format(
                    answer=f"<b>{esc(shorten(shown, CURRENT_ANSWER_CAP))}</b>"
                )
            )
            rows.append([_button(_("➡️ Keep this answer"), _cb(draft_id, QuestionAction.KEEP, qid))])
        if question.type == "text":
            lines.append(_("✍️ Write your answer in a message, or send a voice message."))
        else:
            lines.append(_("✍️ Write your answer in a message."))
    nav: list[InlineKeyboardButton] = []
    if step.can_back:
        nav.append(_button(_("⬅️ Back"), _cb(draft_id, QuestionAction.BACK, qid)))
    if step.can_skip:
        nav.append(_button(_("⏭ Skip"), _cb(draft_id, QuestionAction.SKIP, qid)))
    nav.append(_button(_("✖️ Cancel"), _cb(draft_id, QuestionAction.CANCEL)))
    rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def answered_text(engine: Engine, question: Question, value: Any, locale: str) -> str:
    """What a question message turns into once answered: the question and the answer, no keys."""
    loc = as_locale(locale)
    shown = shorten(format_answer(engine, question, value, locale), CURRENT_ANSWER_CAP)
    mark = "⏭" if value is None else "✅"
    return f"<b>{esc(question.text.get(loc))}</b>\n{mark} {esc(shown)}"


# ---------------------------------------------------------------------- summary


def _summary_lines(summary: SummaryStep, engine: Engine, locale: str, cap: int) -> list[str]:
    loc = as_locale(locale)
    lines: list[str] = []
    section: str | None = None
    for item in summary.items:
        if lines and item.question.section != section:
            lines.append("")
        section = item.question.section
        value = shorten(format_answer(engine, item.question, item.value, locale), cap)
        if item.files:
            value += " · " + files_label(len(item.files))
        question = item.question.text.get(loc).rstrip()
        question = question.rstrip(".")  # "Write briefly." + ": answer" would read ".:"
        joiner = " " if question.endswith(("?", ":")) else ": "
        lines.append(f"• {esc(question)}{joiner}<b>{esc(value)}</b>")
    return lines


def fit_lines(head: list[str], body: list[str], limit: int = TEXT_LIMIT) -> str:
    """``head`` + ``body`` joined by newlines; body lines dropped from the end to fit."""
    text = "\n".join(head + body)
    if len(text) <= limit:
        return text
    more = "…"
    kept: list[str] = []
    size = len("\n".join(head)) + len(more) + 2
    for line in body:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*head, *kept, more])


def render_summary(
    summary: SummaryStep,
    engine: Engine,
    draft_id: int,
    locale: str,
    *,
    notice: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Every visible answer for checking, ≤ 4096 characters, with Edit · Send · Cancel."""
    head: list[str] = []
    if notice:
        head += [notice, ""]
    head += [
        f"<b>{esc(engine.definition.title.get(as_locale(locale)))}</b>",
        _("Check your answers. To change one, press “✏️ Edit”. If all is right, press “✅ Send”."),
        "",
    ]
    text = ""
    for cap in SUMMARY_ANSWER_CAPS:
        text = "\n".join(head + _summary_lines(summary, engine, locale, cap))
        if len(text) <= TEXT_LIMIT:
            break
    else:
        text = fit_lines(head, _summary_lines(summary, engine, locale, SUMMARY_ANSWER_CAPS[-1]))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("✏️ Edit"), _cb(draft_id, QuestionAction.EDIT)),
                _button(_("✅ Send"), _cb(draft_id, QuestionAction.SEND)),
            ],
            [_button(_("✖️ Cancel"), _cb(draft_id, QuestionAction.CANCEL))],
        ]
    )
    return text, markup


def edit_picker(
    summary: SummaryStep, engine: Engine, draft_id: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The list of answered questions as buttons, to pick the one to change."""
    loc = as_locale(locale)
    rows = [
        [
            _button(
                shorten(f"{number}. {item.question.text.get(loc)}", PICKER_LABEL_CAP),
                _cb(draft_id, QuestionAction.EDIT_QUESTION, item.question.id),
            )
        ]
        for number, item in enumerate(summary.items, start=1)
    ]
    rows.append([_button(_("⬅️ Back to the summary"), _cb(draft_id, QuestionAction.SUMMARY))])
    return _("Which answer do you want to change?"), InlineKeyboardMarkup(inline_keyboard=rows)


def render_attach(
    step: AttachStep,
    engine: Engine,
    state: FlowState,
    draft_id: int,
    locale: str,
    *,
    notice: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """After an answer that papers can prove: send photos or PDFs, then Done (or none)."""
    question, count = step.question, len(step.files)
    answer = format_answer(engine, question, state.answers.get(question.id), locale)
    lines = [notice, ""] if notice else []
    lines += [
        f"<b>{esc(question.text.get(as_locale(locale)))}</b>",
        f"✅ {esc(shorten(answer, CURRENT_ANSWER_CAP))}",
        "",
        _(
            "📎 If you have papers about this (a certificate, a diploma, a land document), send "
            "photos of them or PDF files, up to {max}. Your assistant will see them with the "
            "request."
        ).format(max=MAX_FILES),
    ]
    if count:
        lines.append(_("Received: {count} of {max}.").format(count=count, max=MAX_FILES))
    done = _("✔️ Done") if count else _("⏭ No papers")
    qid = question.id
    rows = [
        [_button(done, _cb(draft_id, QuestionAction.FILES_DONE, qid))],
        [
            _button(_("⬅️ Back"), _cb(draft_id, QuestionAction.BACK, qid)),
            _button(_("✖️ Cancel"), _cb(draft_id, QuestionAction.CANCEL)),
        ],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def attached_text(step: AttachStep, locale: str) -> str:
    """What the papers message turns into when done: the question and how many files came."""
    label = files_label(len(step.files)) if step.files else _("📎 No papers")
    return f"<b>{esc(step.question.text.get(as_locale(locale)))}</b>\n{esc(label)}"


def render_step(
    engine: Engine,
    state: FlowState,
    draft_id: int,
    locale: str,
    *,
    notice: str | None = None,
    page: int | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Whatever the state is at: a question (at `page` of a long choice list) or the summary."""
    step = engine.step(state)
    if isinstance(step, SummaryStep):
        return render_summary(step, engine, draft_id, locale, notice=notice)
    if isinstance(step, AttachStep):
        return render_attach(step, engine, state, draft_id, locale, notice=notice)
    return render_question(step, engine, draft_id, locale, notice=notice, page=page)


def cancel_confirm(draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Cancel asks first: a questionnaire can hold thirty answers."""
    return _("Stop filling in the questionnaire? Your answers will be deleted."), (
        InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(_("✖️ Yes, stop"), _cb(draft_id, QuestionAction.CANCEL_YES)),
                    _button(_("↩️ No, continue"), _cb(draft_id, QuestionAction.CANCEL_NO)),
                ]
            ]
        )
    )


def resume_offer(draft_id: int) -> InlineKeyboardMarkup:
    """Buttons offered when an unfinished draft exists and the menu button is pressed again."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("▶️ Continue where you stopped"), _cb(draft_id, QuestionAction.RESUME))],
            [_button(_("🔄 Start again"), _cb(draft_id, QuestionAction.RESTART))],
        ]
    )


# ---------------------------------------------------------------------- errors and callbacks


def parse_callback(data: str | None) -> QCB | None:
    """A QCB from raw callback data, or None when it is not one (or is malformed)."""
    if not data or not data.startswith(QCB.__prefix__ + QCB.__separator__):
        return None
    try:
        return QCB.unpack(data)
    except (TypeError, ValueError):
        return None


def callback_size_problems(definitions: Iterable[FlowDefinition]) -> list[str]:
    """Every button whose callback data would exceed 64 bytes, described for the operator."""
    problems: list[str] = []
    for definition in definitions:
        for question in definition.questions:
            widest = [_raw_cb(MAX_DRAFT_ID, QuestionAction.EDIT_QUESTION, question.id)]
            widest += [
                _raw_cb(MAX_DRAFT_ID, QuestionAction.TOGGLE, question.id, choice.id)
                for choice in question.choices or ()
            ]
            for data in widest:
                size = len(data.encode("utf-8"))
                if size > CALLBACK_LIMIT:
                    problems.append(
                        f"{definition.id}.v{definition.version}: question {question.id!r}: "
                        f"callback data {data!r} is {size} bytes (limit {CALLBACK_LIMIT}); "
                        "use shorter question or choice ids"
                    )
    return problems


def check_callback_sizes(definitions: Iterable[FlowDefinition]) -> None:
    """Fail start-up with a clear message if any button would not fit Telegram's limit."""
    problems = callback_size_problems(definitions)
    if problems:
        raise FlowDefinitionError("\n".join(problems))

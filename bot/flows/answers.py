"""Reading one answer: typed text parsed for its question's type, a voice note taken as a
free-text answer, a photo or document checked as a paper attached to an answer.

Pure Python like the engine that uses it: the Telegram adapter turns a message into text or
into a media dict (:func:`media`), and everything refused raises :class:`AnswerError` with a
code the adapter words in the person's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.flows.choice_match import match_choice, match_choices
from bot.flows.model import Locale, LocalizedText, Question, fold_label
from bot.services.numbers import parse_number

__all__ = [
    "ANSWER_ERROR_CODES",
    "ATTACHMENT_KINDS",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_VOICE_SECONDS",
    "NO_WORDS",
    "SKIPPED_LABEL",
    "SPOKEN_KINDS",
    "YES_NO_LABELS",
    "YES_WORDS",
    "AnswerError",
    "check_attachment",
    "check_multi",
    "check_spoken",
    "fits",
    "format_value",
    "is_media",
    "media",
    "parse_answer",
]

ANSWER_ERROR_CODES: tuple[str, ...] = (
    "integer_range",
    "not_a_number",
    "decimal_range",
    "year_range",
    "choice_unknown",
    "too_long",
    "empty",
    "phone_invalid",
    "yesno_unknown",
    "multi_min",
    "multi_max",
    "required",
    "voice_not_here",
    "voice_too_long",
    "file_not_here",
    "file_kind",
    "file_too_big",
    "files_max",
    "files_or_done",
)

#: Voice and video notes answer free-text questions.
SPOKEN_KINDS = frozenset({"voice", "video_note"})
#: Papers attached to an answer: photos, and documents that are PDFs or pictures.
ATTACHMENT_KINDS = frozenset({"photo", "document"})
#: A voice answer longer than this is refused: nobody listens to a 20-minute note.
MAX_VOICE_SECONDS = 5 * 60
#: Files attached to one answer.
MAX_FILES = 5
#: Telegram lets a bot download files up to 20 MB; larger ones could never be looked at.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Documents accepted as papers (a scan as PDF, or a picture sent "as a file").
DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/heic"})

#: Button labels and summary values of yes/no questions.
YES_NO_LABELS: dict[bool, LocalizedText] = {
    True: LocalizedText(uz="Ha", uz_Cyrl="Ҳа", ru="Да"),
    False: LocalizedText(uz="Yoʻq", uz_Cyrl="Йўқ", ru="Нет"),
}

#: Typed yes/no in the three languages, as folded by ``fold_label`` (no case, no apostrophes).
YES_WORDS: frozenset[str] = frozenset(
    {"ha", "xa", "haa", "ҳа", "ха", "хаа", "да", "yes", "y", "1", "+"}
)
NO_WORDS: frozenset[str] = frozenset(
    {"yoq", "yuq", "йўқ", "йўк", "йуқ", "йук", "нет", "не", "no", "n", "0", "-"}
)

_PHONE_CHARS_RE = re.compile(r"^\+?[\d\s\-().\u00a0]+$")


class AnswerError(Exception):
    """An answer was refused; the adapter shows ``custom`` if set, else its default for ``code``."""

    def __init__(
        self,
        code: str,
        params: Mapping[str, Any] | None = None,
        custom: LocalizedText | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        self.custom = custom

    def __repr__(self) -> str:
        return f"AnswerError({self.code!r}, {self.params!r})"


def _error(question: Question, code: str, **params: Any) -> AnswerError:
    return AnswerError(code, params, question.error)


# ---------------------------------------------------------------------- typed answers


def parse_answer(question: Question, text: str, locale: Locale) -> Any:
    """Typed input read for the question's type, or AnswerError."""
    raw = (text or "").strip()
    kind = question.type
    if not raw:
        raise _error(question, "empty")
    if kind == "text":
        if len(raw) > question.length_limit:
            raise _error(question, "too_long", max=question.length_limit, length=len(raw))
        return raw
    if kind in ("integer", "year"):
        number = parse_number(raw)
        if not isinstance(number, int):
            raise _error(question, "not_a_number")
        _check_range(question, number, "integer_range" if kind == "integer" else "year_range")
        return number
    if kind == "decimal":
        decimal = parse_number(raw, whole=False)
        if decimal is None:
            raise _error(question, "not_a_number")
        _check_range(question, decimal, "decimal_range")
        return decimal
    if kind == "phone":
        phone = parse_phone(raw)
        if phone is None:
            raise _error(question, "phone_invalid")
        return phone
    if kind == "yesno":
        answer = parse_yesno(raw)
        if answer is None:
            raise _error(question, "yesno_unknown")
        return answer
    if kind == "single":
        choice = match_choice(question, raw, locale)
        if choice is None:
            raise _error(question, "choice_unknown", value=raw)
        return choice.id
    selected = match_choices(question, raw, locale)  # multi
    if selected == []:
        raise _error(question, "empty")
    if isinstance(selected, str):
        raise _error(question, "choice_unknown", value=selected)
    return check_multi(question, selected)


def _check_range(question: Question, value: int | float, code: str) -> None:
    low, high = question.min_value, question.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise _error(question, code, min=low, max=high)


def check_multi(question: Question, selected: list[str]) -> list[str] | None:
    """The selection in definition order, checked against min/max (None: optional, empty)."""
    chosen = set(selected)
    ordered = [cid for cid in question.choice_ids() if cid in chosen]
    if not ordered and not question.required:
        return None
    if len(ordered) < question.choices_min:
        raise _error(question, "multi_min", min=question.choices_min)
    if len(ordered) > question.choices_max:
        raise _error(question, "multi_max", max=question.choices_max)
    return ordered


def parse_phone(text: str) -> str | None:
    """Any usual way of writing an Uzbek mobile number -> '+998XXXXXXXXX'."""
    raw = text.strip()
    if not _PHONE_CHARS_RE.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("00998"):
        digits = digits[2:]
    if len(digits) == 12 and digits.startswith("998"):
        national = digits[3:]
    elif len(digits) == 9 and not raw.startswith("+"):
        national = digits
    else:
        return None
    if national.startswith("0") or not national.isascii():
        return None
    return "+998" + national


def parse_yesno(text: str) -> bool | None:
    folded = fold_label(text)
    if folded in YES_WORDS or any(folded == fold_label(t) for t in YES_NO_LABELS[True].all()):
        return True
    if folded in NO_WORDS or any(folded == fold_label(t) for t in YES_NO_LABELS[False].all()):
        return False
    return None


# ---------------------------------------------------------------------- voice notes and files


def media(
    kind: str,
    file_id: str,
    file_unique_id: str,
    *,
    duration: int | None = None,
    size: int | None = None,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """A voice note, video note, photo or document as kept in answers (JSON, ids only)."""
    value: dict[str, Any] = {"kind": kind, "file_id": file_id, "file_unique_id": file_unique_id}
    if duration is not None:
        value["duration"] = int(duration)
    if size is not None:
        value["size"] = int(size)
    if mime_type:
        value["mime_type"] = mime_type
    return value


def is_media(value: Any) -> bool:
    """Whether a stored answer is a voice/video note (or an attached file) rather than text."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("kind"), str)
        and isinstance(value.get("file_id"), str)
        and isinstance(value.get("file_unique_id"), str)
    )


def check_spoken(question: Question, value: dict[str, Any]) -> dict[str, Any]:
    """A voice or video note as the answer to a free-text question, or AnswerError."""
    if question.type != "text" or value.get("kind") not in SPOKEN_KINDS:
        raise AnswerError("voice_not_here")
    if int(value.get("duration") or 0) > MAX_VOICE_SECONDS:
        raise AnswerError("voice_too_long", {"max": MAX_VOICE_SECONDS // 60})
    return value


def check_attachment(
    question: Question, value: dict[str, Any], already: int, *, collecting: bool
) -> dict[str, Any]:
    """A photo or document attached to an answer, or AnswerError (nothing is kept then)."""
    if not collecting or not question.attachments:
        raise AnswerError("file_not_here")
    kind = value.get("kind")
    mime = value.get("mime_type")
    if kind not in ATTACHMENT_KINDS or (kind == "document" and mime not in DOCUMENT_TYPES):
        raise AnswerError("file_kind")
    if int(value.get("size") or 0) > MAX_FILE_BYTES:
        raise AnswerError("file_too_big", {"max": MAX_FILE_BYTES // (1024 * 1024)})
    if already >= MAX_FILES:
        raise AnswerError("files_max", {"max": MAX_FILES})
    return value


def fits(question: Question, value: Any) -> bool:
    """Whether a stored answer still suits the question (the definition may have changed)."""
    if value is None:
        return not question.required
    kind = question.type
    if kind == "single":
        return isinstance(value, str) and question.choice(value) is not None
    if kind == "multi":
        return isinstance(value, list) and all(
            isinstance(item, str) and question.choice(item) is not None for item in value
        )
    if kind == "yesno":
        return isinstance(value, bool)
    if kind in ("integer", "year"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "text" and is_media(value):
        return value["kind"] in SPOKEN_KINDS
    return isinstance(value, str)


#: How a skipped optional question reads in the summary.
SKIPPED_LABEL = LocalizedText(uz="Oʻtkazib yuborildi", uz_Cyrl="Ўтказиб юборилди", ru="Пропущено")


def format_value(
    question: Question,
    value: Any,
    locale: Locale,
    *,
    format_number: Callable[[int | float, str], str] | None = None,
) -> str:
    """An answer as text for the summary.

    Integers and decimals are plain (``1500000``, ``2.5``) unless ``format_number(value,
    locale)`` is given (e.g. Babel's); years and phones are never grouped.
    """
    if value is None:
        return SKIPPED_LABEL.get(locale)
    if is_media(value):
        return "🎤"  # adapters word voice answers themselves (telegram.format_answer)
    kind = question.type
    if kind == "yesno":
        return YES_NO_LABELS[bool(value)].get(locale)
    if kind == "single":
        return _choice_label(question, value, locale)
    if kind == "multi":
        labels = [_choice_label(question, item, locale) for item in value or ()]
        return ", ".join(labels) if labels else "—"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("integer", "decimal") and number:
        if format_number is not None:
            return format_number(value, locale)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    return str(value)


def _choice_label(question: Question, choice_id: Any, locale: Locale) -> str:
    choice = question.choice(choice_id) if isinstance(choice_id, str) else None
    return choice.text.get(locale) if choice else str(choice_id)

"""How answers read in the person's language: the error shown when an answer is refused, and
voice notes and attached papers in a question's message, the summary and the case card.

Static strings go through gettext (the caller's locale context); a question's own error text
comes from the YAML.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram.utils.i18n import gettext as _

from bot.flows.answers import AnswerError
from bot.flows.model import Locale, Question
from bot.i18n import fmt_number

__all__ = ["as_locale", "duration_text", "error_text", "files_label", "spoken_label"]


def as_locale(locale: str) -> Locale:
    """The user's locale as the engine's type (unknown values fall back to Uzbek Latin)."""
    return cast(Locale, locale if locale in ("uz", "uz_Cyrl", "ru") else "uz")


def _bound(value: Any, locale: str, *, group: bool = True) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value, locale) if group else str(value)
    return str(value)


def _custom_error(text: str, question: Question | None, locale: str) -> str:
    """A question's own error text, its {min} and {max} filled in with the question's bounds.

    Bounds are written as numbers are shown elsewhere ("100 000", "5 000 000 000"); a year
    stays as it is (1985).
    """
    if question is None:
        return text
    group = question.type != "year"
    for key, value in (("min", question.min_value), ("max", question.max_value)):
        if value is not None:
            text = text.replace("{" + key + "}", _bound(value, locale, group=group))
    return text


def error_text(error: AnswerError, question: Question | None, locale: str) -> str:
    """The question's own error text in ``locale`` if it has one, else a default per code."""
    media = _media_error(error.code, error.params)
    if media is not None:
        return media
    if error.custom is not None:
        return _custom_error(error.custom.get(as_locale(locale)), question, locale)
    p = error.params
    code = error.code
    low, high = p.get("min"), p.get("max")
    if code in ("integer_range", "decimal_range", "year_range"):
        group = code != "year_range"
        lo, hi = _bound(low, locale, group=group), _bound(high, locale, group=group)
        if code == "year_range":
            return _("Enter a year from {min} to {max}.").format(min=lo, max=hi)
        if low is None:
            return _("Enter a number not greater than {max}.").format(max=hi)
        if high is None:
            return _("Enter a number not less than {min}.").format(min=lo)
        if code == "integer_range":
            return _("Enter a whole number from {min} to {max}.").format(min=lo, max=hi)
        return _("Enter a number from {min} to {max}.").format(min=lo, max=hi)
    if code == "not_a_number":
        if question is not None and question.type == "decimal":
            return _("Enter a number, for example 4 or 2.5.")
        if question is not None and question.type == "year":
            return _("Enter a year with four digits, for example 1985.")
        return _("Enter a whole number using digits, for example 4.")
    if code == "too_long":
        limit = int(p.get("max") or 0)
        return _(
            "The answer is too long: at most {max} character, you wrote {length}.",
            "The answer is too long: at most {max} characters, you wrote {length}.",
            limit,
        ).format(max=limit, length=p.get("length", ""))
    if code == "empty":
        return _("Please write an answer.")
    if code == "phone_invalid":
        return _("Enter a phone number like +998 90 123 45 67.")
    if code == "yesno_unknown":
        return _("Please answer with the buttons: yes or no.")
    if code == "multi_min":
        return _("Choose at least this many: {min}.").format(min=low)
    if code == "multi_max":
        return _("You can choose no more than {max}.").format(max=high)
    if code == "required":
        return _("This question cannot be skipped.")
    return _("Please choose with the buttons below.")


def duration_text(seconds: int | None) -> str:
    """0:42, 4:05, 1:02:03: how long a voice note is, as phones show it."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def spoken_label(value: dict[str, Any]) -> str:
    """A voice (or video) answer as text: "🎤 voice message, 0:42"."""
    duration = duration_text(value.get("duration"))
    if value.get("kind") == "video_note":
        return _("🎥 video message, {duration}").format(duration=duration)
    return _("🎤 voice message, {duration}").format(duration=duration)


def files_label(count: int) -> str:
    """ "📎 2 files" for papers attached to an answer."""
    return _("📎 {count} file", "📎 {count} files", count).format(count=count)


def _media_error(code: str, params: dict[str, Any]) -> str | None:
    """The words for a refused voice note or file, or None when ``code`` is not one of those."""
    if code == "voice_not_here":
        return _(
            "A voice message can't answer this question. Please type the answer or use the buttons."
        )
    if code == "voice_too_long":
        minutes = int(params.get("max", 5))
        return _(
            "The voice message is too long: please keep it under {max} minute.",
            "The voice message is too long: please keep it under {max} minutes.",
            minutes,
        ).format(max=minutes)
    if code == "file_not_here":
        return _(
            "I can't take a photo or a file as the answer here. Please type the answer or use "
            "the buttons."
        )
    if code == "file_kind":
        return _("Please send a photo or a PDF file. Other kinds of files can't be accepted.")
    if code == "file_too_big":
        return _("The file is too big: at most {max} MB. Please send a smaller photo.").format(
            max=params.get("max", 20)
        )
    if code == "files_max":
        count = int(params.get("max", 5))
        return _(
            "You have sent {count} file, the most one answer takes. Press “✔️ Done”.",
            "You have sent {count} files, the most one answer takes. Press “✔️ Done”.",
            count,
        ).format(count=count)
    if code == "files_or_done":
        return _(
            "Send photos or PDF files of the papers, or press “✔️ Done”. To change the "
            "answer, press “⬅️ Back”."
        )
    return None

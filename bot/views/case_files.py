"""How the voice notes, photos and documents on a case read on its card and in relayed
messages; the files themselves are re-sent by Telegram's file_id."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.utils.i18n import gettext as _

from bot.flows.answer_texts import spoken_label
from bot.views.texts import esc
from db.models import CaseFile

__all__ = ["file_label", "files_button_label", "files_section"]


def file_label(file: CaseFile) -> str:
    """ "🎤 voice message, 0:42", "🖼 photo", "📄 document" (plain text, not escaped)."""
    if file.kind in ("voice", "video_note"):
        return spoken_label({"kind": file.kind, "duration": file.duration})
    if file.kind == "photo":
        return _("🖼 photo")
    return _("📄 document")


def files_section(files: Sequence[CaseFile], question_texts: dict[str, str]) -> str | None:
    """The card's list of files: what each is and where it came from (an answer or a message);
    None when the case has none."""
    if not files:
        return None
    lines = [
        _("<b>📎 Voice messages and files</b>: {count}").format(count=len(files)),
    ]
    for file in files:
        where = question_texts.get(file.question_id or "") if file.question_id else None
        source = esc(where) if where else _("in a message")
        lines.append(f"• {esc(file_label(file))} — {source}")
    return "\n".join(lines)


def files_button_label(count: int) -> str:
    """The card button that sends the files to the assistant's chat."""
    return _("▶️ Play and show files ({count})").format(count=count)

"""Voice notes, video notes, photos and documents sent during a questionnaire.

A voice (or video) note answers a free-text question; photos and PDF files are papers attached
to an answer whose question takes them (``attachments: true`` in the flow YAML). Anything
else gets the reason and the same step again; nothing is half-saved, since the draft changes
only when the engine accepted the file. Files are never downloaded: the draft keeps Telegram's
ids, and the case keeps them when the request is sent.

The state's input lives in its Step: ``on_media`` here is a method of ``ActiveStep``
(questionnaire.py), written in this module and taken into the class by assignment there, so it
runs after the step's typed and contact answers, as it always did.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.scene import on
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.flows import telegram as tg
from bot.flows.answers import SPOKEN_KINDS, AnswerError, media
from bot.flows.engine import AttachStep, QuestionStep
from bot.handlers.dialog import Step
from bot.handlers.questionnaire_steps import Answering, show, warn
from bot.services import drafts
from db.models import utcnow

__all__ = ["message_media", "on_media"]


def message_media(message: Message) -> dict[str, Any] | None:
    """The voice note, video note, photo (largest size) or document of a message, as ids."""
    if message.voice is not None:
        v = message.voice
        return media(
            "voice",
            v.file_id,
            v.file_unique_id,
            duration=v.duration,
            size=v.file_size,
            mime_type=v.mime_type,
        )
    if message.video_note is not None:
        n = message.video_note
        return media(
            "video_note", n.file_id, n.file_unique_id, duration=n.duration, size=n.file_size
        )
    if message.photo:
        p = message.photo[-1]
        return media("photo", p.file_id, p.file_unique_id, size=p.file_size, mime_type="image/jpeg")
    if message.document is not None:
        d = message.document
        return media(
            "document", d.file_id, d.file_unique_id, size=d.file_size, mime_type=d.mime_type
        )
    return None


@on.message(F.voice | F.video_note | F.photo | F.document)
async def on_media(self: Step, message: Message, **data: Any) -> None:
    """ActiveStep's (questionnaire.py) voice note, video note, photo or document."""
    value = message_media(message)
    if value is None:
        raise SkipHandler  # the dialog tail answers
    answering = Answering.of(data)
    bot = answering.bot
    run = await answering.resume()
    if run is None:
        raise SkipHandler  # the dialog tail answers
    chat_id, locale = message.chat.id, answering.user.locale
    step = run.engine.step(run.state)
    if not isinstance(step, QuestionStep | AttachStep):
        notice = warn(_("Please use the buttons under the summary: “✏️ Edit” or “✅ Send”."))
        await show(bot, chat_id, run, locale, notice=notice)
        return
    try:
        if isinstance(step, AttachStep):
            new_state = run.engine.attach(run.state, value)
        elif value["kind"] in SPOKEN_KINDS:
            new_state = run.engine.answer_spoken(run.state, value)
        else:
            raise AnswerError("file_not_here")
    except AnswerError as error:
        notice = warn(tg.error_text(error, step.question, locale))
        await show(bot, chat_id, run, locale, notice=notice)
        return
    await drafts.save(run, new_state, utcnow())
    closing = None
    if isinstance(step, QuestionStep):
        closing = tg.answered_text(run.engine, step.question, value, locale)
    await show(bot, chat_id, run, locale, closing=closing)

"""Every button press is answered exactly once, after the update's work is committed.

Telegram shows a spinner on the pressed button until the bot answers the callback query, and
refuses a second answer. Handlers answer where it suits them (an alert, a short note, or not at
all), so the guarantee is kept here rather than in each handler:

- `AnswerEveryCallback` (outer update middleware, right after aiogram's error middleware) opens
  a slot for the update's callback query; when the update is done it sends the one answer the
  handler gave, or an empty one when it gave none.
- `HoldCallbackAnswers` (a Bot API request middleware) takes the handler's `answerCallbackQuery`
  for that query into the slot instead of sending it. A second answer is dropped, except that an
  answer with text replaces one without (an apology after a plain answer is what matters).

Holding the answer until the end also keeps the update's work in one transaction: an early
`query.answer()` no longer forces a commit before the handler has done anything (see
`bot/middlewares/idempotency.py`). When the update fails outside the handlers, the error handler
(`bot/app.py`) answers with the apology instead.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from bot.middlewares.types import Handler, Send

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


@dataclass
class _Slot:
    query_id: str
    held: AnswerCallbackQuery | None = None
    done_before: bool = False  # a re-delivery of an update that was handled (and answered)

    def hold(self, method: AnswerCallbackQuery) -> None:
        if self.held is None or (method.text and not self.held.text):
            self.held = method


_slot: ContextVar[_Slot | None] = ContextVar("callback_answer_slot", default=None)


def answered_before() -> None:
    """The current update is a re-delivery of one already handled: its press was answered then
    (Telegram would refuse a second answer), so none is sent now."""
    slot = _slot.get()
    if slot is not None:
        slot.done_before = True


class AnswerEveryCallback(BaseMiddleware):
    """Outer update middleware: one answer per callback query, sent when the update is done."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else None
        if query is None:
            return await handler(event, data)
        slot = _Slot(query.id)
        token = _slot.set(slot)
        try:
            result = await handler(event, data)
        except Exception:
            _slot.reset(token)
            raise  # the error handler apologises with an alert: that is the one answer
        _slot.reset(token)
        if slot.done_before:
            return result
        method = slot.held or AnswerCallbackQuery(callback_query_id=query.id)
        try:
            await data["bot"](method)
        except TelegramAPIError as exc:  # too old (a slow update) or already answered
            log.debug("callback %s not answered: %s", query.id, exc)
        return result


class HoldCallbackAnswers(BaseRequestMiddleware):
    """Request middleware: the answer to the update's own callback query waits for its end."""

    async def __call__(
        self, make_request: Send[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        slot = _slot.get()
        if (
            slot is not None
            and isinstance(method, AnswerCallbackQuery)
            and method.callback_query_id == slot.query_id
        ):
            slot.hold(method)
            return True
        return await make_request(bot, method)

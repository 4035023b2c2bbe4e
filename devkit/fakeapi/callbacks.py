"""Inline button presses: callback queries and answerCallbackQuery.

An answer after ``callback_ttl`` seconds, or a second one, fails as "query is too old".
"""

from __future__ import annotations

from typing import Any

from devkit.fakeapi.errors import bad_request, invalid
from devkit.fakeapi.models import CallbackAnswer, CallbackRecord, ChatMessage, UserRecord
from devkit.fakeapi.state import CoreState

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class CallbacksMixin(CoreState):
    """Create callback queries and record the bot's answers."""

    def new_callback_query(
        self, user: UserRecord, message: ChatMessage, data: str
    ) -> dict[str, Any]:
        """Create a pending callback query; return the ``callback_query`` update payload."""
        query_id = f"{self.bot_id}{next(self._callback_counter):08d}"
        self.callbacks[query_id] = CallbackRecord(
            id=query_id,
            user_id=user.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            data=data,
            created=self.clock(),
        )
        return {
            "id": query_id,
            "from": user.to_user(),
            "message": message.raw,
            "chat_instance": str(abs(hash((self.bot_id, message.chat_id))) % 10**18),
            "data": data,
        }

    def _api_answerCallbackQuery(self, values: dict[str, Any]) -> bool:
        text = values.get("text")
        if text is not None and len(text) > 200:
            raise invalid("MESSAGE_TOO_LONG: callback answer text must be 0-200 characters")
        record = self.callbacks.get(values["callback_query_id"])
        if record is None or record.answered or self.clock() - record.created > self.callback_ttl:
            raise bad_request(QUERY_TOO_OLD)
        record.answer = CallbackAnswer(text, bool(values.get("show_alert")), values.get("url"))
        return True

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Callback queries the bot never answered (the user saw an endless spinner)."""
        return [record for record in self.callbacks.values() if not record.answered]

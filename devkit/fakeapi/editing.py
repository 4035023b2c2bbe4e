"""Changing and removing the bot's messages: editMessageX, deleteMessage(s).

Edits that change nothing fail like Telegram's ("message is not modified").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from devkit.fakeapi.errors import bad_request, invalid
from devkit.fakeapi.messages import MessagesMixin
from devkit.fakeapi.models import ChatMessage, ChatState

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class EditingMixin(MessagesMixin):
    """editMessageText/Caption/ReplyMarkup, deleteMessage, deleteMessages."""

    def _message_to_edit(self, values: Mapping[str, Any]) -> tuple[ChatState, ChatMessage]:
        if values.get("inline_message_id") is not None:
            raise invalid("MESSAGE_ID_INVALID (inline messages are not emulated)")
        if values.get("chat_id") is None:
            raise invalid("chat_id is empty")
        if values.get("message_id") is None:
            raise invalid("message identifier is not specified")
        _, chat = self.resolve_chat(values["chat_id"], write=True)
        message = chat.messages.get(values["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    @staticmethod
    def _inline_markup(message: ChatMessage) -> dict[str, Any] | None:
        markup = message.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None

    def _apply_edit(
        self,
        chat: ChatState,
        message: ChatMessage,
        content: dict[str, Any],
        drop: tuple[str, ...],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        raw = {k: v for k, v in message.raw.items() if k not in drop and k != "reply_markup"}
        raw.update(content)
        if markup is not None:
            raw["reply_markup"] = markup
        raw["edit_date"] = int(time.time())
        message.raw = raw
        if markup is not None or self._inline_markup(message) is not None:
            message.reply_markup = markup
        message.edited = True
        message.edit_count += 1
        self._sync_fields(message)
        self._log(chat, "edited", message.message_id, True)
        return raw

    def _api_editMessageText(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        parsed, content = self._text_content(values, "text", "entities", caption=False)
        markup = values.get("reply_markup")
        if (
            parsed.text == message.text
            and parsed.entities == message.entities
            and markup == self._inline_markup(message)
        ):
            raise bad_request(NOT_MODIFIED)
        raw = self._apply_edit(chat, message, content, ("text", "entities"), markup)
        message.source = values["text"]
        message.parse_mode = values.get("parse_mode") if "entities" not in values else None
        return raw

    def _api_editMessageCaption(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        values = {**values, "caption": values.get("caption", "")}
        parsed, content = self._text_content(values, "caption", "caption_entities", caption=True)
        markup = values.get("reply_markup")
        if (
            parsed.text == (message.caption or "")
            and parsed.entities == message.entities
            and markup == self._inline_markup(message)
        ):
            raise bad_request(NOT_MODIFIED)
        raw = self._apply_edit(chat, message, content, ("caption", "caption_entities"), markup)
        message.source = values["caption"] or None
        message.parse_mode = values.get("parse_mode")
        return raw

    def _api_editMessageReplyMarkup(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        markup = values.get("reply_markup")
        if markup == self._inline_markup(message):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(chat, message, {}, (), markup)

    def _api_deleteMessage(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=False)
        message = chat.messages.get(values["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._log(chat, "deleted", message.message_id, message.from_bot)
        return True

    def _api_deleteMessages(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=False)
        ids = values["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise invalid("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            message = chat.messages.get(message_id)
            if message is not None and not message.deleted:
                message.deleted = True
                self._log(chat, "deleted", message_id, message.from_bot)
        return True

"""Messages in private chats: creating them, formatting text, replies and keyboards.

The common tail every sendX method goes through (:meth:`MessagesMixin._send`) lives here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from devkit.fakeapi.errors import bad_request
from devkit.fakeapi.formatting import ParsedText, format_text
from devkit.fakeapi.models import ChatMessage, ChatState, StoredFile, UserRecord
from devkit.fakeapi.state import CoreState

#: sendX method → (Message field, extra fields Telegram always returns for that media).
MEDIA_METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "sendDocument": ("document", {}),
    "sendPhoto": ("photo", {"width": 800, "height": 600}),
    "sendAudio": ("audio", {"duration": 0}),
    "sendVideo": ("video", {"width": 640, "height": 360, "duration": 0}),
    "sendAnimation": ("animation", {"width": 320, "height": 240, "duration": 0}),
    "sendVoice": ("voice", {"duration": 0}),
    "sendVideoNote": ("video_note", {"length": 240, "duration": 0}),
    "sendSticker": (
        "sticker",
        {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
    ),
}
MEDIA_EXTRAS: dict[str, dict[str, Any]] = dict(MEDIA_METHODS.values())


class MessagesMixin(CoreState):
    """Create bot and user messages; the shared send path of every sendX."""

    def _new_message(
        self,
        user: UserRecord,
        chat: ChatState,
        *,
        from_bot: bool,
        content: dict[str, Any],
        method: str = "",
    ) -> ChatMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": user.to_chat(),
            "from": self.bot_user() if from_bot else user.to_user(),
            **content,
        }
        message = ChatMessage(
            message_id=message_id,
            chat_id=chat.chat_id,
            from_bot=from_bot,
            date=raw["date"],
            raw=raw,
            method=method,
        )
        self._sync_fields(message)
        chat.messages[message_id] = message
        self._log(chat, "sent", message_id, from_bot)
        return message

    def _sync_fields(self, message: ChatMessage) -> None:
        """Refresh the convenience attributes from ``raw``."""
        raw = message.raw
        message.text = raw.get("text")
        message.caption = raw.get("caption")
        message.entities = list(raw.get("entities") or raw.get("caption_entities") or [])
        message.location = raw.get("location")
        message.contact = raw.get("contact")
        message.media = next(
            (raw[key] for key in MEDIA_EXTRAS if key not in {"document", "photo"} and key in raw),
            None,
        )

    def add_user_message(
        self,
        user: UserRecord,
        content: dict[str, Any],
        *,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
    ) -> ChatMessage:
        """Record a message a simulated user sends; it also (re)starts the conversation."""
        user.started = True
        user.blocked = False
        message = self._new_message(user, self.chat(user.id), from_bot=False, content=content)
        message.document, message.photo = document, photo
        return message

    def _text_content(
        self, values: Mapping[str, Any], key: str, entities_key: str, *, caption: bool
    ) -> tuple[ParsedText, dict[str, Any]]:
        parsed = format_text(
            values[key], values.get("parse_mode"), values.get(entities_key), caption=caption
        )
        content: dict[str, Any] = {key: parsed.text}
        if parsed.entities:
            content[entities_key] = parsed.entities
        if caption and not parsed.text:
            content = {}
        return parsed, content

    def _reply_to(self, chat: ChatState, values: Mapping[str, Any]) -> dict[str, Any] | None:
        params = values.get("reply_parameters")
        if params is None and "reply_to_message_id" in values:
            params = {
                "message_id": values["reply_to_message_id"],
                "allow_sending_without_reply": values.get("allow_sending_without_reply", False),
            }
        if params is None:
            return None
        target_chat = chat
        if params.get("chat_id") is not None:
            _, target_chat = self.resolve_chat(params["chat_id"], write=False)
        target = target_chat.messages.get(params["message_id"])
        if target is None or target.deleted:
            if params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.raw.items() if k != "reply_to_message"}

    def _send(
        self,
        method: str,
        values: Mapping[str, Any],
        content: dict[str, Any],
        *,
        files: tuple[StoredFile | None, StoredFile | None] = (None, None),
        source: str | None = None,
        parse_mode: str | None = None,
    ) -> ChatMessage:
        """Common tail of every sendX: access rules, reply, markup, keyboard state."""
        user, chat = self.resolve_chat(values["chat_id"], write=True)
        reply = self._reply_to(chat, values)
        if reply is not None:
            content = {**content, "reply_to_message": reply}
        markup = values.get("reply_markup")
        if markup is not None and "inline_keyboard" in markup:
            content = {**content, "reply_markup": markup}
        message = self._new_message(user, chat, from_bot=True, content=content, method=method)
        message.reply_markup = markup
        message.document, message.photo = files
        message.source = source
        message.parse_mode = parse_mode
        if markup is not None and "keyboard" in markup:
            chat.reply_keyboard = markup
            chat.reply_keyboard_message_id = message.message_id
        elif markup is not None and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
            chat.reply_keyboard_message_id = None
        return message

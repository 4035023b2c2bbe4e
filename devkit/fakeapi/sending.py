"""The sendX family: text, media, albums, location, contact, chat actions, copy, forward.

Any other spec-valid method falls back to :meth:`SendingMixin._api_generic`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devkit.fakeapi.errors import bad_request, invalid
from devkit.fakeapi.files import FilesMixin
from devkit.fakeapi.messages import MEDIA_EXTRAS, MEDIA_METHODS, MessagesMixin
from devkit.fakeapi.models import ChatMessage, StoredFile

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NO_CAPTION = frozenset({"sticker", "video_note"})


class SendingMixin(MessagesMixin, FilesMixin):
    """Every method that puts a new message (or chat action) in a chat."""

    def _api_sendMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        self.resolve_chat(values["chat_id"], write=True)  # chat errors win over text errors
        _, content = self._text_content(values, "text", "entities", caption=False)
        message = self._send(
            "sendMessage",
            values,
            content,
            source=values["text"],
            parse_mode=values.get("parse_mode") if "entities" not in values else None,
        )
        return message.raw

    def _media_object(self, stored: StoredFile, kind: str, values: Mapping[str, Any]) -> Any:
        base: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if stored.size:
            base["file_size"] = stored.size
        extra = dict(MEDIA_EXTRAS[kind])
        for key in ("duration", "width", "height", "length"):
            if key in extra and key in values:
                extra[key] = values[key]
        if kind == "photo":
            return [{**base, **extra}]
        if kind in {"document", "audio", "video", "animation"} and stored.filename:
            base["file_name"] = stored.filename
        if kind in {"document", "audio", "video", "animation", "voice"} and stored.mime_type:
            base["mime_type"] = stored.mime_type
        return {**base, **extra}

    def _api_send_media(self, method: str, values: dict[str, Any]) -> dict[str, Any]:
        kind, _ = MEDIA_METHODS[method]
        self.resolve_chat(values["chat_id"], write=True)
        stored = self.store_input_file(values[kind], kind)
        content: dict[str, Any] = {kind: self._media_object(stored, kind, values)}
        source = None
        if kind not in _NO_CAPTION and values.get("caption"):
            _, caption_content = self._text_content(
                values, "caption", "caption_entities", caption=True
            )
            content.update(caption_content)
            source = values["caption"]
        message = self._send(
            method,
            values,
            content,
            files=(stored if kind == "document" else None, stored if kind == "photo" else None),
            source=source,
            parse_mode=values.get("parse_mode"),
        )
        return message.raw

    def _api_sendDocument(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendDocument", values)

    def _api_sendPhoto(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendPhoto", values)

    def _api_sendAudio(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendAudio", values)

    def _api_sendVideo(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVideo", values)

    def _api_sendAnimation(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendAnimation", values)

    def _api_sendVoice(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVoice", values)

    def _api_sendVideoNote(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVideoNote", values)

    def _api_sendSticker(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendSticker", values)

    def _api_sendMediaGroup(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        items = values["media"]
        if not 2 <= len(items) <= 10:
            raise invalid("media group must include 2-10 items")
        self.resolve_chat(values["chat_id"], write=True)
        group_id = f"{self.bot_id}{next(self._callback_counter):010d}"
        results: list[dict[str, Any]] = []
        for item in items:
            kind = item["type"]
            if kind not in MEDIA_EXTRAS:
                raise bad_request(f"media type {kind!r} is not emulated in albums")
            stored = self.store_input_file(item["media"], kind)
            content: dict[str, Any] = {
                kind: self._media_object(stored, kind, item),
                "media_group_id": group_id,
            }
            if item.get("caption"):
                _, caption_content = self._text_content(
                    item, "caption", "caption_entities", caption=True
                )
                content.update(caption_content)
            message = self._send(
                "sendMediaGroup",
                values,
                content,
                files=(stored if kind == "document" else None, stored if kind == "photo" else None),
                source=item.get("caption"),
                parse_mode=item.get("parse_mode"),
            )
            results.append(message.raw)
        return results

    def _api_sendLocation(self, values: dict[str, Any]) -> dict[str, Any]:
        if not -90 <= values["latitude"] <= 90 or not -180 <= values["longitude"] <= 180:
            raise invalid("wrong latitude or longitude")
        location = {"latitude": values["latitude"], "longitude": values["longitude"]}
        return self._send("sendLocation", values, {"location": location}).raw

    def _api_sendContact(self, values: dict[str, Any]) -> dict[str, Any]:
        contact = {"phone_number": values["phone_number"], "first_name": values["first_name"]}
        for key in ("last_name", "vcard"):
            if values.get(key):
                contact[key] = values[key]
        return self._send("sendContact", values, {"contact": contact}).raw

    def _api_sendChatAction(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=True)
        if values["action"] not in CHAT_ACTIONS:
            raise invalid("wrong parameter action in request")
        chat.chat_actions.append(values["action"])
        self._log(chat, "action", None, True)
        return True

    def _copy_source(self, values: Mapping[str, Any], verb: str) -> ChatMessage:
        _, source_chat = self.resolve_chat(values["from_chat_id"], write=False)
        source = source_chat.messages.get(values["message_id"])
        if source is None or source.deleted:
            raise bad_request(f"message to {verb} not found")
        return source

    _COPY_SKIP = frozenset(
        {
            "message_id",
            "date",
            "chat",
            "from",
            "reply_markup",
            "edit_date",
            "reply_to_message",
            "forward_origin",
        }
    )

    def _api_copyMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        source = self._copy_source(values, "copy")
        content = {k: v for k, v in source.raw.items() if k not in self._COPY_SKIP}
        src = source.source
        if "caption" in values:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if values["caption"]:
                _, caption_content = self._text_content(
                    values, "caption", "caption_entities", caption=True
                )
                content.update(caption_content)
            src = values["caption"]
        message = self._send(
            "copyMessage",
            values,
            content,
            files=(source.document, source.photo),
            source=src,
            parse_mode=values.get("parse_mode", source.parse_mode),
        )
        return {"message_id": message.message_id}

    def _api_forwardMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        source = self._copy_source(values, "forward")
        content = {k: v for k, v in source.raw.items() if k not in self._COPY_SKIP}
        content["forward_origin"] = {
            "type": "user",
            "date": source.date,
            "sender_user": source.raw["from"],
        }
        message = self._send(
            "forwardMessage",
            values,
            content,
            files=(source.document, source.photo),
            source=source.source,
            parse_mode=source.parse_mode,
        )
        return message.raw

    def _api_generic(self, method: str, values: dict[str, Any]) -> Any:
        """Any other spec-valid method: messages get a bare Message, the rest ``True``."""
        spec = self.spec.methods[method]
        if spec.returns == ("Message",) and "chat_id" in values:
            return self._send(method, values, {}).raw
        return True

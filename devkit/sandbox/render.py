"""Turn the fake's chat state into what the page draws: safe HTML from text + entities.

The page never trusts the bot's HTML source: it gets the text and Telegram's entities (what
the app itself renders from), re-rendered here with every character escaped, so a message
shows exactly as Telegram would, and a bug that slips raw user text into a message can't
script the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from devkit.fakeapi.core import BotApiCore
from devkit.fakeapi.formatting import command_entities
from devkit.fakeapi.models import ChatMessage, ChatState, StoredFile

_SIMPLE_TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="mention">', "</span>"),
    "cashtag": ('<span class="mention">', "</span>"),
    "text_mention": ('<span class="mention">', "</span>"),
    "custom_emoji": ("<span>", "</span>"),
}
_SAFE_URL = re.compile(r"^(https?://|tg://|mailto:|tel:)", re.IGNORECASE)
MEDIA_LABELS: dict[str, str] = {
    "voice": "🎤 voice message",
    "audio": "🎵 audio",
    "video": "🎬 video",
    "animation": "🎞 GIF",
    "video_note": "📹 video message",
    "sticker": "sticker",
}


def _units(text: str) -> bytes:
    return text.encode("utf-16-le")


def _slice(encoded: bytes, start: int, end: int) -> str:
    return encoded[2 * start : 2 * end].decode("utf-16-le", errors="replace")


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _open_tag(entity: Mapping[str, Any], covered: str) -> tuple[str, str]:
    kind = str(entity.get("type", ""))
    if kind in _SIMPLE_TAGS:
        return _SIMPLE_TAGS[kind]
    if kind == "pre":
        language = str(entity.get("language") or "")
        css = f' class="language-{_attr(language)}"' if language else ""
        return f"<pre><code{css}>", "</code></pre>"
    if kind in {"text_link", "url"}:
        url = str(entity.get("url") or covered) if kind == "text_link" else covered
        if kind == "url" and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
            url = "http://" + url
        if not _SAFE_URL.match(url):
            return '<span class="link">', "</span>"
        return f'<a href="{_attr(url)}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind == "email":
        return f'<a href="mailto:{_attr(covered)}">', "</a>"
    if kind == "phone_number":
        return f'<a href="tel:{_attr(covered)}">', "</a>"
    if kind == "bot_command":
        return f'<a class="cmd" href="#" data-cmd="{_attr(covered)}">', "</a>"
    return "<span>", "</span>"


def entities_to_html(text: str, entities: Iterable[Mapping[str, Any]] | None) -> str:
    """Escaped text with the entities as tags (offsets in UTF-16 units, like Telegram's).

    Like the Telegram app, ``/commands`` are tappable even where no entity marks them.
    """
    encoded = _units(text)
    total = len(encoded) // 2
    spans: list[tuple[int, int, Mapping[str, Any]]] = []
    for entity in entities or ():
        start = int(entity.get("offset", 0))
        end = min(start + int(entity.get("length", 0)), total)
        if 0 <= start < end:
            spans.append((start, end, entity))
    for command in command_entities(text):
        start, end = command["offset"], command["offset"] + command["length"]
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, command))
    spans.sort(key=lambda span: (span[0], -span[1]))
    points = sorted({0, total, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, str, str]] = []  # (end, opening tag, closing tag), outermost first
    pending = list(spans)
    for index, point in enumerate(points):
        if any(end == point for end, _, _ in stack):
            # Close everything down to the last entity ending here; reopen the survivors
            # (only needed when entities overlap without nesting).
            reopen: list[tuple[int, str, str]] = []
            while any(end == point for end, _, _ in stack):
                item = stack.pop()
                out.append(item[2])
                if item[0] != point:
                    reopen.append(item)
            for item in reversed(reopen):
                out.append(item[1])
                stack.append(item)
        while pending and pending[0][0] == point:
            start, end, entity = pending.pop(0)
            opening, closing = _open_tag(entity, _slice(encoded, start, end))
            out.append(opening)
            stack.append((end, opening, closing))
        if index + 1 < len(points):
            out.append(html.escape(_slice(encoded, point, points[index + 1]), quote=False))
    out.extend(item[2] for item in reversed(stack))
    return "".join(out)


def file_view(stored: StoredFile | None) -> dict[str, Any] | None:
    """A file as the page links it: downloadable only when the fake holds its bytes."""
    if stored is None:
        return None
    return {
        "file_id": stored.file_id,
        "name": stored.filename or stored.file_path.rsplit("/", 1)[-1],
        "mime": stored.mime_type,
        "size": stored.size,
        "url": f"/api/file/{stored.file_id}" if stored.data is not None else None,
        "external": stored.url,
    }


def _inline_buttons(message: ChatMessage) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    for row in message.inline_keyboard:
        out: list[dict[str, Any]] = []
        for button in row:
            if "callback_data" in button:
                kind, url = "callback", None
            elif "url" in button:
                kind, url = "url", str(button["url"])
            else:
                extra = sorted(set(button) - {"text", "style", "icon_custom_emoji_id"})
                kind, url = (extra[0] if extra else "other"), None
            out.append({"text": button.get("text", ""), "kind": kind, "url": url})
        rows.append(out)
    return rows


def reply_keyboard_view(chat: ChatState) -> dict[str, Any] | None:
    """The reply keyboard currently shown under the input field, if any."""
    keyboard = chat.reply_keyboard
    if keyboard is None:
        return None
    rows: list[list[dict[str, Any]]] = []
    for row in keyboard.get("keyboard", []):
        out: list[dict[str, Any]] = []
        for button in row:
            if button.get("request_contact"):
                kind = "contact"
            elif button.get("request_location"):
                kind = "location"
            else:
                extra = [
                    k
                    for k in sorted(set(button) - {"text", "style", "icon_custom_emoji_id"})
                    if button[k] is not False
                ]
                kind = extra[0] if extra else "text"
            out.append({"text": button.get("text", ""), "kind": kind})
        rows.append(out)
    return {
        "rows": rows,
        "placeholder": keyboard.get("input_field_placeholder"),
        "one_time": bool(keyboard.get("one_time_keyboard")),
    }


def message_view(message: ChatMessage, seq: int) -> dict[str, Any]:
    """One message as the page draws it (current state: edits applied)."""
    raw = message.raw
    body = message.text if message.text is not None else message.caption
    view: dict[str, Any] = {
        "type": "message",
        "seq": seq,
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "edited": message.edited,
        "html": entities_to_html(body, message.entities) if body else "",
        "buttons": _inline_buttons(message),
        "document": file_view(message.document),
        "photo": file_view(message.photo),
    }
    if message.location is not None:
        view["location"] = {
            "latitude": message.location.get("latitude"),
            "longitude": message.location.get("longitude"),
        }
    if message.contact is not None:
        view["contact"] = {
            "phone": message.contact.get("phone_number"),
            "name": " ".join(
                part
                for part in (message.contact.get("first_name"), message.contact.get("last_name"))
                if part
            ),
        }
    for kind, label in MEDIA_LABELS.items():
        if kind in raw:
            media = raw[kind]
            view["media"] = {
                "label": f"{media.get('emoji', '')} {label}".strip() if kind == "sticker" else label
            }
            if kind in ("voice", "video_note") and isinstance(media.get("file_id"), str):
                view["media"]["url"] = f"/api/file/{media['file_id']}"
                view["media"]["duration"] = media.get("duration")
    reply = raw.get("reply_to_message")
    if isinstance(reply, dict):
        snippet = reply.get("text") or reply.get("caption") or ""
        view["reply_to"] = {"id": reply.get("message_id"), "text": snippet[:80]}
    return view


def chat_items(core: BotApiCore, chat_id: int) -> list[dict[str, Any]]:
    """The visible messages of a chat, each with the sequence number it was first sent at."""
    chat = core.chat(chat_id)
    sent_at: dict[int, int] = {}
    for event in chat.events:
        if event.kind == "sent" and event.message_id is not None:
            sent_at.setdefault(event.message_id, event.seq)
    return [
        message_view(message, sent_at.get(message.message_id, 0))
        for message in chat.messages.values()
        if not message.deleted
    ]


def commands_for(core: BotApiCore, chat_id: int, language_code: str | None) -> list[dict[str, str]]:
    """The command menu Telegram shows this user: narrowest scope first, own language first."""
    language = (language_code or "")[:2].lower()
    scopes = (
        {"type": "chat", "chat_id": chat_id},
        {"type": "all_private_chats"},
        {"type": "default"},
    )
    for scope in scopes:
        key = core.scope_key(scope)
        for lang in dict.fromkeys((language, "")):
            commands = core.commands.get((key, lang))
            if commands:
                return [
                    {"command": str(c["command"]), "description": str(c["description"])}
                    for c in commands
                ]
    return []

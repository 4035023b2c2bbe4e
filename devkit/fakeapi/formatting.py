"""Telegram-style text formatting: the strict HTML subset, entity offsets, length rules.

Telegram rejects malformed HTML with ``can't parse entities``; a bot that builds HTML from user
input without escaping only finds out in production. This parser is deliberately at least as
strict as Telegram (a bare ``&`` is an error here) so such bugs fail in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from devkit.fakeapi.errors import ApiError, invalid

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
}
SUPPORTED_TAGS = frozenset(
    {*_SIMPLE_TAGS, "span", "a", "pre", "blockquote", "tg-emoji", "tg-time"},
)

_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_RE = re.compile(r"\s*([A-Za-z_:][A-Za-z0-9_:.-]*)")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


@dataclass(slots=True)
class ParsedText:
    """Result of parsing: what the user sees and the entities Telegram would return."""

    text: str
    entities: list[dict[str, Any]]


@dataclass(slots=True)
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output
    attrs: dict[str, str]
    byte_offset: int


def _parse_error(message: str) -> ApiError:
    """Telegram's wording for every HTML problem."""
    return invalid(f"can't parse entities: {message}")


def _byte_offset(source: str, index: int) -> int:
    """Telegram reports positions in UTF-8 bytes of the source text."""
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode the character reference at ``index``; return (char, length consumed)."""
    match = _ENTITY_RE.match(source, index)
    if match is None:
        raise _parse_error(
            f'Unescaped "&" at byte offset {_byte_offset(source, index)}; use "&amp;"'
        )
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named], match.end() - index
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _parse_error(
            f"Invalid character reference at byte offset {_byte_offset(source, index)}"
        )
    return chr(code), match.end() - index


def _parse_attributes(source: str, index: int, tag_offset: int) -> tuple[dict[str, str], int]:
    """Parse ``name="value"`` pairs up to ``>``; return attrs and the index after ``>``."""
    attrs: dict[str, str] = {}
    length = len(source)
    while True:
        while index < length and source[index].isspace():
            index += 1
        if index >= length:
            raise _parse_error(f"Unclosed start tag at byte offset {tag_offset}")
        if source[index] == ">":
            return attrs, index + 1
        match = _ATTR_RE.match(source, index)
        if match is None:
            raise _parse_error(
                f"Unexpected character in start tag at byte offset {_byte_offset(source, index)}"
            )
        name = match.group(1).lower()
        index = match.end()
        while index < length and source[index].isspace():
            index += 1
        value = ""
        if index < length and source[index] == "=":
            index += 1
            while index < length and source[index].isspace():
                index += 1
            if index < length and source[index] in "\"'":
                quote = source[index]
                end = source.find(quote, index + 1)
                if end < 0:
                    raise _parse_error(f"Unclosed start tag at byte offset {tag_offset}")
                value = _decode_text(source[index + 1 : end], source, index + 1)
                index = end + 1
            else:
                start = index
                while index < length and not source[index].isspace() and source[index] != ">":
                    index += 1
                value = _decode_text(source[start:index], source, start)
        attrs[name] = value


def _decode_text(chunk: str, source: str, base: int) -> str:
    """Decode character references inside an attribute value."""
    if "&" not in chunk:
        return chunk
    out: list[str] = []
    i = 0
    while i < len(chunk):
        if chunk[i] == "&":
            # Re-run the matcher on the full source so error offsets are right.
            ch, used = _decode_entity(source, base + i)
            out.append(ch)
            i += used
        else:
            out.append(chunk[i])
            i += 1
    return "".join(out)


def _entity_for(opened: _Open, end: int) -> dict[str, Any] | None:
    """Map a closed tag to a Telegram MessageEntity (None for zero length / no-op tags)."""
    length = end - opened.start
    if length <= 0:
        return None
    base: dict[str, Any] = {"offset": opened.start, "length": length}
    tag = opened.tag
    if tag in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[tag], **base}
    if tag == "span":
        return {"type": "spoiler", **base}
    if tag == "a":
        href = opened.attrs.get("href", "")
        if not href:
            return None
        user_match = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user_match:
            user = {"id": int(user_match.group(1)), "is_bot": False, "first_name": ""}
            return {"type": "text_mention", **base, "user": user}
        return {"type": "text_link", **base, "url": href}
    if tag == "pre":
        entity = {"type": "pre", **base}
        if opened.attrs.get("language"):
            entity["language"] = opened.attrs["language"]
        return entity
    if tag == "blockquote":
        kind = "expandable_blockquote" if "expandable" in opened.attrs else "blockquote"
        return {"type": kind, **base}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": opened.attrs["emoji-id"]}
    if tag == "tg-time":
        entity = {"type": "date_time", **base}
        if opened.attrs.get("unix", "").lstrip("-").isdigit():
            entity["unix_time"] = int(opened.attrs["unix"])
        if opened.attrs.get("format"):
            entity["date_time_format"] = opened.attrs["format"]
        return entity
    raise AssertionError(f"unhandled tag {tag}")  # pragma: no cover - guarded by SUPPORTED_TAGS


def _check_start_tag(tag: str, attrs: dict[str, str], offset: int) -> None:
    """Apply Telegram's per-tag attribute rules."""
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if tag == "tg-emoji" and not attrs.get("emoji-id"):
        raise _parse_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text + entities, raising 400 like Telegram on errors."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    length = len(source)
    while i < length:
        ch = source[i]
        if ch == "&":
            decoded, used = _decode_entity(source, i)
            out.append(decoded)
            pos16 += utf16_len(decoded)
            i += used
            continue
        if ch != "<":
            out.append(ch)
            pos16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        offset = _byte_offset(source, i)
        if i + 1 < length and source[i + 1] == "/":
            end = source.find(">", i + 2)
            if end < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {offset}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f'Unexpected end tag "{name}" at byte offset {offset}')
            opened = stack[-1]
            if name != opened.tag:
                raise _parse_error(
                    f'Can\'t find end tag corresponding to start tag "{opened.tag}"'
                    f' (found end tag "{name}" at byte offset {offset})'
                )
            stack.pop()
            if opened.tag == "code" and stack and stack[-1].tag == "pre":
                language = opened.attrs.get("class", "")
                if language.startswith("language-") and pos16 > opened.start:
                    stack[-1].attrs["language"] = language[len("language-") :]
                i = end + 1
                continue
            entity = _entity_for(opened, pos16)
            if entity is not None:
                entities.append(entity)
            i = end + 1
            continue
        match = _TAG_NAME_RE.match(source, i + 1)
        name = match.group(0).lower() if match else ""
        if not name or name not in SUPPORTED_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        assert match is not None
        after_name = match.end()
        if after_name < length and not (source[after_name].isspace() or source[after_name] == ">"):
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs, i = _parse_attributes(source, after_name, offset)
        _check_start_tag(name, attrs, offset)
        stack.append(_Open(name, pos16, attrs, offset))
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def strip_text(parsed: ParsedText) -> ParsedText:
    """Trim surrounding whitespace like Telegram, shifting/clipping entities to match."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities Telegram attaches to ``/commands`` in a user's message."""
    result: list[dict[str, Any]] = []
    for match in _COMMAND_RE.finditer(text):
        result.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return result


def format_text(
    raw: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    caption: bool = False,
) -> ParsedText:
    """Apply parse_mode/entities and Telegram's emptiness and length rules."""
    mode = (parse_mode or "").lower()
    if entities is not None:
        total = utf16_len(raw)
        for entity in entities:
            if entity["offset"] + entity["length"] > total:
                raise invalid("entity beyond the end of the text")
        parsed = ParsedText(raw, list(entities))
    elif mode == "html":
        parsed = parse_html(raw)
    elif mode in {"", "markdown", "markdownv2"}:
        # Markdown flavours are stored as sent (not parsed): enough for the bot's needs.
        parsed = ParsedText(raw, [])
    else:
        raise invalid(f"unsupported parse_mode {parse_mode!r}")
    parsed = strip_text(parsed)
    limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
    if not caption and not parsed.text:
        raise invalid("message text is empty")
    if utf16_len(parsed.text) > limit:  # Telegram counts UTF-16 code units, like entities
        raise invalid("message caption is too long" if caption else "message is too long")
    return parsed


def to_html(text: str, parse_mode: str | None, raw: str) -> str:
    """The HTML a chat view should render: the raw HTML when sent as HTML, else escaped text."""
    if (parse_mode or "").lower() == "html":
        return raw
    return escape(text, quote=False)

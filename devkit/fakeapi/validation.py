"""Check a call against the Bot API spec and coerce form values to their real types.

Telegram silently ignores unknown parameters; the fake rejects them (and unknown nested
fields) so typos in the bot fail tests instead of silently doing nothing in production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.fakeapi.errors import invalid
from devkit.fakeapi.models import UploadedFile
from devkit.fakeapi.spec import ApiSpec, FieldSpec, MethodSpec

ATTACH_PREFIX = "attach://"

#: Pre-7.0 parameters Telegram still accepts; allowed when the modern replacement exists.
LEGACY_PARAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reply_to_message_id": ("reply_parameters", ("Integer",)),
    "allow_sending_without_reply": ("reply_parameters", ("Boolean",)),
    "disable_web_page_preview": ("link_preview_options", ("Boolean",)),
}

#: Fields of InlineKeyboardButton that are decoration, not the button's action.
_INLINE_NON_ACTION = frozenset({"text", "icon_custom_emoji_id", "style"})
_KEYBOARD_NON_ACTION = frozenset({"text", "icon_custom_emoji_id", "style"})
_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_MAX_BUTTONS = 100
_MAX_PLACEHOLDER = 64
#: MessageEntity.type values the spec lists (Bot API 10.1).
ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)


class _Invalid(Exception):
    """Internal: one alternative of a union type did not fit."""


@dataclass(slots=True)
class _Context:
    files: Mapping[str, UploadedFile]
    used_files: set[str] = field(default_factory=set)

    def attachment(self, value: str, path: str) -> UploadedFile:
        name = value[len(ATTACH_PREFIX) :]
        if name not in self.files:
            raise invalid(f'{path}: attached file "{name}" not found in the request')
        self.used_files.add(name)
        return self.files[name]


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class Validator:
    """Validates parameters of any spec method; stateless apart from the spec."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec
        #: Concrete subtype → the ``type`` value it must carry (InputMediaPhoto → "photo").
        self.discriminators: dict[str, str] = {
            sub: value
            for spec_type in spec.types.values()
            for value, sub in spec_type.subtypes.items()
        }

    # ----------------------------------------------------------------- top level
    def validate_call(
        self,
        method: MethodSpec,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> dict[str, Any]:
        """Return coerced params or raise a 400 :class:`ApiError` naming the problem."""
        ctx = _Context(files or {})
        known: dict[str, FieldSpec] = dict(method.fields)
        for legacy, (modern, types) in LEGACY_PARAMS.items():
            if modern in known:
                known[legacy] = FieldSpec(legacy, types, False)
        values: dict[str, Any] = dict(params)
        # A file part named like an InputFile parameter is that parameter (curl -F doc=@x).
        for name, upload in ctx.files.items():
            if name in known and name not in values:
                values[name] = upload
                ctx.used_files.add(name)
        for name in values:
            if name not in known:
                raise invalid(f'unknown parameter "{name}" for method {method.name}')
        result: dict[str, Any] = {}
        for spec_field in known.values():
            if spec_field.name not in values or values[spec_field.name] is None:
                if spec_field.required:
                    if spec_field.name == "text" and method.name in {
                        "sendMessage",
                        "editMessageText",
                    }:
                        raise invalid("message text is empty")
                    raise invalid(f'parameter "{spec_field.name}" is required')
                continue
            result[spec_field.name] = self._coerce(
                values[spec_field.name], spec_field.types, spec_field.name, ctx, top=True
            )
        unused = set(ctx.files) - ctx.used_files
        if unused:
            raise invalid(f'unknown parameter "{sorted(unused)[0]}" (unreferenced file)')
        return result

    # ----------------------------------------------------------------- coercion
    def _coerce(
        self, value: Any, types: tuple[str, ...], path: str, ctx: _Context, *, top: bool
    ) -> Any:
        types = self._pick_object_type(value, types, top=top)
        for type_name in types:
            try:
                return self._coerce_one(value, type_name, path, ctx, top=top)
            except _Invalid:
                continue
        expected = " or ".join(types)
        raise invalid(f'can\'t parse "{path}": expected {expected}, got {_describe(value)}')

    def _pick_object_type(
        self, value: Any, types: tuple[str, ...], *, top: bool
    ) -> tuple[str, ...]:
        """For unions of object types (reply_markup), keep only the best-matching one.

        Nested errors are raised directly, so the union must be resolved up front by
        looking at which type's required fields the object carries.
        """
        candidate = value
        if top and isinstance(value, str) and value[:1] in "[{":
            try:
                candidate = json.loads(value)
            except ValueError:
                return types
        arrays = [
            t
            for t in types
            if t.startswith("Array of ") and t[len("Array of ") :] in self.spec.types
        ]
        if len(arrays) >= 2 and isinstance(candidate, list) and candidate:
            first = candidate[0]
            kind = first.get("type") if isinstance(first, dict) else None
            for type_name in arrays:
                if self.discriminators.get(type_name[len("Array of ") :]) == kind:
                    return (type_name,)
            return (arrays[0],)
        objects = [t for t in types if t in self.spec.types]
        if len(objects) < 2 or not isinstance(candidate, dict):
            return types
        best = objects[0]
        for type_name in objects:
            spec_type = self.spec.types[type_name]
            required = {f.name for f in spec_type.fields.values() if f.required}
            if required and required <= set(candidate):
                best = type_name
                break
        return tuple(t for t in types if t not in objects or t == best)

    def _coerce_one(
        self, value: Any, type_name: str, path: str, ctx: _Context, *, top: bool
    ) -> Any:
        if type_name.startswith("Array of "):
            if top and isinstance(value, str):
                value = self._json(value, path)
            if not isinstance(value, list):
                raise _Invalid(type_name)
            inner = type_name[len("Array of ") :]
            return [
                self._coerce(item, (inner,), f"{path}[{index}]", ctx, top=False)
                for index, item in enumerate(value)
            ]
        if type_name == "Integer":
            if isinstance(value, bool):
                raise _Invalid(type_name)
            if isinstance(value, int):
                return value
            if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value.strip()):
                return int(value)
            raise _Invalid(type_name)
        if type_name == "Float":
            if isinstance(value, bool):
                raise _Invalid(type_name)
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise _Invalid(type_name) from None
            raise _Invalid(type_name)
        if type_name in {"Boolean", "True"}:
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
                return value.lower() in {"true", "1"}
            raise _Invalid(type_name)
        if type_name == "String":
            if isinstance(value, UploadedFile):
                raise _Invalid(type_name)
            if isinstance(value, str):
                if value.startswith(ATTACH_PREFIX) and not top:
                    return ctx.attachment(value, path)
                return value
            if top and isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise _Invalid(type_name)
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
                return ctx.attachment(value, path)
            raise _Invalid(type_name)
        # Object type.
        if top and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _Invalid(type_name) from None
        if type_name == "KeyboardButton" and isinstance(value, str):
            value = {"text": value}
        if not isinstance(value, dict):
            raise _Invalid(type_name)
        return self.validate_object(value, type_name, path, ctx)

    @staticmethod
    def _json(value: str, path: str) -> Any:
        try:
            return json.loads(value)
        except ValueError:
            raise invalid(f'can\'t parse "{path}": invalid JSON') from None

    # ----------------------------------------------------------------- objects
    def validate_object(
        self, value: dict[str, Any], type_name: str, path: str, ctx: _Context | None = None
    ) -> dict[str, Any]:
        """Check one object against its spec type (unknown types: any object passes)."""
        ctx = ctx or _Context({})
        spec_type = self.spec.types.get(type_name)
        if spec_type is None or spec_type.opaque:
            return value
        if spec_type.subtypes:
            kind = value.get("type")
            if kind not in spec_type.subtypes:
                known = ", ".join(sorted(spec_type.subtypes))
                raise invalid(f"{path}: unsupported {type_name} type {kind!r} (one of {known})")
            type_name = spec_type.subtypes[kind]
            spec_type = self.spec.types[type_name]
        expected_kind = self.discriminators.get(type_name)
        if expected_kind is not None and value.get("type") != expected_kind:
            raise invalid(
                f'{path}: {type_name} must have type "{expected_kind}", got {value.get("type")!r}'
            )
        for name in value:
            if name not in spec_type.fields:
                raise invalid(f'{path}: unknown field "{name}" in {type_name}')
        result: dict[str, Any] = {}
        for spec_field in spec_type.fields.values():
            sub_path = f"{path}.{spec_field.name}"
            if spec_field.name not in value or value[spec_field.name] is None:
                if spec_field.required:
                    raise invalid(
                        f'{sub_path}: field "{spec_field.name}" of {type_name} is required'
                    )
                continue
            result[spec_field.name] = self._coerce(
                value[spec_field.name], spec_field.types, sub_path, ctx, top=False
            )
        checker = getattr(self, f"_check_{type_name}", None)
        if checker is not None:
            checker(result, path)
        return result

    # ----------------------------------------------------------------- Telegram rules
    @staticmethod
    def _check_InlineKeyboardButton(button: dict[str, Any], path: str) -> None:
        if not button["text"]:
            raise invalid(f"{path}: can't parse inline keyboard button: text is empty")
        actions = sorted(set(button) - _INLINE_NON_ACTION)
        if not actions:
            raise invalid(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                f"keyboard ({path}, text {button['text']!r})"
            )
        if len(actions) > 1:
            raise invalid(
                f"can't parse inline keyboard button: exactly one action field expected at "
                f"{path}, got {', '.join(actions)}"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
            raise invalid("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not _URL_RE.match(url):
            raise invalid(f"inline keyboard button URL {url!r} is invalid: Wrong HTTP URL")

    @staticmethod
    def _check_InlineKeyboardMarkup(markup: dict[str, Any], path: str) -> None:
        if sum(len(row) for row in markup["inline_keyboard"]) > _MAX_BUTTONS:
            raise invalid("reply markup is too long")

    @staticmethod
    def _check_MessageEntity(entity: dict[str, Any], path: str) -> None:
        if entity["type"] not in ENTITY_TYPES:
            raise invalid(f"{path}: unsupported entity type {entity['type']!r}")
        if entity["offset"] < 0 or entity["length"] < 1:
            raise invalid(f"{path}: entity offset/length out of range")
        if entity["type"] == "text_link" and not entity.get("url"):
            raise invalid(f"{path}: text_link entity without url")

    @staticmethod
    def _check_KeyboardButton(button: dict[str, Any], path: str) -> None:
        if not button["text"]:
            raise invalid(f"{path}: keyboard button text is empty")
        actions = sorted(
            name for name in set(button) - _KEYBOARD_NON_ACTION if button[name] is not False
        )
        if len(actions) > 1:
            raise invalid(
                f"can't parse keyboard button: at most one of {', '.join(actions)} at {path}"
            )

    @staticmethod
    def _check_ReplyKeyboardMarkup(markup: dict[str, Any], path: str) -> None:
        if sum(len(row) for row in markup["keyboard"]) > _MAX_BUTTONS:
            raise invalid("reply markup is too long")
        _check_placeholder(markup, path)

    @staticmethod
    def _check_ReplyKeyboardRemove(markup: dict[str, Any], path: str) -> None:
        if markup["remove_keyboard"] is not True:
            raise invalid(f"{path}: remove_keyboard must be true")

    @staticmethod
    def _check_ForceReply(markup: dict[str, Any], path: str) -> None:
        if markup["force_reply"] is not True:
            raise invalid(f"{path}: force_reply must be true")
        _check_placeholder(markup, path)

    @staticmethod
    def _check_BotCommand(command: dict[str, Any], path: str) -> None:
        if not _COMMAND_RE.match(command["command"]):
            raise invalid("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise invalid("BOT_COMMAND_DESCRIPTION_INVALID")


def _check_placeholder(markup: dict[str, Any], path: str) -> None:
    """``input_field_placeholder``: 1-64 characters (spec)."""
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(placeholder) <= _MAX_PLACEHOLDER:
        raise invalid(f"{path}.input_field_placeholder must be 1-64 characters")

"""Generate the slim Bot API spec (``bot_api_methods.json``) used by the fake server.

The full machine-readable spec (PaulSonOfLars/telegram-bot-api-spec, MIT) is ~900 KB of
descriptions; the fake only needs parameter names, types and required flags, plus the
field lists of the object types it validates. Keeping a slim copy in the package means the
fake works without the reference checkout.

Usage: ``python -m devkit.fakeapi.specgen PATH_TO_api.json [OUTPUT]``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

#: Object types the validator checks field by field (their referenced types come along).
ROOT_TYPES: tuple[str, ...] = (
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "ReplyKeyboardMarkup",
    "KeyboardButton",
    "ReplyKeyboardRemove",
    "ForceReply",
    "BotCommand",
    "BotCommandScope",
    "MenuButton",
    "LinkPreviewOptions",
    "ReplyParameters",
    "MessageEntity",
    "InputMedia",
)

#: Referenced types that are not expanded further (accepted as any JSON object).
OPAQUE_TYPES: frozenset[str] = frozenset({"User", "InputFile"})

DEFAULT_OUTPUT = Path(__file__).with_name("bot_api_methods.json")

_DISCRIMINATOR_RE = re.compile(r"must be[\s\"“*]+([A-Za-z_]+)")
_SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "True"})


def _base_type(type_name: str) -> str:
    """Strip ``Array of`` prefixes so references can be followed."""
    while type_name.startswith("Array of "):
        type_name = type_name[len("Array of ") :]
    return type_name


def _slim_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep only what validation needs from a field list."""
    return [
        {"name": f["name"], "types": list(f["types"]), "required": bool(f["required"])}
        for f in fields
    ]


def _discriminator(type_spec: dict[str, Any]) -> str | None:
    """Find the ``type`` value a subtype must carry (e.g. ``chat`` for BotCommandScopeChat)."""
    for field in type_spec.get("fields", []):
        if field["name"] == "type":
            match = _DISCRIMINATOR_RE.search(field.get("description", ""))
            if match:
                return match.group(1)
    return None


def build_slim_spec(full: dict[str, Any]) -> dict[str, Any]:
    """Reduce the full spec to methods + the closure of :data:`ROOT_TYPES`."""
    all_types: dict[str, Any] = full["types"]
    methods = {
        name: {
            "returns": list(m.get("returns", [])),
            "fields": _slim_fields(m.get("fields", [])),
        }
        for name, m in sorted(full["methods"].items())
    }
    wanted: list[str] = list(ROOT_TYPES)
    types: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in types or name in _SCALARS or name not in all_types:
            continue
        spec = all_types[name]
        entry: dict[str, Any] = {"fields": _slim_fields(spec.get("fields", []))}
        subtypes = spec.get("subtypes") or []
        if subtypes:
            mapping: dict[str, str] = {}
            for sub in subtypes:
                value = _discriminator(all_types.get(sub, {}))
                if value is not None:
                    mapping[value] = sub
                wanted.append(sub)
            entry["subtypes"] = dict(sorted(mapping.items()))
        types[name] = entry
        if name in OPAQUE_TYPES:
            entry["fields"] = []
            entry["opaque"] = True
            continue
        for field in spec.get("fields", []):
            wanted.extend(_base_type(t) for t in field["types"])
    update_types = [f["name"] for f in all_types["Update"]["fields"] if f["name"] != "update_id"]
    return {
        "_source": (
            "Derived from PaulSonOfLars/telegram-bot-api-spec api.json (MIT License, "
            "(c) 2020 Paul Larsen) by devkit/fakeapi/specgen.py; do not edit by hand."
        ),
        "version": full.get("version", ""),
        "update_types": update_types,
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def render(slim: dict[str, Any]) -> str:
    """Serialise with one method/type per line: compact yet readable in diffs."""
    lines = ["{"]
    keys = list(slim)
    for index, key in enumerate(keys):
        value = slim[key]
        comma = "," if index < len(keys) - 1 else ""
        if isinstance(value, dict):
            lines.append(f" {json.dumps(key)}: {{")
            items = list(value.items())
            for sub_index, (name, entry) in enumerate(items):
                sub_comma = "," if sub_index < len(items) - 1 else ""
                dumped = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
                lines.append(f"  {json.dumps(name)}: {dumped}{sub_comma}")
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI entry: read the full spec, write the slim one."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m devkit.fakeapi.specgen PATH_TO_api.json [OUTPUT]", file=sys.stderr)
        return 2
    full = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    output = Path(args[1]) if len(args) > 1 else DEFAULT_OUTPUT
    slim = build_slim_spec(full)
    output.write_text(render(slim), encoding="utf-8")
    print(f"wrote {output}: {len(slim['methods'])} methods, {len(slim['types'])} types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

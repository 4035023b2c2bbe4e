"""Load the slim Bot API spec shipped in the package (see :mod:`devkit.fakeapi.specgen`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

SCALAR_TYPES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter/field: name, allowed type names, whether required."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: canonical name, return types, parameters by name."""

    name: str
    returns: tuple[str, ...]
    fields: dict[str, FieldSpec]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An object type: its fields, and for abstract types the ``type`` → subtype map."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: dict[str, str] = field(default_factory=dict)
    opaque: bool = False


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """The whole slim spec, with case-insensitive method lookup like Telegram's router."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]
    update_types: tuple[str, ...]
    _by_lower: dict[str, MethodSpec] = field(default_factory=dict)

    def method(self, name: str) -> MethodSpec | None:
        """Find a method ignoring case (``SendMessage`` == ``sendmessage``)."""
        return self._by_lower.get(name.lower())


def _fields(raw: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    return {f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw}


def parse_spec(data: dict[str, Any]) -> ApiSpec:
    """Build the typed spec from the slim JSON document."""
    methods = {
        name: MethodSpec(name, tuple(m["returns"]), _fields(m["fields"]))
        for name, m in data["methods"].items()
    }
    types = {
        name: TypeSpec(
            name,
            _fields(t.get("fields", [])),
            dict(t.get("subtypes", {})),
            bool(t.get("opaque", False)),
        )
        for name, t in data["types"].items()
    }
    return ApiSpec(
        version=data.get("version", ""),
        methods=methods,
        types=types,
        update_types=tuple(data.get("update_types", [])),
        _by_lower={name.lower(): m for name, m in methods.items()},
    )


@cache
def load_spec() -> ApiSpec:
    """Read ``bot_api_methods.json`` from the package once per process."""
    text = resources.files("devkit.fakeapi").joinpath("bot_api_methods.json").read_text("utf-8")
    return parse_spec(json.loads(text))

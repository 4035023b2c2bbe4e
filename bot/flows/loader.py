"""Loading questionnaire definitions from ``<flow_id>.v<version>.yaml`` files.

Loading happens once at start-up and must fail loudly: every problem becomes a
:class:`FlowDefinitionError` whose message names the file and, where possible, the question.
Drafts remember the version they started on, so the registry keeps every version it finds.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.flows.model import FlowDefinition, describe_location

__all__ = [
    "DEFAULT_DIRECTORY",
    "FlowDefinitionError",
    "FlowRegistry",
    "UnknownFlowError",
    "load_definition_file",
    "load_definitions",
    "parse_definition",
]

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "definitions"
FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.yaml$")


class FlowDefinitionError(Exception):
    """A definition file is missing, unreadable or invalid."""


class UnknownFlowError(KeyError):
    """No definition with this id (and version) was loaded."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown flow"


class _Loader(yaml.SafeLoader):
    """YAML 1.1 minus its surprises: only true/false are booleans (so ``id: no`` stays a
    string) and a repeated key is an error instead of silently winning."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys: set[Any] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class FlowRegistry:
    """All loaded definitions, by id and version."""

    def __init__(self, definitions: Iterable[FlowDefinition] = ()) -> None:
        self._flows: dict[str, dict[int, FlowDefinition]] = {}
        for definition in definitions:
            versions = self._flows.setdefault(definition.id, {})
            if definition.version in versions:
                raise FlowDefinitionError(
                    f"flow {definition.id!r} version {definition.version} is defined twice"
                )
            versions[definition.version] = definition

    def latest(self, flow_id: str) -> FlowDefinition:
        """The highest version of a flow: what new drafts start on."""
        versions = self._flows.get(flow_id)
        if not versions:
            raise UnknownFlowError(f"unknown flow {flow_id!r}")
        return versions[max(versions)]

    def get(self, flow_id: str, version: int) -> FlowDefinition:
        """A specific version: what an existing draft continues on."""
        try:
            return self._flows[flow_id][version]
        except KeyError:
            raise UnknownFlowError(f"unknown flow {flow_id!r} version {version}") from None

    def find(self, flow_id: str, version: int) -> FlowDefinition | None:
        """`get`, or None when that version is no longer loaded: a case's card still shows."""
        return self._flows.get(flow_id, {}).get(version)

    def versions(self, flow_id: str) -> list[int]:
        """Loaded versions of a flow, ascending (empty if unknown)."""
        return sorted(self._flows.get(flow_id, {}))

    def flow_ids(self) -> list[str]:
        """Ids of all loaded flows, sorted."""
        return sorted(self._flows)

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows

    def __iter__(self) -> Iterator[FlowDefinition]:
        for flow_id in self.flow_ids():
            for version in self.versions(flow_id):
                yield self._flows[flow_id][version]

    def __len__(self) -> int:
        return sum(len(versions) for versions in self._flows.values())


def parse_definition(data: Any, source: str = "<definition>") -> FlowDefinition:
    """Validate already-parsed YAML data; ``source`` (usually the file name) starts messages."""
    if not isinstance(data, Mapping):
        raise FlowDefinitionError(f"{source}: the file must contain a mapping (id, version, ...)")
    raw = dict(data)
    try:
        return FlowDefinition.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False):
            where = describe_location(raw, tuple(error["loc"]))
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
        raise FlowDefinitionError("\n".join(lines)) from None


def load_definition_file(path: str | Path) -> FlowDefinition:
    """Read and validate one file; its name must agree with its id and version."""
    path = Path(path)
    match = FILE_NAME.match(path.name)
    if match is None:
        raise FlowDefinitionError(
            f"{path}: the file name must be <flow_id>.v<version>.yaml, e.g. household.v1.yaml"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowDefinitionError(f"{path}: cannot read the file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # _Loader derives from SafeLoader
    except yaml.YAMLError as exc:
        raise FlowDefinitionError(f"{path}: invalid YAML: {exc}") from None
    definition = parse_definition(data, str(path))
    if definition.id != match["id"] or definition.version != int(match["version"]):
        raise FlowDefinitionError(
            f"{path}: the file says id {definition.id!r} version {definition.version}, "
            f"but its name says {match['id']!r} version {match['version']}"
        )
    return definition


def load_definitions(directory: str | Path | None = None) -> FlowRegistry:
    """Load every ``*.v<N>.yaml`` in ``directory`` (default: bot/flows/definitions/)."""
    folder = Path(directory) if directory is not None else DEFAULT_DIRECTORY
    if not folder.is_dir():
        raise FlowDefinitionError(f"{folder}: the definitions directory does not exist")
    stray = sorted(path.name for path in folder.glob("*.yml"))
    if stray:
        raise FlowDefinitionError(f"{folder}: rename to .yaml: {', '.join(stray)}")
    return FlowRegistry(load_definition_file(path) for path in sorted(folder.glob("*.yaml")))

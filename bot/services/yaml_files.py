"""Reading the bundled YAML data files (eligibility rules, business rules, occupations): the file
read and parsed, and pydantic's validation problems told as "where: what"."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


def read_yaml(source: Path, error: type[Exception], what: str) -> Any:
    """The parsed file; a missing or unreadable file or bad YAML raises `error` naming it."""
    try:
        return yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{source}: cannot read {what}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{source}: invalid YAML: {exc}") from exc


def describe(error: Mapping[str, Any]) -> str:
    """One validation problem as "where: what" (just "what" for the whole document)."""
    loc = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message

"""The curated occupation list (``data/occupations.yaml``) shared by requests and vacancies.

Job and internship requests and vacancies store occupation ids, and matching compares them, so
the list is data with stable ids; the labels are what people see in their language. The list is
validated when loaded (unique ids, all three labels) so a bad edit stops start-up, not a match.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.flows.model import LocalizedText
from bot.services.yaml_files import read_yaml

__all__ = [
    "DEFAULT_OCCUPATIONS_PATH",
    "OTHER",
    "Occupation",
    "OccupationList",
    "OccupationsConfigError",
    "label",
    "load_occupations",
    "occupation_ids",
]

DEFAULT_OCCUPATIONS_PATH = Path(__file__).parent / "data" / "occupations.yaml"

#: The choice id the flows add after the list for "something else" (typed as free text).
OTHER = "other"

OccupationId = Annotated[str, StringConstraints(pattern=r"^[a-z_]+$", max_length=20)]


class OccupationsConfigError(ValueError):
    """The occupations file is missing, unreadable or invalid; start-up should stop with this."""


class Occupation(BaseModel):
    """One occupation: a stable id and its name in the three languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: OccupationId
    label: LocalizedText


class OccupationList(BaseModel):
    """The whole file: occupations in display order, ids unique, "other" kept for the flows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    occupations: Annotated[list[Occupation], Field(min_length=1)]

    @field_validator("occupations")
    @classmethod
    def _unique_ids(cls, items: list[Occupation]) -> list[Occupation]:
        ids = [item.id for item in items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate occupation id(s): {', '.join(duplicates)}")
        if OTHER in ids:
            raise ValueError(f"{OTHER!r} is reserved for the flows' free-text choice")
        return items


def load_occupations(path: str | Path | None = None) -> tuple[Occupation, ...]:
    """The occupations in display order; the bundled file is read once per process."""
    if path is None:
        return _default()
    return _read(Path(path))


@cache
def _default() -> tuple[Occupation, ...]:
    return _read(DEFAULT_OCCUPATIONS_PATH)


def _read(source: Path) -> tuple[Occupation, ...]:
    raw = read_yaml(source, OccupationsConfigError, "occupations")
    try:
        return tuple(OccupationList.model_validate(raw).occupations)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {str(err['msg']).removeprefix('Value error, ')}"
            for err in exc.errors(include_url=False)
        )
        raise OccupationsConfigError(f"{source}: invalid occupations: {problems}") from exc


def occupation_ids() -> list[str]:
    """Ids of the bundled occupations, in display order."""
    return [item.id for item in load_occupations()]


def label(occupation_id: str, locale: str) -> str:
    """The occupation's name in ``locale`` (unknown locales fall back to Uzbek Latin).

    Raises KeyError for an unknown id: callers showing "other" use the typed free text instead.
    """
    for item in load_occupations():
        if item.id == occupation_id:
            return item.label.get(locale)
    raise KeyError(occupation_id)

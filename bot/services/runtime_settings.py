"""Targets and time limits an admin changes without a restart.

The configuration (`bot.config.Settings`) gives the defaults; rows of `setting_overrides`
override them. `effective()` returns the Settings every handler and scheduled job uses, each
value validated by the same pydantic constraints as the configuration. `SettingsCache` keeps
the effective Settings of one process for a few seconds, so an update costs no query and a
change made elsewhere (another worker, the command line) is seen within `ttl` seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import annotated_types
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from db.models import SettingOverride

# The keys an admin may change at run time, in the order they are shown.
KEYS: tuple[str, ...] = (
    "jobs_per_day_target",
    "jobs_per_month_target",
    "accept_within_days",
    "resolve_within_days",
)
CACHE_SECONDS = 5.0


class SettingError(ValueError):
    """A key that cannot be changed or a value out of range: one line for the person."""


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int


@dataclass(frozen=True)
class Current:
    """One key's effective value and where it comes from."""

    key: str
    value: int
    configured: int
    changed_by: str | None = None  # None: the configured value
    changed_at: dt.datetime | None = None

    @property
    def overridden(self) -> bool:
        return self.changed_by is not None


def bounds(key: str) -> Bounds:
    """The allowed range of a key, read from the Settings field's own constraints."""
    check_key(key)
    low, high = 0, 10**9
    for item in Settings.model_fields[key].metadata:
        if isinstance(item, annotated_types.Ge):
            low = int(item.ge)  # type: ignore[call-overload]
        elif isinstance(item, annotated_types.Le):
            high = int(item.le)  # type: ignore[call-overload]
    return Bounds(low, high)


def check_key(key: str) -> None:
    if key not in KEYS:
        raise SettingError(f"unknown setting {key!r}; settings: {', '.join(KEYS)}")


def parse(key: str, raw: object) -> int:
    """The value as the configuration would accept it, or SettingError naming the range."""
    check_key(key)
    field = Settings.model_fields[key]
    limit = bounds(key)
    text = str(raw).strip()
    if not text.lstrip("-").isdigit():
        raise SettingError(
            f"{key} must be a whole number from {limit.low} to {limit.high}, not {text!r}"
        )
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, *field.metadata])
        return int(adapter.validate_python(int(text)))
    except ValidationError:
        raise SettingError(
            f"{key} must be a whole number from {limit.low} to {limit.high}, not {text}"
        ) from None


def apply(base: Settings, values: dict[str, str]) -> Settings:
    """`base` with the overrides; a stored value that no longer validates is ignored."""
    update: dict[str, int] = {}
    for key, raw in values.items():
        try:
            update[key] = parse(key, raw)
        except SettingError:
            continue
    return base.model_copy(update=update) if update else base


async def _rows(session: AsyncSession) -> list[SettingOverride]:
    return list((await session.scalars(select(SettingOverride))).all())


async def effective(session: AsyncSession, base: Settings) -> Settings:
    return apply(base, {row.key: row.value for row in await _rows(session)})


async def load_effective(sessions: async_sessionmaker[AsyncSession], base: Settings) -> Settings:
    """The effective Settings read now (a scheduled job at its start, the command line)."""
    async with sessions() as session:
        return await effective(session, base)


async def describe(session: AsyncSession, base: Settings) -> list[Current]:
    """Every changeable key: effective value, configured value, who changed it and when."""
    rows = {row.key: row for row in await _rows(session)}
    out = []
    for key in KEYS:
        configured = int(getattr(base, key))
        row = rows.get(key)
        try:
            value = parse(key, row.value) if row is not None else None
        except SettingError:
            value = None  # a stored value that no longer validates is ignored (see apply)
        if row is None or value is None:
            out.append(Current(key, configured, configured))
        else:
            out.append(Current(key, value, configured, row.changed_by, row.changed_at))
    return out


async def set_value(
    session: AsyncSession, key: str, raw: object, who: str, now: dt.datetime
) -> int:
    """Store an override (not committed); returns the validated value."""
    value = parse(key, raw)
    row = await session.get(SettingOverride, key)
    if row is None:
        session.add(SettingOverride(key=key, value=str(value), changed_by=who, changed_at=now))
    else:
        row.value, row.changed_by, row.changed_at = str(value), who, now
    await session.flush()
    return value


async def change(session: AsyncSession, key: str, raw: object, who: str, now: dt.datetime) -> int:
    """Store an override and commit, so other workers see it before the admin is answered."""
    value = await set_value(session, key, raw, who, now)
    await session.commit()
    return value


async def restore(session: AsyncSession, key: str) -> bool:
    """Back to the configured value and commit, before the admin is answered."""
    removed = await reset(session, key)
    await session.commit()
    return removed


async def reset(session: AsyncSession, key: str) -> bool:
    """Back to the configured value (not committed); False when it was not overridden."""
    check_key(key)
    result = await session.execute(delete(SettingOverride).where(SettingOverride.key == key))
    return bool(result.rowcount)  # type: ignore[attr-defined]


class SettingsCache:
    """The effective Settings of one process, re-read at most every `ttl` seconds."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        base: Settings,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.base = base
        self.ttl = ttl
        self._clock = clock
        self._value: Settings | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Forget the cached value (this process just changed a setting)."""
        self._value = None

    async def get(self, session: AsyncSession | None = None) -> Settings:
        """The cached value, re-read when older than `ttl`.

        Inside an update pass the update's `session`: the re-read then uses the connection the
        update already holds. Opening a second one while holding the first is how a burst of
        updates used to exhaust the pool, each holding one connection and waiting for another.
        """
        value = self._value
        if value is not None and self._clock() - self._read_at < self.ttl:
            return value
        if session is not None:
            fresh = await effective(session, self.base)
            self._value, self._read_at = fresh, self._clock()
            return fresh
        async with self._lock:
            if self._value is not None and self._clock() - self._read_at < self.ttl:
                return self._value
            fresh = await load_effective(self.sessions, self.base)
            self._value, self._read_at = fresh, self._clock()
            return fresh

"""Settings read from the environment and `.env`.

One place defines every knob. A bad value stops start-up with one line that names the setting
(see `load_settings`), because operators read that line, not a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from bot.services.cases import Limits

LOCALES: tuple[str, ...] = ("uz", "uz_Cyrl", "ru")
LocaleCode = Literal["uz", "uz_Cyrl", "ru"]


#: What BotFather gives: the bot's numeric id, a colon, then letters, digits, _ and -.
TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")
#: Telegram's rule for a webhook's secret_token.
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
USERNAME_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """Raised with a single human-readable line naming the bad setting."""


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


def _parse_time(value: object) -> object:
    if isinstance(value, str):
        return dt.time.fromisoformat(value.strip())
    return value


class Settings(BaseSettings):
    """All configuration; names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    bot_username: str | None = None
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    # Database connections per process, and how long (seconds) an update may wait for one.
    db_pool_size: int = Field(default=10, ge=3, le=200)
    db_pool_timeout: float = Field(default=10.0, gt=0, le=300)
    telegram_api_url: str | None = None
    redis_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Tashkent"
    default_locale: LocaleCode = "uz"

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # False (default): answer Telegram's POST after the update is handled, so an update whose
    # worker died is delivered again. True answers at once and loses it on a crash.
    webhook_in_background: bool = False
    # GET /metrics: on the webhook port in webhook mode; in polling mode a server of its own
    # here (0: none). Loopback by default: metrics are for the operator's scraper only.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    # How often a worker that is not the leader tries to take over scheduled work.
    leader_retry_seconds: float = Field(default=5.0, gt=0, le=300)

    # Scheduled work (local times in TIMEZONE).
    morning_reminder_at: Annotated[dt.time, NoDecode] = dt.time(9, 0)
    evening_nudge_at: Annotated[dt.time, NoDecode] = dt.time(17, 0)
    digest_at: Annotated[dt.time, NoDecode] = dt.time(8, 30)
    quiet_from: Annotated[dt.time, NoDecode] = dt.time(21, 0)
    quiet_to: Annotated[dt.time, NoDecode] = dt.time(8, 0)

    # Targets and time limits.
    jobs_per_day_target: int = Field(default=1, ge=0, le=1000)
    jobs_per_month_target: int = Field(default=30, ge=0, le=30000)
    accept_within_days: int = Field(default=1, ge=1, le=60)
    resolve_within_days: int = Field(default=10, ge=1, le=365)
    # Moving public holidays and extra days off (ISO dates, comma-separated), on top of the
    # fixed ones built into services/workdays.py.
    holidays: Annotated[list[dt.date], NoDecode] = Field(default_factory=list)

    # Flood control per user: at most `throttle_rate` updates in `throttle_window` seconds.
    throttle_rate: int = Field(default=20, ge=1)
    throttle_window: float = Field(default=10.0, gt=0)
    # The same button of the same screen pressed again within this many seconds is one tap.
    double_tap_window: float = Field(default=1.0, ge=0, le=10)
    invite_valid_days: int = Field(default=7, ge=1, le=90)
    consent_version: int = Field(default=1, ge=1)

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for collectors
    # uvloop where it is installed (bot/event_loop.py); "asyncio" for asyncio's own loop.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    log_sql: bool = False  # every SQL statement (never its parameters), for debugging

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator(
        "morning_reminder_at",
        "evening_nudge_at",
        "digest_at",
        "quiet_from",
        "quiet_to",
        mode="before",
    )
    @classmethod
    def _times(cls, value: object) -> object:
        return _parse_time(value)

    @field_validator("bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        name = value.strip().removeprefix("@")
        if not USERNAME_SHAPE.fullmatch(name):
            raise ValueError("a bot's username: 5-32 letters, digits or _, ending in 'bot'")
        return name

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        token = value.get_secret_value().strip()
        if not TOKEN_SHAPE.fullmatch(token):
            raise ValueError("not a bot token (it looks like 123456789:AA…, from @BotFather)")
        return SecretStr(token)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("use 1-256 characters: letters A-Z a-z, digits, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("telegram_api_url", "webhook_url", "redis_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and "://" not in value:
            raise ValueError(f"{value!r} is not a URL")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> dt.date:
        """Today's date where the service works (Asia/Tashkent by default), not in UTC: the
        two differ from midnight to five in the morning."""
        return dt.datetime.now(self.tz).date()

    def limits(self) -> Limits:
        """Case time limits with this deployment's calendar."""
        from bot.services.cases import Limits
        from bot.services.workdays import WorkCalendar

        return Limits(
            accept_days=self.accept_within_days,
            resolve_days=self.resolve_within_days,
            calendar=WorkCalendar.from_dates(self.holidays),
            tz=self.tz,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def token(self) -> str:
        """The bot token, or a ConfigError telling the operator how to get one."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError(
                "BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), "
                "then put BOT_TOKEN=<token> in .env or the environment "
                "(or try it without Telegram: python -m bot sandbox)."
            )
        return self.bot_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning a validation error into one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "configuration"
        message = first.get("msg", "invalid value").removeprefix("Value error, ")
        raise ConfigError(f"Invalid setting {name}: {message}") from None

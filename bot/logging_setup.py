"""Logs an operator can read: one line per update at INFO, SQL only when asked for, JSON lines
for log collectors, and no phone numbers whatever a library prints.

At INFO the bot logs start-up, shutdown, leader changes, scheduled job runs and failures, and
one line per update (aiogram's "Update id=… is handled. Duration … ms"). `LOG_SQL=true` adds
every SQL statement (never its parameters: the engine hides them), for debugging.

The phone mask knows phone shapes, not "any long number": it masks `+` followed by digits (with
spaces, dashes or brackets), Uzbek numbers written with the country code `998` (12 digits), and
local ones written in groups ("90 123 45 67", "(90) 123-45-67"). Bare ids (users, chats, updates,
callback queries) stay as they are, so a log line can still be traced.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d \-()]{6,}\d"  # international, with a plus
    r"|998[ \-()]*(?:\d[ \-()]*){8}\d"  # Uzbek with the country code, no plus
    r"|\(?\d{2}\)?[ \-]\d{3}[ \-]\d{2}[ \-]\d{2}"  # local, in groups
    r")(?![\w])"
)

QUIET_LOGGERS = (
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiohttp.access",
    "apscheduler",  # "Added job", "Running job": our scheduler logs each run's result itself
)


def redact(text: str) -> str:
    return _PHONE.sub("<phone>", text)


class RedactPhones(logging.Filter):
    """Mask anything shaped like a phone number in the final log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class _RedactedText(logging.Formatter):
    def formatException(self, ei: object) -> str:
        return redact(super().formatException(ei))  # type: ignore[arg-type]


def setup_logging(level: str = "INFO", fmt: str = "text", sql: bool = False) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(_RedactedText("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactPhones())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # SQLAlchemy's engine logger at INFO *is* echo (every statement): off unless asked for.
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if sql:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)

"""Logging that keeps phone numbers out of the logs, whatever a library prints."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+?\d[\d \-()]{8,}\d")


class RedactPhones(logging.Filter):
    """Mask anything that looks like a phone number in the final log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _PHONE.sub("<phone>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactPhones())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # These log SQL with its parameters at DEBUG (names, phone numbers): never below INFO.
    for noisy in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))

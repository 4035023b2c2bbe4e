"""Logs an operator can read: phones masked but ids kept, JSON lines, and at INFO one line per
update and no SQL (SQL only with LOG_SQL)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logging_setup import JsonLines, redact, setup_logging
from tests.support.flows import register

pytestmark_db = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    "text",
    [
        "update 424200000001 handled",
        "user 123456789 over the flood limit",
        "bot id=4242",
        "chat -1001234567890",
        "case 17 accepted by 5012345678",
        "outbox row 998 refused",
        "2026-12-05 09:05:00",
    ],
)
def test_ids_and_dates_are_left_alone(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "phone",
    [
        "+998 90 123 45 67",
        "+998901234567",
        "998901234567",
        "998 90 123-45-67",
        "(90) 123-45-67",
        "90 123 45 67",
        "+7 (912) 345-67-89",
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert redact(f"contact {phone} saved") == "contact <phone> saved"


def test_json_lines_are_one_object_each() -> None:
    record = logging.LogRecord(
        "bot.x", logging.ERROR, __file__, 1, "update %s: %s", (7, "oops"), None
    )
    try:
        raise ValueError("tel +998901234567")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonLines().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.x"
    assert entry["message"] == "update 7: oops"
    assert "ValueError" in entry["exception"] and "998901234567" not in entry["exception"]


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def operator_logging(request: pytest.FixtureRequest) -> Iterator[_Keep]:
    """The bot's own logging set-up (as `python -m bot run` does), restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    names = ("sqlalchemy.engine", "aiosqlite", "asyncpg", "sqlalchemy.pool", "aiohttp.access")
    levels = {name: logging.getLogger(name).level for name in names}
    setup_logging(*request.param)
    keep = _Keep()
    root.addHandler(keep)
    yield keep
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytestmark_db
@pytest.mark.parametrize("operator_logging", [("INFO", "text", False)], indirect=True)
async def test_a_conversation_at_info_is_one_line_per_update(
    harness: Any, operator_logging: _Keep
) -> None:
    user = harness.user(6301, first_name="Ali", language_code="uz")
    await register(harness, user)
    updates = len(harness.fake.core.delivered)
    lines = [r for r in operator_logging.records if r.levelno >= logging.INFO]
    assert not [r for r in lines if r.name.startswith("sqlalchemy")], "SQL at INFO"
    per_update = [r for r in lines if r.name.startswith(("bot", "aiogram.event", "scheduler"))]
    assert len(per_update) <= updates, [r.getMessage() for r in per_update]
    assert not any("Ali Valiyev" in r.getMessage() for r in operator_logging.records)


@pytestmark_db
@pytest.mark.parametrize("operator_logging", [("DEBUG", "text", True)], indirect=True)
async def test_sql_is_logged_when_asked_for(harness: Any, operator_logging: _Keep) -> None:
    user = harness.user(6302, first_name="Ali", language_code="uz")
    await user.send("/start")
    sql = [r for r in operator_logging.records if r.name.startswith("sqlalchemy.engine")]
    assert any("SELECT" in r.getMessage() for r in sql)

"""Every invalid setting stops start-up with one line that names it (exit code 2), a malformed
BOT_TOKEN included; webhook mode without WEBHOOK_SECRET too. In-process, through the same
`main()` that `python -m bot` runs, plus one real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings

GOOD_TOKEN = "4242:TEST-token"
# (setting, a bad value) for every setting in the README's configuration table, and the rest.
BAD = [
    ("BOT_TOKEN", "not-a-token"),
    ("BOT_TOKEN", "4242"),
    ("BOT_USERNAME", "has space"),
    ("DATABASE_URL", "mysql://root@localhost/bot"),
    ("DB_POOL_SIZE", "1"),
    ("DB_POOL_TIMEOUT", "0"),
    ("TELEGRAM_API_URL", "localhost"),
    ("REDIS_URL", "redis-host"),
    ("ADMIN_IDS", "12,abc"),
    ("TIMEZONE", "Mars/Olympus"),
    ("DEFAULT_LOCALE", "en"),
    ("WEBHOOK_URL", "bot.example.uz/hook"),
    ("WEBHOOK_SECRET", "has spaces!"),
    ("WEBHOOK_PORT", "70000"),
    ("WEBHOOK_IN_BACKGROUND", "maybe"),
    ("LEADER_RETRY_SECONDS", "0"),
    ("MORNING_REMINDER_AT", "25:00"),
    ("EVENING_NUDGE_AT", "evening"),
    ("DIGEST_AT", "8.30"),
    ("EVENT_LOOP", "tokio"),
    ("QUIET_FROM", "21:75"),
    ("QUIET_TO", "-1:00"),
    ("JOBS_PER_DAY_TARGET", "-1"),
    ("JOBS_PER_MONTH_TARGET", "many"),
    ("ACCEPT_WITHIN_DAYS", "0"),
    ("RESOLVE_WITHIN_DAYS", "1000"),
    ("HOLIDAYS", "2026-13-01"),
    ("INVITE_VALID_DAYS", "0"),
    ("CONSENT_VERSION", "0"),
    ("THROTTLE_RATE", "0"),
    ("THROTTLE_WINDOW", "-5"),
    ("DOUBLE_TAP_WINDOW", "-1"),
    ("LOG_LEVEL", "LOUD"),
    ("LOG_FORMAT", "xml"),
    ("LOG_SQL", "sometimes"),
    ("METRICS_PORT", "99999"),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no .env, no settings from the machine."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9")  # never Telegram from a test


def test_every_setting_in_the_table_is_covered() -> None:
    covered = {name for name, _ in BAD}
    free_text = {"METRICS_HOST", "WEBHOOK_HOST"}  # any host name or address
    assert covered >= {name.upper() for name in Settings.model_fields} - free_text


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v}" for n, v in BAD])
def test_an_invalid_setting_stops_start_up_with_one_line(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert name in err, err


def test_webhook_mode_needs_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.uz/tg/webhook")
    assert main(["run", "--webhook"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "WEBHOOK_SECRET" in err, err


def test_the_real_command_line_says_it_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(BOT_TOKEN="not-a-token", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0], done.stderr

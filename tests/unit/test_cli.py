"""The operator's command line: one clear line and exit code 2 for anything wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    full_env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "ADMIN_IDS")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def workdir(tmp_path: Path, sqlite_template: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bot.db").write_bytes(sqlite_template.read_bytes())
    return tmp_path


def test_run_without_token_says_how_to_get_one(workdir: Path) -> None:
    result = run("run", cwd=workdir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DIGEST_AT": "25:99"}, "DIGEST_AT"),
    ],
)
def test_invalid_setting_is_one_line_naming_it(
    workdir: Path, env: dict[str, str], setting: str
) -> None:
    result = run("admin", "places", env=env, cwd=workdir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ("admin", "invite"),
        ("admin", "invite", "supervisor"),
        ("admin", "frobnicate"),
        ("admin", "places", "--region"),
        ("admin", "invite", "assistant", "--mahalla", "999-9999"),
        ("admin", "invite", "supervisor", "--region", "1799"),
        ("admin", "import-mahallas", "no-such-file.csv"),
        ("admin", "places", "--district", "1"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(workdir: Path, args: tuple[str, ...]) -> None:
    result = run(*args, env={"BOT_USERNAME": "mahalla_test_bot"}, cwd=workdir)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_import_mahallas_and_invite(workdir: Path) -> None:
    csv = workdir / "m.csv"
    csv.write_text(
        "code,district_soato,name_uz,name_uz_cyrl,name_ru\n"
        "18050001,1710207,Navbahor MFY,,\n"
        "18050002,9999999,Bad district MFY,,\n"
        "18050003,1710207,,,\n",
        encoding="utf-8",
    )
    first = run("admin", "import-mahallas", str(csv), cwd=workdir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "added 1, updated 0, unchanged 0, rejected 2"
    assert "line 3: district SOATO '9999999' is unknown" in first.stdout
    assert "line 4: name_uz is empty" in first.stdout
    again = run("admin", "import-mahallas", str(csv), cwd=workdir)
    assert again.stdout.splitlines()[0] == "added 0, updated 0, unchanged 1, rejected 2"

    listed = run("admin", "places", "--district", "1710207", "--json", cwd=workdir)
    assert '"code": "18050001"' in listed.stdout
    invite = run(
        "admin",
        "invite",
        "assistant",
        "--mahalla",
        "18050001",
        env={"BOT_USERNAME": "mahalla_test_bot"},
        cwd=workdir,
    )
    assert invite.returncode == 0
    assert invite.stdout.startswith("https://t.me/mahalla_test_bot?start=inv_")

    bad_header = workdir / "bad.csv"
    bad_header.write_text("kod,nomi\n1,2\n", encoding="utf-8")
    result = run("admin", "import-mahallas", str(bad_header), cwd=workdir)
    assert result.returncode == 2 and "missing column" in result.stderr

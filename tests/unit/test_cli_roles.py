"""`python -m bot admin grant|revoke …`: one clear line and exit code 2 for anything wrong."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.unit.test_cli import run, workdir  # noqa: F401 - the fixture is used by name

CHILONZOR_MAHALLA = "103-0104"


def _add_user(workdir: Path, telegram_id: int) -> None:  # noqa: F811
    """A user row in the test database, as if they had pressed /start."""
    from db.models import User
    from db.session import create_engine, create_session_factory

    async def add() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'data' / 'bot.db'}")
        async with create_session_factory(engine)() as session:
            session.add(User(telegram_id=telegram_id, locale="uz"))
            await session.commit()
        await engine.dispose()

    asyncio.run(add())


@pytest.mark.parametrize(
    "args",
    [
        ("admin", "grant"),
        ("admin", "grant", "assistant", "--user", "777"),
        ("admin", "grant", "assistant", "--user", "abc", "--mahalla", CHILONZOR_MAHALLA),
        ("admin", "grant", "assistant", "--user", "777", "--mahalla", "999-9999"),
        ("admin", "grant", "assistant", "--user", "12345", "--mahalla", CHILONZOR_MAHALLA),
        ("admin", "grant", "supervisor", "--user", "777"),
        ("admin", "grant", "supervisor", "--user", "777", "--region", "1726", "--country"),
        ("admin", "grant", "supervisor", "--user", "777", "--district", "1"),
        ("admin", "grant", "supervisor", "--user", "777", "--region", "1799"),
        ("admin", "revoke", "admin", "--user", "777"),
        ("admin", "revoke", "assistant"),
        ("admin", "revoke", "assistant", "--user", "777"),  # not an assistant
        ("admin", "revoke", "supervisor", "--user", "12345"),  # no such user
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(workdir: Path, args: tuple[str, ...]) -> None:  # noqa: F811
    _add_user(workdir, 777)
    result = run(*args, cwd=workdir)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_grant_and_revoke(workdir: Path) -> None:  # noqa: F811
    _add_user(workdir, 777)
    granted = run(
        "admin", "grant", "assistant", "--user", "777", "--mahalla", CHILONZOR_MAHALLA, cwd=workdir
    )
    assert granted.returncode == 0, granted.stderr
    assert granted.stdout.startswith("granted:")
    again = run(
        "admin", "grant", "assistant", "--user", "777", "--mahalla", CHILONZOR_MAHALLA, cwd=workdir
    )
    assert again.stdout.startswith("already:")
    sup = run("admin", "grant", "supervisor", "--user", "777", "--district", "1726294", cwd=workdir)
    assert sup.returncode == 0, sup.stderr
    listed = json.loads(run("admin", "users", "--role", "supervisor", "--json", cwd=workdir).stdout)
    assert [row["telegram_id"] for row in listed] == [777]
    assert listed[0]["mahallas"] == [CHILONZOR_MAHALLA]
    assert listed[0]["scopes"] == ["district:1726294"]
    for role in ("assistant", "supervisor"):
        revoked = run("admin", "revoke", role, "--user", "777", cwd=workdir)
        assert revoked.returncode == 0 and revoked.stdout.startswith("revoked:")
    listed = json.loads(run("admin", "users", "--json", cwd=workdir).stdout)
    assert listed[0]["roles"] == ["citizen"]

"""Online backups of the SQLite database while it is written to, and restoring one."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.__main__ import main
from db.backup import BackupError, backup, check, restore
from db.models import Case
from tests.support.factories import make_case, make_user

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_a_backup_during_a_stream_of_writes_holds_everything_committed_before(
    sessions: Any, db_url: str, tmp_path: Path
) -> None:
    async with sessions() as session:
        citizen = await make_user(session, 50_001)
        for _ in range(30):
            await make_case(session, citizen)
        before = set(await session.scalars(select(Case.id)))
    writing = True

    async def writer() -> int:
        made = 0
        async with sessions() as session:
            while writing:
                await make_case(session, citizen)  # each one committed
                made += 1
                await asyncio.sleep(0)
        return made

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    target = tmp_path / "copy.db"
    copy = await asyncio.to_thread(backup, db_url, target)
    await asyncio.sleep(0.05)
    writing = False
    made = await task
    assert made > 0  # the bot kept writing during the backup
    users, cases = check(target)  # opens, passes integrity_check, is our database
    assert users >= 1 and cases == copy.cases >= len(before)
    with sqlite3.connect(target) as connection:
        ids = {row[0] for row in connection.execute("SELECT id FROM cases")}
    assert before <= ids
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob(".*partial")))


def test_restore_brings_a_backup_back_and_keeps_the_old_database(
    db_url: str, tmp_path: Path
) -> None:
    live = Path(db_url.split("///", 1)[1])
    saved = tmp_path / "saved.db"
    backup(db_url, saved)
    with sqlite3.connect(live) as connection:
        connection.execute("DELETE FROM regions")  # something goes wrong after the backup
    print(restore(db_url, saved))
    with sqlite3.connect(live) as connection:
        assert connection.execute("SELECT count(*) FROM regions").fetchone()[0] == 14
    kept = list(live.parent.glob("bot.db.before-restore-*"))
    assert len(kept) == 1
    with sqlite3.connect(kept[0]) as connection:
        assert connection.execute("SELECT count(*) FROM regions").fetchone()[0] == 0


def test_a_damaged_or_foreign_file_is_refused(db_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError, match="not a database"):
        restore(db_url, junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not a Mahalla Yordamchi database"):
        restore(db_url, other)


def test_a_busy_database_is_not_restored_over(db_url: str, tmp_path: Path) -> None:
    saved = tmp_path / "saved.db"
    backup(db_url, saved)
    live = Path(db_url.split("///", 1)[1])
    locked = threading.Event()
    release = threading.Event()

    def bot_writing() -> None:
        connection = sqlite3.connect(live, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(10)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=bot_writing)
    thread.start()
    locked.wait(5)
    try:
        with pytest.raises(BackupError, match="stop the bot"):
            restore(db_url, saved)
    finally:
        release.set()
        thread.join()


def test_the_command_line(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    target = tmp_path / "nightly.db"
    assert main(["admin", "backup", str(target)]) == 0
    assert "users" in capsys.readouterr().out and target.is_file()
    assert main(["admin", "backup", str(target)]) == 2  # exists: not overwritten
    assert "--force" in capsys.readouterr().err
    assert main(["admin", "backup", str(target), "--force"]) == 0
    capsys.readouterr()
    assert main(["admin", "restore", str(target)]) == 2  # needs --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["admin", "restore", str(target), "--yes"]) == 0
    assert "restored" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://mahalla@db.internal/mahalla")
    assert main(["admin", "backup", str(tmp_path / "pg.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert "pg_dump" in err and "\n" not in err

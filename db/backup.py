"""Online backups of the SQLite database, and restoring one (with the bot stopped).

A backup uses SQLite's backup API: pages are copied a batch at a time, with short pauses, so the
running bot's writers wait at most a moment; the copy is one consistent snapshot of the database
(a write committed while it runs makes the copy start again, so every transaction committed
before the backup began is in it). It is written beside the target under a temporary name and
renamed when complete, so a half-written backup never carries the final name.

PostgreSQL has its own tools (`pg_dump` / `pg_restore`, see the README).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256
PAUSE = 0.005  # seconds between batches: the bot's writers get their turn


class BackupError(Exception):
    """One line for the operator."""


@dataclass(frozen=True)
class Copy:
    path: Path
    size: int
    users: int
    cases: int

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.size / 1_048_576:.1f} MB, {self.users} users, {self.cases} cases"
        )


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        raise BackupError(
            "this database is PostgreSQL: back it up with pg_dump, e.g. "
            f"pg_dump -Fc -h {url.host or 'localhost'} -U {url.username or 'postgres'} "
            f"-f mahalla.dump {url.database} (see the README)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names no database file")
    return Path(url.database)


def _figures(connection: sqlite3.Connection) -> tuple[int, int]:
    users = connection.execute("SELECT count(*) FROM users").fetchone()[0]
    cases = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    return int(users), int(cases)


def check(path: Path) -> tuple[int, int]:
    """Opens, passes `PRAGMA integrity_check`, and is this bot's database: (users, cases)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"{path}: damaged ({result})")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "users", "cases"} <= tables:
                raise BackupError(f"{path}: not a Mahalla Yordamchi database")
            return _figures(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a database ({exc})") from None


def backup(database_url: str, target: Path, *, force: bool = False) -> Copy:
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"{source}: no database there yet")
    if target.exists() and not force:
        raise BackupError(f"{target} exists: choose another name or add --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(partial) as copy:
        live.backup(copy, pages=PAGES_PER_STEP, sleep=PAUSE)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    with sqlite3.connect(partial) as connection:
        users, cases = _figures(connection)
    os.replace(partial, target)
    return Copy(target, target.stat().st_size, users, cases)


def restore(database_url: str, backup_file: Path) -> str:
    """Put `backup_file` in place of the database; the current one is kept beside it."""
    target = sqlite_path(database_url)
    users, cases = check(backup_file)
    if target.exists():
        _refuse_if_in_use(target)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        with sqlite3.connect(target) as live, sqlite3.connect(kept) as copy:
            live.backup(copy)
    else:
        kept = None
        target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(backup_file, partial)
    os.replace(partial, target)
    before = f"; the previous database is kept as {kept}" if kept else ""
    return f"restored {backup_file} ({users} users, {cases} cases) into {target}{before}"


def _refuse_if_in_use(path: Path) -> None:
    """A running bot holds the database open; an exclusive lock then cannot be had at once."""
    connection = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        started = time.monotonic()
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError:
        waited = time.monotonic() - started
        raise BackupError(
            f"{path} is in use (locked for {waited:.1f}s): stop the bot before restoring"
        ) from None
    finally:
        connection.close()

"""The one-hop SQLite cursor (db/sqlite_one_hop.py) behaves like SQLAlchemy's own: rows, row
counts, last row ids, many-row inserts and errors, with one trip to aiosqlite's thread each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from db.session import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hop.db'}")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_statements_behave_as_before_in_one_hop_each(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", "?"))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with engine.connect() as conn:
        hops.clear()
        inserted = await conn.execute(sa.text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        assert hops == ["_run"]  # was: cursor, execute, close
        many = await conn.execute(
            sa.text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        assert many.rowcount == 2
        changed = await conn.execute(sa.text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        hops.clear()
        rows = (await conn.execute(sa.text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
        assert hops == ["_run"]  # was: cursor, execute, fetchall, close
        keys = (await conn.execute(sa.text("SELECT name FROM t WHERE id = 1"))).keys()
        assert list(keys) == ["name"]
        assert (await conn.execute(sa.text("SELECT name FROM t WHERE id = 9"))).first() is None
        await conn.commit()
        with pytest.raises(IntegrityError):
            await conn.execute(sa.text("INSERT INTO t (name) VALUES ('a')"))
        await conn.rollback()
        assert (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar() == 3


async def test_streamed_results_keep_sqlalchemys_cursor(engine: Any) -> None:
    async with engine.connect() as conn:
        await conn.execute(sa.text("INSERT INTO t (name) VALUES ('x'), ('y')"))
        streamed = await conn.stream(sa.text("SELECT name FROM t ORDER BY name"))
        assert [row.name async for row in streamed] == ["x", "y"]

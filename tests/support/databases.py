"""Test databases: a migrated template made once, copied per test (file copy or PG TEMPLATE)."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.bootstrap import prepare_database


async def prepare_sqlite_template(path: Path) -> None:
    await prepare_database(f"sqlite+aiosqlite:///{path}")


def _pg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_pg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def prepare_pg_template(url: str, name: str) -> None:
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    await prepare_database(_with_database(url, name))


async def make_pg_database(url: str, template: str, name: str) -> str:
    await _admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _with_database(url, name)


async def drop_pg_database(url: str, name: str) -> None:
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Bring a database to the current schema and reference data (start-up and `db upgrade`)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from bot.services import registry
from db.migrate import upgrade
from db.models import utcnow
from db.session import create_engine, create_session_factory

MIGRATION_LOCK = 0x6D69_6772  # "migr": workers starting together migrate one at a time


async def prepare_database(url: str, *, demo_places: bool = True) -> None:
    """Migrate to head, load regions and districts, and the demo mahallas on a new install."""
    if url.startswith("postgresql"):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            await _prepare(url, demo_places)
        finally:
            await connection.close()  # closing the connection frees the lock
        return
    await _prepare(url, demo_places)


async def _prepare(url: str, demo_places: bool) -> None:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await registry.sync_reference_data(session)
            if demo_places:
                await registry.import_demo_if_empty(session, utcnow())
    finally:
        await engine.dispose()

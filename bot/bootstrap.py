"""Bring a database to the current schema and reference data (start-up and `db upgrade`)."""

from __future__ import annotations

from bot.services import registry
from db.migrate import upgrade
from db.models import utcnow
from db.session import create_engine, create_session_factory


async def prepare_database(url: str, *, demo_places: bool = True) -> None:
    """Migrate to head, load regions and districts, and the demo mahallas on a new install."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await registry.sync_reference_data(session)
            if demo_places:
                await registry.import_demo_if_empty(session, utcnow())
    finally:
        await engine.dispose()

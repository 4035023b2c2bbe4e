"""Shared bits of the benchmark scripts: the machine description and a prepared database."""

from __future__ import annotations

import os
import platform
import resource
import tempfile
from pathlib import Path

from bot.bootstrap import prepare_database


def machine() -> str:
    """One line naming the machine, so figures can be compared across runs."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return (
        f"machine: {platform.node()} · {os.cpu_count()} cores · {cpu} · {memory} RAM · "
        f"Python {platform.python_version()} · {platform.system()} {platform.release()}"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def fresh_database(url: str | None) -> str:
    """The given URL (already migrated here), or a new SQLite file in a temporary folder."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="mahalla-bench-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await prepare_database(url)
    return url


async def seed_citizens(url: str, count: int, first_id: int) -> None:
    """`count` registered citizens of one mahalla, Telegram ids from `first_id` on."""
    from db.models import User, utcnow
    from db.session import create_engine, create_session_factory

    engine = create_engine(url)
    now = utcnow()
    async with create_session_factory(engine)() as session:
        session.add_all(
            User(
                telegram_id=first_id + index,
                locale="uz",
                locale_confirmed=True,
                name=f"Citizen {index}",
                phone=f"+99890{index:07d}",
                birth_year=1980,
                gender="m",
                mahalla_code="103-0104",
                consent_version=1,
                consent_at=now,
                registered_at=now,
            )
            for index in range(count)
        )
        await session.commit()
    await engine.dispose()

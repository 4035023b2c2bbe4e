"""A running sandbox per test: emulator + real bot + demo data (seeded once per session)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from db.models import utcnow
from db.session import create_engine, create_session_factory
from devkit.sandbox import Sandbox
from devkit.sandbox.seed import seed_demo
from devkit.sandbox.tasks import JobControl
from tests.conftest import run_in_thread


def sandbox_settings() -> Settings:
    # Tests act faster than people: no per-user throttle getting in the way.
    return Settings(_env_file=None, throttle_rate=10_000)  # type: ignore[call-arg]


async def _seed(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with create_session_factory(engine)() as session:
            await seed_demo(session, sandbox_settings(), utcnow())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def seeded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated template with the demo district in it (seeding costs about a second)."""
    path = tmp_path_factory.mktemp("sandbox") / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    run_in_thread(_seed, path)
    return path


async def start_sandbox(
    template: Path, tmp_path: Path, jobs: JobControl | None = None, **kwargs: object
) -> Sandbox:
    database = tmp_path / "sandbox.db"
    shutil.copyfile(template, database)
    kwargs.setdefault("emulate_limits", False)  # tests act far faster than people tap
    kwargs.setdefault("schedule", False)  # jobs run when a test says so, not by the clock
    sandbox = Sandbox(
        sandbox_settings(),
        database=database,
        fresh=False,
        jobs=jobs or JobControl(("morning_reminder",), reason="no scheduler in this test"),
        **kwargs,  # type: ignore[arg-type]
    )
    await sandbox.start()
    return sandbox


@pytest.fixture
async def sandbox(seeded_template: Path, tmp_path: Path) -> AsyncIterator[Sandbox]:
    box = await start_sandbox(seeded_template, tmp_path)
    yield box
    await box.stop()

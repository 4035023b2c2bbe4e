"""`python -m bot admin settings|set|announce` and bad arguments of every admin command: one
clear line on stderr and exit code 2."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_cli import run, workdir  # noqa: F401 - the fixture is used by name

CHILONZOR = "1726294"
M1, M3 = "103-0104", "101-0085"  # Chilonzor; Uchtepa


def _db(workdir: Path, work: Any) -> Any:  # noqa: F811
    """Run `work(session)` against the command line's database."""
    from db.session import create_engine, create_session_factory

    async def go() -> Any:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'data' / 'bot.db'}")
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("admin", "set", "foo_target", "3"), "unknown setting 'foo_target'"),
        (("admin", "set", "jobs_per_day_target", "many"), "must be a whole number from 0 to 1000"),
        (("admin", "set", "jobs_per_day_target", "1001"), "not 1001"),
        (("admin", "set", "accept_within_days", "0"), "from 1 to 60"),
        (("admin", "set", "jobs_per_day_target"), "required"),
        (("admin", "settings", "--yaml"), "unrecognized arguments"),
        (("admin", "announce", "Hello"), "one of the arguments"),
        (("admin", "announce", "--district", "1", "Hello"), "unknown district SOATO 1"),
        (("admin", "announce", "--region", "1799", "Hello"), "unknown region SOATO 1799"),
        (("admin", "announce", "--country", "   "), "text is empty"),
        (("admin", "announce", "--country", "x" * 2001), "at most 2000"),
        (("admin", "announce", "--country", "--region", "1726", "Hi"), "not allowed with"),
        (("admin", "users", "--role", "mayor"), "invalid choice: 'mayor'"),
        (("admin", "import-mahallas", "missing.csv"), "no such file"),
        (("admin", "import-mahallas", "table.xlsx"), "not a CSV file"),
        (("admin", "import-mahallas", "binary.csv"), "not a UTF-8 CSV file"),
    ],
)
def test_bad_arguments_are_one_clear_line_and_exit_2(
    workdir: Path,  # noqa: F811
    args: tuple[str, ...],
    says: str,
) -> None:
    (workdir / "table.xlsx").write_bytes(b"PK\x03\x04 not a csv")
    (workdir / "binary.csv").write_bytes(b"\xff\xfe\x00\x81 binary")
    result = run(*args, cwd=workdir)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]


def test_settings_show_where_each_value_comes_from_and_set_changes_it(workdir: Path) -> None:  # noqa: F811
    shown = json.loads(run("admin", "settings", "--json", cwd=workdir).stdout)
    assert [(r["key"], r["value"], r["source"]) for r in shown] == [
        ("jobs_per_day_target", 1, "config"),
        ("jobs_per_month_target", 30, "config"),
        ("accept_within_days", 1, "config"),
        ("resolve_within_days", 10, "config"),
    ]
    changed = run("admin", "set", "jobs_per_month_target", "25", cwd=workdir)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.startswith("jobs_per_month_target = 25")
    row = json.loads(run("admin", "settings", "--json", cwd=workdir).stdout)[1]
    assert (row["value"], row["configured"], row["source"], row["changed_by"]) == (
        25,
        30,
        "override",
        "cli",
    )
    text = run("admin", "settings", cwd=workdir).stdout
    assert "set by cli at" in text and "configured 30" in text

    # The configuration still sets the default; the override wins over it.
    env = {"JOBS_PER_MONTH_TARGET": "40"}
    row = json.loads(run("admin", "settings", "--json", env=env, cwd=workdir).stdout)[1]
    assert (row["value"], row["configured"]) == (25, 40)

    back = run("admin", "set", "jobs_per_month_target", "default", env=env, cwd=workdir)
    assert back.stdout.startswith("jobs_per_month_target = 40 (configured value)")
    row = json.loads(run("admin", "settings", "--json", cwd=workdir).stdout)[1]
    assert (row["value"], row["source"]) == (30, "config")


def test_announce_queues_for_the_assistants_of_the_place_only(workdir: Path) -> None:  # noqa: F811
    from sqlalchemy import select

    from db.models import OutboxMessage
    from tests.support.factories import make_assistant

    async def people(session: Any) -> tuple[int, int]:
        inside = await make_assistant(session, 801, mahalla=M1, locale="ru")
        outside = await make_assistant(session, 802, mahalla=M3)
        return inside.id, outside.id

    inside, _outside = _db(workdir, people)
    result = run(
        "admin", "announce", "--district", CHILONZOR, "Meeting <b>today</b>", "--json", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "scope": "district",
        "code": CHILONZOR,
        "assistants": 1,
        "queued": 1,
    }

    async def rows(session: Any) -> list[OutboxMessage]:
        return list((await session.scalars(select(OutboxMessage))).all())

    queued = _db(workdir, rows)
    assert [(row.user_id, row.kind) for row in queued] == [(inside, "announcement")]
    text = queued[0].payload["text"]
    assert "Mahalla Yordamchi" in text  # the sender shown (--sign)
    assert "Meeting &lt;b&gt;today&lt;/b&gt;" in text  # escaped for HTML
    assert text.startswith("📣 Объявление")  # in the recipient's language

    everyone = run("admin", "announce", "--country", "Report by Monday", cwd=workdir)
    assert everyone.stdout.startswith("queued for 2 of 2 assistants of the whole country")

"""Reminders: preparing the morning reminder and the evening nudge for every assistant of the
country, on the national data set of `benchmarks.digests` (9,309 mahallas, 3 M citizens, 1 M
cases, 300 k jobs; generated here unless `--reuse` finds it).

Prints, for each plan, the seconds to prepare it, the SQL statements it ran and the messages
it would queue; with `--legacy N` also the old way (4–5 queries per assistant) timed on N
assistants and scaled to all of them. Target (issue "Faster where it is felt"): a constant
number of queries and < 5 s for 9,309 assistants on PostgreSQL.

    python -m benchmarks.reminders --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
        [--reuse] [--repeat 3] [--legacy 500]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from typing import Any

from sqlalchemy import event, text

from benchmarks.common import machine, peak_rss_mb
from benchmarks.drilldown import national_data
from bot.config import Settings
from bot.i18n import create_i18n
from bot.services import indicators
from db.session import create_engine, create_session_factory
from scheduler import reminders
from scheduler.context import TaskContext


async def main(url: str, reuse: bool, repeat: int, legacy: int) -> None:
    url = await national_data(url, 3_000_000, 1_000_000, 300_000, reuse)
    engine = create_engine(url)
    sessions = create_session_factory(engine)

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    ctx = TaskContext(sessions, Settings(), create_i18n())
    now = dt.datetime.now(dt.UTC)
    print(machine())
    async with sessions() as session:
        version = await session.scalar(text("SELECT version()"))
        people = await reminders.active_assistants(session, now)
    print(f"database: {str(version).split(',')[0]}; active assistants: {len(people):,}")
    for label, plan in (("morning", reminders.plan_morning), ("evening", reminders.plan_evening)):
        times, queries, detail = [], 0, ""
        for _ in range(repeat):
            statements.clear()
            started = time.perf_counter()
            prepared = await plan(ctx, now)
            times.append(time.perf_counter() - started)
            queries = len(statements)
            detail = prepared.detail
        print(
            f"  {label}: {statistics.median(times):.2f} s (max {max(times):.2f} s), "
            f"{queries} statements, {detail} to remind"
        )
    if legacy:
        sample = people[:legacy]
        today = now.astimezone(ctx.tz).date()
        statements.clear()
        started = time.perf_counter()
        async with sessions() as session:
            for person in sample:
                day = await indicators.assistant_day(
                    session,
                    person.user_id,
                    person.mahallas,
                    today,
                    now,
                    target_day=1,
                    target_month=30,
                )
                if day.overdue_cases:
                    await indicators.overdue_case_numbers(
                        session, person.user_id, person.mahallas, now
                    )
        spent = time.perf_counter() - started
        scale = len(people) / max(1, len(sample))
        print(
            f"  before (one assistant at a time), {len(sample)} assistants: {spent:.2f} s, "
            f"{len(statements)} statements; scaled to {len(people):,}: ≈ {spent * scale:.0f} s, "
            f"≈ {len(statements) * scale:,.0f} statements"
        )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--reuse", action="store_true", help="keep a data set already generated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--legacy", type=int, default=0, help="time the old way on N assistants")
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.reuse, args.repeat, args.legacy))

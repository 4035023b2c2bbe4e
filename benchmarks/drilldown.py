"""Drill-down: how long a supervisor waits for each screen on a national-size data set.

Uses the data set of `benchmarks.digests` (9,309 mahallas, 3 M citizens, 1 M cases, 300 k
jobs by default; generated here unless `--reuse` finds it already in the database), then times
the drill-down screens as the bot builds them (`drilldown.place_screen`: the place's
indicators, its children's page and lines, the buttons): the country (14 regions), the
biggest region (its districts), the biggest district (its mahallas, first and last page), one
mahalla; then one country digest and the national export (figures and XLSX).
Target: a screen in well under a second; all digests in under 10 s (docs/PRODUCT.md).

    python -m benchmarks.drilldown --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
        [--citizens 3000000] [--cases 1000000] [--jobs 300000] [--reuse] [--repeat 3]

Figures of 2026-11-26 (2-core VM, PostgreSQL 15, other engineers' test runs loading it, load
average 6–10), median of 3, before → after branch sv2: country screen 4.7 → 2.9 s; region
(1,113 mahallas) 1.4 → 0.8–1.2 s; district (114 mahallas) 0.09 → 0.09–0.36 s; mahalla
0.02–0.06 s; country digest 1.7–2.8 s (untouched, load); national export 12.0 → 9.8 s (of
which the XLSX ≈ 8 s: openpyxl without lxml).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.common import fresh_database, machine, peak_rss_mb
from benchmarks.digests import FILL, MAHALLAS, WITHOUT_ASSISTANT
from bot.config import Settings
from bot.handlers import drilldown
from bot.i18n import create_i18n, in_locale
from bot.services import digests, exports, supervision
from bot.services.digests import Targets
from bot.services.roles import Roles, Scope
from bot.views import digest as render
from db.models import District, Mahalla
from db.session import create_engine, create_session_factory


async def generate(url: str, citizens: int, cases: int, jobs: int) -> None:
    engine = create_engine(url)
    params = {
        "mahallas": MAHALLAS,
        "without": WITHOUT_ASSISTANT,
        "citizens": citizens,
        "cases": cases,
        "jobs": jobs,
    }
    started = time.perf_counter()
    async with engine.begin() as connection:
        for statement in FILL:
            for name, value in params.items():  # integers only: safe to inline
                statement = statement.replace(f":{name}", str(int(value)))
            await connection.execute(text(statement))
    await engine.dispose()
    print(f"data generated in {time.perf_counter() - started:.0f} s")


async def national_data(url: str, citizens: int, cases: int, jobs: int, reuse: bool) -> str:
    """The migrated database URL with the national data set, generated unless `reuse` finds it."""
    url = await fresh_database(url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        present = await session.scalar(
            select(func.count()).select_from(Mahalla).where(Mahalla.code.like("B%"))
        )
    await engine.dispose()
    if not (reuse and present):
        await generate(url, citizens, cases, jobs)
    return url


async def main(url: str, citizens: int, cases: int, jobs: int, reuse: bool, repeat: int) -> None:
    url = await national_data(url, citizens, cases, jobs, reuse)
    engine = create_engine(url)
    sessions = create_session_factory(engine)

    settings = Settings(jobs_per_day_target=1, jobs_per_month_target=30)
    roles = Roles(scopes=(Scope("country", None),))
    i18n = create_i18n()
    results: list[tuple[str, list[float]]] = []

    async def timed(label: str, work: Callable[[Any], Awaitable[Any]]) -> None:
        times = []
        for _ in range(repeat):
            async with sessions() as session:
                started = time.perf_counter()
                await work(session)
                times.append(time.perf_counter() - started)
        results.append((label, times))

    async with sessions() as session:
        big_region = (
            await session.execute(
                select(District.region_soato, func.count())
                .join(Mahalla, Mahalla.district_soato == District.soato)
                .group_by(District.region_soato)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).one()
        big_district = (
            await session.execute(
                select(Mahalla.district_soato, func.count())
                .group_by(Mahalla.district_soato)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).one()
        mahalla = await session.scalar(
            select(Mahalla.code)
            .where(Mahalla.district_soato == big_district[0], Mahalla.code.like("B%"))
            .limit(1)
        )
        regions = (
            await supervision.child_places(session, drilldown_place("country"), 0, 100)
        ).total

    async def screen(level: str, code: str | None, page: int = 0) -> Callable[[Any], Any]:
        async def work(session: Any) -> None:
            place = await supervision.place_in_scope(session, roles.scopes, level, code)
            assert place is not None
            await drilldown.place_screen(session, roles, place, page, "uz", settings)

        return work

    last_page = (big_district[1] - 1) // drilldown.PER_PAGE
    now = dt.datetime.now(dt.UTC)
    tz = settings.tz
    today = now.astimezone(tz).date()
    yesterday = today - dt.timedelta(days=1)

    async def digest(session: Any) -> None:
        await digests.compute(
            session, Scope("country", None), "daily", yesterday, yesterday, now, tz, Targets(1, 30)
        )

    async def export(session: Any) -> None:
        data = await exports.collect(
            session, Scope("country", None), today, now, tz, target_day=1, target_month=30
        )
        await asyncio.to_thread(exports.build_xlsx, data, render.xlsx_titles(), "bench", "uz")

    with in_locale(i18n, "uz"):
        await timed(f"country screen ({regions} regions)", await screen("country", None))
        await timed(
            f"region screen {big_region[0]} ({big_region[1]} mahallas)",
            await screen("region", big_region[0]),
        )
        await timed(
            f"district screen {big_district[0]} ({big_district[1]} mahallas), page 1",
            await screen("district", big_district[0]),
        )
        await timed(
            f"district screen {big_district[0]}, page {last_page + 1}",
            await screen("district", big_district[0], last_page),
        )
        await timed(f"mahalla screen {mahalla}", await screen("mahalla", mahalla))
        await timed("country daily digest (figures)", digest)
        await timed("national export (figures + XLSX)", export)

    print(machine())
    async with sessions() as session:
        version = await session.scalar(text("SELECT version()"))
    print(f"database: {str(version).split(',')[0]}")
    print(f"repeats: {repeat} (median, max)")
    for label, times in results:
        print(f"  {label}: {statistics.median(times):.3f} s (max {max(times):.3f} s)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    await engine.dispose()


def drilldown_place(level: str) -> supervision.Place:
    return supervision.Place(level, None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--citizens", type=int, default=3_000_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=300_000)
    parser.add_argument("--reuse", action="store_true", help="keep a data set already generated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(
        main(args.database_url, args.citizens, args.cases, args.jobs, args.reuse, args.repeat)
    )

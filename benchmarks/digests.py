"""Digests: every supervisor scope's figures on a national-size data set (PostgreSQL).

Generates 9,309 mahallas with assistants (a few hundred without), a supervisor per district
and region and one for the country, citizens, cases and jobs (sizes configurable), then times
`digests.compute_all` for every scope, as the daily digest job does before rendering.
Target (docs/PRODUCT.md): all digests in under 10 seconds.

    python -m benchmarks.digests --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
        [--citizens 3000000] [--cases 1000000] [--jobs 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

from sqlalchemy import select, text

from benchmarks.common import fresh_database, machine, peak_rss_mb
from bot.services import digests
from bot.services.digests import Targets
from bot.services.roles import Scope
from db.models import SupervisorScope
from db.session import create_engine, create_session_factory

MAHALLAS = 9_309
DIGEST_LEVELS = ("district", "region", "country")
WITHOUT_ASSISTANT = 309

PLACES = """places AS (
        SELECT level, code, row_number() OVER (ORDER BY level, code) AS n FROM (
            SELECT 'district' AS level, soato AS code FROM districts
            UNION ALL SELECT 'region', soato FROM regions
            UNION ALL SELECT 'country', NULL) AS p)"""

FILL = [
    # Mahallas spread over every district, codes that cannot clash with real ones.
    """
    INSERT INTO mahallas (code, district_soato, name_uz, name_uz_cyrl, name_ru, search_key,
                          active, created_at, updated_at)
    SELECT 'B' || lpad(g::text, 7, '0'), d.soato, 'Bench ' || g || ' MFY', 'Бенч ' || g,
           NULL, 'bench ' || g, true, now(), now()
    FROM generate_series(1, :mahallas) AS g
    JOIN (SELECT soato, row_number() OVER (ORDER BY soato) - 1 AS i,
                 count(*) OVER () AS n FROM districts) AS d ON d.i = g % d.n
    """,
    # Assistants (telegram ids from 5e9) and their mahallas.
    """
    INSERT INTO users (telegram_id, locale, locale_confirmed, name, first_seen, last_seen)
    SELECT 5000000000 + g, 'uz', true, 'Assistant ' || g, now(), now()
    FROM generate_series(1, :mahallas - :without) AS g
    """,
    """
    INSERT INTO assistant_assignments (user_id, mahalla_code, active_from)
    SELECT u.id, 'B' || lpad((u.telegram_id - 5000000000)::text, 7, '0'), now()
    FROM users u WHERE u.telegram_id > 5000000000 AND u.telegram_id < 6000000000
    """,
    # Supervisors: one per district, one per region, one for the country (ids from 6e9).
    f"""
    WITH {PLACES}
    INSERT INTO users (telegram_id, locale, locale_confirmed, name, first_seen, last_seen)
    SELECT 6000000000 + n, 'ru', true, 'Supervisor', now(), now() FROM places
    """,
    f"""
    WITH {PLACES}
    INSERT INTO supervisor_scopes (user_id, level, place_code, active_from)
    SELECT u.id, p.level, p.code, now()
    FROM places p JOIN users u ON u.telegram_id = 6000000000 + p.n
    """,
    # Citizens (ids from 7e9), each in a mahalla.
    """
    INSERT INTO users (telegram_id, locale, locale_confirmed, name, mahalla_code,
                       first_seen, last_seen)
    SELECT 7000000000 + g, 'uz', true, 'Citizen', 'B' || lpad((1 + g % :mahallas)::text, 7, '0'),
           now(), now()
    FROM generate_series(1, :citizens) AS g
    """,
    # Cases over the last 120 days: statuses mixed, time limits as the service sets them.
    """
    INSERT INTO cases (number, user_id, kind, mahalla_code, district_soato, region_soato, status,
                       outcome, flow_id, flow_version, answers, assessment, created_at, updated_at,
                       accept_due, resolve_due, escalate_due, resolved_at)
    SELECT 'X-' || g, u.id, (ARRAY['needs','job','internship','business'])[1 + g % 4],
           m.code, m.district_soato, d.region_soato,
           (ARRAY['new','accepted','in_progress','resolved','resolved','rejected'])[1 + g % 6],
           CASE WHEN g % 6 IN (3, 4) THEN 'job_placed' END, 'household', 1, '{}', '{}',
           c.at, c.at, c.at + interval '1 day', c.at + interval '14 days',
           c.at + interval '28 days',
           CASE WHEN g % 6 IN (3, 4) THEN c.at + interval '5 days' END
    FROM generate_series(1, :cases) AS g
    JOIN users u ON u.telegram_id = 7000000000 + 1 + g % :citizens
    JOIN mahallas m ON m.code = u.mahalla_code
    JOIN districts d ON d.soato = m.district_soato
    CROSS JOIN LATERAL (SELECT now() - (g % 120) * interval '1 day'
                               - (g % 1440) * interval '1 minute' AS at) AS c
    """,
    # Jobs over the last 60 days by the assistants.
    """
    INSERT INTO jobs (assistant_id, mahalla_code, district_soato, region_soato, kind, work_date,
                      status, created_at)
    SELECT a.user_id, a.mahalla_code, m.district_soato, d.region_soato, 'permanent',
           current_date - (g % 60), (ARRAY['recorded','confirmed','pending'])[1 + g % 3], now()
    FROM generate_series(1, :jobs) AS g
    JOIN assistant_assignments a ON a.id = (SELECT min(id) FROM assistant_assignments)
                                          + g % (:mahallas - :without)
    JOIN mahallas m ON m.code = a.mahalla_code
    JOIN districts d ON d.soato = m.district_soato
    """,
    "ANALYZE",
]


async def main(url: str, citizens: int, cases: int, jobs: int) -> None:
    url = await fresh_database(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    started = time.perf_counter()
    params = {
        "mahallas": MAHALLAS,
        "without": WITHOUT_ASSISTANT,
        "citizens": citizens,
        "cases": cases,
        "jobs": jobs,
    }
    async with engine.begin() as connection:
        for statement in FILL:
            for name, value in params.items():  # integers only: safe to inline
                statement = statement.replace(f":{name}", str(int(value)))
            await connection.execute(text(statement))
    print(f"data generated in {time.perf_counter() - started:.0f} s")

    now = dt.datetime.now(dt.UTC)
    tz = dt.timezone(dt.timedelta(hours=5))
    today = now.astimezone(tz).date()
    first, last = today - dt.timedelta(days=1), today - dt.timedelta(days=1)
    async with sessions() as session:
        scopes = sorted(
            {
                Scope(level, code)
                for level, code in (
                    await session.execute(select(SupervisorScope.level, SupervisorScope.place_code))
                ).all()
            },
            key=lambda s: (s.level, s.code or ""),
        )
        started = time.perf_counter()
        found = await digests.compute_all(
            session, scopes, "daily", first, last, now, tz, Targets(1, 30)
        )
        elapsed = time.perf_counter() - started
    levels = {level: sum(1 for s in scopes if s.level == level) for level in DIGEST_LEVELS}
    print(machine())
    print(
        f"digests: {len(found)} scopes ({levels}) in {elapsed:.1f} s (target < 10 s) · "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--citizens", type=int, default=3_000_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=300_000)
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.citizens, args.cases, args.jobs))

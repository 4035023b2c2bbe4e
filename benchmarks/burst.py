"""A burst of newcomers: N people who never used the bot press /start at the same moment.

The real bot (production settings: flood control on, the default pool, long polling with
updates handled as concurrent tasks) runs in this process beside the fake Bot API on loopback.
For each person the clock runs from the moment all N updates are queued until the bot's first
message reaches their chat. Prints p50, p95 and max time to first answer, the total, and how
many were answered at all within `--wait` seconds (a miss is a person left in silence).

    python -m benchmarks.burst [--sizes 200,500,1000] [--wait 120] [--database-url URL]
                               [--log-level INFO]

Without `--database-url` each size gets a fresh SQLite file; with a PostgreSQL URL the same
database is used (newcomers' ids differ per size). When TEST_DATABASE_URL is set, the sizes also
run on PostgreSQL, in a private database created on that server and dropped afterwards.
`--log-level INFO` logs as `python -m bot run` does by default (to /dev/null); without it only
warnings are logged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import time
import uuid

from benchmarks.common import fresh_database, machine, peak_rss_mb


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_burst(size: int, url: str | None, wait: float, first_id: int) -> str:
    from bot.app import build_app
    from devkit.fakeapi import FakeBotAPI
    from tests.support.harness import TOKEN, make_settings

    database = await fresh_database(url)
    fake = FakeBotAPI(token=TOKEN, bot_username="mahalla_test_bot")
    await fake.start()
    # Telegram's update ids only grow; the database may hold an earlier run's (PostgreSQL).
    fake.core._next_update_id = first_id
    app = build_app(make_settings(database, fake.base_url))
    polling = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot, handle_as_tasks=True, handle_signals=False, polling_timeout=1
        )
    )
    await asyncio.sleep(0.5)  # the first getUpdates is waiting
    users = [
        fake.user(first_id + index, first_name="Yangi", language_code="uz") for index in range(size)
    ]
    answered: dict[int, float] = {}
    start = time.perf_counter()
    for user in users:  # all queued before the bot takes any (one getUpdates batch after another)
        fake.core.inject_update(
            {"message": fake.core.add_user_message(user.record, {"text": "/start"}).raw}
        )
    deadline = start + wait
    while len(answered) < size and time.perf_counter() < deadline:
        now = time.perf_counter()
        for user in users:
            if user.id not in answered and user.messages:
                answered[user.id] = now - start
        await asyncio.sleep(0.01)
    total = time.perf_counter() - start
    with contextlib.suppress(RuntimeError):
        await app.dispatcher.stop_polling()
    polling.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await polling
    await app.close()
    await fake.stop()
    times = list(answered.values())
    missed = size - len(times)
    if not times:
        return f"{size:>5} newcomers: nobody answered within {wait:.0f}s"
    return (
        f"{size:>5} newcomers: first answer p50 {statistics.median(times):.2f}s · "
        f"p95 {_quantile(times, 0.95):.2f}s · max {max(times):.2f}s · all within {total:.1f}s · "
        f"missed {missed}"
    )


async def run_sizes(sizes: list[int], url: str | None, wait: float) -> None:
    print(f"load average: {os.getloadavg()[0]:.2f} · database: {'PostgreSQL' if url else 'SQLite'}")
    for index, size in enumerate(sizes):
        print(await one_burst(size, url, wait, 1_000_000 * (index + 1)))


def quiet_production_logging(level: str | None) -> None:
    """The bot's own logging set-up at `level` (its records formatted, then thrown away)."""
    if level is None:
        logging.basicConfig(level=logging.WARNING)
        return
    from bot.logging_setup import setup_logging

    setup_logging(level)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # kept open for the whole run


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,500,1000")
    parser.add_argument("--wait", type=float, default=120.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--log-level", help="log as the bot does at this level (e.g. INFO)")
    args = parser.parse_args()
    quiet_production_logging(args.log_level)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(machine())
    print(f"bot log level: {args.log_level or 'WARNING (quiet)'}")
    await run_sizes(sizes, args.database_url, args.wait)
    server = os.environ.get("TEST_DATABASE_URL", "").strip()
    if server and not args.database_url:
        from tests.support.databases import drop_pg_database, prepare_pg_template

        name = f"bench_burst_{uuid.uuid4().hex[:10]}"
        await prepare_pg_template(server, name)
        try:
            await run_sizes(sizes, _on_database(server, name), args.wait)
        finally:
            await drop_pg_database(server, name)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def _on_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":
    asyncio.run(main())

"""A burst of newcomers: N people who never used the bot press /start at the same moment.

The real bot (production settings: flood control on, the default pool, long polling with
updates handled as concurrent tasks) runs in this process beside the fake Bot API on loopback.
For each person the clock runs from the moment all N updates are queued until the bot's first
message reaches their chat. Prints p50, p95 and max time to first answer, the total, and how
many were answered at all within `--wait` seconds (a miss is a person left in silence).

    python -m benchmarks.burst [--sizes 200,500,1000] [--wait 120] [--database-url URL]

Without `--database-url` each size gets a fresh SQLite file; with a PostgreSQL URL the same
database is used (newcomers' ids differ per size).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import time

from benchmarks.common import fresh_database, machine, peak_rss_mb


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_burst(size: int, url: str | None, wait: float, first_id: int) -> str:
    from bot.app import build_app
    from bot.fakeapi import FakeBotAPI
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,500,1000")
    parser.add_argument("--wait", type=float, default=120.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(machine())
    print(f"load average: {os.getloadavg()[0]:.2f} · database: {args.database_url or 'SQLite'}")
    for index, size in enumerate(int(s) for s in args.sizes.split(",")):
        print(await one_burst(size, args.database_url, args.wait, 1_000_000 * (index + 1)))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())

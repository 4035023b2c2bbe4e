"""Broadcast: N reminders through the outbox to the fake Bot API with Telegram's limits.

The fake answers 429 (with retry_after) above 30 messages a second overall or 1 a second per
chat, as Telegram does. Prints messages a second, 429s, duplicates and total time.

    python -m benchmarks.broadcast [--count 9309] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import time

from sqlalchemy import insert

from benchmarks.common import fresh_database, machine, peak_rss_mb
from bot.app import build_bot
from bot.config import Settings
from db.models import OutboxMessage, utcnow
from db.session import create_engine, create_session_factory
from devkit.fakeapi import FakeBotAPI
from scheduler.outbox import OutboxSender

TOKEN = "4242:BENCH"


async def main(count: int, database_url: str | None) -> None:
    url = await fresh_database(database_url)
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot", emulate_limits=True)
    await fake.start()
    first_chat = 10_000_000
    for offset in range(count):
        fake.user(first_chat + offset, first_name="Assistant", started=True)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    now = utcnow()
    async with sessions() as session:
        rows = [
            {
                "chat_id": first_chat + i,
                "kind": "bench",
                "status": "queued",
                "attempts": 0,
                "payload": {"text": f"Xayrli tong! Bugungi reja: <b>1</b> ish oʻrni ({i})"},
                "dedupe_key": f"bench:{i}",
                "next_attempt_at": now,
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 2000):
            await session.execute(insert(OutboxMessage), rows[start : start + 2000])
        await session.commit()

    settings = Settings(
        _env_file=None, bot_token=TOKEN, telegram_api_url=fake.base_url, database_url=url
    )  # type: ignore[call-arg]
    bot = build_bot(settings)
    sender = OutboxSender(bot, sessions)
    started = time.perf_counter()
    while sender.sent < count:
        if not await sender.drain_once():
            await asyncio.sleep(0.05)
        if time.perf_counter() - started > count / 5 + 60:
            break
    elapsed = time.perf_counter() - started
    sends = [c for c in fake.calls if c.method.lower() == "sendmessage" and c.ok]
    per_chat = collections.Counter(c.params.get("chat_id") for c in sends)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    print(machine())
    print(f"database: {url.split('://')[0]}")
    print(
        f"messages: {len(sends)} of {count} in {elapsed:.1f} s = {len(sends) / elapsed:.1f} msg/s"
    )
    print(
        f"429 answers: {fake.flood_hits} · duplicates: {duplicates} · peak RSS {peak_rss_mb():.0f} MB"
    )
    await bot.session.close()
    await engine.dispose()
    await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=9309)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.database_url))

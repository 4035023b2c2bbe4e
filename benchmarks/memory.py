"""Memory: resident size of one bot process with N conversations in progress.

The bot runs as its own process (`python -m bot run`) against the fake Bot API served by this
script, so only the bot is measured. N registered citizens each open the household
questionnaire and answer its first question, so N drafts and N conversation states exist.

    python -m benchmarks.memory [--conversations 10000] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from benchmarks.common import fresh_database, machine, seed_citizens
from benchmarks.throughput import FIRST_ID, TOKEN
from devkit.fakeapi import FakeBotAPI


def rss_mb(pid: int) -> float:
    """Resident memory of a process, read from /proc (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def main(conversations: int, concurrency: int) -> None:
    print(machine())
    url = await fresh_database(None)
    await seed_citizens(url, conversations, FIRST_ID)
    # A loaded machine can take many seconds to start the bot: wait for it to poll first.
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot", process_timeout=120)
    await fake.start()
    env = dict(
        os.environ,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.base_url,
        DATABASE_URL=url,
        THROTTLE_RATE="1000",
        LOG_LEVEL="WARNING",
    )
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env)
    menu = "📝 Oilam ehtiyojlari"
    try:
        await fake.wait_for(lambda call: call.method == "getUpdates", timeout=300)
        probe = fake.user(FIRST_ID, first_name="User", language_code="uz")
        await probe.send("/start")
        await probe.next_message(timeout=60, after=0)
        baseline = rss_mb(child.pid)
        started = time.perf_counter()
        queue = iter(range(conversations))

        async def worker() -> None:
            for index in queue:
                user = fake.user(FIRST_ID + index, first_name="User", language_code="uz")
                for text in (menu, "4"):
                    before = len(user.messages)
                    await user.send(text)
                    await user.next_message(timeout=120, after=before)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rss = rss_mb(child.pid)
    finally:
        child.terminate()
        await child.wait()
        await fake.stop()
    print(f"{conversations} conversations in progress after {time.perf_counter() - started:.0f} s")
    print(
        f"bot process resident memory: {rss:.0f} MB (idle after start-up: {baseline:.0f} MB; "
        "target < 200 MB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.conversations, args.concurrency))

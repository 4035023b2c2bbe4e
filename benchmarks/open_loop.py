"""Open-loop latency: answers offered at a fixed average rate, people arriving independently
(Poisson arrivals), instead of the closed loop of `benchmarks.throughput`.

Registered citizens fill in the household questionnaire (the menu button, then typed answers),
as `throughput` does; each arrival is one person's next message. A person waits for the bot's
reply before their next message, so an arrival with nobody free to send is counted as
"refused" (the offered load was more than the people could send); a message with no reply
within 30 s is "lost". Latency is from the message to the bot's reply. Production logging
(INFO, no SQL) unless `--log-level`.

    python -m benchmarks.open_loop [--rates 50,100,150] [--duration 60] [--database-url URL]

Target (issue "Faster where it is felt"): one process on SQLite at 100 answers a second for
60 s: p95 < 250 ms, p99 < 500 ms, nothing lost; and the highest rate one process holds with
p95 < 250 ms, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import time
from typing import Any

from benchmarks.common import machine
from benchmarks.throughput import (
    ANSWERS,
    FIRST_ID,
    _run_polling,
    bot_run_setup,
    percentile,
    run_apart,
)
from bot import event_loop
from bot.logging_setup import setup_logging

REPLY_TIMEOUT = 30.0


async def offer(
    fake: Any, menu: str, people: int, rate: float, duration: float, first_id: int = FIRST_ID
) -> dict[str, Any]:
    """Send messages at Poisson arrivals of `rate` a second for `duration` seconds."""
    steps = 1 + len(ANSWERS)
    free: collections.deque[tuple[Any, int]] = collections.deque(
        (fake.user(first_id + index, first_name="User", language_code="uz"), 0)
        for index in range(people)
    )
    latencies: list[float] = []
    lost = refused = 0
    pending: set[asyncio.Task[None]] = set()

    async def one(user: Any, step: int) -> None:
        nonlocal lost
        text = menu if step == 0 else ANSWERS[step - 1]
        before = len(user.messages)
        started = time.perf_counter()
        try:
            await user.send(text)
            await user.next_message(timeout=REPLY_TIMEOUT, after=before)
        except (AssertionError, TimeoutError):
            lost += 1
            return
        latencies.append(time.perf_counter() - started)
        if step + 1 < steps:
            free.append((user, step + 1))

    cpu = time.process_time()
    started = time.perf_counter()
    arrival = started
    while arrival - started < duration:
        arrival += random.expovariate(rate)
        await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
        if not free:
            refused += 1
            continue
        task = asyncio.create_task(one(*free.popleft()))
        pending.add(task)
        task.add_done_callback(pending.discard)
    offered_for = time.perf_counter() - started
    if pending:
        await asyncio.wait(pending, timeout=REPLY_TIMEOUT + 5)
    return {
        "sent": len(latencies) + lost,
        "answered": len(latencies),
        "lost": lost,
        "refused": refused,
        "seconds": offered_for,
        "latencies": latencies,
        "cpu": time.process_time() - cpu,
    }


async def run_rate(rate: float, duration: float, database_url: str | None) -> dict[str, Any]:
    """A fresh database and bot for one rate: enough people that nobody needs to be reused."""
    people = int(rate * duration / len(ANSWERS)) + 200
    fake, app = await bot_run_setup(people, database_url)
    menu = app.i18n.gettext("📝 My household's needs", locale="uz")
    warm = fake.user(FIRST_ID + people, first_name="User", language_code="uz")

    async def body() -> dict[str, Any]:
        for text in (menu, *ANSWERS):  # untimed: one-off costs stay outside the clock
            before = len(warm.messages)
            await warm.send(text)
            await warm.next_message(timeout=REPLY_TIMEOUT, after=before)
        return await offer(fake, menu, people, rate, duration)

    try:
        result: dict[str, Any] = await _run_polling(app.dispatcher, app.bot, body)
        return result
    finally:
        await app.close()
        await fake.stop()


async def run_rate_apart(rate: float, duration: float, database_url: str | None) -> dict[str, Any]:
    """As `run_rate`, with the fake Bot API and the people in another process (`--fake-apart`):
    the CPU figure is then the bot's own."""
    people = int(rate * duration / len(ANSWERS)) + 200
    argv = ["open", "--people", str(people), "--rate", str(rate), "--duration", str(duration)]
    first_id = FIRST_ID + random.randrange(1, 10_000) * 100_000  # new people each rate
    result, cpu = await run_apart("bot", argv, database_url, people, first_id)
    result["cpu"], result["apart"] = cpu, True
    return result


def line(rate: float, result: dict[str, Any]) -> str:
    latencies = result["latencies"] or [float("nan")]
    answered = max(1, result["answered"])
    return (
        f"offered {rate:g}/s for {result['seconds']:.0f} s: {result['answered']} answered "
        f"({result['answered'] / result['seconds']:.0f}/s), {result['lost']} lost, "
        f"{result['refused']} refused · p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms · "
        f"CPU {result['cpu'] / answered * 1000:.1f} ms/answer "
        f"({'the bot alone' if result.get('apart') else 'bot and fake API together'})"
    )


async def main(
    rates: list[float], duration: float, database_url: str | None, level: str, apart: bool
) -> None:
    setup_logging(level)
    print(machine())
    where = "in another process" if apart else "in this process"
    print(f"database: {(database_url or 'sqlite').split('://')[0]}; logging {level}; ", end="")
    print(f"{event_loop.name()} event loop; ", end="")
    print(f"the fake Bot API and the people run {where}")
    best = None
    for rate in rates:
        run = run_rate_apart if apart else run_rate
        result = await run(rate, duration, database_url)
        print("  " + line(rate, result), flush=True)
        held = (
            result["latencies"]
            and percentile(result["latencies"], 0.95) < 0.25
            and not result["lost"]
            and not result["refused"]
        )
        if held:
            best = rate
    print(f"highest rate held with p95 < 250 ms and nothing lost: {best or 'none'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100", help="answers a second, comma-separated")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--database-url")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--fake-apart",
        action="store_true",
        help="run the fake Bot API and the people in another process (as Telegram is)",
    )
    args = parser.parse_args()
    rates = [float(value) for value in args.rates.split(",")]
    event_loop.run(main(rates, args.duration, args.database_url, args.log_level, args.fake_apart))

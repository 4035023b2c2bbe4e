"""Throughput and reply latency through the real HTTP path (fake Bot API on loopback).

Two bots face the same load in one run: a bare aiogram echo bot (the ceiling) and Mahalla
Yordamchi with N registered citizens each answering household-questionnaire steps (a draft is
written to the database on every answer). Prints updates a second, p50/p95/p99 reply latency,
the process CPU time per update and the ratio of the two.

Both are measured the same way: in this process, beside the fake Bot API, by polling, after an
untimed warm-up user has gone through the same steps (so one-off costs — pydantic schemas built
on first use, SQLAlchemy's statement cache, the first connection — are outside the clock for
both). `--repeat` runs the pair several times; the machine's load average is printed, since a
busy machine changes the figures a lot.

By default every user sends the next message the moment the reply arrives (a closed loop at
full speed): updates a second is then the capacity, and latency is queueing behind the other
users (Little's law: mean latency ≈ users / updates a second). `--think S` makes each user pause
0.5–1.5 × S seconds before the next message, as a person reading and typing does, to measure
the latency of 200 people active at once rather than 200 machines.

    python -m benchmarks.throughput [--users 200] [--steps 5] [--repeat 1] [--think 0]
                                    [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from benchmarks.apart import Apart
from benchmarks.common import fresh_database, machine, seed_citizens
from bot import event_loop
from bot.app import build_app
from bot.config import Settings
from bot.i18n import create_i18n
from bot.logging_setup import setup_logging
from devkit.fakeapi import FakeBotAPI

TOKEN = "4242:BENCH"
FIRST_ID = 20_000_000
# Typed answers for the first screening questions of the household questionnaire.
ANSWERS = ("4", "2", "0", "0", "1", "Yoʻq", "4500000")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Result = tuple[float, list[float], float]  # elapsed seconds, latencies, process CPU seconds


async def _measure(
    fake: FakeBotAPI,
    users: int,
    steps: int,
    first_text: Callable[[int], str],
    first_id: int = FIRST_ID,
    think: float = 0.0,
    on_start: Callable[[], None] | None = None,
) -> Result:
    """Every user sends `steps` messages, each after the bot's reply to the previous one.

    User number `users` (one more than measured) goes through the same steps first, untimed;
    `on_start` is called when the measured phase begins.
    """
    latencies: list[float] = []

    async def one(index: int, record: bool = True) -> None:
        user = fake.user(first_id + index, first_name="User", language_code="uz")
        for step in range(steps):
            text = first_text(index) if step == 0 else ANSWERS[(step - 1) % len(ANSWERS)]
            before = len(user.messages)
            started = time.perf_counter()
            await user.send(text)
            await user.next_message(timeout=60, after=before)
            if record:
                latencies.append(time.perf_counter() - started)
                if think and step < steps - 1:
                    await asyncio.sleep(think * random.uniform(0.5, 1.5))

    await one(users, record=False)  # warm-up
    if on_start is not None:
        on_start()
    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(users)))
    return time.perf_counter() - started, latencies, time.process_time() - cpu


async def _run_polling(dp: Dispatcher, bot: Bot, body: Callable[[], Awaitable[Any]]) -> Any:
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, handle_as_tasks=True)
    )
    try:
        return await body()
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def echo_run(users: int, steps: int, think: float = 0.0) -> Result:
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot")
    await fake.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    try:
        return await _run_polling(
            dp, bot, lambda: _measure(fake, users, steps, lambda i: "hi", think=think)
        )
    finally:
        await bot.session.close()
        await fake.stop()


def bench_app(database_url: str, api_url: str) -> Any:
    """The bot app on a migrated database, talking to the (fake) Bot API at `api_url`."""
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api_url,
        database_url=database_url,
        throttle_rate=1000,
    )  # type: ignore[call-arg]
    return build_app(settings)


async def bot_run_setup(
    users: int, database_url: str | None, first_id: int = FIRST_ID
) -> tuple[FakeBotAPI, Any]:
    """A migrated database with `users` registered citizens, the fake API and the bot app."""
    url = await fresh_database(database_url)
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot")
    await fake.start()
    app = bench_app(url, fake.base_url)
    await seed_citizens(url, users + 1, first_id)  # one more for the warm-up
    return fake, app


def menu_text() -> str:
    """The main-menu button that opens the household questionnaire, in Uzbek."""
    return create_i18n("uz").gettext("📝 My household's needs", locale="uz")


async def run_apart(
    mode: str, args: list[str], database_url: str | None, people: int, first_id: int
) -> tuple[dict[str, Any], float]:
    """The bot (or echo, without a database URL) here, the fake API and the people in a child
    process (`benchmarks.apart`): the child's result and the CPU seconds of this process."""
    url = await fresh_database(database_url) if mode == "bot" else None
    if url is not None:
        await seed_citizens(url, people + 1, first_id)
    first = menu_text() if url is not None else "hi"
    child = Apart(*args, "--first-id", str(first_id), "--first-text", first)
    async with child as api_url:
        if url is None:
            bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
            dp = Dispatcher()
            dp.message.register(_echo)
            try:
                return await _run_polling(dp, bot, child.measure)  # type: ignore[no-any-return]
            finally:
                await bot.session.close()
        app = bench_app(url, api_url)
        try:
            return await _run_polling(app.dispatcher, app.bot, child.measure)  # type: ignore[no-any-return]
        finally:
            await app.close()


async def _echo(message: Message) -> None:
    await message.answer(message.text or "?")


async def closed_apart(
    mode: str, users: int, steps: int, database_url: str | None, think: float, first_id: int
) -> Result:
    argv = ["closed", "--users", str(users), "--steps", str(steps), "--think", str(think)]
    result, cpu = await run_apart(mode, argv, database_url, users, first_id)
    return result["elapsed"], result["latencies"], cpu


async def bot_run(
    users: int, steps: int, database_url: str | None, first_id: int = FIRST_ID, think: float = 0.0
) -> Result:
    """`first_id` differs per run, so repeated runs on one PostgreSQL database use new users."""
    fake, app = await bot_run_setup(users, database_url, first_id)
    menu = app.i18n.gettext("📝 My household's needs", locale="uz")
    try:
        return await _run_polling(
            app.dispatcher,
            app.bot,
            lambda: _measure(fake, users, steps, lambda i: menu, first_id, think),
        )
    finally:
        await app.close()
        await fake.stop()


def report(name: str, elapsed: float, latencies: list[float], cpu: float) -> float:
    rate = len(latencies) / elapsed
    print(
        f"{name:>10}: {len(latencies)} updates in {elapsed:.2f} s = {rate:.0f} updates/s · "
        f"latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"mean {statistics.fmean(latencies) * 1000:.0f} ms · "
        f"CPU {cpu / len(latencies) * 1000:.1f} ms/update",
        flush=True,
    )
    return rate


def load_average() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


async def main(
    users: int,
    steps: int,
    database_url: str | None,
    repeat: int,
    think: float,
    apart: bool,
    log_level: str,
) -> None:
    setup_logging(log_level)
    print(machine())
    pace = f"{think:g} s (±50%) between a reply and the next message" if think else "no pause"
    print(f"{users} users at once, {steps} updates each, {pace}, {repeat} run(s)")
    where = "in another process" if apart else "in this process"
    print(
        f"logging {log_level}; {event_loop.name()} event loop (as `python -m bot run`); "
        f"the fake Bot API and the simulated people run {where}"
    )
    label = (database_url or "sqlite").split("://")[0]
    ratios = []
    for _ in range(repeat):
        print(f"load average: {load_average()}")
        # New users every run: repeated runs can share one PostgreSQL database.
        first_id = FIRST_ID + random.randrange(1, 10_000) * 10_000
        if apart:
            echo = await closed_apart("echo", users, steps, None, think, first_id)
            mine = await closed_apart("bot", users, steps, database_url, think, first_id)
        else:
            echo = await echo_run(users, steps, think)
            mine = await bot_run(users, steps, database_url, first_id, think)
        echo_rate = report("echo", *echo)
        bot_rate = report(f"bot/{label[:10]}", *mine)
        ratios.append(bot_rate / echo_rate)
        print(f"ratio bot/echo: {ratios[-1]:.0%} (target ≥ 70%)")
    if repeat > 1:
        print(f"median ratio over {repeat} runs: {statistics.median(ratios):.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--fake-apart",
        action="store_true",
        help="run the fake Bot API and the simulated people in another process (as Telegram is)",
    )
    parser.add_argument("--log-level", default="INFO", help="INFO is the production default")
    args = parser.parse_args()
    event_loop.run(
        main(
            args.users,
            args.steps,
            args.database_url,
            args.repeat,
            args.think,
            args.fake_apart,
            args.log_level,
        )
    )

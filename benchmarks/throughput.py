"""Throughput and reply latency through the real HTTP path (fake Bot API on loopback).

Two bots face the same load in one run: a bare aiogram echo bot (the ceiling) and Mahalla
Yordamchi with N registered citizens each answering household-questionnaire steps (a draft is
written to the database on every answer). Prints updates a second, p50/p95/p99 reply latency
and the ratio of the two.

    python -m benchmarks.throughput [--users 200] [--steps 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from benchmarks.common import fresh_database, machine, seed_citizens
from bot.app import build_app
from bot.config import Settings
from bot.fakeapi import FakeBotAPI

TOKEN = "4242:BENCH"
FIRST_ID = 20_000_000
# Typed answers for the first screening questions of the household questionnaire.
ANSWERS = ("4", "2", "0", "0", "1", "Yoʻq", "4500000")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _measure(
    fake: FakeBotAPI, users: int, steps: int, first_text: Callable[[int], str]
) -> tuple[float, list[float]]:
    """Every user sends `steps` messages, each after the bot's reply to the previous one."""
    latencies: list[float] = []

    async def one(index: int) -> None:
        user = fake.user(FIRST_ID + index, first_name="User", language_code="uz")
        for step in range(steps):
            text = first_text(index) if step == 0 else ANSWERS[(step - 1) % len(ANSWERS)]
            before = len(user.messages)
            started = time.perf_counter()
            await user.send(text)
            await user.next_message(timeout=30, after=before)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(users)))
    return time.perf_counter() - started, latencies


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


async def echo_run(users: int, steps: int) -> tuple[float, list[float]]:
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot")
    await fake.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    try:
        return await _run_polling(dp, bot, lambda: _measure(fake, users, steps, lambda i: "hi"))
    finally:
        await bot.session.close()
        await fake.stop()


async def bot_run_setup(users: int, database_url: str | None) -> tuple[FakeBotAPI, Any]:
    """A migrated database with `users` registered citizens, the fake API and the bot app."""
    url = await fresh_database(database_url)
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot")
    await fake.start()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=fake.base_url,
        database_url=url,
        throttle_rate=1000,
    )  # type: ignore[call-arg]
    app = build_app(settings)
    await seed_citizens(url, users, FIRST_ID)
    return fake, app


async def bot_run(users: int, steps: int, database_url: str | None) -> tuple[float, list[float]]:
    fake, app = await bot_run_setup(users, database_url)
    menu = app.i18n.gettext("📝 My household's needs", locale="uz")
    try:
        return await _run_polling(
            app.dispatcher, app.bot, lambda: _measure(fake, users, steps, lambda i: menu)
        )
    finally:
        await app.close()
        await fake.stop()


def report(name: str, elapsed: float, latencies: list[float]) -> float:
    rate = len(latencies) / elapsed
    print(
        f"{name:>10}: {len(latencies)} updates in {elapsed:.2f} s = {rate:.0f} updates/s · "
        f"latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"mean {statistics.fmean(latencies) * 1000:.0f} ms"
    )
    return rate


async def main(users: int, steps: int, database_url: str | None) -> None:
    print(machine())
    print(f"{users} users at once, {steps} updates each")
    echo_rate = report("echo", *await echo_run(users, steps))
    label = (database_url or "sqlite").split("://")[0]
    bot_rate = report(f"bot/{label[:10]}", *await bot_run(users, steps, database_url))
    print(f"ratio bot/echo: {bot_rate / echo_rate:.0%} (target ≥ 70%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.steps, args.database_url))

"""The fake Bot API and the simulated people in a process of their own.

In production Telegram is not inside the bot's process, so the CPU an answer costs the bot is
best read with the fake Bot API (and the people typing into it) elsewhere: this module is that
other process. The bot's process (`throughput --fake-apart`, `open_loop --fake-apart`) starts
it, reads the fake's address from its first line, points the bot at it, and reads its own CPU
time between the lines "start" and "end …" (the measured phase, after an untimed warm-up).

Lines on stdout, one JSON object each: {"url": …}, {"start": true}, {"end": true, …result}.

    python -m benchmarks.apart closed --users 200 --steps 5 --first-id N --first-text TEXT
    python -m benchmarks.apart open --people P --rate R --duration D --first-id N --first-text TEXT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from devkit.fakeapi import FakeBotAPI

TOKEN = "4242:BENCH"


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def _closed(fake: FakeBotAPI, args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.throughput import _measure

    first: Callable[[int], str] = lambda _index: args.first_text  # noqa: E731
    elapsed, latencies, _cpu = await _measure(
        fake,
        args.users,
        args.steps,
        first,
        args.first_id,
        args.think,
        on_start=lambda: say(start=True),
    )
    return {"elapsed": elapsed, "latencies": latencies}


async def _open(fake: FakeBotAPI, args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.open_loop import REPLY_TIMEOUT, offer
    from benchmarks.throughput import ANSWERS

    warm = fake.user(args.first_id + args.people, first_name="User", language_code="uz")
    for text in (args.first_text, *ANSWERS):  # untimed: one-off costs stay outside the clock
        before = len(warm.messages)
        await warm.send(text)
        await warm.next_message(timeout=REPLY_TIMEOUT, after=before)
    say(start=True)
    result = await offer(
        fake, args.first_text, args.people, args.rate, args.duration, args.first_id
    )
    result.pop("cpu", None)
    return result


async def main(args: argparse.Namespace) -> None:
    fake = FakeBotAPI(token=TOKEN, bot_username="bench_bot")
    # Update ids above any an earlier run left in the same database: the bot skips ids it has
    # recorded as handled (a re-delivery), as it should.
    fake.core._next_update_id = int(time.time() * 1000)
    await fake.start()
    say(url=fake.base_url)
    started = time.perf_counter()
    try:
        result = await (_closed(fake, args) if args.mode == "closed" else _open(fake, args))
    finally:
        await fake.stop()
    say(end=True, wall=time.perf_counter() - started, **result)


class Apart:
    """The parent's side: start the child, wait for its address, then its start and end lines."""

    def __init__(self, *argv: str) -> None:
        self.argv = [sys.executable, "-m", "benchmarks.apart", *argv]
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> str:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,  # the latencies line is long
        )
        return str((await self.line())["url"])

    async def line(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        while True:
            raw = await self.process.stdout.readline()
            if not raw:
                raise RuntimeError("the fake Bot API's process ended early")
            if raw.startswith(b"{"):
                parsed: dict[str, Any] = json.loads(raw)
                return parsed

    async def measure(self) -> tuple[dict[str, Any], float]:
        """The child's result and this process's CPU seconds over the measured phase."""
        await self.line()  # {"start": true}
        cpu = time.process_time()
        result = await self.line()
        return result, time.process_time() - cpu

    async def __aexit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("closed", "open"))
    parser.add_argument("--first-id", type=int, required=True)
    parser.add_argument("--first-text", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--people", type=int, default=0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=60.0)
    asyncio.run(main(parser.parse_args()))

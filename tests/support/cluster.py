"""Webhook worker processes (`python -m bot run --webhook`) on one PostgreSQL + Redis, with the
fake Bot API in front of them as a load balancer: like a `harness` for flows, but separate
processes, as in production behind a load balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from db.session import create_engine, create_session_factory
from devkit.fakeapi.models import WebhookConfig
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.databases import drop_pg_database, make_pg_database
from tests.support.harness import TOKEN

SECRET = "multi-process-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env(fake: Any, db_url: str, **settings: str) -> dict[str, str]:
    """The environment of a bot process a test starts: the fake Bot API, the test's database,
    no quiet hours, a quick leader hand-over; `settings` add to it or override it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_USERNAME="mahalla_test_bot",
        TELEGRAM_API_URL=fake.base_url,
        DATABASE_URL=db_url,
        LEADER_RETRY_SECONDS="0.5",
        QUIET_FROM="00:00",
        QUIET_TO="00:00",
    )
    env.update(settings)
    return env


def webhook_env(port: int, secret: str) -> dict[str, str]:
    """A webhook worker's settings: Redis, the secret, its port; it answers after handling."""
    return {
        "REDIS_URL": TEST_REDIS_URL,
        "WEBHOOK_URL": "https://bot.example.uz/webhook",
        "WEBHOOK_SECRET": secret,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_IN_BACKGROUND": "false",
    }


class Cluster:
    """Worker processes and a way to talk to their database, like a `harness` for helpers."""

    def __init__(self, fake: Any, url: str, logs: Path) -> None:
        self.fake = fake
        self.url = url
        self.logs = logs
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        #: Settings for the workers beyond the common ones (a test may clear or change them
        #: before `start`): flood control is loosened unless a test wants production's.
        self.overrides: dict[str, str] = {"THROTTLE_RATE": "1000"}

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[Any]:
        async with self.sessions() as session:
            yield session

    def env(self, port: int) -> dict[str, str]:
        return process_env(
            self.fake, self.url, **webhook_env(port, SECRET), LOG_LEVEL="INFO", **self.overrides
        )

    def start(self, count: int) -> None:
        for index in range(count):
            port = free_port()
            log = (self.logs / f"worker{index}.log").open("wb")
            self.ports.append(port)
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run", "--webhook"],
                    env=self.env(port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    async def health(self, index: int) -> dict[str, Any] | None:
        try:
            async with (
                aiohttp.ClientSession() as client,
                client.get(
                    f"http://127.0.0.1:{self.ports[index]}/healthz",
                    timeout=aiohttp.ClientTimeout(total=2),
                ) as response,
            ):
                return await response.json()
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def wait_until(self, predicate: Any, what: str, within: float = 60) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if await predicate():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; logs in {self.logs}")

    async def leader(self) -> int | None:
        for index, proc in enumerate(self.procs):
            if proc.poll() is None and ((await self.health(index)) or {}).get("leader"):
                return index
        return None

    def balance(self) -> None:
        """Put the fake in front of the workers as a load balancer: each update goes to the
        next worker in turn."""
        urls = [f"http://127.0.0.1:{port}/webhook" for port in self.ports]
        self.fake.core.webhook = WebhookConfig(url=urls[0], secret_token=SECRET)
        self.fake.server.delivery.balance(urls)

    def log_text(self, index: int) -> str:
        return (self.logs / f"worker{index}.log").read_text(errors="replace")

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:  # polled: subprocess's own timed wait breaks under libfaketime
            for _ in range(150):
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                proc.kill()
                proc.wait()
        await self.engine.dispose()


@pytest.fixture(name="cluster")
async def cluster_fixture(fake: Any, pg_template: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    """A fresh database from the template and an empty Redis; import it into the test module."""
    from redis.asyncio import Redis

    redis = Redis.from_url(TEST_REDIS_URL)
    await redis.flushdb()
    name = f"my_mp_{uuid.uuid4().hex[:10]}"
    url = await make_pg_database(TEST_DATABASE_URL, pg_template, name)
    group = Cluster(fake, url, tmp_path)
    try:
        yield group
    finally:
        await group.stop()
        await drop_pg_database(TEST_DATABASE_URL, name)
        await redis.flushdb()
        await redis.aclose()

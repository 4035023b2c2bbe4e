"""Two webhook worker processes on PostgreSQL + Redis, as behind a load balancer.

A conversation whose updates alternate between the workers completes; a scheduled reminder
goes out exactly once; killing the leader's process hands scheduled work to the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.fakeapi.core import WebhookConfig
from bot.services.workdays import WorkCalendar
from db.models import OutboxMessage, User, utcnow
from db.session import create_engine, create_session_factory
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.databases import drop_pg_database, make_pg_database
from tests.support.factories import make_assistant
from tests.support.flows import register
from tests.support.harness import TOKEN

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL",
)
SECRET = "multi-process-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[Any]:
        async with self.sessions() as session:
            yield session

    def env(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            BOT_TOKEN=TOKEN,
            BOT_USERNAME="mahalla_test_bot",
            TELEGRAM_API_URL=self.fake.base_url,
            DATABASE_URL=self.url,
            REDIS_URL=TEST_REDIS_URL,
            WEBHOOK_URL="https://bot.example.uz/webhook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_IN_BACKGROUND="false",
            LEADER_RETRY_SECONDS="0.5",
            QUIET_FROM="00:00",
            QUIET_TO="00:00",
            THROTTLE_RATE="1000",
            LOG_LEVEL="INFO",
        )
        return env

    def start(self, count: int) -> None:
        for index in range(count):
            port = _free_port()
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


@pytest.fixture
async def cluster(fake: Any, pg_template: str, tmp_path: Path) -> AsyncIterator[Cluster]:
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


async def test_workers_share_conversations_and_one_leader(cluster: Cluster) -> None:
    fake = cluster.fake
    cluster.start(2)
    for index in range(2):
        await cluster.wait_until(lambda i=index: cluster.health(i), f"worker {index} health")
    await cluster.wait_until(lambda: _has_leader(cluster), "a leader")

    # The load balancer: each update goes to the next worker in turn.
    urls = [f"http://127.0.0.1:{port}/webhook" for port in cluster.ports]
    fake.core.webhook = WebhookConfig(url=urls[0], secret_token=SECRET)
    turns = itertools.count()
    deliver = fake.core.webhook_dispatcher
    assert deliver is not None

    def round_robin(update: dict[str, Any]) -> None:
        assert fake.core.webhook is not None
        fake.core.webhook.url = urls[next(turns) % len(urls)]
        deliver(update)

    fake.core.webhook_dispatcher = round_robin

    citizen = fake.user(7001, first_name="Dilnoza", language_code="ru")
    row = await register(cluster, citizen, language="Русский", name="Dilnoza Karimova")
    assert row.registered_at is not None and row.locale == "ru"
    assert next(turns) >= 11  # the registration's updates went to both workers in turn
    handled = [(cluster.logs / f"worker{i}.log").read_text() for i in range(2)]
    assert all("is handled" in text for text in handled), "each worker handled updates"

    # A reminder run twice at once (two operators, or a restart) is delivered exactly once. It
    # runs for the next working day's morning, whatever today is (on a weekend or a holiday the
    # reminder is rightly skipped).
    async with cluster.db() as session:
        await make_assistant(session, 7002, locale="uz")
    assistant = fake.user(7002, first_name="Karim", started=True)
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "admin",
            "run-job",
            "morning_reminder",
            "--at",
            next_working_morning(),
            env=cluster.env(_free_port()),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [(await run.communicate())[0].decode() for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    first = await assistant.next_message(timeout=30, after=0)
    assert "Xayrli tong" in first.text or first.text
    async with cluster.db() as session:
        from sqlalchemy import func, select

        rows = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.chat_id == 7002, OutboxMessage.kind == "morning_reminder")
        )
    assert rows == 1

    # Kill the leader: the other worker takes over scheduled work and the outbox.
    leader = await cluster.leader()
    assert leader is not None
    cluster.procs[leader].kill()
    survivor = 1 - leader
    await cluster.wait_until(
        lambda: _is_leader(cluster, survivor), "the survivor to take the lead", within=30
    )
    async with cluster.db() as session:
        user = await session.get(User, row.id)
        assert user is not None
        session.add(
            OutboxMessage(
                chat_id=7001,
                user_id=user.id,
                kind="test",
                payload={"text": "Salom from the new leader"},
                status="queued",
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
        await session.commit()
    seen = len(citizen.messages)
    message = await citizen.next_message(timeout=30, after=seen)
    assert message.text == "Salom from the new leader"


def next_working_morning() -> str:
    """09:05 Tashkent time on the first working day after today (a controlled clock)."""
    calendar = WorkCalendar()
    day = dt.datetime.now(ZoneInfo("Asia/Tashkent")).date() + dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return f"{day.isoformat()}T09:05"


async def _is_leader(cluster: Cluster, index: int) -> bool:
    return bool(((await cluster.health(index)) or {}).get("leader"))


async def _has_leader(cluster: Cluster) -> bool:
    return await cluster.leader() is not None

"""Two webhook worker processes on PostgreSQL + Redis, as behind a load balancer.

A conversation whose updates alternate between the workers completes; a scheduled reminder
goes out exactly once; killing the leader's process hands scheduled work to the other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from zoneinfo import ZoneInfo

import pytest

from bot.services.workdays import WorkCalendar
from db.models import OutboxMessage, User, utcnow
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.cluster import Cluster, cluster_fixture, free_port  # noqa: F401 (fixture)
from tests.support.factories import make_assistant
from tests.support.flows import register

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL",
)


async def test_workers_share_conversations_and_one_leader(cluster: Cluster) -> None:
    fake = cluster.fake
    cluster.start(2)
    for index in range(2):
        await cluster.wait_until(lambda i=index: cluster.health(i), f"worker {index} health")
    await cluster.wait_until(lambda: _has_leader(cluster), "a leader")

    cluster.balance()  # each update goes to the next worker in turn

    citizen = fake.user(7001, first_name="Dilnoza", language_code="ru")
    row = await register(cluster, citizen, language="Русский", name="Dilnoza Karimova")
    assert row.registered_at is not None and row.locale == "ru"
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
            env=cluster.env(free_port()),
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

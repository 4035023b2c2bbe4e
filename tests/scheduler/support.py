"""A seeded district for the scheduled-work tests, with hand-countable figures.

Wednesday 9 December 2026; Tuesday 8 December is Constitution Day (a holiday).
Chilonzor (1726294) has 55 demo mahallas: assistants A1 (103-0104) and A2 (103-0084);
Uchtepa (1726262) has A3 (101-0085). 103-0085 has no assistant.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, roles
from db.models import Case, Job, OutboxMessage, User
from scheduler.outbox import OutboxSender
from tests.support.factories import make_assistant, make_user

TZ = ZoneInfo("Asia/Tashkent")
DISTRICT = "1726294"
OTHER_DISTRICT = "1726262"
REGION = "1726"
M1, M2, M3, M_EMPTY = "103-0104", "103-0084", "101-0085", "103-0085"


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: float = 0) -> dt.datetime:
    whole = int(s)
    micro = round((s - whole) * 1_000_000)
    return dt.datetime(y, m, d, h, mi, whole, micro, tzinfo=TZ)


@dataclass
class Seeded:
    a1: User
    a2: User
    a3: User
    supervisor: User  # district 1726294, Russian
    region_supervisor: User  # region 1726, Uzbek Latin
    c1: Case  # needs, M1, 2 Nov: overdue, twice overdue (escalate_due 30 Nov)
    c2: Case  # job, M1, 7 Dec
    c3: Case  # business, M2, 1 Dec, resolved 8 Dec
    c4: Case  # internship, M_EMPTY (no assistant), 8 Dec
    c5: Case  # needs, M1, 8 Dec 15:00


def _job(user: User, mahalla: str, district: str, day: dt.date, **extra: Any) -> Job:
    return Job(
        assistant_id=user.id,
        mahalla_code=mahalla,
        district_soato=district,
        region_soato=REGION,
        kind="permanent",
        employer="Test LLC",
        work_date=day,
        status=extra.pop("status", "recorded"),
        created_at=dt.datetime.combine(day, dt.time(12), tzinfo=TZ),
        **extra,
    )


async def _case(session: AsyncSession, citizen: User, kind: str, created: dt.datetime) -> Case:
    case = await cases.create_case(
        session,
        citizen=citizen,
        kind=kind,
        flow_id="household",
        flow_version=1,
        answers={"members": 4},
        assessment={"category": "yellow", "income_per_person": 500_000},
        now=created.astimezone(dt.UTC),
    )
    await session.commit()
    return case


async def seed(session: AsyncSession) -> Seeded:
    a1 = await make_assistant(session, 501, mahalla=M1, locale="uz", name="Aziza Karimova")
    a2 = await make_assistant(session, 502, mahalla=M2, locale="ru", name="Bobur Aliyev")
    a3 = await make_assistant(session, 503, mahalla=M3, locale="uz_Cyrl", name="Dilshod Rahimov")
    supervisor = await make_user(session, 601, locale="ru", name="Nodira Saidova")
    await roles.grant_supervisor(session, supervisor, "district", DISTRICT, local(2026, 11, 1))
    region_supervisor = await make_user(session, 602, locale="uz", name="Rustam Qodirov")
    await roles.grant_supervisor(session, region_supervisor, "region", REGION, local(2026, 11, 1))
    await session.commit()

    d = dt.date
    jobs = [_job(a1, M1, DISTRICT, d(2026, 11, 30))]  # last month
    jobs += [_job(a1, M1, DISTRICT, d(2026, 12, day)) for day in (1, 2, 3, 4, 5, 6, 7, 7, 8)]
    jobs += [
        _job(a1, M1, DISTRICT, d(2026, 12, 7), status="disputed"),  # does not count
        _job(a1, M1, DISTRICT, d(2026, 12, 8), deleted_at=local(2026, 12, 8, 18)),  # deleted
        _job(a2, M2, DISTRICT, d(2026, 12, 2), status="confirmed"),
        _job(a2, M2, DISTRICT, d(2026, 12, 7)),
        _job(a2, M2, DISTRICT, d(2026, 12, 8)),
        _job(a3, M3, OTHER_DISTRICT, d(2026, 12, 8)),
        _job(a3, M3, OTHER_DISTRICT, d(2026, 12, 8)),
    ]
    session.add_all(jobs)
    await session.commit()

    p1 = await make_user(session, 701, mahalla=M1, name="Citizen One")
    p2 = await make_user(session, 702, mahalla=M2, name="Citizen Two")
    p3 = await make_user(session, 703, mahalla=M_EMPTY, name="Citizen Three")
    c1 = await _case(session, p1, "needs", local(2026, 11, 2, 10))
    c2 = await _case(session, p1, "job", local(2026, 12, 7, 10))
    c3 = await _case(session, p2, "business", local(2026, 12, 1, 10))
    await cases.change_status(
        session, c3, actor=a2, to_status="accepted", now=local(2026, 12, 2, 10).astimezone(dt.UTC)
    )
    await cases.change_status(
        session,
        c3,
        actor=a2,
        to_status="resolved",
        outcome="job_placed",
        now=local(2026, 12, 8, 12).astimezone(dt.UTC),
    )
    await session.commit()
    c4 = await _case(session, p3, "internship", local(2026, 12, 8, 11))
    c5 = await _case(session, p1, "needs", local(2026, 12, 8, 15))
    return Seeded(a1, a2, a3, supervisor, region_supervisor, c1, c2, c3, c4, c5)


def start_all(fake: Any, *ids: int) -> None:
    """Telegram users who started the bot, so it may write to them."""
    for telegram_id in ids:
        fake.user(telegram_id, first_name=f"U{telegram_id}", started=True)


async def outbox_rows(session: AsyncSession, **where: Any) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return list((await session.scalars(query)).all())


async def pending(sessions: Any) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("queued", "sending")))
            )
            or 0
        )


async def deliver_all(app: Any) -> None:
    """Send everything due now without the 1-a-second per-chat wait (a test's own drainer)."""
    sender = OutboxSender(app.bot, app.sessions, rate=1000, per_chat_interval=0)
    for _ in range(100):
        while await sender.drain_once():
            pass
        if not await pending(app.sessions):
            return
        await asyncio.sleep(0.05)  # the harness's own drainer may hold a row in flight
    raise AssertionError("the outbox did not empty")

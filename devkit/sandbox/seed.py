"""Demo data for the sandbox: Tashkent city's Chilonzor district, its assistants, cases, jobs.

Enough history that digests, reminders and "Today" have something to show: most mahallas have
an assistant (a few don't, so the supervisor's queue is not empty), cases in every status
(some overdue), and a month of recorded jobs with assistants ahead of and behind target.
Deterministic (a fixed random seed), so every trainer sees the same district.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import registry, roles
from db.models import AssistantAssignment, Mahalla, User
from devkit.sandbox.cast import (
    ADMIN,
    ASSISTANT,
    CITIZEN,
    CITIZEN_BASE,
    DISTRICT,
    MAIN_PEOPLE,
    NEW_CITIZEN,
    OTHER_ASSISTANT_BASE,
    REGION,
    SUPERVISOR,
    Person,
)
from devkit.sandbox.demo_records import add_case, add_user, jobs_that_day, new_job, random_name

# The cast stays importable from here (``seed.ASSISTANT``...), as before the split.
__all__ = [
    "ADMIN",
    "ASSISTANT",
    "CITIZEN",
    "DISTRICT",
    "MAIN_PEOPLE",
    "NEW_CITIZEN",
    "REGION",
    "SUPERVISOR",
    "Person",
    "district_mahallas",
    "is_seeded",
    "load_people",
    "seed_demo",
]

WITHOUT_ASSISTANT = 5  # the last mahallas (by name) get none: the district's queue


async def district_mahallas(session: AsyncSession) -> Sequence[Mahalla]:
    """Every mahalla of the demo district."""
    return (await registry.mahallas_page(session, DISTRICT, 0, 10_000)).items


async def is_seeded(session: AsyncSession) -> bool:
    """True once the demo district was seeded (its main assistant exists)."""
    return (
        await session.scalar(select(User.id).where(User.telegram_id == ASSISTANT.telegram_id))
    ) is not None


async def seed_demo(session: AsyncSession, settings: Settings, now: dt.datetime) -> None:
    """Fill an empty (migrated) database with the demo district. Commits."""
    rng = random.Random(int(DISTRICT))
    tz = settings.tz
    limits = settings.limits()
    mahallas = list(await district_mahallas(session))
    if not mahallas:
        raise RuntimeError(f"no mahallas of district {DISTRICT} in the database")
    served = mahallas[: max(1, len(mahallas) - WITHOUT_ASSISTANT)]
    started = now - dt.timedelta(days=60)

    # People of the main cast.
    main_mahalla = served[0].code
    citizen = await add_user(
        session,
        CITIZEN.telegram_id,
        CITIZEN.first_name,
        CITIZEN.last_name,
        locale="uz",
        phone=CITIZEN.phone,
        mahalla=main_mahalla,
        female=False,
        now=now,
        rng=rng,
    )
    assistant = await add_user(
        session,
        ASSISTANT.telegram_id,
        ASSISTANT.first_name,
        ASSISTANT.last_name,
        locale="uz",
        phone=ASSISTANT.phone,
        mahalla=main_mahalla,
        female=True,
        now=now,
        rng=rng,
    )
    supervisor = await add_user(
        session,
        SUPERVISOR.telegram_id,
        SUPERVISOR.first_name,
        SUPERVISOR.last_name,
        locale="ru",
        phone=SUPERVISOR.phone,
        mahalla=served[1].code,
        female=False,
        now=now,
        rng=rng,
    )
    await add_user(
        session,
        ADMIN.telegram_id,
        ADMIN.first_name,
        ADMIN.last_name,
        locale="uz",
        phone=ADMIN.phone,
        mahalla=served[2].code,
        female=False,
        now=now,
        rng=rng,
    )
    await session.flush()
    await roles.grant_assistant(session, assistant, main_mahalla, started)
    await roles.grant_supervisor(session, supervisor, "district", DISTRICT, started)

    # The other assistants: one per served mahalla.
    assistants: dict[str, User] = {main_mahalla: assistant}
    diligence: dict[int, float] = {assistant.id: 1.0}
    for index, mahalla in enumerate(served[1:], start=1):
        female = rng.random() < 0.5
        first, last = random_name(rng, female)
        other = await add_user(
            session,
            OTHER_ASSISTANT_BASE + index,
            first,
            last,
            locale=rng.choice(("uz", "uz", "uz_Cyrl", "ru")),
            phone=f"+99890{OTHER_ASSISTANT_BASE + index:07d}",
            mahalla=mahalla.code,
            female=female,
            now=now,
            rng=rng,
        )
        await session.flush()
        await roles.grant_assistant(session, other, mahalla.code, started)
        assistants[mahalla.code] = other
        diligence[other.id] = rng.choice((0.2, 0.5, 0.8, 1.0, 1.0, 1.2, 1.5))
    await session.flush()

    # Citizens and their cases; the main citizen's cases come first.
    await add_case(
        session,
        citizen,
        assistants.get(main_mahalla),
        "in_progress",
        now - dt.timedelta(days=6),
        now,
        limits,
        rng,
    )
    await add_case(
        session,
        citizen,
        assistants.get(main_mahalla),
        "resolved",
        now - dt.timedelta(days=20),
        now,
        limits,
        rng,
    )
    plan = [
        "new",
        "new",
        "new",
        "accepted",
        "in_progress",
        "in_progress",
        "resolved",
        "resolved",
        "rejected",
        "closed",
    ]
    for index in range(48):
        female = rng.random() < 0.55
        first, last = random_name(rng, female)
        # The main assistant's mahalla gets a few more, so her lists are not empty.
        mahalla = main_mahalla if index < 4 else rng.choice(mahallas).code
        person = await add_user(
            session,
            CITIZEN_BASE + index,
            first,
            last,
            locale="uz",
            phone=f"+99893{CITIZEN_BASE + index:07d}",
            mahalla=mahalla,
            female=female,
            now=now,
            rng=rng,
        )
        await session.flush()
        status = "new" if index in (0, 1) else plan[index % len(plan)]
        age = dt.timedelta(days=rng.randint(0, 24), hours=rng.randint(0, 8))
        if index == 0:
            age = dt.timedelta(days=5)  # overdue: not accepted within a working day
        if index == 1:
            age = dt.timedelta(hours=2)
        await add_case(
            session, person, assistants.get(mahalla), status, now - age, now, limits, rng
        )

    # A month of the job ledger.
    today = now.astimezone(tz).date()
    for day_offset in range(1, 31):
        day = today - dt.timedelta(days=day_offset)
        if not limits.calendar.is_working_day(day):
            continue
        for code, person in assistants.items():
            count = jobs_that_day(rng, diligence[person.id])
            for _ in range(count):
                session.add(new_job(rng, person, code, day, tz))
    await session.commit()


async def load_people(session: AsyncSession) -> list[Person]:
    """The main cast, then every other seeded assistant (for the switcher's second group)."""
    mahallas = {m.code: m.name_uz for m in await district_mahallas(session)}
    people: list[Person] = []
    rows = await session.execute(
        select(User, AssistantAssignment.mahalla_code)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id, isouter=True)
        .where(User.telegram_id.in_([p.telegram_id for p in MAIN_PEOPLE]))
    )
    homes = {user.telegram_id: (code or user.mahalla_code) for user, code in rows}
    for person in MAIN_PEOPLE:
        code = homes.get(person.telegram_id)
        # A "new" citizen who registered in an earlier run (--keep) has started the bot.
        started = person.started or person.telegram_id in homes
        people.append(
            dataclasses.replace(person, mahalla=mahallas.get(code or ""), started=started)
        )
    others = await session.execute(
        select(User, AssistantAssignment.mahalla_code)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .where(User.telegram_id >= OTHER_ASSISTANT_BASE, User.telegram_id < CITIZEN_BASE)
        .where(AssistantAssignment.active_to.is_(None))
        .order_by(User.telegram_id)
    )
    for user, code in others:
        first, _, last = (user.name or "Assistant").partition(" ")
        people.append(
            Person(
                user.telegram_id,
                first,
                last or None,
                {"uz_Cyrl": "uz", "ru": "ru"}.get(user.locale, "uz"),
                "other_assistant",
                "assistant · yordamchi",
                "assistants",
                user.phone or "",
                mahalla=mahallas.get(code),
            )
        )
    return people

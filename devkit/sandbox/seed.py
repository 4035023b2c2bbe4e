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
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import cases, eligibility, registry, roles
from db.models import AssistantAssignment, Case, Job, Mahalla, User

DISTRICT = "1726294"  # Tashkent city, Chilonzor district
REGION = "1726"
WITHOUT_ASSISTANT = 5  # the last mahallas (by name) get none: the district's queue
OTHER_ASSISTANT_BASE = 510_000
CITIZEN_BASE = 520_000


@dataclass(frozen=True)
class Person:
    """Someone the page can chat as: a Telegram account plus what the page says about them."""

    telegram_id: int
    first_name: str
    last_name: str | None
    language_code: str
    role: str  # citizen_new | citizen | assistant | supervisor | admin | other_assistant
    label: str  # English · Uzbek, for the switcher
    group: str  # main | assistants
    phone: str
    started: bool = True
    mahalla: str | None = None  # name of the mahalla they live in or serve

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


# The people of the demo; the admin is added to ADMIN_IDS by the sandbox.
NEW_CITIZEN = Person(
    500_001,
    "Dilnoza",
    "Karimova",
    "uz",
    "citizen_new",
    "new citizen · yangi fuqaro",
    "main",
    "+998901234567",
    started=False,
)
CITIZEN = Person(
    500_002, "Bobur", "Toshmatov", "uz", "citizen", "citizen · fuqaro", "main", "+998901112233"
)
ASSISTANT = Person(
    500_101,
    "Aziza",
    "Rahimova",
    "uz",
    "assistant",
    "assistant · hokim yordamchisi",
    "main",
    "+998935550101",
)
SUPERVISOR = Person(
    500_201,
    "Rustam",
    "Aliyev",
    "ru",
    "supervisor",
    "district supervisor · tuman kuratori",
    "main",
    "+998977770201",
)
ADMIN = Person(
    500_301, "Sardor", "Yusupov", "uz", "admin", "admin · administrator", "main", "+998998880301"
)
MAIN_PEOPLE: tuple[Person, ...] = (NEW_CITIZEN, CITIZEN, ASSISTANT, SUPERVISOR, ADMIN)

MALE = (
    "Akmal",
    "Jasur",
    "Otabek",
    "Sherzod",
    "Bekzod",
    "Ulugʻbek",
    "Jahongir",
    "Doniyor",
    "Sanjar",
    "Farrux",
    "Shavkat",
    "Alisher",
    "Temur",
    "Islom",
    "Javlon",
)
FEMALE = (
    "Malika",
    "Nigora",
    "Gulnora",
    "Feruza",
    "Zarina",
    "Mohira",
    "Dildora",
    "Sevara",
    "Shahnoza",
    "Madina",
    "Nodira",
    "Kamola",
    "Muhabbat",
    "Yulduz",
    "Laylo",
)
SURNAMES = (
    "Karimov",
    "Rahimov",
    "Tursunov",
    "Ergashev",
    "Nazarov",
    "Xolmatov",
    "Qodirov",
    "Saidov",
    "Yoʻldoshev",
    "Abdullayev",
    "Mirzayev",
    "Hasanov",
    "Sobirov",
    "Usmonov",
    "Jurayev",
)
EMPLOYERS = (
    "Chilonzor tikuvchilik MChJ",
    "Oila novvoyxonasi",
    "Mahalla qurilish brigadasi",
    "Yangi bozor savdo majmuasi",
    "Texnopark IT-markazi",
    "Shahar obodonlashtirish",
    "Issiqxona xoʻjaligi",
    "Avtoservis «Usta»",
)
JOB_KINDS = (
    "permanent",
    "permanent",
    "temporary",
    "self_employment",
    "new_business",
    "internship",
    "public_works",
)
REJECT_REASONS = ("Oila daromadi mezondan yuqori", "Ariza takrorlangan")
HOUSING = ("good", "needs_repair", "unsafe", "no_utilities", "no_own_home")


def _name(rng: random.Random, female: bool) -> tuple[str, str]:
    surname = rng.choice(SURNAMES)
    if female:
        return rng.choice(FEMALE), surname + "a"
    return rng.choice(MALE), surname


def _local(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)


def _answers(rng: random.Random) -> dict[str, object]:
    """Screening answers of the household questionnaire, plausible for a family in need."""
    members = rng.randint(2, 9)
    children = rng.randint(0, max(0, members - 2))
    answers: dict[str, object] = {
        "members": members,
        "children": children,
        "pensioners": rng.randint(0, 1),
        "disabled": rng.choice((0, 0, 0, 1)),
        "unemployed": rng.randint(0, 2),
        "breadwinner_lost": rng.random() < 0.15,
        "income_3m": members * 3 * rng.choice((250_000, 400_000, 550_000, 800_000, 950_000)),
        "income_sources": rng.sample(["wage", "pension_benefit", "farming", "business"], 2),
        "plot_sotix": rng.choice((0, 2, 4, 6)),
        "housing": rng.choice(HOUSING),
    }
    return answers


async def _user(
    session: AsyncSession,
    person_id: int,
    first: str,
    last: str | None,
    *,
    locale: str,
    phone: str,
    mahalla: str,
    female: bool,
    now: dt.datetime,
    rng: random.Random,
) -> User:
    user = User(
        telegram_id=person_id,
        locale=locale,
        locale_confirmed=True,
        name=" ".join(p for p in (first, last) if p),
        phone=phone,
        birth_year=rng.randint(1965, 2000),
        gender="f" if female else "m",
        mahalla_code=mahalla,
        consent_version=1,
        consent_at=now - dt.timedelta(days=40),
        registered_at=now - dt.timedelta(days=40),
        first_seen=now - dt.timedelta(days=40),
        last_seen=now - dt.timedelta(days=1),
    )
    session.add(user)
    return user


async def district_mahallas(session: AsyncSession) -> Sequence[Mahalla]:
    rows, _total = await registry.mahallas_page(session, DISTRICT, 0, 10_000)
    return rows


async def is_seeded(session: AsyncSession) -> bool:
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
    citizen = await _user(
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
    assistant = await _user(
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
    supervisor = await _user(
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
    await _user(
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
        first, last = _name(rng, female)
        other = await _user(
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
    await _case(
        session,
        citizen,
        assistants.get(main_mahalla),
        "in_progress",
        now - dt.timedelta(days=6),
        now,
        limits,
        rng,
    )
    await _case(
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
        first, last = _name(rng, female)
        # The main assistant's mahalla gets a few more, so her lists are not empty.
        mahalla = main_mahalla if index < 4 else rng.choice(mahallas).code
        person = await _user(
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
        await _case(session, person, assistants.get(mahalla), status, now - age, now, limits, rng)

    # A month of the job ledger.
    today = now.astimezone(tz).date()
    for day_offset in range(1, 31):
        day = today - dt.timedelta(days=day_offset)
        if not limits.calendar.is_working_day(day):
            continue
        for code, person in assistants.items():
            count = _jobs_that_day(rng, diligence[person.id])
            for _ in range(count):
                session.add(_job(rng, person, code, day, tz))
    await session.commit()


def _jobs_that_day(rng: random.Random, diligence: float) -> int:
    value = rng.random() * 2 * diligence
    return int(value) + (1 if rng.random() < value - int(value) else 0)


def _job(rng: random.Random, assistant: User, code: str, day: dt.date, tz: dt.tzinfo) -> Job:
    return Job(
        assistant_id=assistant.id,
        mahalla_code=code,
        district_soato=DISTRICT,
        region_soato=REGION,
        kind=rng.choice(JOB_KINDS),
        employer=rng.choice(EMPLOYERS),
        work_date=day,
        status=rng.choice(("recorded", "recorded", "confirmed")),
        created_at=_local(day, rng.randint(9, 17), rng.randint(0, 59), tz),
    )


async def _case(
    session: AsyncSession,
    citizen: User,
    assistant: User | None,
    status: str,
    created: dt.datetime,
    now: dt.datetime,
    limits: cases.Limits,
    rng: random.Random,
) -> Case:
    """A needs case as the questionnaire would make it, moved along to ``status``."""
    answers = _answers(rng)
    assessment = eligibility.assess(answers, created.date())
    case = await cases.create_case(
        session,
        citizen=citizen,
        kind="needs",
        flow_id="household",
        flow_version=1,
        answers=answers,
        now=created,
        limits=limits,
        assessment={
            "category": assessment.category,
            "income_per_person": assessment.income_per_person,
            "mcs": assessment.mcs,
            "channels": list(assessment.channels),
            "assessed_on": created.date().isoformat(),
            "computed": {},
        },
    )
    await cases.add_roadmap(
        session, case, [(s.institution, s.channel, s.action) for s in assessment.roadmap]
    )
    if assistant is None or status == "new":
        return case
    step = (now - created) / 4
    path = {
        "accepted": ["accepted"],
        "in_progress": ["accepted", "in_progress"],
        "resolved": ["accepted", "in_progress", "resolved"],
        "rejected": ["rejected"],
        "closed": ["accepted", "closed"],
    }[status]
    for number, target in enumerate(path, start=1):
        await cases.change_status(
            session,
            case,
            actor=assistant,
            to_status=target,
            now=created + step * number,
            outcome=rng.choice(cases.OUTCOMES[:4]) if target == "resolved" else None,
            reason=rng.choice(REJECT_REASONS) if target == "rejected" else None,
        )
    return case


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

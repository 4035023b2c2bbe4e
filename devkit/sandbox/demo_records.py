"""One demo row at a time: users, needs cases moved along to a status, ledger jobs.

Random but deterministic: every builder draws from the ``random.Random`` it is given, in
the order :func:`devkit.sandbox.seed.seed_demo` calls them.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cases, eligibility
from db.models import Case, Job, User
from devkit.sandbox.cast import DISTRICT, REGION

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


def random_name(rng: random.Random, female: bool) -> tuple[str, str]:
    """A first name and surname (with the feminine ending when ``female``)."""
    surname = rng.choice(SURNAMES)
    if female:
        return rng.choice(FEMALE), surname + "a"
    return rng.choice(MALE), surname


def _local(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    """The UTC moment of a local wall-clock time on ``day``."""
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


async def add_user(
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
    """Add a registered user (consented 40 days ago, seen yesterday); not flushed."""
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


def jobs_that_day(rng: random.Random, diligence: float) -> int:
    """How many jobs an assistant records on one working day (about ``diligence`` on average)."""
    value = rng.random() * 2 * diligence
    return int(value) + (1 if rng.random() < value - int(value) else 0)


def new_job(rng: random.Random, assistant: User, code: str, day: dt.date, tz: dt.tzinfo) -> Job:
    """A ledger job the assistant recorded during working hours of ``day``."""
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


async def add_case(
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

"""Supervisors' drill-down, export and reassignment over a seeded data set whose figures are
counted by hand below: country → region → district → mahalla → assistant by pressing the
buttons, forged callbacks above and beside a district supervisor's scope, the menu's XLSX
export read back with openpyxl, and a region supervisor giving a case to another district.

Wednesday 9 December 2026, 12:00 in Tashkent. Expected jobs each by today: min(30, 9) = 9.

Toshkent shahri (1726)
  Chilonzor (1726294): M1 Dilobod (A1), M2 (A2); 53 more mahallas without an assistant
  Uchtepa (1726262): M3 (A3)
Andijon viloyati (1703)
  Oltinkoʻl (1703202): M4 Test Andijon MFY (A4), made for the test

Jobs this month (counted): A1 in M1: 9 Dec permanent confirmed, 5 Dec self-employment,
1 Dec new business (pending); A2 in M2: 8 Dec temporary (+ a disputed one on the 9th, not
counted); A3 in M3: 9 Dec and 2 Dec; A4 in M4: one a day, 1–9 Dec (on target), + 30 Nov.

Cases: M1: c1 needs red 300,000 new, overdue; c2 job accepted after 2 h, 2 h old;
c3 needs yellow 500,000 accepted after 4 h, resolved after 48 h, rated 5.
M2: c4 business in progress, accepted after 6 h; c5 needs green 800,000 rejected.
M3: c6 job new. M4: c7 needs yellow 400,000 accepted after 1 h, resolved after 24 h, rated 3.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from aiogram.utils.i18n import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select

from bot.callbacks import DigestAction, DrillCB, PickCB, SupCB, SupervisorAction, SvCB
from bot.i18n import fmt_date, fmt_datetime, fmt_money, in_locale
from db.models import Case, CaseEvent, OutboxMessage, User
from tests.support.factories import (
    make_assistant,
    make_case,
    make_job,
    make_mahalla,
    make_supervisor,
    make_user,
)

TZ = ZoneInfo("Asia/Tashkent")
NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=TZ)
TASHKENT, ANDIJAN = "1726", "1703"
CHILONZOR, UCHTEPA, OLTINKOL = "1726294", "1726262", "1703202"
M1, M2, M3, M4 = "103-0104", "103-0084", "101-0085", "900-0001"


@dataclass
class World:
    a1: User
    a2: User
    a3: User
    a4: User
    cases: dict[str, Case]


def day(n: int, month: int = 12) -> dt.date:
    return dt.date(2026, month, n)


async def seed(session: Any) -> World:
    await make_mahalla(session, M4, OLTINKOL, "Test Andijon MFY", "Тест Андижон МФЙ")
    a1 = await make_assistant(
        session, 701, mahalla=M1, name="Aziza Karimova", phone="+998901112233"
    )
    a2 = await make_assistant(session, 702, mahalla=M2, name="Bobur Aliyev")
    a3 = await make_assistant(session, 703, mahalla=M3, name="Olim Ergashev")
    a4 = await make_assistant(session, 704, mahalla=M4, name="Dilshod Sobirov")
    await make_job(session, a1, M1, day(9), status="confirmed")
    await make_job(session, a1, M1, day(5), kind="self_employment")
    await make_job(session, a1, M1, day(1), kind="new_business", status="pending")
    await make_job(session, a2, M2, day(8), kind="temporary")
    await make_job(session, a2, M2, day(9), status="disputed")
    await make_job(session, a3, M3, day(9))
    await make_job(session, a3, M3, day(2))
    for n in range(1, 10):
        await make_job(session, a4, M4, day(n))
    await make_job(session, a4, M4, day(30, 11))

    citizens = {
        code: await make_user(session, 710 + i, mahalla=code, name=f"Citizen {i}")
        for i, code in enumerate((M1, M2, M3, M4))
    }
    now = NOW.astimezone(dt.UTC)
    hour = dt.timedelta(hours=1)

    async def case(
        code: str,
        kind: str,
        status: str,
        age: dt.timedelta,
        *,
        category: str | None = None,
        income: int | None = None,
        accepted: float | None = None,
        resolved: float | None = None,
        rating: int | None = None,
    ) -> Case:
        assessment = {"category": category, "income_per_person": income} if category else {}
        made = await make_case(session, citizens[code], kind=kind, assessment=assessment or None)
        made.category, made.income_per_person = category, income
        made.created_at = now - age
        made.status = status
        made.accepted_at = made.created_at + accepted * hour if accepted is not None else None
        made.resolved_at = made.created_at + resolved * hour if resolved is not None else None
        made.rating = rating
        await session.commit()
        return made

    day_ = dt.timedelta(days=1)
    world = World(a1, a2, a3, a4, {})
    world.cases["c1"] = await case(M1, "needs", "new", 3 * day_, category="red", income=300_000)
    world.cases["c1"].accept_due = now - hour
    world.cases["c2"] = await case(M1, "job", "accepted", 2 * hour, accepted=2)
    world.cases["c3"] = await case(
        M1, "needs", "resolved", 5 * day_, category="yellow", income=500_000,
        accepted=4, resolved=48, rating=5,
    )  # fmt: skip
    world.cases["c4"] = await case(M2, "business", "in_progress", 4 * day_, accepted=6)
    world.cases["c5"] = await case(
        M2, "needs", "rejected", 4 * day_, category="green", income=800_000
    )
    world.cases["c6"] = await case(M3, "job", "new", 5 * hour)
    world.cases["c7"] = await case(
        M4, "needs", "resolved", 6 * day_, category="yellow", income=400_000,
        accepted=1, resolved=24, rating=3,
    )  # fmt: skip
    await session.commit()
    return world


def t(harness: Any, msgid: str | tuple[str, str, int], locale: str = "uz", **values: Any) -> str:
    with in_locale(harness.app.i18n, locale):
        args = msgid if isinstance(msgid, tuple) else (msgid,)
        return _(*args).format(**values)


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def money(harness: Any, amount: int, locale: str = "uz") -> str:
    with in_locale(harness.app.i18n, locale):
        return plain(fmt_money(amount))


def figures(
    harness: Any,
    *,
    assistants: int,
    on_target: int,
    mahallas: int,
    missing: int,
    today: int,
    month: int,
    percent: str,
    confirmed: int,
    confirmed_percent: str,
    entrepreneurs: int,
    statuses: tuple[int, int, int, int, int, int],
    overdue: int,
    job_requests: int,
    households: tuple[int, int, int, int],
    income: str,
    accept: str,
    resolve: str,
    rating: str,
    rated: int,
) -> list[str]:
    """The indicator lines a supervisor should read, built from the msgids."""
    names = ("new", "accepted", "in progress", "resolved", "rejected", "closed")
    with in_locale(harness.app.i18n, "uz"):
        listed = " · ".join(f"{_(n)} {c}" for n, c in zip(names, statuses, strict=True))
    return [
        t(
            harness,
            (
                "👥 Assistants: {count}, on target: {on_target} (at least {expected} job each)",
                "👥 Assistants: {count}, on target: {on_target} (at least {expected} jobs each)",
                9,
            ),
            count=assistants,
            on_target=on_target,
            expected=9,
        ),
        t(
            harness,
            "🏘 Mahallas: {count}, without an assistant: {missing}",
            count=mahallas,
            missing=missing,
        ),
        t(
            harness,
            "<b>Jobs created</b>: today {today} · this month {month} of {target} ({percent})",
            today=today,
            month=month,
            target=30 * assistants,
            percent=percent,
        ),
        t(
            harness,
            "Confirmed by citizens: {count} ({percent})",
            count=confirmed,
            percent=confirmed_percent,
        ),
        t(
            harness,
            "Entrepreneurs (new businesses, self-employed) this month: {count}",
            count=entrepreneurs,
        ),
        t(harness, "<b>Requests</b>: {statuses}", statuses=listed),
        t(
            harness,
            "Overdue now: {overdue} · open job requests: {jobs}",
            overdue=overdue,
            jobs=job_requests,
        ),
        t(
            harness,
            "<b>Households surveyed</b>: {count} (🔴 {red} · 🟡 {yellow} · 🟢 {green})",
            count=households[0],
            red=households[1],
            yellow=households[2],
            green=households[3],
        ),
        t(harness, "Median income per person: {amount}", amount=income),
        t(
            harness,
            "Median time to accept: {accept} · to resolve: {resolve}",
            accept=accept,
            resolve=resolve,
        ),
        t(harness, "Citizens' rating: {rating} of 5 (rated: {count})", rating=rating, count=rated),
    ]


def assert_lines(text: str, expected: list[str]) -> None:
    text = plain(text).replace("<b>", "").replace("</b>", "")
    for line in expected:
        line = plain(line).replace("<b>", "").replace("</b>", "")
        assert line in text, f"{line!r} not in\n{text}"


async def test_drill_down_from_country_to_assistant_with_the_seeded_figures(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            world = await seed(session)
            await make_supervisor(session, 720, "country", None, name="Nodira Country")
        sup = harness.user(720, first_name="Nodira", language_code="uz")
        await sup.send("/start")
        h = harness
        await sup.press(t(h, "🗺 Drill down"))
        country = sup.last.text
        assert t(h, "the whole country") in country
        assert_lines(
            country,
            figures(
                h,
                assistants=4,
                on_target=1,
                mahallas=586,
                missing=582,
                today=3,
                month=15,
                percent="12%",
                confirmed=1,
                confirmed_percent="7%",
                entrepreneurs=2,
                statuses=(2, 1, 1, 2, 1, 0),
                overdue=1,
                job_requests=2,
                households=(4, 1, 2, 1),
                income=money(h, 450_000),
                accept=t(h, "{hours} h", hours="3"),
                resolve=t(h, "{hours} h", hours="36"),
                rating="4",
                rated=2,
            ),
        )
        assert "• Andijon viloyati: 9 · 0 / 0" in plain(country)
        # 14 regions, 10 a page: Tashkent city is on the second page.
        assert "Toshkent shahri" not in str(sup.last.buttons)
        await sup.press("▶️")
        assert "• Toshkent shahri: 6 · 4 / 1" in plain(sup.last.text)
        await sup.press("Toshkent shahri")
        region = sup.last.text
        assert_lines(
            region,
            figures(
                h,
                assistants=3,
                on_target=0,
                mahallas=585,
                missing=582,
                today=2,
                month=6,
                percent="7%",
                confirmed=1,
                confirmed_percent="17%",
                entrepreneurs=2,
                statuses=(2, 1, 1, 1, 1, 0),
                overdue=1,
                job_requests=2,
                households=(3, 1, 1, 1),
                income=money(h, 500_000),
                accept=t(h, "{hours} h", hours="4"),
                resolve=t(h, "{days} d", days="2"),
                rating="5",
                rated=1,
            ),
        )
        assert "• Chilonzor tumani: 4 · 3 / 1" in plain(region)
        assert "• Uchtepa tumani: 2 · 1 / 0" in plain(region)
        await sup.press("Chilonzor tumani")
        district = sup.last.text
        assert_lines(
            district,
            figures(
                h,
                assistants=2,
                on_target=0,
                mahallas=55,
                missing=53,
                today=1,
                month=4,
                percent="7%",
                confirmed=1,
                confirmed_percent="25%",
                entrepreneurs=2,
                statuses=(1, 1, 1, 1, 1, 0),
                overdue=1,
                job_requests=1,
                households=(3, 1, 1, 1),
                income=money(h, 500_000),
                accept=t(h, "{hours} h", hours="4"),
                resolve=t(h, "{days} d", days="2"),
                rating="5",
                rated=1,
            ),
        )
        # 55 mahallas, 10 a page: page forward until Dilobod's button shows.
        for _page in range(6):
            if "Dilobod MFY" in str(sup.last.buttons):
                break
            await sup.press("▶️")
        assert "• Dilobod MFY: 3 · 2 / 1" in plain(sup.last.text)
        await sup.press("Dilobod MFY")
        mahalla = sup.last.text
        assert_lines(
            mahalla,
            figures(
                h,
                assistants=1,
                on_target=0,
                mahallas=1,
                missing=0,
                today=1,
                month=3,
                percent="10%",
                confirmed=1,
                confirmed_percent="33%",
                entrepreneurs=2,
                statuses=(1, 1, 0, 1, 0, 0),
                overdue=1,
                job_requests=1,
                households=(2, 1, 1, 0),
                income=money(h, 400_000),
                accept=t(h, "{hours} h", hours="3"),
                resolve=t(h, "{days} d", days="2"),
                rating="5",
                rated=1,
            ),
        )
        assert "• Aziza Karimova" in mahalla
        await sup.press("Aziza Karimova")
        person = sup.last.text
        assert_lines(
            person,
            [
                t(h, "👤 <b>{name}</b>, {mahalla}", name="Aziza Karimova", mahalla="Dilobod MFY"),
                t(h, "Phone: {phone}", phone="+998901112233"),
                t(
                    h,
                    "<b>Jobs created</b>: today {today} · this month {month} of {target} "
                    "({percent})",
                    today=1,
                    month=3,
                    target=30,
                    percent="10%",
                ),
                "⚠️ " + t(h, "Expected by today: {count}", count=9),
                t(h, "Confirmed by citizens: {count} ({percent})", count=1, percent="33%"),
                t(
                    h,
                    "Requests now: open {open} · overdue {overdue} · new since yesterday {new}",
                    open=2,
                    overdue=1,
                    new=1,
                ),
            ],
        )
        # Down to her cases: open, the overdue one first; each opens read-only and Back
        # returns to her screen.
        case_buttons = [row[0] for row in sup.last.buttons[:-1]]
        assert len(case_buttons) == 2 and case_buttons[0].startswith("⏰ ")
        assert not case_buttons[1].startswith("⏰ ")
        await sup.press(case_buttons[0])
        card = sup.last.text
        assert case_buttons[0].split(" ")[1] in card and "Aziza" in card
        await sup.press(t(h, "⬅️ Back"))
        assert sup.last.text.splitlines()[0] == person.splitlines()[0]
        assert sup.last.buttons == [[b] for b in case_buttons] + [[t(h, "⬅️ Back")]]
        # Back climbs one level at a time, up to the country.
        await sup.press(t(h, "⬅️ Back"))
        assert "Dilobod MFY" in sup.last.text and "Aziza Karimova" in str(sup.last.buttons)
        await sup.press(t(h, "⬅️ Back"))
        assert "Chilonzor tumani" in sup.last.text
        await sup.press(t(h, "⬅️ Back"))
        assert "Toshkent shahri" in sup.last.text
        await sup.press(t(h, "⬅️ Back"))
        # The country's second page, where Tashkent city was pressed.
        assert "Toshkent shahri" in str(sup.last.buttons) and "2/2" in str(sup.last.buttons)
        assert t(h, "⬅️ Back") not in str(sup.last.buttons)  # the top of the scope
        assert world.a4.id


async def test_region_and_district_supervisors_start_at_their_place(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            await seed(session)
            await make_supervisor(session, 721, "region", TASHKENT, name="Region Boss")
            await make_supervisor(session, 722, "district", CHILONZOR, name="District Boss")
        h = harness
        region = harness.user(721, first_name="R", language_code="uz")
        await region.send("/start")
        await region.press(t(h, "🗺 Drill down"))
        assert "Toshkent shahri" in region.last.text and "Chilonzor tumani" in str(
            region.last.buttons
        )
        assert t(h, "⬅️ Back") not in str(region.last.buttons)
        await region.press("Chilonzor tumani")
        await region.press(t(h, "⬅️ Back"))
        assert "• Uchtepa tumani: 2 · 1 / 0" in plain(region.last.text)

        district = harness.user(722, first_name="D", language_code="uz")
        await district.send("/start")
        await district.press(t(h, "🗺 Drill down"))
        assert "Chilonzor tumani" in district.last.text
        assert_lines(
            district.last.text,
            [t(h, "🏘 Mahallas: {count}, without an assistant: {missing}", count=55, missing=53)],
        )
        assert t(h, "⬅️ Back") not in str(district.last.buttons)
        # The digest's "By place" button opens the same screen.
        await district.press(t(h, "📊 Digest now"))
        await district.press(t(h, "🔎 By place"))
        assert "Chilonzor tumani" in district.last.text and "1/6" in str(district.last.buttons)


async def test_district_supervisor_refused_forged_places_above_and_beside(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            world = await seed(session)
            await make_supervisor(session, 723, "district", CHILONZOR, name="District Boss")
        h = harness
        sup = harness.user(723, first_name="D", language_code="uz")
        await sup.send("/start")
        await sup.press(t(h, "🗺 Drill down"))
        screen = sup.last.message_id
        before = sup.last.text
        forged = [
            DrillCB(level="c"),
            DrillCB(level="r", code=TASHKENT),  # their own region: above the scope
            DrillCB(level="r", code=ANDIJAN),
            DrillCB(level="d", code=UCHTEPA),  # beside
            DrillCB(level="d", code="9999999"),
            DrillCB(level="m", code=M3),  # another district's mahalla
            DrillCB(level="m", code=M4),
            DrillCB(level="a", code=M3, id=world.a3.id),
            DrillCB(level="a", code=M1, id=world.a3.id),  # an assistant of another mahalla
            DrillCB(level="x", code=CHILONZOR),
            SupCB(action=DigestAction.DRILL, level="r", code=TASHKENT),
            SupCB(action=DigestAction.MAHALLAS, level="d", code=UCHTEPA),
            SupCB(action=DigestAction.EXPORT, level="d", code=UCHTEPA),
            SupCB(action=DigestAction.EXPORT, level="c", code=""),
        ]
        with caplog.at_level(logging.INFO):
            for data in forged:
                await sup.press_data(screen, data.pack())
                assert sup.last_answer is not None
                assert sup.last_answer.text == t(h, "This button is out of date."), data
        assert sup.last.message_id == screen and sup.last.text == before
        assert not any(m.document for m in sup.messages)
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == len(forged)
        assert all("Olim" not in r and "Ergashev" not in r for r in refusals)
        # Their own places still open.
        await sup.press_data(screen, DrillCB(level="m", code=M1).pack())
        assert "Dilobod MFY" in sup.last.text
        await sup.press_data(screen, DrillCB(level="a", code=M1, id=world.a1.id).pack())
        assert "Aziza Karimova" in sup.last.text


async def test_export_button_sends_the_scopes_workbook(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            world = await seed(session)
            await make_supervisor(session, 724, "district", CHILONZOR, name="District Boss")
            two = await make_supervisor(session, 725, "district", CHILONZOR, name="Two Areas")
            from bot.services import roles as role_service
            from db.models import utcnow

            await role_service.grant_supervisor(session, two, "district", UCHTEPA, utcnow())
            await session.commit()
        h = harness
        sup = harness.user(724, first_name="D", language_code="uz")
        await sup.send("/start")
        await sup.press(t(h, "📥 Export XLSX"))
        document = sup.last.document
        assert document is not None
        assert document.filename == "indicators_district_1726294_2026-12-09.xlsx"
        book = load_workbook(io.BytesIO(harness.fake.file_bytes(document.file_id) or b""))
        assert book.sheetnames == [t(h, "Mahallas"), t(h, "Assistants")]
        rows = {
            row[1]: row for row in book[t(h, "Mahallas")].iter_rows(min_row=3, values_only=True)
        }
        assert len(rows) == 55 and M3 not in rows
        # district, code, mahalla, assistant, jobs day, month, open, overdue, new, resolved
        assert rows[M1][2:] == ("Dilobod MFY", "Aziza Karimova", 1, 3, 2, 1, 3, 1, 0)
        assert rows[M2][3:] == ("Bobur Aliyev", 0, 1, 1, 0, 2, 0, 0)
        people = {
            row[0]: row for row in book[t(h, "Assistants")].iter_rows(min_row=3, values_only=True)
        }
        assert set(people) == {"Aziza Karimova", "Bobur Aliyev"}
        # name, phone, code, mahalla, mahallas, jobs day, month, confirmed, expected, target, %
        assert people["Aziza Karimova"][1:11] == (
            "+998901112233",
            M1,
            "Dilobod MFY",
            1,
            1,
            3,
            1,
            9,
            30,
            10,
        )

        other = harness.user(725, first_name="T", language_code="uz")
        await other.send("/start")
        await other.press(t(h, "📥 Export XLSX"))
        assert t(h, "Which area should the file cover?") in other.last.text
        await other.press("Uchtepa tumani")
        document = other.last.document
        assert document is not None and "1726262" in document.filename
        book = load_workbook(io.BytesIO(harness.fake.file_bytes(document.file_id) or b""))
        people = [row[0] for row in book[t(h, "Assistants")].iter_rows(min_row=3, values_only=True)]
        assert people == ["Olim Ergashev"] and world.a3.name == "Olim Ergashev"


async def test_region_supervisor_reassigns_to_another_district(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            world = await seed(session)
            await make_supervisor(session, 726, "region", TASHKENT, name="Region Boss")
        h = harness
        case = world.cases["c1"]
        people = {
            "old": harness.user(701, first_name="Aziza", language_code="uz"),
            "new": harness.user(703, first_name="Olim", language_code="uz"),
            "citizen": harness.user(710, first_name="C", language_code="uz"),
        }
        sup = harness.user(726, first_name="R", language_code="uz")
        for person in (sup, *people.values()):
            await person.send("/start")
        await sup.send(t(h, "⏰ Overdue in my area"))
        await sup.press_data(
            sup.last.message_id, SvCB(action=SupervisorAction.OPEN, id=case.id).pack()
        )
        await sup.press(t(h, "🔁 Reassign"))
        buttons = str(sup.last.buttons)
        assert "Bobur Aliyev" in buttons and "Aziza" not in buttons and "Olim" not in buttons
        await sup.press(t(h, "🗺 Another district"))
        assert "Chilonzor tumani · 2" in str(sup.last.buttons)
        assert "Andijon" not in str(sup.last.buttons)  # outside the region
        await sup.press("Uchtepa tumani · 1")
        await sup.press("Olim Ergashev · Abdulla Qodiriy MFY")  # a mahalla by its name
        await sup.send("Aziza is on leave")
        await harness.drain()
        assert case.number in sup.last.text and "Olim Ergashev" in sup.last.text
        async with harness.db() as session:
            saved = await session.get(Case, case.id)
            assert saved is not None
            assert (saved.assignee_id, saved.mahalla_code) == (world.a3.id, M1)
            events = (
                await session.scalars(select(CaseEvent).where(CaseEvent.kind == "reassign"))
            ).all()
            told = (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind.in_(("case_reassign",)))
                )
            ).all()
        assert [e.note for e in events] == ["Aziza is on leave"]
        assert {row.user_id for row in told} >= {world.a1.id, world.a3.id}
        for person in people.values():
            assert any(case.number in (m.text or "") for m in person.messages), person.id
        # A forged pick of a place outside the region is refused.
        await sup.send(t(h, "⏰ Overdue in my area"))
        await sup.press_data(
            sup.last.message_id, PickCB(case=world.cases["c6"].id, level="d", code=OLTINKOL).pack()
        )
        assert sup.last_answer is not None
        assert sup.last_answer.text == t(h, "This button is out of date.")
        await sup.press_data(
            sup.last.message_id,
            SvCB(
                action=SupervisorAction.REASSIGN_TO, id=world.cases["c6"].id, v=str(world.a4.id)
            ).pack(),
        )
        assert sup.last_answer.text == t(h, "This button is out of date.")


async def test_supervisor_help_lists_every_menu_button_in_each_language(harness) -> None:  # type: ignore[no-untyped-def]
    from bot.views.keyboards.common import SUPERVISOR_MENU
    from bot.views.texts import SUPERVISOR_HELP as MENU_HELP

    assert {action for action, _label in SUPERVISOR_MENU} == set(MENU_HELP)
    async with harness.db() as session:
        for n, locale in enumerate(("uz", "uz_Cyrl", "ru")):
            await make_supervisor(session, 730 + n, "district", CHILONZOR, locale=locale)
    for n, locale in enumerate(("uz", "uz_Cyrl", "ru")):
        sup = harness.user(730 + n, first_name="S", language_code="uz")
        await sup.send("/start")
        await sup.press(t(harness, "ℹ️ Supervisor help", locale))
        text = sup.last.text
        for action, label in SUPERVISOR_MENU:
            line = f"{t(harness, label, locale)}: {t(harness, MENU_HELP[action], locale)}"
            assert line in text, (locale, line)


def labels(message: Any) -> list[str]:
    """The labels of a message's inline buttons, row after row."""
    return [label for row in message.buttons for label in row]


async def test_back_returns_to_the_page_the_supervisor_came_from(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            await seed(session)
            await make_supervisor(session, 725, "country", None, name="Nodira Country")
        h = harness
        sup = harness.user(725, first_name="N", language_code="uz")
        await sup.send("/start")
        await sup.press(t(h, "🗺 Drill down"))
        # Country, page 2 of 2 → Tashkent city → Back: page 2 again.
        await sup.press("▶️")
        assert "2/2" in str(labels(sup.last))
        await sup.press("Toshkent shahri")
        await sup.press("Chilonzor tumani")
        # Chilonzor's 55 mahallas: page forward to Dilobod's page (not the first).
        for _page in range(6):
            if "Dilobod MFY" in str(labels(sup.last)):
                break
            await sup.press("▶️")
        page = next(b for b in labels(sup.last) if b.endswith("/6"))
        assert page != "1/6"
        await sup.press("Dilobod MFY")
        await sup.press("Aziza Karimova")
        assert t(h, "Phone: {phone}", phone="+998901112233") in sup.last.text
        await sup.press(t(h, "⬅️ Back"))  # the assistant → their mahalla
        assert "Aziza Karimova" in str(labels(sup.last))
        await sup.press(t(h, "⬅️ Back"))  # the mahalla → the district's page it was on
        assert "Chilonzor tumani" in sup.last.text
        assert page in labels(sup.last) and "Dilobod MFY" in labels(sup.last)
        # Its pages keep the region's page for Back (Chilonzor is on the region's first).
        await sup.press("◀️")
        await sup.press(t(h, "⬅️ Back"))
        assert "Toshkent shahri" in sup.last.text and "Chilonzor tumani" in labels(sup.last)
        await sup.press(t(h, "⬅️ Back"))
        assert "2/2" in labels(sup.last) and "Toshkent shahri" in labels(sup.last)
        # A forged page beyond the end shows the last one.
        screen = sup.last.message_id
        await sup.press_data(screen, DrillCB(level="d", code=CHILONZOR, page=10**30).pack())
        assert "6/6" in labels(sup.last)


async def test_digest_and_drill_down_agree_on_the_same_place(harness) -> None:  # type: ignore[no-untyped-def]
    """The district's "Digest now" (today so far) and its drill-down screen (today): the same
    day's and month's jobs, target and overdue, both saying as of when; and for every place of
    every level the services agree on the same day."""
    from bot.services import digests, indicators
    from bot.services.roles import Scope
    from bot.views.digest import _of

    with time_machine.travel(NOW, tick=True):
        async with harness.db() as session:
            await seed(session)
            await make_supervisor(session, 726, "district", CHILONZOR, name="District Boss")
        h = harness
        sup = harness.user(726, first_name="D", language_code="uz")
        await sup.send("/start")
        await sup.press(t(h, "📊 Digest now"))
        digest = plain(sup.last.text)
        # Chilonzor: 2 assistants (target 60); jobs 1, 5, 8 Dec and 9 Dec (today); c1 overdue.
        # "Digest now" is today so far, as the drill-down next: the same day, month and time.
        with in_locale(h.app.i18n, "uz"):
            assert plain(_("Day: {date}").format(date=fmt_date(NOW.date()))) in digest
            assert plain(_("In the period: {figures}").format(figures=_of(1, 2))) in digest
            assert plain(_("This month: {figures}").format(figures=_of(4, 60))) in digest
            as_of = _("As of {moment}").format(moment=fmt_datetime(NOW, TZ))
            assert as_of.split(",")[0] in digest  # the date part; the minute may have turned
            total = _("Total: {new} · {resolved} · {overdue}").split("{")[0]
        totals = [line for line in digest.splitlines() if line.startswith(total)]
        assert len(totals) == 1 and totals[0].split(" · ")[-1] == "1"  # overdue now
        await sup.press(t(h, "🔎 By place"))
        assert as_of.split(",")[0] in sup.last.text
        assert_lines(
            sup.last.text,
            [
                t(
                    h,
                    "<b>Jobs created</b>: today {today} · this month {month} of {target} "
                    "({percent})",
                    today=1,
                    month=4,
                    target=60,
                    percent="7%",
                ),
                t(h, "Overdue now: {overdue} · open job requests: {jobs}", overdue=1, jobs=1),
            ],
        )

        now = NOW.astimezone(dt.UTC)
        today = NOW.date()
        async with harness.db() as session:
            for level, codes in (
                ("country", None),
                ("region", [TASHKENT, ANDIJAN]),
                ("district", [CHILONZOR, UCHTEPA, OLTINKOL]),
            ):
                scopes = [Scope(level, c) for c in codes or [None]]
                found = await digests.compute_all(
                    session, scopes, "daily", today, today, now, TZ, digests.Targets(1, 30)
                )
                places = await indicators.place_indicators_by(
                    session, level, codes, today, now, target_day=1, target_month=30
                )
                for scope in scopes:
                    d = found[scope]
                    p = places[scope.code or indicators.COUNTRY]
                    assert (d.jobs, d.jobs_month, d.target_month) == (
                        p.jobs_day,
                        p.jobs_month,
                        p.target_month,
                    ), scope
                    assert (d.assistants, d.on_target, d.expected_each) == (
                        p.assistants,
                        p.on_target,
                        p.expected_each,
                    ), scope
                    assert d.case_totals.overdue == p.overdue, scope
                    assert (d.coverage.mahallas, d.coverage.without_assistant) == (
                        p.mahallas,
                        p.without_assistant,
                    ), scope

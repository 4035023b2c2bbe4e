"""Supervisor digests: figures equal to hand counts, the chart and the XLSX read back, the
daily / weekly / monthly runs and the export button with its scope check."""

from __future__ import annotations

import datetime as dt
import io
import struct

import time_machine
from openpyxl import load_workbook

from bot.services import charts, digests, exports
from bot.services.digests import Targets
from bot.services.indicators import AssistantFigures, CaseFlow, MahallaFigures
from bot.services.roles import Scope
from bot.services.workdays import WorkCalendar
from scheduler.tasks import run_task
from tests.scheduler.support import (
    DISTRICT,
    REGION,
    TZ,
    deliver_all,
    local,
    outbox_rows,
    seed,
    start_all,
)

DIGEST_TIME = local(2026, 12, 9, 8, 30)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == charts.PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_periods() -> None:
    calendar = WorkCalendar()
    d = dt.date
    # Wednesday after the Tuesday holiday covers Monday and Tuesday.
    assert digests.period_for("daily", d(2026, 12, 9), calendar) == (d(2026, 12, 7), d(2026, 12, 8))
    # Monday covers Friday to Sunday; Tuesday covers Monday.
    assert digests.period_for("daily", d(2026, 12, 14), calendar) == (
        d(2026, 12, 11),
        d(2026, 12, 13),
    )
    assert digests.period_for("daily", d(2026, 12, 15), calendar) == (
        d(2026, 12, 14),
        d(2026, 12, 14),
    )
    assert digests.period_for("weekly", d(2026, 12, 14), calendar) == (
        d(2026, 12, 7),
        d(2026, 12, 13),
    )
    assert digests.period_for("monthly", d(2027, 1, 4), calendar) == (
        d(2026, 12, 1),
        d(2026, 12, 31),
    )


async def test_digest_figures_equal_hand_counts(env) -> None:  # type: ignore[no-untyped-def]
    async with env.sessions() as session:
        s = await seed(session)
        now = DIGEST_TIME.astimezone(dt.UTC)
        first, last = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
        district = await digests.compute(
            session, Scope("district", DISTRICT), "daily", first, last, now, TZ, Targets(1, 30)
        )
        region = await digests.compute(
            session, Scope("region", REGION), "daily", first, last, now, TZ, Targets(1, 30)
        )
        country = await digests.compute(
            session, Scope("country", None), "daily", first, last, now, TZ, Targets(1, 30)
        )
    d = district
    assert (d.assistants, d.jobs, d.target) == (2, 5, 4)  # A1: 7th ×2 + 8th; A2: 7th, 8th
    assert (d.jobs_month, d.target_month, d.expected_each, d.on_target) == (12, 60, 8, 1)
    assert d.share_on_target == 0.5
    assert d.cases == (
        CaseFlow("needs", new=1, resolved=0, overdue=1),
        CaseFlow("job", new=1, resolved=0, overdue=0),
        CaseFlow("internship", new=1, resolved=0, overdue=0),
        CaseFlow("business", new=0, resolved=1, overdue=0),
    )
    assert (d.coverage.mahallas, d.coverage.without_assistant, d.coverage.queued_cases) == (
        55,
        53,
        1,
    )
    assert len(d.coverage.sample) == 5
    assert [(x.user_id, x.jobs) for x in d.behind] == [(s.a2.id, 3)]
    assert [(x.user_id, x.jobs, x.mahalla_code) for x in d.ahead] == [(s.a1.id, 9, "103-0104")]
    per_day = dict(d.per_day)
    assert len(per_day) == 30 and min(per_day) == dt.date(2026, 11, 9)
    assert [per_day[dt.date(2026, 12, n)] for n in range(1, 9)] == [1, 2, 1, 1, 1, 1, 3, 2]
    assert per_day[dt.date(2026, 11, 30)] == 1 and sum(per_day.values()) == 13
    assert d.target_per_day == 2

    r = region
    assert (r.assistants, r.jobs, r.target, r.jobs_month, r.target_month) == (3, 7, 6, 14, 90)
    assert [(x.user_id, x.jobs) for x in r.behind] == [(s.a3.id, 2), (s.a2.id, 3)]
    assert (r.coverage.mahallas, r.coverage.without_assistant) == (585, 582)
    assert r.case_totals == CaseFlow("all", 3, 1, 1)
    assert (country.assistants, country.jobs, country.on_target) == (3, 7, 1)


async def test_daily_digest_chart_text_and_export(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(DIGEST_TIME, tick=True):
        async with harness.db() as session:
            s = await seed(session)
        start_all(harness.fake, 601, 602)
        result = await run_task("daily_digest", DIGEST_TIME, app=harness.app)
        assert (result.status, result.period, result.queued) == ("done", "2026-12-09", 4)
        await deliver_all(harness.app)
        supervisor = harness.fake.user(601)
        photo = next(m for m in supervisor.messages if m.photo is not None)
        chart = harness.fake.file_bytes(photo.photo.file_id)
        assert chart is not None and _png_size(chart) == (800, 400) and len(chart) > 5_000
        assert "Рабочие места по дням и план: Чиланзарский район" in photo.caption
        message = next(m for m in supervisor.messages if m.text)
        text = _plain(message.text)
        assert "📊 Ежедневная сводка: Чиланзарский район" in text
        assert "За период: 5 из 4 (125 %)" in text
        assert "За месяц: 12 из 60 (20 %)" in text
        assert "Помощников, выполняющих план: 1 из 2 (50 %)" in text
        assert "Всего: 3 · 1 · 1" in text
        assert "🏚 Махалли без помощника: 53 из 55" in text
        assert "Обращения без помощника: 1" in text
        assert "1. Bobur Aliyev" in text and "1. Aziza Karimova, Дилобод МФЙ: 9" in text
        assert message.buttons == [["🔎 По территориям", "📥 Файл Excel"]]

        regional = _plain(next(m for m in harness.fake.user(602).messages if m.text).text)
        assert "Kunlik hisobot: Toshkent shahri" in regional and "7 / 6 (117%)" in regional

        await supervisor.press("📥 Файл Excel")
        document = supervisor.last.document
        assert (
            document is not None
            and document.filename == "indicators_district_1726294_2026-12-09.xlsx"
        )
    book = load_workbook(io.BytesIO(harness.fake.file_bytes(document.file_id) or b""))
    assert book.sheetnames == ["Махалли", "Помощники"]
    mahallas = book["Махалли"]
    assert mahallas["A1"].value.startswith("Показатели: Чиланзарский район")
    rows = {row[1]: row for row in mahallas.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 55
    # district, code, name, assistants, jobs on the day, month, open, overdue, new, resolved
    assert rows["103-0104"][3:] == ("Aziza Karimova", 0, 9, 3, 1, 2, 0, 0)
    assert rows["103-0084"][3:] == ("Bobur Aliyev", 0, 3, 0, 0, 1, 1, 0)
    assert rows["103-0085"][3:] == ("—", 0, 0, 1, 0, 1, 0, 0)
    people = {row[0]: row for row in book["Помощники"].iter_rows(min_row=3, values_only=True)}
    assert set(people) == {"Aziza Karimova", "Bobur Aliyev"}
    # name, phone, code, mahalla, mahallas, day, month, confirmed, expected, target, %, on target
    assert people["Aziza Karimova"][4:] == (1, 0, 9, 0, 9, 30, 30, "да")
    assert people["Bobur Aliyev"][4:] == (1, 0, 3, 1, 9, 30, 10, "нет")
    assert s.a1.name == "Aziza Karimova"


async def test_weekly_and_monthly_summaries(harness) -> None:  # type: ignore[no-untyped-def]
    monday = local(2027, 1, 4, 8, 30)
    with time_machine.travel(monday, tick=True):
        async with harness.db() as session:
            await seed(session)
        start_all(harness.fake, 601, 602)
        for day in (1, 2, 5):  # a holiday, a Saturday, the second working day
            skipped = await run_task("monthly_summary", local(2027, 1, day, 8, 30), app=harness.app)
            assert skipped.status == "skipped"
        monthly = await run_task("monthly_summary", monday, app=harness.app)
        assert (monthly.status, monthly.period, monthly.queued) == ("done", "2027-01", 6)
        weekly = await run_task("weekly_summary", monday, app=harness.app)
        assert (weekly.status, weekly.period, weekly.queued) == ("done", "2027-W01", 4)
        await deliver_all(harness.app)
        async with harness.db() as session:
            kinds = sorted(r.kind for r in await outbox_rows(session, chat_id=602))
        assert kinds == ["monthly_summary"] * 3 + ["weekly_summary"] * 2
    messages = harness.fake.user(602).messages
    texts = [_plain(m.text) for m in messages if m.text]
    month = next(t for t in texts if "Oylik hisobot" in t)
    assert "Oylik hisobot: Toshkent shahri" in month and "14 / 93 (15%)" in month
    assert "Shu oyda:" not in month  # the period is the month
    assert any("Haftalik hisobot" in t for t in texts)
    table = next(m.document for m in messages if m.document is not None)
    book = load_workbook(io.BytesIO(harness.fake.file_bytes(table.file_id) or b""))
    rows = {row[1]: row for row in book["Mahallalar"].iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 585 and rows["103-0104"][5] == 9 and rows["101-0085"][5] == 2
    people = {row[0]: row for row in book["Yordamchilar"].iter_rows(min_row=3, values_only=True)}
    assert people["Aziza Karimova"][8:] == (30, 30, 30, "yoʻq")


async def test_export_refuses_a_place_outside_the_scope(harness) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(DIGEST_TIME, tick=True):
        async with harness.db() as session:
            await seed(session)
        start_all(harness.fake, 601)
        await run_task("daily_digest", DIGEST_TIME, app=harness.app)
        await deliver_all(harness.app)
        supervisor = harness.fake.user(601)
        digest = next(m for m in supervisor.messages if m.text)
        for forged in ("sv:xlsx:d:1726262", "sv:xlsx:r:1726", "sv:xlsx:c:"):
            before = len(supervisor.messages)
            await supervisor.press_data(digest, forged)
            assert len(supervisor.messages) == before
            assert supervisor.last_answer is not None and "устарела" in supervisor.last_answer.text


def test_chart_png() -> None:
    days = [(dt.date(2026, 11, 9) + dt.timedelta(days=i), i % 4) for i in range(30)]
    data = charts.jobs_chart(
        days, 2, title="Ish oʻrinlari: Chilonzor", jobs_label="Jobs", target_label="Target"
    )
    assert _png_size(data) == (800, 400) and len(data) > 5_000


def test_xlsx_keeps_names_as_text() -> None:
    hostile = '=HYPERLINK("http://x","y")\x07'
    data = exports.ExportData(
        Scope("district", DISTRICT),
        dt.date(2026, 12, 9),
        [
            MahallaFigures(
                "103-0104",
                "Dilobod",
                "Дилобод",
                None,
                DISTRICT,
                "Chilonzor",
                "Чилонзор",
                "Чиланзар",
                hostile,
                1,
                2,
                3,
                4,
                5,
                6,
            )
        ],
        [
            AssistantFigures(
                1, hostile, None, "103-0104", "Dilobod", "Дилобод", None, 1, 1, 2, 0, 9, 30
            )
        ],
        files={"103-0104": 7},
    )
    titles = {key: key for key in exports.TITLE_KEYS}
    book = load_workbook(io.BytesIO(exports.build_xlsx(data, titles, "Heading", "uz")))
    cell = book["sheet_mahallas"]["D3"]
    assert cell.value == hostile[:-1] and cell.data_type == "s"
    assert book["sheet_assistants"]["A3"].data_type == "s"
    # The last column: the voice messages and files of the mahalla's cases this month.
    assert [c.value for c in book["sheet_mahallas"][2]][-1] == "files"
    assert book["sheet_mahallas"]["K3"].value == 7

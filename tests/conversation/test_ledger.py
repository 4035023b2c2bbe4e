"""The job ledger: three taps, "same as last", same-day edit/delete, the citizen's confirmation,
and the "Today" figures."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from bot.callbacks import CaseAction, CaseCB
from bot.services import roles
from db.models import Job, utcnow
from tests.support.factories import make_assistant, make_case, make_user, settle_outbox

TZ = dt.timezone(dt.timedelta(hours=5))  # Asia/Tashkent has no DST


def _today() -> dt.date:
    return utcnow().astimezone(TZ).date()


def _button(chat, prefix: str) -> str:  # type: ignore[no-untyped-def]
    return next(b for row in chat.last.buttons for b in row if b.startswith(prefix))


async def _jobs(harness) -> list[Job]:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def test_a_job_in_three_taps_counted_in_today(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen = await make_user(session, 601, name="Sardor")
        await make_case(session, citizen, kind="job")  # an open case: the link step is shown
        await make_assistant(session, 602, locale="ru")
    assistant = harness.user(602, first_name="Karim", language_code="ru")
    await assistant.send("/start")

    # The first job: the employer is typed.
    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("постоянная работа")
    assert "Работодатель" in assistant.last.text
    assert not any(b.startswith("🔁") for row in assistant.last.buttons for b in row)
    await assistant.send("  «Artel»   MChJ ")
    assert "Привязать это рабочее место к обращению?" in assistant.last.text
    await assistant.press("Без привязки")
    assert "Рабочее место записано" in assistant.last.text

    # The second: menu, then kind → "same as last" → "No link" = three taps.
    await assistant.press("➕ Отметить рабочее место")
    taps = 0
    await assistant.press("временная или сезонная работа")
    taps += 1
    await assistant.press("🔁 Как в прошлый раз: «Artel» MChJ")
    taps += 1
    await assistant.press("Без привязки")
    taps += 1
    assert taps <= 3
    assert "Рабочее место записано" in assistant.last.text
    assert "Рабочих мест сегодня: 2 из 1 ✅" in assistant.last.text

    recorded = await _jobs(harness)
    assert [(j.kind, j.employer, j.status) for j in recorded] == [
        ("permanent", "«Artel» MChJ", "recorded"),
        ("temporary", "«Artel» MChJ", "recorded"),
    ]
    assert all(j.work_date == _today() for j in recorded)
    assert {(j.mahalla_code, j.district_soato, j.region_soato) for j in recorded} == {
        ("103-0104", recorded[0].district_soato, recorded[0].region_soato)
    }
    assert recorded[0].district_soato and recorded[0].region_soato

    # Self-employment offers "no employer".
    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("самозанятость")
    await assistant.press("Без работодателя (своё дело)")
    await assistant.press("Без привязки")
    assert (await _jobs(harness))[-1].employer is None

    await assistant.press("📊 Сегодня")
    today = assistant.last.text
    assert "Рабочих мест сегодня: 3 из 1 ✅" in today
    assert "Рабочих мест за месяц: 3 из 30" in today
    assert "Открытых обращений: 1" in today
    assert [b for row in assistant.last.buttons for b in row] == [
        "➕ Отметить рабочее место",
        "📥 Обращения",
    ]


async def test_edit_and_delete_the_same_day_only(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_assistant(session, 612, locale="ru")
    assistant = harness.user(612, first_name="Karim", language_code="ru")
    await assistant.send("/start")
    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("стажировка")
    await assistant.send("Hokimlik")  # no open cases: saved without the link step
    saved = assistant.last
    assert "Рабочее место записано" in saved.text

    await assistant.press("✏️ Изменить", message=saved)
    await assistant.press("постоянная работа")
    await assistant.press("Оставить: Hokimlik")
    assert "Рабочее место обновлено" in assistant.last.text
    (job,) = await _jobs(harness)
    assert (job.kind, job.employer) == ("permanent", "Hokimlik")

    await assistant.press("🗑 Удалить")
    await assistant.press("🗑 Да, удалить")
    assert "Рабочее место удалено" in assistant.last.text
    assert "Рабочих мест сегодня: 0 из 1" in assistant.last.text
    (job,) = await _jobs(harness)
    assert job.deleted_at is not None

    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("общественные работы")
    await assistant.send("Obodonlashtirish")
    saved = assistant.last
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=True):
        await assistant.press("✏️ Изменить", message=saved)
        assert assistant.last_answer is not None
        assert "только в день его записи" in assistant.last_answer.text
        await assistant.press("🗑 Удалить", message=saved)
        assert "только в день его записи" in assistant.last_answer.text
    jobs = await _jobs(harness)
    assert jobs[-1].deleted_at is None and jobs[-1].kind == "public_works"

    # Another assistant cannot touch this job, whatever the day.
    async with harness.db() as session:
        await make_assistant(session, 613, locale="ru")
    other = harness.user(613, first_name="Olim", language_code="ru")
    await other.send("/start")
    await other.press_data(other.last, f"jb:dely::{jobs[-1].id}")
    assert other.last_answer is not None and "устарела" in other.last_answer.text
    assert (await _jobs(harness))[-1].deleted_at is None


async def test_a_linked_job_asks_its_citizen(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 621, locale="ru", name="Sardor")
        case = await make_case(session, citizen_row, kind="job")
        await make_user(session, 623, name="Begona")
        await make_assistant(session, 622, locale="uz", name="Karim")
    citizen = harness.user(621, first_name="Sardor", language_code="ru")
    await citizen.send("/start")
    stranger = harness.user(623, first_name="Begona", language_code="uz")
    await stranger.send("/start")
    assistant = harness.user(622, first_name="Karim", language_code="uz")
    await assistant.send("/start")

    async def record(kind: str) -> Job:
        await assistant.press("➕ Ish oʻrni qayd etish")
        await assistant.press(kind)
        await assistant.send("Agrofirma")
        await assistant.press(_button(assistant, case.number))
        assert "fuqarodan tasdiqlash soʻraldi" in assistant.last.text
        job = (await _jobs(harness))[-1]
        assert (job.status, job.case_id, job.citizen_id) == ("pending", case.id, citizen_row.id)
        return job

    first = await record("doimiy ish")
    await settle_outbox(harness)
    assert "Вы приступили к этой работе?" in citizen.last.text
    assert "Agrofirma" in citizen.last.text

    # Someone else pressing the citizen's button (a forged callback) is refused.
    await stranger.press_data(
        stranger.last, CaseCB(action=CaseAction.CONFIRM_JOB, id=first.id, v="y").pack()
    )
    assert stranger.last_answer is not None and "eskirgan" in stranger.last_answer.text
    assert (await _jobs(harness))[0].status == "pending"

    await citizen.press("✅ Да")
    assert "Вы подтвердили" in citizen.last.text
    assert (await _jobs(harness))[0].status == "confirmed"
    await citizen.press_data(
        citizen.last, CaseCB(action=CaseAction.CONFIRM_JOB, id=first.id, v="n").pack()
    )
    assert citizen.last_answer is not None and "уже ответили" in citizen.last_answer.text
    assert (await _jobs(harness))[0].status == "confirmed"
    await settle_outbox(harness)  # the assistant's "confirmed" notice lands before the next step

    second = await record("vaqtinchalik yoki mavsumiy ish")
    await settle_outbox(harness)
    await citizen.press("❌ Нет")
    assert (await _jobs(harness))[1].status == "disputed"
    assert second.id != first.id

    await settle_outbox(harness)
    told = "\n".join(assistant.texts())
    assert "Sardor ishni boshlaganini tasdiqladi" in told
    assert "Sardor ishni boshlamaganini aytdi" in told
    await assistant.press("📊 Bugun")
    assert "Bugungi ish oʻrinlari: 1 / 1 ✅" in assistant.last.text  # the disputed one is out


async def test_several_mahallas_ask_once_and_other_input(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        assistant_row = await make_assistant(session, 632, locale="ru")
        await roles.grant_assistant(
            session, assistant_row, "103-0096", utcnow() - dt.timedelta(minutes=1)
        )
        await session.commit()
    assistant = harness.user(632, first_name="Karim", language_code="ru")
    await assistant.send("/start")
    await assistant.press("➕ Отметить рабочее место")
    await assistant.send_sticker()
    assert "выберите вид работы кнопками выше" in assistant.last.text
    await assistant.press("новый бизнес")
    await assistant.send_location()
    assert "не могу принять" in assistant.last.text
    assert "напишите название работодателя" in assistant.last.text
    await assistant.send("/foo")
    assert "команды не работают" in assistant.last.text
    await assistant.send("Tikuvchilik sexi")
    question = assistant.last
    assert "В какой махалле" in question.text
    assert question.buttons[2] == ["⬅️ Назад", "✖️ Отмена"] and len(question.buttons) == 3
    await assistant.send("103-0096")
    assert "выберите махаллю кнопками выше" in assistant.last.text
    await assistant.press(question.buttons[1][0], message=question)
    (job,) = await _jobs(harness)
    assert job.mahalla_code in ("103-0104", "103-0096") and job.employer == "Tikuvchilik sexi"

    # /cancel leaves the ledger; a menu button in the middle goes to the menu.
    await assistant.press("➕ Отметить рабочее место")
    await assistant.send("/cancel")
    assert "Отменено" in assistant.last.text
    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("постоянная работа")
    await assistant.press("🏠 Мои личные обращения")
    assert "Ваши личные обращения" in assistant.last.text
    await assistant.send("Some employer")
    assert "Я не понял" in assistant.last.text
    assert len(await _jobs(harness)) == 1


async def test_every_step_has_back_and_cancel(harness) -> None:  # type: ignore[no-untyped-def]
    """A wrong tap is undone with ⬅️ Back (the choices before it kept), and ✖️ Cancel leaves
    the ledger at any step without recording anything."""
    async with harness.db() as session:
        citizen = await make_user(session, 641, name="Sardor")
        await make_case(session, citizen, kind="job")  # an open case: the link step is shown
        await make_assistant(session, 642, locale="uz")
    assistant = harness.user(642, first_name="Karim", language_code="uz")
    await assistant.send("/start")

    await assistant.press("➕ Ish oʻrni qayd etish")
    assert assistant.last.buttons[-1] == ["✖️ Bekor qilish"]
    await assistant.press("amaliyot")
    assert "Ish beruvchi" in assistant.last.text
    assert assistant.last.buttons[-1] == ["⬅️ Orqaga", "✖️ Bekor qilish"]
    await assistant.press("⬅️ Orqaga")  # the wrong kind: back to the kinds, in place
    assert "Qanday ish oʻrni yaratildi?" in assistant.last.text
    await assistant.press("doimiy ish")
    await assistant.send("Artel")
    assert "murojaatga bogʻlaysizmi" in assistant.last.text
    await assistant.press("⬅️ Orqaga")  # back to the employer, the kind kept
    assert assistant.last.text.startswith("Doimiy ish. Ish beruvchi")
    await assistant.send("Agrofirma")
    await assistant.press("Bogʻlamaslik")
    (job,) = await _jobs(harness)
    assert (job.kind, job.employer) == ("permanent", "Agrofirma")

    await assistant.press("➕ Ish oʻrni qayd etish")
    await assistant.press("doimiy ish")
    await assistant.send("Artel")
    link = assistant.last
    await assistant.press("✖️ Bekor qilish")
    assert "Bekor qilindi" in assistant.last.text
    assert link.buttons == []  # the step's buttons went with it
    assert len(await _jobs(harness)) == 1
    await assistant.send("Boshqa ish beruvchi")  # no step is open any more
    assert len(await _jobs(harness)) == 1

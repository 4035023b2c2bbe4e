"""The roadmap editor: add, due date, edit, done, remove; the citizen follows; forgeries fail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.callbacks import RoadmapAction, RoadmapCB
from bot.i18n import fmt_date
from bot.services import cases
from db.models import Case, CaseEvent, RoadmapStep, utcnow
from tests.support.factories import make_assistant, make_case, make_user, settle_outbox

TZ = dt.timezone(dt.timedelta(hours=5))  # Asia/Tashkent has no DST


def _today() -> dt.date:
    return utcnow().astimezone(TZ).date()


def _button(chat, prefix: str) -> str:  # type: ignore[no-untyped-def]
    return next(b for row in chat.last.buttons for b in row if b.startswith(prefix))


async def _case_with_step(session, citizen) -> Case:  # type: ignore[no-untyped-def]
    case = await make_case(session, citizen)
    await cases.add_roadmap(
        session,
        case,
        [
            (
                "employment_fund",
                "public_works",
                {"uz": "Jamoat ishlari", "uz_Cyrl": "Жамоат ишлари", "ru": "Общественные работы"},
            )
        ],
    )
    await session.commit()
    return case


async def test_assistant_edits_the_roadmap_and_the_citizen_follows(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 501, locale="uz", name="Dilnoza")
        await make_assistant(session, 502, locale="ru", name="Karim")
        case = await _case_with_step(session, citizen_row)
    citizen = harness.user(501, first_name="Dilnoza", language_code="uz")
    await citizen.send("/start")
    assistant = harness.user(502, first_name="Karim", language_code="ru")
    await assistant.send("/start")

    await assistant.press_data(
        assistant.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    assert f"Дорожная карта обращения {case.number}" in assistant.last.text
    assert "Общественные работы" in assistant.last.text

    # Add: institution, then the action typed by the assistant.
    await assistant.press("➕ Добавить шаг")
    await assistant.press("Фонд содействия занятости")
    assert "напишите, что нужно сделать" in assistant.last.text
    await assistant.send("Записать на курсы швей")
    assert "Сохранено" in assistant.last.text and "Срок: не указан" in assistant.last.text

    # Due date by a button, then typed (a bad date first).
    await assistant.press("📅 Срок")
    await assistant.press(_button(assistant, "Через 7 дней"))
    async with harness.db() as session:
        added = await session.scalar(
            select(RoadmapStep).where(RoadmapStep.case_id == case.id, RoadmapStep.channel.is_(None))
        )
        assert added is not None and added.due_date == _today() + dt.timedelta(days=7)
        assert added.action["uz"] == added.action["ru"] == "Записать на курсы швей"
    await assistant.press("📅 Срок")
    await assistant.send("31.02.2027")  # written right, but February has no 31st
    assert "Такой даты в календаре нет" in assistant.last.text
    assert "дд.мм.гггг" not in assistant.last.text
    await assistant.send("в пятницу")
    assert "дд.мм.гггг" in assistant.last.text
    due = _today() + dt.timedelta(days=20)
    await assistant.send(due.strftime("%d.%m.%Y"))
    assert "Срок: " + fmt_date(due, "ru") in assistant.last.text

    # Edit the text, then mark it done.
    await assistant.press("✏️ Изменить текст")
    assert "Сейчас: Записать на курсы швей" in assistant.last.text
    await assistant.send("Записать на курсы швей-мотористок")
    await assistant.press("✅ Отметить выполненным")
    assert "Выполнено ✅" in assistant.last.text

    # Remove the suggested step.
    await assistant.press("⬅️ К дорожной карте")
    await assistant.press(_button(assistant, "1. ▫️ Общественные"))
    await assistant.press("🗑 Убрать")
    await assistant.press("🗑 Да, убрать")
    assert "Общественные работы" not in assistant.last.text
    assert "швей-мотористок" in assistant.last.text

    async with harness.db() as session:
        steps = (
            await session.scalars(select(RoadmapStep).where(RoadmapStep.case_id == case.id))
        ).all()
        assert sorted(s.status for s in steps) == ["done", "dropped"]
        events = (
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "roadmap")
            )
        ).all()
        assert len(events) == 6  # added, due, due, edited, done, removed

    await settle_outbox(harness)
    told = "\n".join(citizen.texts())
    assert f"{case.number} murojaatingiz: yoʻl xaritangizda yangi qadam" in told
    assert "yoʻl xaritangizdagi qadam bajarildi ✅" in told
    assert "yoʻl xaritangizdan qadam olib tashlandi" in told
    assert "muddati — " + fmt_date(due, "uz") in told

    await citizen.press("📂 Murojaatlarim")
    await citizen.press(_button(citizen, case.number))
    card = citizen.last.text
    assert "✅ Записать на курсы швей-мотористок — " + fmt_date(due, "uz") + " gacha" in card
    assert "Jamoat ishlari" not in card


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_only_the_responsible_assistant_may_edit(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 511)
        mine = await make_assistant(session, 512, locale="ru")
        other = await make_assistant(session, 513, mahalla="103-0096", locale="ru")
        case = await _case_with_step(session, citizen_row)
        second = await _case_with_step(session, citizen_row)
        step = (await cases.roadmap(session, case.id))[0]
        foreign_step = (await cases.roadmap(session, second.id))[0]
    intruder = harness.user(513, first_name="Olim", language_code="ru")
    await intruder.send("/start")
    before = len(intruder.messages)
    await intruder.press_data(
        intruder.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    assert len(intruder.messages) == before
    assert intruder.last_answer is not None and "устарела" in intruder.last_answer.text
    await intruder.press_data(
        intruder.last, RoadmapCB(action=RoadmapAction.DONE, case=case.id, step=step.id).pack()
    )
    assert intruder.last_answer is not None and "устарела" in intruder.last_answer.text

    assistant = harness.user(512, first_name="Karim", language_code="ru")
    await assistant.send("/start")
    # A step of another case under this case's id is refused too.
    await assistant.press_data(
        assistant.last,
        RoadmapCB(action=RoadmapAction.DONE, case=case.id, step=foreign_step.id).pack(),
    )
    assert assistant.last_answer is not None and "устарела" in assistant.last_answer.text
    async with harness.db() as session:
        assert (await session.get(RoadmapStep, step.id)).status == "planned"  # type: ignore[union-attr]
        assert (await session.get(RoadmapStep, foreign_step.id)).status == "planned"  # type: ignore[union-attr]
        reassigned = await session.get(Case, case.id)
        assert reassigned is not None
        reassigned.assignee_id = other.id
        await session.commit()
    # Reassigned: the mahalla's assistant no longer may, the assignee may.
    await assistant.press_data(
        assistant.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    assert assistant.last_answer is not None and "устарела" in assistant.last_answer.text
    await intruder.press_data(
        intruder.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    assert f"Дорожная карта обращения {case.number}" in intruder.last.text
    assert mine.id != other.id


async def test_typing_a_step_answers_every_other_input(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 521)
        await make_assistant(session, 522, locale="ru")
        case = await _case_with_step(session, citizen_row)
    assistant = harness.user(522, first_name="Karim", language_code="ru")
    await assistant.send("/start")
    await assistant.press_data(
        assistant.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    await assistant.press("➕ Добавить шаг")
    await assistant.press("Хокимият")
    await assistant.send_sticker()
    assert "не могу принять такое сообщение" in assistant.last.text
    assert "напишите текст шага" in assistant.last.text
    await assistant.send_location()
    assert "не могу принять" in assistant.last.text
    await assistant.send("/foo")
    assert "команды не работают" in assistant.last.text
    await assistant.send("/cancel")
    assert "Отменено" in assistant.last.text
    await assistant.send("Отремонтировать крышу")
    assert "Я не понял" in assistant.last.text
    async with harness.db() as session:
        assert len(await cases.roadmap(session, case.id)) == 1

    # A menu button while typing a date leaves the editor and is answered by the menu.
    await assistant.press_data(
        assistant.last, RoadmapCB(action=RoadmapAction.VIEW, case=case.id).pack()
    )
    await assistant.press(_button(assistant, "1. "))
    await assistant.press("📅 Срок")
    await assistant.send_sticker()
    assert "введите дату в виде дд.мм.гггг" in assistant.last.text
    await assistant.press("📊 Сегодня")
    assert "Сегодня," in assistant.last.text
    await assistant.send("01.01.2099")
    assert "Я не понял" in assistant.last.text

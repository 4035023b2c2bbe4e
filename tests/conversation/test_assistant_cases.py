"""Assistants' case work: the new-case message, the lifecycle with the citizen told in their own
language, messages both ways, notes, list filters and paging, forged callbacks, succession."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import ACB, AssistantAction, CaseAction, CaseCB
from bot.notifications import cases as notify
from bot.services import cases, roles
from db.models import Case, CaseEvent, OutboxMessage, User, utcnow
from tests.support.factories import make_assistant, make_case, make_user

ASSESSMENT = {"category": "yellow", "income_per_person": 400_000, "channels": ["public_works"]}


async def _arrival(harness: Any, sim: Any, seen: int) -> Any:
    """The first bot message after `seen` (the outbox drainer may already be sending it)."""
    await harness.drain()
    return await sim.next_message(after=seen, timeout=5)


async def _submit(harness: Any, citizen_tg: int, assistant: Any) -> Case:
    """Create a case the way the questionnaire does: case + notification, one commit, drain."""
    seen = len(assistant.messages)
    async with harness.db() as session:
        citizen = await session.scalar(select(User).where(User.telegram_id == citizen_tg))
        now = utcnow()
        case = await cases.create_case(
            session,
            citizen=citizen,
            kind="needs",
            flow_id="household",
            flow_version=1,
            answers={"members": 5, "children": 2},
            assessment=ASSESSMENT,
            now=now,
        )
        await notify.case_created(session, harness.app.i18n, case, citizen, now)
        await session.commit()
    await _arrival(harness, assistant, seen)
    return case


async def _case(harness: Any, case_id: int) -> Case:
    async with harness.db() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def _events(harness: Any, case_id: int, kind: str | None = None) -> list[CaseEvent]:
    async with harness.db() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        if kind:
            query = query.where(CaseEvent.kind == kind)
        return list((await session.scalars(query)).all())


def _button(message: Any, part: str) -> str:
    return next(b for row in message.buttons for b in row if part in b)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def test_lifecycle_told_to_the_citizen_in_their_language(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 401, locale="ru", name="Gulnora Karimova", phone="+998901234567")
        await make_assistant(session, 402, locale="uz", name="Karim Aliyev")
    citizen = harness.user(401, first_name="Gulnora", language_code="ru")
    assistant = harness.user(402, first_name="Karim", language_code="uz")
    await citizen.send("/start")
    await assistant.send("/start")
    assert "📥 Murojaatlar" in [b for row in assistant.reply_keyboard for b in row]

    case = await _submit(harness, 401, assistant)
    new = assistant.last
    assert new is not None and case.number in new.text
    assert "Yangi murojaat" in new.text and "+998901234567" in new.text
    assert new.buttons == [["✅ Qabul qilish", "📂 Ochish"]]

    seen = len(citizen.messages)
    await assistant.press("✅ Qabul qilish")
    assert (
        assistant.last_answer is not None and "Fuqaroga xabar berildi" in assistant.last_answer.text
    )
    assert (await _case(harness, case.id)).status == "accepted"
    assert assistant.chat.messages[new.message_id].buttons == [["📂 Ochish"]]
    told = await _arrival(harness, citizen, seen)
    assert case.number in told.text and "принято" in told.text

    await assistant.press("📂 Ochish")
    card = _plain(assistant.last.text)
    assert f"Murojaat {case.number}" in card and "Holati: qabul qilindi" in card
    assert "Telefon: +998901234567" in card and "Gulnora Karimova" in card
    assert "Jamoat ishlari" in card  # eligibility hint, in the assistant's language
    assert "Oilangizda necha kishi bor? 5" in card  # the answers as readable text
    assert "400 000" in card

    seen = len(citizen.messages)
    await assistant.press("🔄 Ishni boshlash")
    assert (await _case(harness, case.id)).status == "in_progress"
    assert "Holati: ishlanmoqda" in _plain(assistant.last.text)
    assert "в работе" in (await _arrival(harness, citizen, seen)).text

    await assistant.press("🏁 Hal qilindi")
    assert "natijasi qanday" in assistant.last.text
    seen = len(citizen.messages)
    await assistant.press("ishga joylashdi")
    resolved = await _case(harness, case.id)
    assert resolved.status == "resolved" and resolved.outcome == "job_placed"
    assert "Natija: ishga joylashdi" in _plain(assistant.last.text)
    told = await _arrival(harness, citizen, seen)
    assert "решено" in told.text and case.number in told.text

    statuses = [(e.from_status, e.to_status) for e in await _events(harness, case.id, "status")]
    assert statuses == [
        (None, "new"),
        ("new", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
    ]

    # A second case is rejected with a typed reason; other input is answered on the way.
    second = await _submit(harness, 401, assistant)
    await assistant.press("📥 Murojaatlar")
    assert "Ochiq murojaatlar" in assistant.last.text
    await assistant.press(_button(assistant.last, second.number or "?"))
    await assistant.press("❌ Rad etish")
    assert "rad etish sababini yozing" in assistant.last.text
    await assistant.send_sticker()
    assert "Faqat matn qabul qilinadi" in assistant.last.text
    await assistant.send("/foo")
    assert "buyruqlar ishlamaydi" in assistant.last.text
    await assistant.send("📥 Murojaatlar")
    assert "rad etish sababini yozing" in assistant.last.text
    assert (await _case(harness, second.id)).status == "new"
    seen = len(citizen.messages)
    await assistant.send("Boshqa mahallaga koʻchib ketgan")
    rejected = await _case(harness, second.id)
    assert rejected.status == "rejected" and rejected.reason == "Boshqa mahallaga koʻchib ketgan"
    assert "Holati: rad etildi" in _plain(assistant.last.text)
    told = await _arrival(harness, citizen, seen)
    assert "отклонено" in told.text
    assert "Причина: Boshqa mahallaga koʻchib ketgan" in told.text


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_messages_both_ways_and_notes(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 411, locale="ru", name="Gulnora Karimova")
        assistant_row = await make_assistant(session, 412, locale="uz")
        case = await make_case(session, citizen_row)
    citizen = harness.user(411, first_name="Gulnora", language_code="ru")
    assistant = harness.user(412, first_name="Karim", language_code="uz")
    await citizen.send("/start")
    await assistant.send("/start")
    await assistant.press("📥 Murojaatlar")
    await assistant.press(_button(assistant.last, case.number or "?"))
    card = assistant.last

    await assistant.press("📝 Izoh")
    assert "izoh yozing" in assistant.last.text
    await assistant.send("/cancel")
    assert "Bekor qilindi" in assistant.last.text
    await assistant.send("salom")
    assert "Tushunmadim" in assistant.last.text
    assert await _events(harness, case.id, "note") == []
    seen_by_citizen = len(citizen.messages)
    await assistant.press("📝 Izoh", message=card)
    await assistant.send("Uyiga bordim, hujjatlar bor")
    assert "izoh saqlandi" in assistant.last.text
    assert "📝 Ali: Uyiga bordim, hujjatlar bor" in assistant.last.text
    notes = await _events(harness, case.id, "note")
    assert [(n.actor_id, n.note) for n in notes] == [
        (assistant_row.id, "Uyiga bordim, hujjatlar bor")
    ]
    await harness.drain()
    assert len(citizen.messages) == seen_by_citizen  # notes are not sent to the citizen

    await assistant.press("✉️ Fuqaroga yozish")
    await assistant.send_sticker()
    assert "Matn, ovozli xabar, rasm yoki hujjat yuboring" in assistant.last.text
    seen = len(citizen.messages)
    await assistant.send("Ertaga soat 10 da keling <b>")
    assert "fuqaroga xabar yuborildi" in assistant.last.text
    relayed = await _arrival(harness, citizen, seen)
    assert "Ваш помощник Ali Valiyev пишет по обращению" in relayed.text
    assert case.number in relayed.text
    assert "Ertaga soat 10 da keling <b>" in relayed.text  # shown literally
    assert relayed.buttons == [["↩️ Ответить"], ["Открыть обращение"]]

    await citizen.press("↩️ Ответить")
    assert "Напишите помощнику по обращению" in citizen.last.text
    await citizen.send_location()
    assert "Отправьте текст, голосовое сообщение, фото или документ" in citizen.last.text
    seen = len(assistant.messages)
    await citizen.send("Хорошо, приду")
    assert "Ваш ответ отправлен помощнику" in citizen.last.text
    reply = await _arrival(harness, assistant, seen)
    assert "Gulnora" in reply.text and "javob berdi" in reply.text
    assert "Хорошо, приду" in reply.text and "Karimova" not in reply.text
    assert reply.buttons == [["↩️ Javob berish", "📂 Ochish"]]

    await assistant.press("↩️ Javob berish")
    seen = len(citizen.messages)
    await assistant.send("Kutaman")
    assert "Kutaman" in (await _arrival(harness, citizen, seen)).text
    messages = await _events(harness, case.id, "message")
    assert [(m.actor_id, m.note) for m in messages] == [
        (assistant_row.id, "Ertaga soat 10 da keling <b>"),
        (citizen_row.id, "Хорошо, приду"),
        (assistant_row.id, "Kutaman"),
    ]
    await assistant.press("📂 Ochish")
    history = assistant.last.text
    assert "↩️ Gulnora: Хорошо, приду" in history and "✉️ Ali: Kutaman" in history


async def test_list_filters_and_paging(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen = await make_user(session, 421, locale="ru", name="Gulnora Karimova")
        assistant_row = await make_assistant(session, 422, locale="uz")
        made = [await make_case(session, citizen) for _ in range(8)]
        made += [await make_case(session, citizen, kind="job") for _ in range(4)]
        for case in made[:2]:
            row = await session.get(Case, case.id)
            assert row is not None
            row.accept_due = utcnow() - dt.timedelta(hours=1)
        for case in made[8:11]:
            row = await session.get(Case, case.id)
            assert row is not None
            await cases.change_status(
                session, row, actor=assistant_row, to_status="accepted", now=utcnow()
            )
        await session.commit()
    assistant = harness.user(422, first_name="Karim", language_code="uz")
    await assistant.send("/start")

    def case_rows() -> list[str]:
        return [b for row in assistant.last.buttons for b in row if "-0" in b]

    await assistant.press("📥 Murojaatlar")
    assert "Ochiq murojaatlar: 12" in assistant.last.text
    first_page = case_rows()
    assert len(first_page) == 8 and "1/2" in str(assistant.last.buttons)
    assert first_page[0].startswith("⏰ " + (made[0].number or "?"))
    assert first_page[2] == f"🆕 {made[2].number} · oila ehtiyojlari · 0 daq · Gulnora"
    await assistant.press("▶️")
    second_page = case_rows()
    assert len(second_page) == 4 and not set(first_page) & set(second_page)
    assert any("ish soʻrash" in row for row in second_page)

    await assistant.press("🆕 Yangi (9)")
    assert "Yangi murojaatlar: 9" in assistant.last.text and len(case_rows()) == 8
    await assistant.press("• 🆕 Yangi (9)")  # pressing the current filter again is harmless
    await assistant.press("🔄 Ishlanmoqda (3)")
    assert len(case_rows()) == 3 and all(r.startswith("☑️") for r in case_rows())
    await assistant.press("⏰ Muddati oʻtgan (2)")
    assert {r.split(" · ")[0] for r in case_rows()} == {f"⏰ {c.number}" for c in made[:2]}
    await assistant.press("ish soʻrash (4)")
    assert len(case_rows()) == 4 and all("ish soʻrash" in r for r in case_rows())
    await assistant.press("✔️ Yakunlangan")
    assert "Yakunlangan murojaatlar: 0" in assistant.last.text

    await assistant.press("⏰ Muddati oʻtgan")  # the menu button
    assert "Muddati oʻtgan murojaatlar: 2" in assistant.last.text and len(case_rows()) == 2


@pytest.mark.parametrize(
    "action", [a for a in AssistantAction if a not in {AssistantAction.LIST, AssistantAction.FILES}]
)
async def test_forged_callback_on_another_mahallas_case(harness, caplog, action: str) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_assistant(session, 431, locale="uz")  # serves 103-0104
        other = await make_user(session, 432, mahalla="103-0096", name="Secret Name")
        foreign = await make_case(session, other)
    assistant = harness.user(431, first_name="Karim", language_code="uz")
    await assistant.send("/start")
    await assistant.press("📥 Murojaatlar")
    before = len(assistant.messages)
    value = {AssistantAction.STATUS: "rejected", AssistantAction.OUTCOME: "job_placed"}.get(
        action, ""
    )
    with caplog.at_level(logging.WARNING):
        await assistant.press_data(
            assistant.last.message_id, ACB(action=action, id=foreign.id, v=value).pack()
        )
    assert assistant.last_answer is not None and "eskirgan" in assistant.last_answer.text
    assert len(assistant.messages) == before
    refusal = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusal and f"case={foreign.id}" in refusal[0] and "Secret" not in refusal[0]
    assert (await _case(harness, foreign.id)).status == "new"
    assert len(await _events(harness, foreign.id)) == 1
    async with harness.db() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued == 0
    await assistant.send("salom")  # no state was entered: an ordinary answer
    assert "Tushunmadim" in assistant.last.text


async def test_citizen_cannot_reply_on_someone_elses_case(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 436, locale="ru")
        other = await make_user(session, 437)
        foreign = await make_case(session, other)
    citizen = harness.user(436, first_name="Anna", language_code="ru")
    await citizen.send("/start")
    await citizen.press_data(
        citizen.last.message_id, CaseCB(action=CaseAction.REPLY, id=foreign.id).pack()
    )
    assert citizen.last_answer is not None and "устарела" in citizen.last_answer.text
    await citizen.send("привет")
    assert await _events(harness, foreign.id, "message") == []


async def test_successor_takes_over_open_cases(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen = await make_user(session, 441, locale="ru", name="Gulnora Karimova")
        old_row = await make_assistant(session, 442, locale="uz")
        first = await make_case(session, citizen)
        second = await make_case(session, citizen)
        row = await session.get(Case, second.id)
        assert row is not None
        await cases.change_status(session, row, actor=old_row, to_status="accepted", now=utcnow())
        await session.commit()
    old = harness.user(442, first_name="Old", language_code="uz")
    await old.send("/start")
    await old.press("📥 Murojaatlar")
    await old.press(_button(old.last, first.number or "?"))
    card = old.last

    # The old assistant is replaced: cases stay with the mahalla, nothing about them changes.
    async with harness.db() as session:
        successor_row = await make_user(session, 443, locale="ru", name="Nodira Yusupova")
        await roles.grant_assistant(session, successor_row, "103-0104", utcnow())
        await session.commit()
    for kept in (first, second):
        row = await _case(harness, kept.id)
        assert row.assignee_id is None and row.mahalla_code == "103-0104"

    await old.press("❌ Rad etish", message=card)
    assert old.last_answer is not None and "eskirgan" in old.last_answer.text
    await old.press_data(card.message_id, ACB(action=AssistantAction.OPEN, id=second.id).pack())
    assert "eskirgan" in old.last_answer.text
    await old.send("📥 Murojaatlar")
    assert "hokim yordamchilari uchun" in old.last.text
    assert (await _case(harness, first.id)).status == "new"

    successor = harness.user(443, first_name="Nodira", language_code="ru")
    await successor.send("/start")
    await successor.press("📥 Обращения")
    rows = [b for row in successor.last.buttons for b in row if "-0" in b]
    assert len(rows) == 2 and "Открытые обращения: 2" in successor.last.text
    await successor.press(_button(successor.last, first.number or "?"))
    await successor.press("✅ Принять")
    assert (await _case(harness, first.id)).status == "accepted"

    # New cases go to the successor; a case reassigned away leaves their hands too.
    third = await _submit(harness, 441, successor)
    assert third.number in successor.last.text and successor.last.buttons[0][0] == "✅ Принять"
    async with harness.db() as session:
        other_row = await make_user(session, 444, name="Other Person")
        row = await session.get(Case, third.id)
        assert row is not None
        row.assignee_id = other_row.id
        await session.commit()
    await successor.press("✅ Принять")
    assert "устарела" in successor.last_answer.text
    assert (await _case(harness, third.id)).status == "new"

    # Revoked: the successor can no longer act either.
    async with harness.db() as session:
        row_user = await session.get(User, successor_row.id)
        assert row_user is not None
        await roles.revoke_assistant(session, row_user, utcnow())
        await session.commit()
    await successor.press_data(
        successor.last.message_id, ACB(action=AssistantAction.OPEN, id=first.id).pack()
    )
    assert "устарела" in successor.last_answer.text


async def test_close_for_no_contact_after_confirmation(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 441, locale="ru", name="Gulnora Karimova", phone="+998901234567")
        await make_assistant(session, 442, locale="uz", name="Karim Aliyev")
    citizen = harness.user(441, first_name="Gulnora", language_code="ru")
    assistant = harness.user(442, first_name="Karim", language_code="uz")
    await citizen.send("/start")
    await assistant.send("/start")
    case = await _submit(harness, 441, assistant)
    await assistant.press("📂 Ochish")
    await assistant.press("📵 Yopish: aloqa yoʻq")
    await assistant.press("📵 Ha, yopilsin")
    assert (await _case(harness, case.id)).status == "closed"
    answer = assistant.last_answer
    assert answer is not None and "Fuqaroga xabar berildi" in answer.text
    assert "Holati:" in _plain(assistant.last.text) and case.number in assistant.last.text

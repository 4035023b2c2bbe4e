"""Voice notes and papers: a voice answer to a free-text question, photos and PDFs attached to an
answer, bad files refused with the question again, files relayed both ways by file_id through
the outbox, shown to the assistant on the case card, and erased with the citizen's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import CaseAction, CaseCB
from bot.services import exports, privacy
from bot.services.roles import Scope
from db.models import Case, CaseFile, Draft, OutboxMessage, User, utcnow
from tests.support.factories import make_assistant, make_user

pytestmark = pytest.mark.harness(throttle_rate=100_000)  # many answers within seconds

PDF = b"%PDF-1.4 fake"


def t(harness: Any, msgid: str, locale: str) -> str:
    return str(harness.app.i18n.gettext(msgid, locale=locale))


def buttons(user: Any) -> list[str]:
    return [b for row in user.last.buttons for b in row]


async def people(harness: Any, base: int) -> tuple[Any, Any]:
    """A registered Russian-speaking citizen and the mahalla's Uzbek-speaking assistant."""
    async with harness.db() as session:
        await make_user(session, base, locale="ru", name="Gulnora Karimova")
        await make_assistant(session, base + 1, locale="uz", name="Karim Aliyev")
    citizen = harness.user(base, first_name="Gulnora", language_code="ru")
    assistant = harness.user(base + 1, first_name="Karim", language_code="uz")
    await citizen.send("/start")
    await assistant.send("/start")
    return citizen, assistant


async def files_of(harness: Any, case_id: int) -> list[CaseFile]:
    async with harness.db() as session:
        rows = await session.scalars(
            select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.id)
        )
        return list(rows)


async def only_case(harness: Any, telegram_id: int) -> Case:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        (case,) = (await session.scalars(select(Case).where(Case.user_id == user.id))).all()
        return case


async def draft_state(harness: Any, telegram_id: int) -> dict[str, Any]:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        draft = await session.scalar(select(Draft).where(Draft.user_id == user.id))
        return dict(draft.state)


async def to_experience(harness: Any, citizen: Any) -> None:
    """The business request up to the experience question, the idea told by voice."""
    await citizen.send(t(harness, "🚀 I want to start a business", "ru"))
    assert "Какое дело вы хотите начать?" in citizen.last.text
    await citizen.send_voice(duration=342)  # 5:42: too long
    assert citizen.last.text.startswith("⚠️ Голосовое сообщение слишком длинное")
    assert "Какое дело вы хотите начать?" in citizen.last.text
    await citizen.send_voice(duration=42)
    closed = citizen.messages[-2]
    assert "🎤 голосовое сообщение, 0:42" in closed.text  # the question shows the answer
    assert "К какой сфере это относится?" in citizen.last.text
    await citizen.send_voice()  # a choice question: the choice, please
    assert citizen.last.text.startswith("⚠️ На этот вопрос нельзя ответить голосовым")
    await citizen.press("Услуги")
    await citizen.send("30 000 000")
    await citizen.send("5000000")
    await citizen.press("Кредит")
    await citizen.press("✔️ Готово (1)")
    assert "опыт" in citizen.last.text.lower()


async def test_voice_answer_and_papers_reach_the_case_card(harness: Any) -> None:
    citizen, assistant = await people(harness, 8801)
    await to_experience(harness, citizen)
    await citizen.press("1–3 года")
    papers = citizen.last
    assert "📎 Если у вас есть документы об этом" in papers.text
    assert buttons(citizen) == ["⏭ Документов нет", "⬅️ Назад", "✖️ Отмена"]

    # Bad files: each refused with the reason, the step again, nothing kept.
    for wrong in (citizen.send_sticker, citizen.send_location):
        await wrong()
        assert citizen.last.text.startswith("⚠️ Пришлите фото или файлы PDF с документами")
    await citizen.send_document(b"PK zip", "papers.zip")
    assert citizen.last.text.startswith("⚠️ Пришлите фото или файл PDF.")
    big = await citizen.send_message(
        document={
            "file_id": "BQbig",
            "file_unique_id": "AgADbig",
            "file_name": "scan.pdf",
            "mime_type": "application/pdf",
            "file_size": 21 * 1024 * 1024,
        }
    )
    assert big and citizen.last.text.startswith("⚠️ Файл слишком большой: не более 20 МБ")
    await citizen.send("вот")
    assert citizen.last.text.startswith("⚠️ Пришлите фото или файлы PDF")
    assert (await draft_state(harness, 8801)).get("files", {}) == {}

    await citizen.send_photo(b"\xff\xd8photo-1")
    assert "Получено: 1 из 5." in citizen.last.text
    await citizen.send_document(PDF, "diploma.pdf")
    assert "Получено: 2 из 5." in citizen.last.text
    assert buttons(citizen)[0] == "✔️ Готово"
    await citizen.press("✔️ Готово")
    assert "📎 2 файла" in citizen.messages[-2].text
    while "✅ Отправить" not in buttons(citizen):  # the rest of the request
        await citizen.press(YES if (YES := "Нет") in buttons(citizen) else buttons(citizen)[0])
    summary = citizen.last.text
    assert "🎤 голосовое сообщение, 0:42" in summary and "📎 2 файла" in summary
    seen = len(assistant.messages)
    await citizen.press("✅ Отправить")

    case = await only_case(harness, 8801)
    kept = await files_of(harness, case.id)
    assert [(f.kind, f.question_id, f.duration) for f in kept] == [
        ("voice", "idea", 42),
        ("photo", "experience", None),
        ("document", "experience", None),
    ]
    assert case.answers["idea"]["kind"] == "voice"
    # The national export counts them in the mahalla's row.
    tz = harness.app.settings.tz
    async with harness.db() as session:
        data = await exports.collect(
            session,
            Scope("country", None),
            dt.datetime.now(tz).date(),
            utcnow(),
            tz,
            target_day=1,
            target_month=30,
        )
    assert data.files.get(case.mahalla_code) == 3
    notice = await assistant.next_message(after=seen, timeout=5)
    assert "📎 Ovozli xabarlar va fayllar: 3" in notice.text  # the new-request message says so

    # The assistant's card lists them and plays them back by file_id, through the outbox.
    await assistant.press("📥 Murojaatlar")
    await assistant.press(next(b for b in buttons(assistant) if case.number in b))
    card = assistant.last.text
    assert "📎 Ovozli xabarlar va fayllar</b>: 3" not in card  # HTML is rendered, not shown
    assert "📎 Ovozli xabarlar va fayllar: 3" in card
    assert "🎤 ovozli xabar, 0:42" in card
    before = len(harness.fake.calls)
    await assistant.press("▶️ Tinglash va fayllarni koʻrish (3)")
    await harness.drain()
    sent = [c for c in harness.fake.calls[before:] if c.method.startswith("send")]
    sent_ids = sorted(
        (c.method, c.params.get("voice") or c.params.get("photo") or c.params.get("document"))
        for c in sent
        if c.method != "sendMessage"
    )
    assert sent_ids == sorted(
        [
            ("sendVoice", kept[0].file_id),
            ("sendPhoto", kept[1].file_id),
            ("sendDocument", kept[2].file_id),
        ]
    )
    async with harness.db() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_file"))
        ).all()
        assert {r.status for r in rows} == {"sent"} and len(rows) == 3


async def test_at_most_five_papers_back_keeps_them_and_they_open_as_an_album(
    harness: Any,
) -> None:
    citizen, assistant = await people(harness, 8811)
    await to_experience(harness, citizen)
    await citizen.press("Больше 3 лет")
    for number in range(5):
        await citizen.send_photo(b"\xff\xd8photo-" + bytes([number]))
    assert "Получено: 5 из 5." in citizen.last.text
    await citizen.send_photo(b"\xff\xd8photo-6")
    assert citizen.last.text.startswith("⚠️ Отправлено 5 файлов — больше к одному ответу")
    state = await draft_state(harness, 8811)
    assert len(state["files"]["experience"]) == 5
    await citizen.press("⬅️ Назад")  # back to the question, papers kept
    assert "опыт" in citizen.last.text.lower()
    await citizen.press("✅ Больше 3 лет")
    assert "Получено: 5 из 5." in citizen.last.text
    await citizen.press("✔️ Готово")
    while "✅ Отправить" not in buttons(citizen):
        await citizen.press("Нет" if "Нет" in buttons(citizen) else buttons(citizen)[0])
    await citizen.press("✅ Отправить")
    case = await only_case(harness, 8811)
    await harness.drain()

    # The assistant sees the five photos as one album (the voice answer on its own).
    await assistant.press("📥 Murojaatlar")
    await assistant.press(next(b for b in buttons(assistant) if case.number in b))
    before = len(harness.fake.calls)
    await assistant.press("▶️ Tinglash va fayllarni koʻrish (6)")
    assert assistant.last_answer is not None
    assert f"{case.number} murojaatining fayllari yuborilmoqda" in assistant.last_answer.text
    await harness.drain()
    sent = [c for c in harness.fake.calls[before:] if c.ok and c.method.startswith("send")]
    assert sorted(c.method for c in sent) == ["sendMediaGroup", "sendVoice"]
    album = next(c for c in sent if c.method == "sendMediaGroup")
    photos = [f.file_id for f in await files_of(harness, case.id) if f.kind == "photo"]
    assert [item["media"] for item in album.params["media"]] == photos


async def test_voice_and_photos_relayed_both_ways_then_erased(harness: Any) -> None:
    citizen, assistant = await people(harness, 8821)
    await to_experience(harness, citizen)
    await citizen.press("Опыта нет")  # "none": no papers asked
    while "✅ Отправить" not in buttons(citizen):
        await citizen.press("Нет" if "Нет" in buttons(citizen) else buttons(citizen)[0])
    await citizen.press("✅ Отправить")
    case = await only_case(harness, 8821)
    await harness.drain()

    # The assistant answers by voice; the citizen gets the head and the voice, same file_id.
    await assistant.press("📥 Murojaatlar")
    await assistant.press(next(b for b in buttons(assistant) if case.number in b))
    await assistant.press("✉️ Fuqaroga yozish")
    seen = len(citizen.messages)
    await assistant.send_voice(duration=15)
    assert "fuqaroga xabar yuborildi" in assistant.last.text
    await harness.drain()
    arrived = citizen.messages[seen:]
    assert any(
        "Ваш помощник Karim Aliyev пишет по обращению" in (m.text or "")
        and "🎤 голосовое сообщение, 0:15" in (m.text or "")
        for m in arrived
    )
    voice_calls = harness.fake.calls_to("sendVoice", ok=True)
    answer_voice, relayed = await files_of(harness, case.id)
    assert (answer_voice.question_id, relayed.event_id is not None) == ("idea", True)
    assert voice_calls[-1].params["voice"] == relayed.file_id
    assert voice_calls[-1].params["chat_id"] == 8821

    # The citizen replies with a photo and a caption; the assistant gets both.
    await citizen.press("↩️ Ответить")
    seen = len(assistant.messages)
    await citizen.send_photo(b"\xff\xd8reply", caption="Вот справка")
    assert "Ваш ответ отправлен помощнику" in citizen.last.text
    await harness.drain()
    texts = [m.text or "" for m in assistant.messages[seen:]]
    assert any("Вот справка" in text and "🖼 rasm" in text for text in texts)
    photo_calls = harness.fake.calls_to("sendPhoto", ok=True)
    assert photo_calls[-1].params["chat_id"] == 8822
    assert len(await files_of(harness, case.id)) == 3
    # The case's history names what each message carried.
    await assistant.press("📥 Murojaatlar")
    await assistant.press(next(b for b in buttons(assistant) if case.number in b))
    history = assistant.last.text
    assert "✉️ Karim: 🎤 ovozli xabar, 0:15" in history
    assert "↩️ Gulnora: Вот справка 🖼 rasm" in history

    # "My data" counts them; deleting the citizen's data removes the records, and the
    # assistant is told.
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == 8821))
        assert (await privacy.collect(session, row)).files == 3
    await citizen.send("/settings")
    await citizen.press(next(b for b in buttons(citizen) if "Удалить" in b))
    await citizen.press(next(b for b in buttons(citizen) if "удалить" in b.lower()))
    assert await files_of(harness, case.id) == []
    await harness.drain()
    told = [m.text or "" for m in assistant.messages]
    assert any("ovozli xabarlari, rasmlari va hujjatlari" in text for text in told)


async def test_a_voice_note_sent_from_the_menu_reaches_the_assistant_after_a_yes(
    harness: Any,
) -> None:
    citizen, assistant = await people(harness, 8831)
    # No request yet: the person is told how to reach an assistant, nothing is kept.
    await citizen.send_voice(duration=20)
    assert "🎤 Голосовые сообщения и фото доходят до помощника" in citizen.last.text
    async with harness.db() as session:
        assert (await session.scalars(select(CaseFile))).all() == []

    await to_experience(harness, citizen)
    await citizen.press("Опыта нет")
    while "✅ Отправить" not in buttons(citizen):
        await citizen.press("Нет" if "Нет" in buttons(citizen) else buttons(citizen)[0])
    await citizen.press("✅ Отправить")
    case = await only_case(harness, 8831)
    await harness.drain()

    # From the menu, a voice note: asked first; "don't send" keeps nothing.
    await citizen.send_voice(duration=20)
    assert f"Отправить это вашему помощнику по обращению {case.number}?" in citizen.last.text
    await citizen.press("✖️ Не отправлять")
    assert "Не отправлено." in citizen.last.text
    assert len(await files_of(harness, case.id)) == 1  # only the voice answer of the request
    await citizen.send_voice(duration=20)
    seen = len(assistant.messages)
    await citizen.press("✅ Отправить помощнику")
    assert f"Отправлено вашему помощнику по обращению {case.number}" in citizen.last.text
    await harness.drain()
    arrived = [m.text or "" for m in assistant.messages[seen:]]
    assert any("Gulnora" in text and "🎤 ovozli xabar, 0:20" in text for text in arrived)
    relayed = (await files_of(harness, case.id))[-1]
    assert relayed.event_id is not None and relayed.duration == 20
    assert harness.fake.calls_to("sendVoice", ok=True)[-1].params["voice"] == relayed.file_id
    # A forged yes for a case that is not theirs sends nothing.
    await citizen.send_voice(duration=5)
    before = len(await files_of(harness, case.id))
    forged = CaseCB(action=CaseAction.SEND_FILE, id=case.id + 1000).pack()
    await citizen.press_data(citizen.last.message_id, forged)
    assert citizen.last_answer is not None and citizen.last_answer.show_alert
    assert len(await files_of(harness, case.id)) == before

    # The open request's card offers "✉️ Write to my assistant": a photo goes the same way.
    await citizen.send("📂 Мои обращения")
    await citizen.press(next(b for b in buttons(citizen) if case.number in b))
    await citizen.press("✉️ Написать помощнику")
    assert "Напишите помощнику по обращению" in citizen.last.text
    await citizen.send_photo(b"\xff\xd8card")
    assert "Ваш ответ отправлен помощнику" in citizen.last.text
    assert len(await files_of(harness, case.id)) == before + 1

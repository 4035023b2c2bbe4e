"""Vacancies through the fake Bot API: an assistant posts one (bad input at every step), it is
offered to exactly the matching seekers within the daily limit, Interested tells the assistant,
Hired resolves the request, records the job and asks the citizen to confirm, and a full vacancy
closes. Citizens browse their district's vacancies; every id is checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import VacancyAction, VacCB
from bot.services import cases, vacancies
from db.models import Case, Job, User, Vacancy, VacancyOffer, utcnow
from tests.support.factories import make_assistant, make_user

JOB = {
    "occupation": "tailor",
    "education": "school",
    "experience_years": 2,
    "work_kind": "full_time",
    "travel": "own_district",
    "expected_pay": None,
    "available_from": "now",
}


pytestmark = pytest.mark.harness(throttle_rate=100_000)


def t(harness: Any, msgid: str, locale: str) -> str:
    return str(harness.app.i18n.gettext(msgid, locale=locale))


def buttons(message: Any) -> list[str]:
    return [b for row in message.buttons for b in row]


def today(harness: Any) -> dt.date:
    return utcnow().astimezone(harness.app.settings.tz).date()


async def seeker(
    harness: Any,
    telegram_id: int,
    locale: str,
    answers: dict[str, Any],
    *,
    mahalla: str = "103-0104",
    kind: str = "job",
    name: str | None = None,
) -> tuple[Any, Case]:
    """A registered citizen with an open request, who has opened the chat."""
    async with harness.db() as session:
        user = await make_user(
            session,
            telegram_id,
            locale=locale,
            mahalla=mahalla,
            name=name or f"Seeker {telegram_id}",
        )
        case = await cases.create_case(
            session,
            citizen=user,
            kind=kind,
            flow_id=kind,
            flow_version=1,
            answers=answers,
            now=utcnow(),
        )
        await session.commit()
    chat = harness.user(telegram_id, first_name="S", language_code="ru" if locale == "ru" else "uz")
    await chat.send("/start")
    return chat, case


async def assistant(harness: Any, telegram_id: int, locale: str, mahalla: str = "103-0104") -> Any:
    async with harness.db() as session:
        await make_assistant(session, telegram_id, mahalla=mahalla, locale=locale, name="Karim Aka")
    chat = harness.user(telegram_id, first_name="Karim", language_code="uz")
    await chat.send("/start")
    return chat


async def post(
    harness: Any, boss: Any, locale: str, *, places: str = "2", title: str = "Tikuvchi"
) -> None:
    """Post a tailor vacancy for the whole district, the straight way."""
    await boss.send(t(harness, "📢 Vacancies", locale))
    await boss.press(t(harness, "➕ Post a vacancy", locale))
    await boss.send(title)
    await boss.send("Chilonzor tikuv fabrikasi")
    await boss.press({"uz": "Tikuvchi", "ru": "Швея, портной"}[locale])
    await boss.press(next(b for b in buttons(boss.last) if b.startswith("🏙")))
    await boss.send("3 000 000")
    await boss.press(t(harness, "full-time", locale))
    await boss.press(places)
    await boss.press(
        next(
            b
            for b in buttons(boss.last)
            if b.startswith(t(harness, "In {days} day ({date})", locale).split("{")[0]) or "7" in b
        )
    )
    assert t(harness, "📢 Post", locale) in buttons(boss.last)
    await boss.press(t(harness, "📢 Post", locale))


async def arrival(chat: Any, needle: str, after: int, wait: float = 5.0) -> Any:
    """The first bot message from index ``after`` containing ``needle``, waiting for it."""
    index = after
    while True:
        for message in chat.messages[index:]:
            if needle in (message.text or ""):
                return message
        index = len(chat.messages)
        await chat.next_message(timeout=wait, after=index)


async def offers(harness: Any) -> list[VacancyOffer]:
    async with harness.db() as session:
        return list(await session.scalars(select(VacancyOffer).order_by(VacancyOffer.id)))


# ---------------------------------------------------------------------- posting and matching


async def test_posting_answers_bad_input_and_offers_exactly_the_matching_seekers(
    harness: Any,
) -> None:
    boss = await assistant(harness, 9001, "ru")
    fits, fits_case = await seeker(harness, 9101, "uz", JOB)
    intern, intern_case = await seeker(
        harness,
        9102,
        "ru",
        {"field": "tailor", "work_kind": "any", "study_status": "student"},
        kind="internship",
        mahalla="103-0085",
    )
    driver, _ = await seeker(harness, 9103, "uz", {**JOB, "occupation": "driver"})
    part, _ = await seeker(harness, 9104, "uz", {**JOB, "work_kind": "part_time"})
    home, _ = await seeker(
        harness, 9105, "uz", {**JOB, "travel": "own_mahalla"}, mahalla="103-0086"
    )
    busy, busy_case = await seeker(harness, 9106, "uz", JOB)
    away, _ = await seeker(harness, 9107, "uz", JOB, mahalla="101-0085")  # another district
    # `busy` has had three offers today already.
    async with harness.db() as session:
        owner = await session.scalar(select(User).where(User.telegram_id == 9001))
        assert owner is not None
        for number in range(3):
            old = await vacancies.create(
                session,
                assistant=owner,
                mahallas=("103-0104",),
                title=f"Old {number}",
                employer="X",
                occupation="cook",
                district="1726294",
                mahalla=None,
                pay=None,
                kind="full_time",
                places=1,
                closes_on=today(harness),
                today=today(harness),
                now=utcnow(),
            )
            session.add(
                VacancyOffer(
                    vacancy_id=old.id,
                    citizen_id=busy_case.user_id,
                    case_id=busy_case.id,
                    offered_on=today(harness),
                )
            )
        await session.commit()
    seen = {chat.id: len(chat.messages) for chat in (fits, intern, driver, part, home, busy, away)}

    await boss.send("📢 Вакансии")
    assert "➕ Разместить вакансию" in buttons(boss.last)
    await boss.press("➕ Разместить вакансию")
    assert "шаг 1 из 8" in boss.last.text
    # Step 1, title: a sticker, a command, a title too long.
    await boss.send_sticker()
    assert boss.last.text.startswith("⚠️ Здесь я не могу принять такое сообщение.")
    assert "шаг 1 из 8" in boss.last.text
    await boss.send("/foo")
    assert boss.last.text.startswith("⚠️ Здесь команды не работают.")
    await boss.send("x" * 101)
    assert boss.last.text.startswith("⚠️ Пожалуйста, напишите название работы (до 100 символов).")
    await boss.send("Швея на фабрику")
    # Step 2, employer: a photo.
    assert "Шаг 2 из 8" in boss.last.text
    await boss.send_photo()
    assert boss.last.text.startswith("⚠️") and "Шаг 2 из 8" in boss.last.text
    await boss.send("Chilonzor tikuv fabrikasi")
    # Step 3, occupation: typed text is not a choice.
    assert "Шаг 3 из 8" in boss.last.text
    occupation_message = boss.last
    await boss.send("швея")
    assert boss.last.text.startswith("⚠️ Пожалуйста, выберите кнопками ниже или /cancel.")
    await boss.press("Швея, портной")
    # A stale button of the earlier step is refused.
    await boss.press_data(
        occupation_message, VacCB(action=VacancyAction.OCCUPATION, v="driver").pack()
    )
    assert boss.last_answer is not None and boss.last_answer.text == "Эта кнопка устарела."
    # Step 4, place: a location; then the whole district.
    assert "Шаг 4 из 8" in boss.last.text
    assert "📍 Дилобод МФЙ" in buttons(boss.last) or any(
        b.startswith("📍") for b in buttons(boss.last)
    )
    await boss.send_location()
    assert boss.last.text.startswith("⚠️") and "Шаг 4 из 8" in boss.last.text
    await boss.press(next(b for b in buttons(boss.last) if b.startswith("🏙")))
    # Step 5, pay.
    for bad in ("много", "5", "2000000000"):
        await boss.send(bad)
        assert boss.last.text.startswith("⚠️ Пожалуйста, введите зарплату целым числом"), bad
    await boss.send("3 млн сум")  # as people write it
    # Step 6, kind: text is not a choice.
    await boss.send("полный")
    assert boss.last.text.startswith("⚠️") and "Шаг 6 из 8" in boss.last.text
    await boss.press("полный день")
    # Step 7, places.
    for bad in ("0", "501", "много"):
        await boss.send(bad)
        assert boss.last.text.startswith("⚠️ Пожалуйста, введите целое число от 1 до 500."), bad
    await boss.send("два")  # a small count in words is understood
    # Step 8, closing date.
    assert "Шаг 8 из 8" in boss.last.text
    await boss.send("31.02.2027")  # written right, but there is no 31 February
    assert boss.last.text.startswith("⚠️ Такой даты в календаре нет.")
    await boss.send("в пятницу")
    assert boss.last.text.startswith("⚠️ Пожалуйста, введите дату в виде дд.мм.гггг")
    await boss.send("01.01.2020")
    assert boss.last.text.startswith("⚠️ Этот день уже прошёл.")
    await boss.send("01.01.2099")
    assert boss.last.text.startswith("⚠️ Это слишком далеко")
    closes = today(harness) + dt.timedelta(days=20)
    await boss.send(closes.strftime("%d.%m.%Y"))
    # The summary.
    summary = boss.last.text
    assert "Швея на фабрику" in summary and "3\xa0000\xa0000" in summary
    assert "Чиланзарский район (весь район)" in summary or "(весь район)" in summary
    await boss.send_voice()
    assert boss.last.text.startswith("⚠️") and "📢 Разместить" in buttons(boss.last)
    await boss.press("📢 Разместить")

    report = boss.last.text
    assert "Предложена 2 соискателям" in report
    assert "Подходит ещё 1 человек, но сегодня ему" in report
    async with harness.db() as session:
        (vacancy,) = list(
            await session.scalars(select(Vacancy).where(Vacancy.title == "Швея на фабрику"))
        )
    assert vacancy.closes_on == closes and vacancy.mahalla_code is None and vacancy.places == 2
    made = [o for o in await offers(harness) if o.vacancy_id == vacancy.id]
    assert {o.case_id for o in made} == {fits_case.id, intern_case.id}

    offer_uz = await fits.next_message(timeout=5, after=seen[fits.id])
    assert "Швея на фабрику" in offer_uz.text and fits_case.number in offer_uz.text
    assert buttons(offer_uz) == ["👍 Qiziq", "👎 Menga mos emas"]
    offer_ru = await intern.next_message(timeout=5, after=seen[intern.id])
    assert "Зарплата: 3\xa0000\xa0000" in offer_ru.text
    await harness.drain()
    for chat in (driver, part, home, busy, away):
        assert len(chat.messages) == seen[chat.id], chat.id


async def test_interested_hired_resolves_records_and_asks_to_confirm_and_closes_when_full(
    harness: Any,
) -> None:
    boss = await assistant(harness, 9002, "uz")
    first, first_case = await seeker(harness, 9201, "ru", JOB, name="Dilnoza Rahimova")
    second, second_case = await seeker(harness, 9202, "uz", JOB, name="Aziz Tursunov")
    seen = {chat.id: len(chat.messages) for chat in (first, second, boss)}
    await post(harness, boss, "uz", places="1")
    offer_ru = await first.next_message(timeout=5, after=seen[first.id])
    offer_uz = await second.next_message(timeout=5, after=seen[second.id])

    # Someone else's offer: refused, nothing recorded.
    await second.press_data(offer_ru, offer_ru.inline_keyboard[0][0]["callback_data"])
    assert second.last_answer is not None and second.last_answer.text == "Bu tugma eskirgan."
    assert all(o.answer is None for o in await offers(harness))

    # Interested → the assistant is told with the name and phone.
    boss_seen = len(boss.messages)
    await first.press("👍 Интересно", message=offer_ru)
    answered = next(m for m in first.messages if m.message_id == offer_ru.message_id)
    assert "Вашему помощнику сообщили, что вам интересно" in answered.text
    assert not answered.inline_keyboard
    told = await boss.next_message(timeout=5, after=boss_seen)
    assert "Dilnoza Rahimova" in told.text and "+99890" in told.text
    assert first_case.number in told.text
    # "Not for me" from the other one: nothing is sent to the assistant for it.
    await second.press("👎 Menga mos emas", message=offer_uz)

    # Hired: confirm first, then the request is resolved, the job recorded, the citizen asked.
    first_seen = len(first.messages)
    await boss.press("✅ Ishga olindi", message=told)
    assert "Dilnoza Rahimova" in boss.last.text and first_case.number in boss.last.text
    await boss.press("✅ Ha, ishga olindi")
    assert "Barcha oʻrinlar toʻldi" in boss.last.text  # one place: now closed
    async with harness.db() as session:
        case = await session.get(Case, first_case.id)
        assert case is not None and (case.status, case.outcome) == ("resolved", "job_placed")
        (job,) = list(await session.scalars(select(Job)))
        assert (job.case_id, job.status, job.kind) == (first_case.id, "pending", "permanent")
        (vacancy,) = list(await session.scalars(select(Vacancy)))
        assert (vacancy.status, vacancy.closed_reason, vacancy.filled) == ("closed", "filled", 1)
    ask = await arrival(first, "Вы приступили к этой работе?", first_seen)
    status = await arrival(first, "решено", first_seen)  # the status change, in Russian
    assert first_case.number in status.text
    await first.press("✅ Да", message=ask)
    async with harness.db() as session:
        job = await session.get(Job, job.id)
        assert job is not None and job.status == "confirmed"

    # The vacancy is closed: a late "interested" is told so, and nothing changes.
    await second.press_data(
        offer_uz,
        VacCB(
            action="yes",
            id=next(o.id for o in await offers(harness) if o.case_id == second_case.id),
        ).pack(),
    )
    assert second.last_answer is not None and "yopilgan" in (second.last_answer.text or "")
    async with harness.db() as session:
        assert (await session.get(Case, second_case.id)).status == "new"  # type: ignore[union-attr]


async def test_assistants_and_citizens_act_only_on_their_own(harness: Any) -> None:
    boss = await assistant(harness, 9003, "uz")
    stranger = await assistant(harness, 9004, "uz", mahalla="101-0085")  # another district
    citizen, _case = await seeker(harness, 9301, "uz", JOB)
    await post(harness, boss, "uz", places="2")
    async with harness.db() as session:
        (vacancy,) = list(await session.scalars(select(Vacancy)))
    (offer,) = await offers(harness)

    for action, ident in (
        (VacancyAction.OPEN, vacancy.id),
        (VacancyAction.PEOPLE, vacancy.id),
        (VacancyAction.CLOSE, vacancy.id),
        (VacancyAction.HIRE, offer.id),
        (VacancyAction.HIRE_YES, offer.id),
    ):
        await stranger.press_data(stranger.last, VacCB(action=action, id=ident).pack())
        assert (
            stranger.last_answer is not None and stranger.last_answer.text == "Bu tugma eskirgan."
        ), action
        await citizen.press_data(citizen.last, VacCB(action=action, id=ident).pack())
        assert (
            citizen.last_answer is not None and citizen.last_answer.text == "Bu tugma eskirgan."
        ), action
    # The citizen of another district neither sees the vacancy nor can answer it.
    far, _ = await seeker(harness, 9302, "uz", JOB, mahalla="101-0085")
    await far.send(t(harness, "🔎 Vacancies", "uz"))
    assert "ochiq vakansiyalar yoʻq" in far.last.text
    await far.press_data(far.last, VacCB(action=VacancyAction.INTERESTED, id=vacancy.id).pack())
    assert far.last_answer is not None and far.last_answer.text == "Bu tugma eskirgan."
    # A citizen cannot start posting, nor press a posting step.
    await citizen.press_data(citizen.last, VacCB(action=VacancyAction.NEW).pack())
    assert citizen.last_answer is not None and citizen.last_answer.text == "Bu tugma eskirgan."
    await citizen.send(t(harness, "📢 Vacancies", "uz"))
    assert citizen.last.text == "Bu menyu hokim yordamchilari uchun."
    # The assistant closes it: no more offers or browsing.
    await boss.send(t(harness, "📢 Vacancies", "uz"))
    await boss.press(next(b for b in buttons(boss.last) if b.startswith("🟢")))
    await boss.press("🔒 Vakansiyani yopish")
    await boss.press("🔒 Ha, yopilsin")
    async with harness.db() as session:
        closed = await session.get(Vacancy, vacancy.id)
        assert closed is not None and closed.closed_reason == "withdrawn"
    await citizen.send(t(harness, "🔎 Vacancies", "uz"))
    assert "ochiq vakansiyalar yoʻq" in citizen.last.text


async def test_citizens_browse_their_district_paged_and_answer_themselves(harness: Any) -> None:
    boss_seen_box: list[int] = []
    boss = await assistant(harness, 9005, "ru")
    async with harness.db() as session:
        owner = await session.scalar(select(User).where(User.telegram_id == 9005))
        assert owner is not None
        for number in range(7):
            await vacancies.create(
                session,
                assistant=owner,
                mahallas=("103-0104",),
                title=f"Vacancy {number}",
                employer="Employer",
                occupation="cook",
                district="1726294",
                mahalla=None,
                pay=2_500_000 if number else None,
                kind="full_time",
                places=1,
                closes_on=today(harness) + dt.timedelta(days=number),
                today=today(harness),
                now=utcnow(),
            )
        await session.commit()
    # Without a request: the list is shown, but answering needs a job request first.
    async with harness.db() as session:
        await make_user(session, 9401, locale="ru")
    newcomer = harness.user(9401, first_name="N", language_code="ru")
    await newcomer.send("/start")
    await newcomer.send("🔎 Вакансии")
    assert "Открытые вакансии вашего района: 7" in newcomer.last.text
    assert "1/2" in buttons(newcomer.last)
    await newcomer.press("▶️")
    assert "2/2" in buttons(newcomer.last) and any(
        b.startswith("Vacancy 6") for b in buttons(newcomer.last)
    )
    await newcomer.press(next(b for b in buttons(newcomer.last) if b.startswith("Vacancy 6")))
    assert "Vacancy 6" in newcomer.last.text and "Открыта до" in newcomer.last.text
    await newcomer.press("👍 Мне интересно")
    assert "сначала отправьте обращение о работе" in newcomer.last.text
    await newcomer.send_sticker()  # no state: the usual fallback answers
    assert newcomer.last.text

    # With a request: interested → the assistant is told.
    citizen, case = await seeker(harness, 9402, "uz", {**JOB, "occupation": "driver"})
    await citizen.send(t(harness, "🔎 Vacancies", "uz"))
    await citizen.press(next(b for b in buttons(citizen.last) if b.startswith("Vacancy 0")))
    assert "kelishilgan holda" in citizen.last.text  # pay by agreement
    boss_seen_box.append(len(boss.messages))
    await citizen.press("👍 Menga qiziq")
    assert "Yordamchingizga qiziqishingiz haqida xabar berildi" in citizen.last.text
    told = await boss.next_message(timeout=5, after=boss_seen_box[0])
    assert "Seeker 9402" in told.text and case.number in told.text
    (offer,) = await offers(harness)
    assert (offer.source, offer.answer, offer.case_id) == ("browse", "interested", case.id)
    # Again: already.
    await citizen.press_data(
        citizen.last, VacCB(action=VacancyAction.INTERESTED, id=offer.vacancy_id).pack()
    )
    assert citizen.last_answer is not None and "allaqachon" in (citizen.last_answer.text or "")


async def test_a_new_job_request_is_offered_the_open_vacancies_and_menu_entries(
    harness: Any,
) -> None:
    boss = await assistant(harness, 9006, "uz")
    await post(harness, boss, "uz", places="3", title="Tikuvchi kerak")
    async with harness.db() as session:
        await make_user(session, 9501, locale="uz")
    chat = harness.user(9501, first_name="A", language_code="uz")
    await chat.send("/start")
    keyboard = [b for row in chat.reply_keyboard for b in row]
    for entry in (
        "💼 I need a job",
        "🎓 I want an internship",
        "🚀 I want to start a business",
        "🔎 Vacancies",
    ):
        assert t(harness, entry, "uz") in keyboard
    start = keyboard.index(t(harness, "📝 My household's needs", "uz"))
    assert keyboard[start + 1 : start + 4] == [
        t(harness, "💼 I need a job", "uz"),
        t(harness, "🎓 I want an internship", "uz"),
        t(harness, "🚀 I want to start a business", "uz"),
    ]
    assert t(harness, "📢 Vacancies", "uz") in [b for row in boss.reply_keyboard for b in row]

    await chat.send(t(harness, "💼 I need a job", "uz"))
    await chat.press("Tikuvchi")
    await chat.press("Maktab")
    await chat.send("1")
    await chat.press("Toʻliq kun")
    await chat.press("Oʻz tumanimda")
    await chat.press(t(harness, "⏭ Skip", "uz"))
    await chat.press("Hoziroq")
    seen = len(chat.messages)
    await chat.press(t(harness, "✅ Send", "uz"))
    await arrival(chat, "Hozir sizga yuborilgan vakansiyalar: 1", seen)
    offer = await arrival(chat, "Tikuvchi kerak", seen)
    assert "👍 Qiziq" in buttons(offer)


async def test_posting_goes_back_a_step_keeping_the_answers(harness: Any) -> None:
    """⬅️ Back on any step after the first (the summary too) asks the step before again; what
    was answered stays, and a Back from an earlier screen is out of date."""
    boss = await assistant(harness, 951, "uz")
    back = t(harness, "⬅️ Back", "uz")
    await boss.send(t(harness, "📢 Vacancies", "uz"))
    await boss.press(t(harness, "➕ Post a vacancy", "uz"))
    assert back not in buttons(boss.last)  # the first step has nothing before it
    await boss.send("Tikuvchi")
    assert "8 qadamdan 2-qadam" in boss.last.text and back in buttons(boss.last)
    await boss.press(back)
    assert "Ish qanday nomlanadi?" in boss.last.text
    await boss.send("Bichuvchi")  # the title, corrected
    await boss.send("Chilonzor tikuv fabrikasi")
    occupation_step = boss.last
    await boss.press(back)
    assert "8 qadamdan 2-qadam" in boss.last.text
    assert occupation_step.buttons == []  # its buttons went with it
    stale = VacCB(action=VacancyAction.BACK, v="1").pack()  # the occupation step's Back
    await boss.press_data(occupation_step, stale)
    assert boss.last_answer is not None and "eskirgan" in boss.last_answer.text
    assert "8 qadamdan 2-qadam" in boss.last.text  # still the employer step
    await boss.send("Yunusobod tikuv fabrikasi")
    await boss.press("Tikuvchi")
    await boss.press(next(b for b in buttons(boss.last) if b.startswith("🏙")))
    await boss.send("3 000 000")
    await boss.press(t(harness, "full-time", "uz"))
    await boss.press("2")
    await boss.press(next(b for b in buttons(boss.last) if "7" in b))
    assert t(harness, "📢 Post", "uz") in buttons(boss.last)
    summary = boss.last
    await boss.press(back)  # from the summary to the closing day
    assert "8 qadamdan 8-qadam" in boss.last.text
    await boss.press(next(b for b in buttons(boss.last) if "14" in b))
    await boss.press(t(harness, "📢 Post", "uz"))
    async with harness.db() as session:
        (vacancy,) = (await session.scalars(select(Vacancy))).all()
    assert (vacancy.title, vacancy.employer) == ("Bichuvchi", "Yunusobod tikuv fabrikasi")
    assert vacancy.closes_on == today(harness) + dt.timedelta(days=14)
    assert summary.buttons == []


async def test_a_hire_refused_because_the_places_went_meanwhile_is_told_and_kept(
    harness: Any,
) -> None:
    """Between "Hired" and "Yes" the last place is taken elsewhere: the assistant is told the
    vacancy is closed, the vacancy is kept closed, the request stays open and no job is recorded
    (and, as everywhere, nothing written waits while the bot answers)."""
    boss = await assistant(harness, 9003, "uz")
    citizen, case = await seeker(harness, 9203, "uz", JOB, name="Zarina Qodirova")
    seen = len(citizen.messages)
    await post(harness, boss, "uz", places="1")
    offer = await citizen.next_message(timeout=5, after=seen)
    boss_seen = len(boss.messages)
    await citizen.press("👍 Qiziq", message=offer)
    told = await boss.next_message(timeout=5, after=boss_seen)
    await boss.press("✅ Ishga olindi", message=told)
    async with harness.db() as session:
        (vacancy,) = list(await session.scalars(select(Vacancy)))
        vacancy.filled = vacancy.places  # another hire took the last place meanwhile
        await session.commit()
    await boss.press("✅ Ha, ishga olindi")
    answer = boss.last_answer
    assert answer is not None and answer.show_alert
    assert answer.text == "Vakansiya yopilgan: boʻsh oʻrin qolmadi."
    async with harness.db() as session:
        (vacancy,) = list(await session.scalars(select(Vacancy)))
        assert vacancy.status == "closed"
        assert (await session.get(Case, case.id)).status != "resolved"  # type: ignore[union-attr]
        assert list(await session.scalars(select(Job))) == []
